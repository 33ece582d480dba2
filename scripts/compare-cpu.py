#!/usr/bin/env python3
"""CPU time of builds (or tools) on one capture, alternated run by run so that a busy
machine weighs on each alike: the median and range of user + system seconds (the
child's own rusage, to the microsecond), and GB of capture per CPU-second.

Usage: scripts/compare-cpu.py RUNS FILE PROGRAM [PROGRAM...] -- ARGS...
  Runs `PROGRAM ARGS... FILE` RUNS times for each program, in turn, output discarded.
Example (issue 17's one-thread figure, an older build against this one):
  scripts/compare-cpu.py 15 bench-data/replicated-100MB.pcap ../eavesdrop-old \\
      target/release/eavesdrop -- flows -j 1 --color=never
  TZ=UTC scripts/compare-cpu.py 3 bench-data/replicated-100MB.pcap tcpdump -- -nn -X -r
"""
import os
import statistics
import subprocess
import sys


def main() -> int:
    args = sys.argv[1:]
    if "--" not in args or len(args) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    sep = args.index("--")
    runs, capture, programs, extra = int(args[0]), args[1], args[2:sep], args[sep + 1:]
    size = os.path.getsize(capture)
    times = {p: [] for p in programs}
    for _ in range(runs):
        for p in programs:
            child = subprocess.Popen([p, *extra, capture], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            _, _, usage = os.wait4(child.pid, 0)
            times[p].append((usage.ru_utime, usage.ru_stime))
    for p in programs:
        cpu = sorted(u + s for u, s in times[p])
        med = statistics.median(cpu)
        user = statistics.median(u for u, _ in times[p])
        system = statistics.median(s for _, s in times[p])
        print(f"{p}: CPU median {med:.3f} s (user {user:.3f}, system {system:.3f}), "
              f"range {cpu[0]:.3f}-{cpu[-1]:.3f}; {size / 1e9 / med:.2f} GB per CPU-second "
              f"(best {size / 1e9 / cpu[0]:.2f}, worst {size / 1e9 / cpu[-1]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
