#!/usr/bin/env python3
"""Writes tests/data/many-flows.pcapng: the small captures of captures/ repeated COPIES
times, each copy on its own addresses (127.0.0.1 becomes 127.K.0.1, ::1 becomes ::K+1
in copy K), merged by time with mergecap so the copies' flows interleave the way a busy
capture's do. Made for `flows` at scale (tests/flows_scale.rs); run by
scripts/make-many-flows.sh. TCP and UDP checksums are left as they were: eavesdrop,
like tcpdump without -vv, does not verify them; IPv4 header checksums are recomputed.

Usage: make-many-flows.py COPIES OUT.pcapng CAPTURE...
"""
import os
import struct
import subprocess
import sys
import tempfile


def ip_checksum(header: bytes) -> int:
    total = 0
    for i in range(0, len(header), 2):
        total += (header[i] << 8) + (header[i + 1] if i + 1 < len(header) else 0)
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def rewrite_ip(pkt: bytearray, off: int, copy: int) -> None:
    if off >= len(pkt):
        return
    version = pkt[off] >> 4
    if version == 4 and off + 20 <= len(pkt):
        ihl = (pkt[off] & 0x0F) * 4
        for a in (off + 12, off + 16):
            if pkt[a] == 127:
                pkt[a + 1] = copy
        if off + ihl <= len(pkt):
            pkt[off + 10 : off + 12] = b"\0\0"
            pkt[off + 10 : off + 12] = struct.pack("!H", ip_checksum(bytes(pkt[off : off + ihl])))
    elif version == 6 and off + 40 <= len(pkt):
        for a in (off + 8, off + 24):
            if pkt[a : a + 15] == b"\0" * 15:
                pkt[a + 15] = (pkt[a + 15] + copy) & 0xFF


def rewrite_frame(pkt: bytearray, linktype: int, copy: int) -> None:
    if linktype == 1:  # Ethernet, with 802.1Q/802.1ad tags
        off, ethertype = 14, struct.unpack("!H", pkt[12:14])[0] if len(pkt) >= 14 else 0
        while ethertype in (0x8100, 0x88A8) and off + 4 <= len(pkt):
            ethertype = struct.unpack("!H", pkt[off + 2 : off + 4])[0]
            off += 4
        if ethertype in (0x0800, 0x86DD):
            rewrite_ip(pkt, off, copy)
    elif linktype in (101, 12, 14, 228, 229):  # raw IP
        rewrite_ip(pkt, 0, copy)


def copy_pcap(src: str, dst: str, copy: int) -> None:
    data = open(src, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    out = bytearray(data[:24])
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[pos : pos + 16])
        pkt = bytearray(data[pos + 16 : pos + 16 + incl])
        rewrite_frame(pkt, linktype, copy)
        out += data[pos : pos + 16] + pkt
        pos += 16 + incl
    open(dst, "wb").write(out)


def main() -> None:
    copies, out, captures = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for cap in captures:
            base = os.path.join(tmp, os.path.basename(cap) + ".pcap")
            subprocess.run(["editcap", "-F", "pcap", cap, base], check=True)
            for k in range(copies):
                part = os.path.join(tmp, f"{k}-{os.path.basename(cap)}.pcap")
                copy_pcap(base, part, k)
                parts.append(part)
        subprocess.run(["mergecap", "-F", "pcapng", "-w", out] + parts, check=True)


if __name__ == "__main__":
    main()
