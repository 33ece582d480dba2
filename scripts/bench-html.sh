#!/usr/bin/env bash
# Size and load time of `eavesdrop html` pages for a large synthetic capture (the one
# scripts/bench.sh uses, made by examples/gen_bench_capture.rs). Results go to stdout as
# a markdown table; copy them into docs/benchmarks.md with the date and machine.
#
# Usage: scripts/bench-html.sh [MEGABYTES]   (default 100; the capture is cached in bench-data/)
# Needs: chromium, GNU time (Debian: apt-get install chromium time).
#
# Load time: `chromium --headless --dump-dom` returns after the load event, and the
# page's script runs before it (it is the last element of the body), so its wall time
# covers parsing the page and building the document. An empty page's time (the
# browser's own start and exit) is measured the same way and subtracted. Best of 3.
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

# load FILE: best wall time of 3 headless loads, in seconds; checks the script finished.
load() {
  local best= t
  for _ in 1 2 3; do
    /usr/bin/time -f "%e" -o bench-data/.time \
      chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
      --dump-dom "file://$PWD/$1" > bench-data/.dom 2>/dev/null
    t=$(tail -1 bench-data/.time)
    if [ "$1" != bench-data/empty.html ] && ! grep -q 'data-ready="true"' bench-data/.dom; then
      echo "$1: the page's script did not finish" >&2
      exit 1
    fi
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

printf '<!DOCTYPE html><html><head><title>empty</title></head><body></body></html>\n' \
  > bench-data/empty.html
base=$(load bench-data/empty.html)

echo "capture: $cap ($bytes bytes, $(nproc) cores, $(date -u +%Y-%m-%d), $(chromium --version 2>/dev/null))"
echo "an empty page: ${base} s (subtracted below)"
echo
echo "| --max-frames | eavesdrop html wall | peak RSS | page size | load in Chromium |"
echo "|---|---|---|---|---|"
for n in 2000 20000 100000; do
  page=bench-data/bench-${mb}MB-${n}.html
  /usr/bin/time -f "%e %M" -o bench-data/.time \
    "$target"/release/eavesdrop html --quiet --max-frames "$n" "$cap" -o "$page"
  out=$(tail -1 bench-data/.time)
  size=$(stat -c %s "$page")
  t=$(load "$page")
  printf '| %s | %s s | %s MiB | %s MB | %.2f s |\n' "$n" "${out% *}" "$(( ${out#* } / 1024 ))" \
    "$(awk "BEGIN{printf \"%.1f\", $size/1e6}")" "$(awk "BEGIN{print $t - $base}")"
done
