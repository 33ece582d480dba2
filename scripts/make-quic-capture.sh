#!/usr/bin/env bash
# A QUIC v1 exchange on loopback (captures/quic-echo.pcap and its key log): aioquic's
# client sends "Simple is better than complex." on a stream to aioquic's echo server
# (scripts/quic_echo.py, SNI localhost, ALPN echo), captured by tcpdump.
# Needs root, tcpdump, and `pip install aioquic`.
# Usage: scripts/make-quic-capture.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures/quic-echo.pcap
rm -f "$out"
tcpdump -i lo -U -w "$out" udp port 4433 2>/dev/null &
dump=$!
sleep 1
timeout 30 python3 scripts/quic_echo.py captures/certs/server.crt captures/certs/server.key \
  --keylog captures/quic-echo.keylog
sleep 1
kill -INT "$dump"; wait "$dump" || true
ls -l "$out" captures/quic-echo.keylog
