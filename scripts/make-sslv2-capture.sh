#!/usr/bin/env bash
# A whole SSL 2.0 session (captures/sslv2-session.pcap): scapy's SSLv2 client and
# server automata on 127.0.0.1:4444 with the teaching certificate, captured by tcpdump.
# Needs root, tcpdump, and `pip install scapy cryptography`.
# Usage: scripts/make-sslv2-capture.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures/sslv2-session.pcap
rm -f "$out"
tcpdump -i lo -U -w "$out" tcp port 4444 2>/dev/null &
dump=$!
sleep 1
timeout 60 python3 scripts/sslv2_session.py captures/certs/server.crt captures/certs/server.key >/dev/null 2>&1 || true
sleep 1
kill -INT "$dump"; wait "$dump" || true
ls -l "$out"
