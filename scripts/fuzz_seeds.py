#!/usr/bin/env python3
"""Turns the TCP payloads of captures into seeds for fuzz/fuzz_targets/stream.rs.

Usage: scripts/fuzz_seeds.py OUT_DIR TARGET_PORT SERVER_PORT CAPTURE...

TARGET_PORT is the port the target's connection uses (one of PORTS); SERVER_PORT
the server's port in the captures (PostgreSQL on 5433 is fuzzed as 5432).

The target's input: one byte choosing the server port (its index in the target's PORTS
table), then per segment [flags][len][seq delta] and `len` payload bytes; flags bit
0x80 means server to client, delta 0 means in order. Each TCP connection of a capture
becomes one seed (segments over 255 bytes are split).
"""
import os
import sys

from scapy.all import TCP, rdpcap  # scapy reads pcap and pcapng

PORTS = [443, 25, 80, 53, 21, 5432, 389, 5222, 3306, 6379, 1080, 1883]


def main():
    out, target, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    files = sys.argv[4:]
    os.makedirs(out, exist_ok=True)
    pick = PORTS.index(target)
    for f in files:
        conns = {}
        for pkt in rdpcap(f):
            if TCP not in pkt:
                continue
            tcp = pkt[TCP]
            payload = bytes(tcp.payload)
            if not payload:
                continue
            to_client = tcp.sport == port
            client_port = tcp.dport if to_client else tcp.sport
            seed = conns.setdefault(client_port, bytearray([pick]))
            for i in range(0, len(payload), 255):
                piece = payload[i : i + 255]
                seed += bytes([0x80 if to_client else 0, len(piece), 0]) + piece
        name = os.path.splitext(os.path.basename(f))[0]
        for n, (cport, seed) in enumerate(sorted(conns.items())):
            with open(os.path.join(out, f"{name}-{n}"), "wb") as fh:
                fh.write(seed)


if __name__ == "__main__":
    main()
