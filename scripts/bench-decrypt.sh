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

# run VAR NAME CMD...: best wall time and best CPU time (user + system) of 5 runs; the
# CPU time is kept in $VAR (on a shared machine wall time follows the other load),
# peak RSS of the last.
run() {
  local var=$1 name=$2; shift 2
  local best= cpu= rss=
  for _ in 1 2 3 4 5; do
    local out
    /usr/bin/time -f "%e %U %S %M" -o bench-data/.time "$@" > /dev/null 2>/dev/null
    out=$(tail -1 bench-data/.time)
    read -r t u s rss <<< "$out"
    local c
    c=$(awk "BEGIN{print $u + $s}")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    if [ -z "$cpu" ] || awk "BEGIN{exit !($c < $cpu)}"; then cpu=$c; fi
  done
  local mbs
  mbs=$(awk "BEGIN{printf \"%.0f\", $bytes/1e6/$cpu}")
  printf '| %s | %.2f s | %.2f s | %s MB/s | %s MiB |\n' "$name" "$best" "$cpu" "$mbs" "$((rss / 1024))"
  printf -v "$var" '%s' "$cpu"
}

echo "capture: $cap ($bytes bytes, $(nproc) cores, $(date -u +%Y-%m-%d)); $(grep -c . "$keys") key log lines"
echo
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | wall (best of 5) | CPU (best of 5) | throughput (CPU) | peak RSS |"
echo "|---|---|---|---|---|"
run t_plain "eavesdrop flows" "$target"/release/eavesdrop flows "$cap"
run t_keys "eavesdrop flows --keylog" "$target"/release/eavesdrop flows --keylog "$keys" "$cap"
run t_json "eavesdrop flows --json --keylog" "$target"/release/eavesdrop flows --json --keylog "$keys" "$cap"
echo
awk "BEGIN{printf \"flows --keylog runs at %.0f%% of the speed of flows without keys (CPU time)\n\", 100*$t_plain/$t_keys}"
"$target"/release/eavesdrop flows --keylog "$keys" "$cap" 2>&1 >/dev/null | grep 'key log:' || true
