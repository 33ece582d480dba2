#!/usr/bin/env bash
# The protocol samples of captures/ (see captures/README.md), made with real clients and
# servers on loopback (scripts/protocols.py: aiosmtpd, smtplib, curl, pyftpdlib, dnslib,
# dig, Python ssl); reordering and loss rewritten with scapy (kernel netem is not
# available on the machine these were made on); IP fragments made by the kernel, in a
# network namespace whose loopback has a 1280-byte MTU, and crafted with scapy. Needs
# root, tcpdump, editcap, curl, dig, iproute2, and `pip install aiosmtpd pyftpdlib
# dnslib scapy`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures

# capture FILE FILTER -- protocols.py ARGS...
capture() {
  local file=$1 filter=$2; shift 3
  rm -f "$file"
  tcpdump -i lo -U -s 262144 -w "$file" "$filter" 2>/dev/null &
  local pid=$!
  sleep 1.5
  python3 scripts/protocols.py "$@"
  sleep 1
  kill -INT "$pid"; wait "$pid" || true
}

capture "$out/smtp-starttls.pcap" "tcp port 2525" -- smtp-starttls --keylog "$out/smtp-starttls.keylog"
capture "$out/smtp-auth-plain.pcap" "tcp port 2525" -- smtp-auth
capture "$out/http-basic-auth.pcap" "tcp port 8080" -- http-basic
capture "$out/ftp-password.pcap" "tcp port 2121 or tcp portrange 50000-50009" -- ftp
capture "$out/ftp-active.pcap" "tcp port 2121 or tcp portrange 50020-50029" -- ftp-active
capture "$out/dns-queries.pcap" "port 53" -- dns
capture "$out/tls12-resumption.pcap" "tcp port 1060" -- tls12-resume --keylog "$out/tls12-resumption.keylog"

# A capture that starts in the middle of a connection: the TLS 1.2 echo without its
# first six frames (handshake and ClientHello).
editcap -F pcap -r "$out/tls12-echo.pcapng" "$out/tls12-midstream.pcap" 7-1000

# Reordering, duplication and loss: a TLS 1.3 transfer in 1448-byte segments on
# loopback (kernel netem is not available here), then rewritten by
# scripts/reorder.py (scapy): segments swapped, some sent twice, one held back as
# if lost and retransmitted late, one dropped for good.
rm -f /tmp/eav-bulk.pcap
tcpdump -i lo -U -s 262144 -w /tmp/eav-bulk.pcap "tcp port 4433" 2>/dev/null &
tpid=$!
sleep 1.5
python3 scripts/protocols.py bulk-server --size 60000 --keylog "$out/tls13-reordered.keylog" &
spid=$!
python3 scripts/protocols.py bulk-client --size 60000 --keylog "$out/tls13-reordered.keylog"
wait "$spid"
sleep 1
kill -INT "$tpid"; wait "$tpid" || true
cp /tmp/eav-bulk.pcap "$out/tls13-bulk.pcap"
python3 scripts/reorder.py "$out/tls13-bulk.pcap" "$out/tls13-reordered.pcap"
# IP fragments: a DNS answer bigger than the MTU, over IPv4 and IPv6, fragmented by the
# kernel (a namespace of our own, so the MTU change touches nothing else).
ip netns add eavfrag 2>/dev/null || true
ip -n eavfrag link set lo mtu 1280 up
ip netns exec eavfrag bash -c '
  tcpdump -i lo -U -s 262144 -w "$0" "udp or ip6" 2>/dev/null & p=$!
  sleep 1.5; python3 scripts/protocols.py dns-big; sleep 1
  kill -INT $p; wait $p || true' "$out/dns-fragmented.pcap"
ip netns delete eavfrag
# Fragments as hostile networks send them: out of order, duplicated, overlapping with
# different bytes, one missing.
python3 scripts/fragments.py "$out/ip-fragments.pcap"

chmod 644 "$out"/*.pcap* "$out"/*.keylog
ls -l "$out"
