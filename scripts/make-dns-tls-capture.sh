#!/usr/bin/env bash
# captures/dns-then-tls.pcap: a DNS answer names hidden.example, then a TLS 1.3
# connection to that address sends no SNI (scripts/dns_then_tls.py). Needs root,
# tcpdump, openssl and `pip install dnslib`.
# Usage: scripts/make-dns-tls-capture.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures/dns-then-tls.pcap
rm -f "$out"
tcpdump -i lo -U -w "$out" 'udp port 53 or tcp port 4443' 2>/dev/null &
dump=$!
sleep 1
timeout 30 python3 scripts/dns_then_tls.py captures/certs/server.crt captures/certs/server.key
sleep 1
kill -INT "$dump"; wait "$dump" || true
ls -l "$out"
