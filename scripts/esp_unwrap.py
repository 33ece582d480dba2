#!/usr/bin/env python3
"""Rewrites the ESP-in-UDP packets (RFC 3948, port 4500) of a pcap as plain ESP over IP
(protocol 50): the UDP header goes, the IPv4 header's protocol, length and checksum are
fixed. IKE messages (non-ESP marker) and NAT-keepalives are dropped. For a capture of
ESP over IP where the kernel cannot do ESP itself (no xfrm esp4 module in the sandbox).

Usage: scripts/esp_unwrap.py IN.pcap OUT.pcap   (Ethernet, classic pcap, IPv4 only)
"""
import struct
import sys


def checksum(header: bytes) -> int:
    s = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main(src: str, dst: str) -> None:
    data = open(src, "rb").read()
    out = bytearray(data[:24])
    pos = 24
    while pos + 16 <= len(data):
        ts_s, ts_us, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 0x0F) * 4
        udp = 14 + ihl
        sport, dport = struct.unpack("!HH", frame[udp:udp + 4])
        payload = frame[udp + 8:]
        if 4500 not in (sport, dport) or payload[:4] == b"\0\0\0\0" or payload == b"\xff":
            continue
        ip = bytearray(frame[14:udp])
        ip[9] = 50
        struct.pack_into("!H", ip, 2, ihl + len(payload))
        struct.pack_into("!H", ip, 10, 0)
        struct.pack_into("!H", ip, 10, checksum(bytes(ip)))
        new = frame[:14] + bytes(ip) + payload
        out += struct.pack("<IIII", ts_s, ts_us, len(new), len(new)) + new
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
