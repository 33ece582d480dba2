#!/usr/bin/env python3
"""Writes captures/radiotap-fields.pcap: one 802.11 data frame (LLC/SNAP, IPv4, a UDP
datagram to port 9) behind radiotap headers that exercise how tcpdump 4.99 reads
radiotap's presence words (see captures/README.md).

    radiotap_fields.py OUT

- each field number 14 to 28 alone after the rate: the ones tcpdump knows the size of
  (RX flags 14, XCHANNEL 18, MCS 19, A-MPDU 20, VHT 21) are read; for the others
  (TX flags, retries, the timestamp, 802.11ax's HE fields…) it prints `[bit N]` and
  stops reading the header;
- XCHANNEL with 802.11n widths (`ht/20`, `ht/40+`, `ht/40-`), and with CHANNEL beside
  it (shown once, as XCHANNEL);
- a second presence word in the same namespace (its first field is number 32);
- a Linux-style header: per-antenna signals in radiotap namespaces after the first;
- 802.11n's MCS field: rates by index, bandwidth and guard interval, and the rest;
- 802.11ac's VHT field: each user's MCS and coding, the bandwidth, the guard interval;
- a vendor namespace skipped, then radiotap again;
- a field past the header's length (` [|802.11_radio]`).
"""
import struct
import sys

ip = bytes.fromhex("450000200001000040110000c0a80001c0a80002")
udp = struct.pack(">HHHH", 1234, 9, 12, 0) + b"abcd"
llc = bytes([0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00])
# To the AP (ToDS), addresses AP, station, router; sequence 1.
dot11 = (
    bytes([0x08, 0x01, 0, 0])
    + bytes([2, 0, 0, 0, 0, 1])
    + bytes([2, 0, 0, 0, 0, 2])
    + bytes([2, 0, 0, 0, 0, 3])
    + bytes([0x10, 0])
    + llc
    + ip
    + udp
)


def bits(*ns):
    return sum(1 << n for n in ns)


def radiotap(words, body):
    present = b"".join(struct.pack("<I", w) for w in words)
    return struct.pack("<BBH", 0, 0, 4 + len(present) + len(body)) + present + body


RATE_6 = bytes([0x0C])  # 6 Mb/s, in units of 500 kb/s
headers = []
for n in range(14, 29):
    headers.append(radiotap([bits(2, n)], RATE_6 + bytes(40)))
# XCHANNEL: flags (u32, aligned to 4), frequency, channel, max power.
for flags in [0x10000 | 0xC0, 0x20000 | 0x140, 0x40000 | 0x140, 0xA0, 0x4140, 0x30480]:
    headers.append(
        radiotap([bits(2, 18)], RATE_6 + bytes(3) + struct.pack("<IHBB", flags, 2437, 6, 20))
    )
headers.append(
    radiotap(
        [bits(2, 3, 18)],
        RATE_6 + bytes(1) + struct.pack("<HH", 2412, 0xA0) + bytes(2)
        + struct.pack("<IHBB", 0x100C0, 2437, 6, 20),
    )
)
headers.append(radiotap([bits(2, 31), bits(0)], RATE_6 + bytes(40)))
# TSFT, flags, rate, channel, signal, RX flags; then two antennas' signal and number.
linux = (
    struct.pack("<Q", 123456)
    + bytes([0x00, 0x0C])
    + struct.pack("<HH", 2412, 0xA0)
    + struct.pack("<b", -45)
    + bytes(1)
    + struct.pack("<H", 0)
    + struct.pack("<bB", -46, 0)
    + struct.pack("<bB", -44, 1)
)
headers.append(radiotap([bits(0, 1, 2, 3, 5, 14, 29, 31), bits(5, 11, 29, 31), bits(5, 11)], linux))
# (The vendor's 4 bytes are skipped; -56 dBm wherever the signal is read from.)
vendor = (
    RATE_6 + bytes(1) + bytes([0x00, 0x11, 0x22, 0x01]) + struct.pack("<H", 4)
    + bytes([0xC8] * 8)
)
headers.append(radiotap([bits(2, 30, 31), bits(1, 2, 29, 31), bits(5)], vendor))
headers.append(radiotap([bits(2, 5, 15)], RATE_6 + struct.pack("<b", -48) + bytes(20)))
headers.append(radiotap([bits(1, 2, 5, 23)], bytes([0x00]) + RATE_6 + struct.pack("<b", -52) + bytes(20)))
# MCS (known, flags, index): the rate from the index, bandwidth and guard interval.
for known, flags, index in [(0x3F, 0x25, 7), (0x07, 0x00, 76), (0x07, 0x04, 32), (0x07, 0x01, 32),
                            (0x03, 0x02, 3), (0x02, 0x00, 3), (0x07, 0x01, 77)]:
    headers.append(radiotap([bits(19)], bytes([known, flags, index])))
# VHT (known, flags, bandwidth, four users' MCS and streams, coding, group, partial
# AID): users with streams, then the bandwidth and guard interval when known.
for known, flags, bw, users, coding in [(0x0044, 0x04, 4, [0x91, 0, 0, 0], 0x01),
                                        (0x0044, 0x00, 21, [0x10, 0x21, 0x32, 0x43], 0x0A),
                                        (0x0040, 0x00, 27, [0x72, 0, 0, 0], 0),
                                        (0x0000, 0x04, 11, [0x81, 0, 0, 0], 0)]:
    headers.append(radiotap([bits(21)], struct.pack("<HBB", known, flags, bw) + bytes(users)
                            + struct.pack("<BBH", coding, 0, 0)))
headers.append(radiotap([bits(0, 2)], bytes(4)))

with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 127))
    for i, h in enumerate(headers):
        frame = h + dot11
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(frame), len(frame)))
        f.write(frame)
