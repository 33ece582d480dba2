#!/usr/bin/env python3
"""Seeds for the `stream` fuzz target from real captures: each TCP connection of a
capture becomes one input in the target's format (byte 0 picks the server port; then
chunks of [flags][len][seq delta] + payload, in capture order, at most 255 bytes each).

Usage: fuzz/seed-stream.py PORT_INDEX SERVER_PORT CAPTURE... (needs tshark). PORT_INDEX
is the position of the port in fuzz_targets/stream.rs's table (22 is 9); SERVER_PORT
is the port the capture's server used. Seeds go to fuzz/corpus/stream/.
"""
import hashlib
import os
import subprocess
import sys

index, port, captures = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "stream")
os.makedirs(out, exist_ok=True)
for cap in captures:
    rows = subprocess.run(
        ["tshark", "-n", "-r", cap, "-Y", f"tcp.port == {port} && tcp.len > 0",
         "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.payload"],
        check=True, capture_output=True, text=True).stdout.splitlines()
    streams = {}
    for row in rows:
        stream, src, payload = row.split("\t")
        # tshark repeats the field when a tunnel's inner protocol dissects it again
        # (SOCKS, then HTTP or TLS): the first copy is the segment's payload.
        data = bytes.fromhex(payload.split(",")[0].replace(":", ""))
        to_client = 0x80 if src == port else 0
        seed = streams.setdefault(stream, bytearray([index]))
        for i in range(0, len(data), 255):
            piece = data[i:i + 255]
            seed += bytes([to_client | 0x08, len(piece), 0]) + piece
    for seed in streams.values():
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(out, name), "wb") as f:
            f.write(seed)
        print(f"{cap}: {len(seed)} bytes -> corpus/stream/{name}")
