#!/usr/bin/env bash
# Peak memory and CPU time of `flows`, `check` and `show` (issue 17): the 1 GiB
# synthetic capture of scripts/bench.sh, and a capture of 1,000,000 one-packet TCP
# flows that never close (the flow table at its default --max-flows, evicting all
# along). CPU time is user+sys from GNU time: the machine is shared, so wall time
# says little. Results go to stdout as a markdown table.
#
# Usage: scripts/bench-memory.sh [EAVESDROP_BINARY]   (default: a fresh release build)
# Needs: GNU time (Debian: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin eavesdrop --example gen_bench_capture --example gen_hostile_capture
bin=${1:-$target/release/eavesdrop}
mkdir -p bench-data
big=bench-data/bench-1024MB.pcap
[ -f "$big" ] || "$target/release/examples/gen_bench_capture" "$big" 1024 48
flood=bench-data/hostile-flows-1000000.pcap
[ -f "$flood" ] || "$target/release/examples/gen_hostile_capture" flows "$flood" 1000000
policy=(--deny credentials --deny weak-tls)

echo "binary: $bin ($(nproc) cores, $(date -u +%Y-%m-%d))"
echo
echo "| capture | command | CPU (user+sys) | wall | peak RSS |"
echo "|---|---|---|---|---|"
for f in "$big" "$flood"; do
  for cmd in "flows --color=never" "check ${policy[*]}" "show --color=never"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "%U %S %e %M" -o bench-data/.time "$bin" $cmd "$f" > /dev/null 2>&1 || true
    read -r user sys wall rss < <(tail -1 bench-data/.time)
    printf '| %s | %s | %.2f s | %s s | %s MiB |\n' "$(basename "$f")" "${cmd%% *}" \
      "$(awk "BEGIN{print $user + $sys}")" "$wall" "$((rss / 1024))"
  done
done
