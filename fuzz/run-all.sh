#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds each (default 300) with cargo-fuzz on the
# stable toolchain. Crashes land in fuzz/artifacts/TARGET/; make each a regression test.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
for t in decode_frame stream capture_file decrypt; do
  mkdir -p "corpus/$t"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536
done
