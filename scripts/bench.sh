#!/usr/bin/env bash
# Throughput and peak memory of `eavesdrop show` against `tcpdump -nn -X` on the same
# synthetic capture, in the same run. Results go to stdout as a markdown table; copy
# them into docs/benchmarks.md with the date and machine.
#
# Usage: scripts/bench.sh [MEGABYTES]      (default 600; the capture is cached in bench-data/)
# Needs: tcpdump, GNU time (Debian: apt-get install tcpdump time).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-600}
cap=bench-data/bench-${mb}MB.pcap
cargo build --release --quiet --bin eavesdrop --example gen_bench_capture
mkdir -p bench-data
[ -f "$cap" ] || ./target/release/examples/gen_bench_capture "$cap" "$mb" 48
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

echo "capture: $cap ($bytes bytes, $(nproc) cores, $(date -u +%Y-%m-%d))"
echo
echo "| command | wall (best of 3) | throughput | peak RSS |"
echo "|---|---|---|---|"
run t_tcpdump_x "tcpdump -nn -X" tcpdump -nn -X -r "$cap"
run t_show "eavesdrop show --color=never" ./target/release/eavesdrop show --color=never "$cap"
run t_nohex "eavesdrop show --no-hex" ./target/release/eavesdrop show --no-hex "$cap"
run t_tcpdump "tcpdump -nn" tcpdump -nn -r "$cap"
echo

awk -v a="$t_tcpdump_x" -v b="$t_show" \
  'BEGIN{printf "eavesdrop show (hex and mask rows) is %.1fx as fast as tcpdump -nn -X\n", a/b}'

# Hostile inputs: memory must stay at the configured bounds however long they run.
echo
echo "hostile captures (peak RSS must not grow with their size):"
echo
echo "| capture | command | wall | peak RSS |"
echo "|---|---|---|---|"
cargo build --release --quiet --example gen_hostile_capture
for spec in "ooo 250000" "ooo 1000000" "frags 5000" "frags 20000" "flows 100000" "flows 1000000"; do
  set -- $spec
  f=bench-data/hostile-$1-$2.pcap
  [ -f "$f" ] || ./target/release/examples/gen_hostile_capture "$1" "$f" "$2"
  for cmd in "tcpdump -nn -X -r" "./target/release/eavesdrop show --color=never" "./target/release/eavesdrop flows --color=never"; do
    /usr/bin/time -f "%e %M" -o bench-data/.time $cmd "$f" > /dev/null 2>/dev/null || true
    out=$(tail -1 bench-data/.time)
    name=${cmd#./target/release/}
    printf '| %s (%s MB) | %s | %s s | %s MiB |\n' "$1 $2" "$(( $(stat -c %s "$f") / 1000000 ))" \
      "${name% -r}" "${out% *}" "$(( ${out#* } / 1024 ))"
  done
done

# flows mode against the tools analysts use for the same question, on a 1 GiB capture.
echo
big=bench-data/bench-1024MB.pcap
[ -f "$big" ] || ./target/release/examples/gen_bench_capture "$big" 1024 48
bigbytes=$(stat -c %s "$big")
echo "flows: $big ($bigbytes bytes)"
echo
echo "| command | wall (best of 3) | throughput | peak RSS |"
echo "|---|---|---|---|"
bytes=$bigbytes
run t_flows "eavesdrop flows" ./target/release/eavesdrop flows --color=never "$big"
run t_flows_json "eavesdrop flows --json" ./target/release/eavesdrop flows --json "$big"
if command -v tshark > /dev/null; then
  run t_conv "tshark -q -z conv,tcp" tshark -n -q -z conv,tcp -r "$big"
fi
if command -v suricata > /dev/null; then
  mkdir -p bench-data/suricata
  run t_suri "suricata (tls log, 2 threads)" suricata -r "$big" -l bench-data/suricata -k none --runmode autofp
fi
