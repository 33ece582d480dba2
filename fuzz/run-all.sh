#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds each (default 300) with cargo-fuzz on the
# stable toolchain. Crashes land in fuzz/artifacts/TARGET/; make each a regression test.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
# Seeds for the plaintext protocols, from the sample captures (scapy reads them).
if python3 -c 'import scapy' 2>/dev/null; then
  seeds=../scripts/fuzz_seeds.py
  "$seeds" corpus/stream 5432 5433 ../captures/pgsql-md5.pcap ../captures/pgsql-scram.pcap
  "$seeds" corpus/stream 6379 6379 ../captures/redis-auth.pcap
  "$seeds" corpus/stream 1080 1080 ../captures/socks5-auth.pcap
  "$seeds" corpus/stream 1883 1883 ../captures/mqtt-auth.pcap
fi
for t in decode_frame stream capture_file; do
  mkdir -p "corpus/$t"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536
done
