#!/bin/sh
# Regenerates tests/data/many-flows.pcapng (over 300 flows, under 1 MB) from the small
# captures in captures/. Needs python3 and Wireshark's editcap and mergecap
# (Debian: apt-get install tshark).
set -eu
cd "$(dirname "$0")/.."
python3 scripts/make-many-flows.py 10 tests/data/many-flows.pcapng \
  captures/dns-fragmented.pcap captures/dns-queries.pcap captures/ftp-password.pcap \
  captures/http-basic-auth.pcap captures/ip-fragments.pcap captures/ldap-starttls.pcap \
  captures/mysql-tls.pcap captures/plain-echo.pcap captures/quic-echo.pcap \
  captures/smtp-auth-plain.pcap captures/smtp-starttls.pcap captures/sslv2-session.pcap \
  captures/tls12-anon-null.pcap \
  captures/tls12-echo.pcapng captures/tls12-midstream.pcap captures/tls12-null.pcap \
  captures/tls12-resumption.pcap captures/tls12-snaplen96.pcap \
  captures/tls13-echo-ipv6.pcap captures/tls13-echo.pcapng captures/xmpp-starttls.pcap
ls -l tests/data/many-flows.pcapng
