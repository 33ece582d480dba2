#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds each (default 300) with cargo-fuzz on the
# stable toolchain. Crashes land in fuzz/artifacts/TARGET/; make each a regression test.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
# Seeds for the databases, proxies and brokers, from the sample captures (needs
# tshark): PostgreSQL (index 5, on 5433 in the captures), Redis (11), SOCKS (12),
# MQTT (13).
if command -v tshark >/dev/null; then
  ./seed-stream.py 5 5433 ../captures/pgsql-md5.pcap ../captures/pgsql-scram.pcap >/dev/null
  ./seed-stream.py 11 6379 ../captures/redis-auth.pcap >/dev/null
  ./seed-stream.py 12 1080 ../captures/socks5-auth.pcap >/dev/null
  ./seed-stream.py 13 1883 ../captures/mqtt-auth.pcap >/dev/null
  # WebSocket after HTTP's Upgrade (on port 80, index 2); fully encrypted and reverse
  # SOCKS flows on a port no protocol claims (1234, index 19), from the corpus if present.
  ./seed-stream.py 2 8765 ../captures/websocket-echo.pcap >/dev/null
  corpus=${EAVESDROP_CORPUS:-../../shared/corpus}
  for f in ndpi/tls_heur__shadowsocks-tcp.pcapng ndpi/tls_heur__vmess-websocket.pcapng; do
    if [ -f "$corpus/$f" ]; then ./seed-stream.py 19 1234 "$corpus/$f" >/dev/null; fi
  done
  if [ -f "$corpus/arkime/socks5-reverse.pcap" ]; then
    ./seed-stream.py 19 8855 "$corpus/arkime/socks5-reverse.pcap" >/dev/null
  fi
fi
for t in decode_frame stream datagram udp_datagrams capture_file decrypt; do
  mkdir -p "corpus/$t"
  if [ -d "seeds/$t" ]; then cp -n seeds/$t/* "corpus/$t/"; fi
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536
done
