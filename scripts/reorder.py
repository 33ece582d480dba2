#!/usr/bin/env python3
"""Rewrites a capture the way a bad network would have delivered it (for
captures/tls13-reordered.pcap): deterministic, so the sample is reproducible.

- every 7th data segment swaps places with the next one (reordering);
- every 11th data segment is sent twice (a spurious retransmission);
- one segment in the middle is held back 12 packets (lost, then retransmitted);
- one late segment of the server's data is dropped for good (a real gap).
"""
import sys

from scapy.all import TCP, rdpcap, wrpcap

pkts = list(rdpcap(sys.argv[1]))
data = [i for i, p in enumerate(pkts) if TCP in p and len(p[TCP].payload) > 0]
out = list(pkts)

held = data[len(data) // 3]
drop = data[(2 * len(data)) // 3 + 1]
order = [i for i in range(len(pkts)) if i not in (held, drop)]
# Swap every 7th data segment with its successor.
seq = []
i = 0
while i < len(order):
    j = order[i]
    if j in data and data.index(j) % 7 == 3 and i + 1 < len(order):
        seq.extend([order[i + 1], j])
        i += 2
        continue
    seq.append(j)
    i += 1
# Duplicate every 11th data segment.
dup = []
for j in seq:
    dup.append(j)
    if j in data and data.index(j) % 11 == 5:
        dup.append(j)
# The held segment comes back 12 packets later.
at = dup.index(held - 1) + 12 if held - 1 in dup else len(dup) // 2
dup.insert(min(at, len(dup)), held)
# Copies, so a duplicate gets its own timestamp.
result = [pkts[j].copy() for j in dup]
# Keep capture timestamps increasing in the new order.
t0 = float(pkts[0].time)
for k, p in enumerate(result):
    p.time = t0 + k * 0.0005
wrpcap(sys.argv[2], result)
print(f"{len(pkts)} packets in, {len(result)} out; held back {held}, dropped {drop}")
