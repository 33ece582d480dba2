#!/usr/bin/env bash
# Size and load time of `eavesdrop html` pages for a large synthetic capture (the one
# scripts/bench.sh uses, made by examples/gen_bench_capture.rs). Results go to stdout as
# a markdown table; copy them into docs/benchmarks.md with the date and machine.
#
# Usage: scripts/bench-html.sh [MEGABYTES]   (default 100; the capture is cached in bench-data/)
# Needs: chromium, GNU time (Debian: apt-get install chromium time).
#
# Load time, two ways, best of 3 each: the page's own figure (its script writes
# `data-ready-ms` on <html>: performance.now() when the document is built, counted from
# the start of navigation, so reading and parsing the file are in it and the browser's
# start is not), read from `chromium --headless --dump-dom`; and that command's wall
# time less an empty page's (the browser's own start and exit).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-100}
target=${CARGO_TARGET_DIR:-target}
cap=bench-data/bench-${mb}MB.pcap
cargo build --release --quiet --bin eavesdrop --example gen_bench_capture
mkdir -p bench-data
[ -f "$cap" ] || "$target"/release/examples/gen_bench_capture "$cap" "$mb" 48
bytes=$(stat -c %s "$cap")
export TZ=UTC
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# load FILE: best wall time of 3 headless loads in seconds, and the best data-ready-ms;
# checks the script finished.
load() {
  local best= ms= t m
  for _ in 1 2 3; do
    /usr/bin/time -f "%e" -o bench-data/.time \
      chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
      --dump-dom "file://$PWD/$1" > bench-data/.dom 2>/dev/null
    t=$(tail -1 bench-data/.time)
    m=0
    if [ "$1" != bench-data/empty.html ]; then
      m=$(head -c 4096 bench-data/.dom | grep -o 'data-ready-ms="[0-9]*"' | grep -o '[0-9]*' || true)
      if [ -z "$m" ]; then
        echo "$1: the page's script did not finish" >&2
        exit 1
      fi
    fi
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    if [ -z "$ms" ] || [ "$m" -lt "$ms" ]; then ms=$m; fi
  done
  echo "$best $ms"
}

printf '<!DOCTYPE html><html><head><title>empty</title></head><body></body></html>\n' \
  > bench-data/empty.html
base=$(load bench-data/empty.html)
base=${base% *}

echo "capture: $cap ($bytes bytes, $(nproc) cores, $(date -u +%Y-%m-%d), $(chromium --version 2>/dev/null))"
echo "an empty page: ${base} s (subtracted below)"
echo
echo "| --max-frames | eavesdrop html wall | peak RSS | page size | built (data-ready-ms) | load less an empty page |"
echo "|---|---|---|---|---|---|"
for n in 2000 20000; do
  page=bench-data/bench-${mb}MB-${n}.html
  /usr/bin/time -f "%e %M" -o bench-data/.time \
    "$target"/release/eavesdrop html --quiet --max-frames "$n" "$cap" -o "$page"
  out=$(tail -1 bench-data/.time)
  size=$(stat -c %s "$page")
  t=$(load "$page")
  printf '| %s | %s s | %s MiB | %s MB | %.2f s | %.2f s |\n' "$n" "${out% *}" "$(( ${out#* } / 1024 ))" \
    "$(awk "BEGIN{printf \"%.1f\", $size/1e6}")" "$(awk "BEGIN{print ${t#* } / 1000}")" \
    "$(awk "BEGIN{print ${t% *} - $base}")"
done
