#!/usr/bin/env bash
# Makes captures/websocket-echo.pcap: a WebSocket echo between Python's `websockets`
# client and server on loopback (scripts/websocket_echo.py). Not run in CI: the
# capture is committed. Needs root (tcpdump on lo) and `pip install websockets`.
set -euo pipefail
cd "$(dirname "$0")/.."
port=8765
file=captures/websocket-echo.pcap
tcpdump -i lo -U -s 0 -w "$file" "tcp port $port" 2>/dev/null &
dump=$!
sleep 1
python3 scripts/websocket_echo.py "$port"
sleep 1
kill "$dump"
wait "$dump" || true
echo "$(basename "$file"): $(tcpdump -r "$file" 2>/dev/null | wc -l) packets"
