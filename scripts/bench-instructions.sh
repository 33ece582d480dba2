#!/usr/bin/env bash
# Instructions executed (valgrind's callgrind) by eavesdrop on the first 20 MB of the
# replicated and the friendly workloads (and 60,000 frames of the small-packet one): a
# measure that does not depend on the load of the machine, for comparing two builds
# (wall and CPU time on a shared machine varied by a third between consecutive runs;
# instruction counts by less than 0.01%).
#
# Usage: scripts/bench-instructions.sh [BASE_BINARY]
#   Measures target/release/eavesdrop (built here), and BASE_BINARY too when given
#   (e.g. a copy of an older build), on the same cuts; prints a markdown table.
# Needs: valgrind, editcap (wireshark-common), the captures scripts/bench.sh makes in
# bench-data/ (run it once first).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CARGO_TARGET_DIR:-target}/release/eavesdrop
cargo build --release --quiet --bin eavesdrop
replicated=bench-data/replicated-100MB.pcap
friendly=bench-data/bench-1024MB.pcap
for f in "$replicated" "$friendly"; do
  [ -f "$f" ] || { echo "$f missing: run scripts/bench.sh first" >&2; exit 1; }
done
# About 20 MB of each: 26,276 frames of the replicated capture (small packets and
# ACKs), 14,000 of the friendly one (full segments).
rcut=bench-data/.replicated-20MB.pcap
fcut=bench-data/.friendly-20MB.pcap
[ -f "$rcut" ] || editcap -F pcap -r "$replicated" "$rcut" 1-26276
[ -f "$fcut" ] || editcap -F pcap -r "$friendly" "$fcut" 1-14000
# The small-packet workload (DNS, SSH, MQTT, Redis, echo), when scripts/bench.sh made
# it: its first 60,000 frames (7.8 MB).
small=bench-data/small-100MB.pcap
scut=bench-data/.small-60k.pcap
specs=("show --color=never:$rcut:replicated" "flows --color=never:$rcut:replicated"
  "flows --color=never:$fcut:friendly" "check --color=never --deny credentials:$rcut:replicated")
if [ -f "$small" ]; then
  [ -f "$scut" ] || editcap -F pcap -r "$small" "$scut" 1-60000
  specs+=("flows --color=never:$scut:small")
fi

count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" > /dev/null 2> bench-data/.cg
  awk '/Collected/{print $NF}' bench-data/.cg
}

builds=("$bin")
[ $# -ge 1 ] && builds=("$1" "$bin")
echo "| command, 20 MB cut | ${builds[*]} |"
echo "|---|$(printf -- '---|%.0s' "${builds[@]}")"
for spec in "${specs[@]}"; do
  IFS=: read -r cmd cut name <<< "$spec"
  row="| \`$cmd\`, $name |"
  for b in "${builds[@]}"; do
    # shellcheck disable=SC2086 # the command's words
    row="$row $(count "$b" $cmd "$cut" | awk '{printf "%.1f M", $1/1e6}') |"
  done
  echo "$row"
done
