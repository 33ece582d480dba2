#!/usr/bin/env bash
# `eavesdrop flows` with and without the endpoints' key log on the same capture, in the
# same run: a synthetic capture whose TLS 1.2 and 1.3 records are really encrypted
# (AES-128-GCM and ChaCha20-Poly1305; examples/gen_bench_capture.rs writes the key log).
# Results go to stdout as a markdown table (docs/benchmarks.md).
#
# Usage: scripts/bench-decrypt.sh [MEGABYTES]   (default 1024; cached in bench-data/)
# Needs: GNU time (Debian: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1024}
target=${CARGO_TARGET_DIR:-target}
cap=bench-data/bench-enc-${mb}MB.pcap
keys=bench-data/bench-enc-${mb}MB.keylog
cargo build --release --quiet --bin eavesdrop --example gen_bench_capture
mkdir -p bench-data
[ -f "$cap" ] && [ -f "$keys" ] || "$target"/release/examples/gen_bench_capture "$cap" "$mb" 48 "$keys"
bytes=$(stat -c %s "$cap")
export TZ=UTC

# run VAR NAME CMD...: best wall time of 3 runs (kept in $VAR), peak RSS of the last.
run() {
  local var=$1 name=$2; shift 2
  local best= rss=
  for _ in 1 2 3; do
    local out
    /usr/bin/time -f "%e %M" -o bench-data/.time "$@" > /dev/null 2>/dev/null
    out=$(tail -1 bench-data/.time)
    local t=${out% *}; rss=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  local mbs
  mbs=$(awk "BEGIN{printf \"%.0f\", $bytes/1e6/$best}")
  printf '| %s | %.2f s | %s MB/s | %s MiB |\n' "$name" "$best" "$mbs" "$((rss / 1024))"
  printf -v "$var" '%s' "$best"
}

echo "capture: $cap ($bytes bytes, $(nproc) cores, $(date -u +%Y-%m-%d)); $(grep -c . "$keys") key log lines"
echo
echo "| command | wall (best of 3) | throughput | peak RSS |"
echo "|---|---|---|---|"
run t_plain "eavesdrop flows" "$target"/release/eavesdrop flows "$cap"
run t_keys "eavesdrop flows --keylog" "$target"/release/eavesdrop flows --keylog "$keys" "$cap"
run t_json "eavesdrop flows --json --keylog" "$target"/release/eavesdrop flows --json --keylog "$keys" "$cap"
echo
awk "BEGIN{printf \"flows --keylog runs at %.0f%% of the speed of flows without keys\n\", 100*$t_plain/$t_keys}"
"$target"/release/eavesdrop flows --keylog "$keys" "$cap" 2>&1 >/dev/null | grep 'key log:' || true
