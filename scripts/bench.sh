#!/usr/bin/env bash
# Throughput of eavesdrop against its peers on three workloads, in the same run:
#
#   friendly    examples/gen_bench_capture: full 1448-byte segments, 16 KiB TLS records,
#               few ACKs (1 GiB);
#   replicated  examples/gen_replicated_capture over real loopback sessions in captures/
#               (TLS 1.2 with resumption, TLS 1.3 over IPv4 and IPv6, HTTP Basic auth,
#               SMTP STARTTLS, PostgreSQL SCRAM), ACKs and all (MEGABYTES, default 100);
#   small       the same over small-packet sessions: DNS queries, interactive SSH, a
#               plaintext echo, MQTT and Redis logins (MEGABYTES).
#
# Each command: wall time, CPU time (user + system) and peak RSS from GNU time, best of
# $RUNS runs (default 3) by CPU time; throughput per wall second and per CPU-second, in
# MB and packets. eavesdrop runs with -j 1 (one thread) and -j 2. Then hostile captures
# (memory at the bounds) and the per-thread profile of -j. Results go to stdout as
# markdown; copy them into docs/benchmarks.md with the date, the machine and its load.
#
# Usage: scripts/bench.sh [MEGABYTES]      (captures are cached in bench-data/)
# Needs: tcpdump, tshark, capinfos, GNU time (Debian: apt-get install tcpdump tshark time).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-100}
runs=${RUNS:-3}
bin=${CARGO_TARGET_DIR:-target}/release
cargo build --release --quiet --bin eavesdrop --example gen_bench_capture \
  --example gen_replicated_capture --example gen_hostile_capture
mkdir -p bench-data
export TZ=UTC

friendly=bench-data/bench-1024MB.pcap
[ -f "$friendly" ] || "$bin/examples/gen_bench_capture" "$friendly" 1024 48
replicated=bench-data/replicated-${mb}MB.pcap
[ -f "$replicated" ] || "$bin/examples/gen_replicated_capture" "$replicated" "$mb" 48 \
  captures/tls12-resumption.pcap captures/tls13-bulk.pcap captures/tls13-echo-ipv6.pcap \
  captures/http-basic-auth.pcap captures/smtp-starttls.pcap captures/pgsql-scram.pcap
small=bench-data/small-${mb}MB.pcap
[ -f "$small" ] || "$bin/examples/gen_replicated_capture" "$small" "$mb" 48 \
  captures/dns-queries.pcap captures/ssh-chacha20.pcap captures/ssh-aes128-gcm.pcap \
  captures/plain-echo.pcap captures/mqtt-auth.pcap captures/redis-auth.pcap

# run NAME CMD...: the best of $runs runs by CPU time.
run() {
  local name=$1; shift
  local best= line=
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o bench-data/.time "$@" > /dev/null 2>/dev/null || true
    local out wall cpu rss
    out=$(tail -1 bench-data/.time)
    read -r wall user sys rss <<< "$out"
    cpu=$(awk "BEGIN{print $user + $sys}")
    if [ -z "$best" ] || awk "BEGIN{exit !($cpu < $best)}"; then
      best=$cpu
      line=$(awk -v n="$name" -v w="$wall" -v c="$cpu" -v r="$rss" -v b="$bytes" -v p="$packets" \
        'BEGIN{printf "| %s | %.2f s | %.2f s | %.0f MB/s | %.0f MB/s | %.0fk | %.0fk | %d MiB |", n, w, c, b/1e6/w, b/1e6/c, p/w/1e3, p/c/1e3, r/1024}')
    fi
  done
  echo "$line"
}

for cap in "$friendly" "$replicated" "$small"; do
  bytes=$(stat -L -c %s "$cap")
  packets=$(capinfos -c -M "$cap" | awk '/Number of packets/{print $NF}')
  echo
  echo "### $(basename "$cap"): $bytes bytes, $packets packets (mean $((bytes / packets)) bytes)"
  echo
  echo "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| command | wall | CPU | MB/s (wall) | MB/s per CPU-s | packets/s (wall) | packets per CPU-s | peak RSS |"
  echo "|---|---|---|---|---|---|---|---|"
  run "tcpdump -nn" tcpdump -nn -r "$cap"
  run "tcpdump -nn -X" tcpdump -nn -X -r "$cap"
  run "tshark -n -q -z conv,tcp" tshark -n -q -z conv,tcp -r "$cap"
  for j in 1 2; do
    run "eavesdrop show --color=never -j $j" "$bin/eavesdrop" show --color=never -j $j "$cap"
    run "eavesdrop flows -j $j" "$bin/eavesdrop" flows --color=never -j $j "$cap"
    run "eavesdrop check --deny credentials -j $j" "$bin/eavesdrop" check --color=never \
      --deny credentials -j $j "$cap"
  done
  if command -v suricata > /dev/null; then
    mkdir -p bench-data/suricata
    run "suricata (autofp)" suricata -r "$cap" -l bench-data/suricata -k none --runmode autofp
  fi
  echo
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done

# Where -j's time goes: CPU-seconds per thread (reader, shards, the merging main
# thread), from perf's samples by thread name; what 16 cores would give follows from
# the serial threads' share (docs/benchmarks.md).
if command -v perf > /dev/null; then
  for cmd in flows show; do
    for j in 2 16; do
      echo
      echo "perf: eavesdrop $cmd -j $j $friendly, samples by thread"
      echo
      perf record -q -F 499 -o bench-data/.perf.data -- \
        "$bin/eavesdrop" $cmd --color=never -j $j "$friendly" > /dev/null 2>&1 || true
      perf report -i bench-data/.perf.data --sort comm --stdio 2> /dev/null | grep -v '^#' | grep -v '^$' || true
    done
  done
fi

# Hostile inputs: memory must stay at the configured bounds however long they run.
echo
echo "hostile captures (peak RSS must not grow with their size):"
echo
echo "| capture | command | wall | peak RSS |"
echo "|---|---|---|---|"
for spec in "ooo 250000" "ooo 1000000" "frags 5000" "frags 20000" "flows 100000" "flows 1000000"; do
  set -- $spec
  f=bench-data/hostile-$1-$2.pcap
  [ -f "$f" ] || "$bin/examples/gen_hostile_capture" "$1" "$f" "$2"
  for cmd in "tcpdump -nn -X -r" "$bin/eavesdrop show --color=never" "$bin/eavesdrop flows --color=never"; do
    /usr/bin/time -f "%e %M" -o bench-data/.time $cmd "$f" > /dev/null 2>/dev/null || true
    out=$(tail -1 bench-data/.time)
    name=${cmd#"$bin"/}
    printf '| %s (%s MB) | %s | %s s | %s MiB |\n' "$1 $2" "$(( $(stat -c %s "$f") / 1000000 ))" \
      "${name% -r}" "${out% *}" "$(( ${out#* } / 1024 ))"
  done
done

