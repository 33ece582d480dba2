#!/usr/bin/env python3
"""Rewrites the IP packets of an Ethernet capture onto other link types, for the
link-type samples in captures/ (see captures/README.md).

    relink.py IN OUT LINK

LINK is one of ppp, ppp-hdlc, chdlc, frelay, slip, ieee802-11, radiotap, nflog,
pflog, ipoib. Each IP packet of IN (Ethernet, IPv4 or IPv6) becomes one frame of OUT
(pcap), its timestamp kept. For 802.11 (plain and radiotap) the capture also gets a
beacon and a probe request naming the SSID `eavesdrop-lab` before the first packet,
and a protected (CCMP) data frame after the last, whose payload no one but the
station and the access point can read.
"""

import struct
import sys

from scapy.utils import PcapReader

LINKTYPES = {
    "ppp": 9,
    "ppp-hdlc": 50,
    "chdlc": 104,
    "frelay": 107,
    "slip": 8,
    "ieee802-11": 105,
    "radiotap": 127,
    "nflog": 239,
    "pflog": 117,
    "ipoib": 242,
}

AP = bytes.fromhex("020000000001")
STA = bytes.fromhex("020000000002")
ROUTER = bytes.fromhex("020000000003")
SSID = b"eavesdrop-lab"


def radiotap():
    # version 0, pad, length 14; present: flags, rate, channel, dBm antenna signal
    present = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5)
    body = struct.pack("<BB", 0x00, 108)  # flags, rate 54 Mb/s (units of 500 kb/s)
    body += struct.pack("<HH", 2437, 0x00C0)  # channel 6, 2.4 GHz OFDM (11g)
    body += struct.pack("<b", -42)  # antenna signal
    body += b"\x00"  # pad to even length
    return struct.pack("<BBHI", 0, 0, 8 + len(body), present) + body


def dot11_data(ip, v6, to_ds, protected=False):
    fc = 0x08  # type data, subtype 0
    flags = (0x01 if to_ds else 0x02) | (0x40 if protected else 0)
    if to_ds:
        a1, a2, a3 = AP, STA, ROUTER
    else:
        a1, a2, a3 = STA, AP, ROUTER
    hdr = struct.pack("<BBH", fc, flags, 44) + a1 + a2 + a3 + struct.pack("<H", 0x10)
    llc = bytes.fromhex("aaaa03000000") + (b"\x86\xdd" if v6 else b"\x08\x00")
    if protected:
        # CCMP header (PN 1, key id 0, ExtIV) then ciphertext and an 8-byte MIC:
        # random-looking bytes standing for the encrypted LLC header and packet.
        ccmp = bytes([1, 0, 0, 0x20, 0, 0, 0, 0])
        body = bytes((i * 151 + 7) % 256 for i in range(len(llc) + len(ip) + 8))
        return hdr + ccmp + body
    return hdr + llc + ip


def dot11_mgmt(subtype, da):
    fc = subtype << 4  # type management
    hdr = struct.pack("<BBH", fc, 0, 0) + da + AP + AP + struct.pack("<H", 0)
    ies = bytes([0, len(SSID)]) + SSID
    ies += bytes([1, 8, 0x82, 0x84, 0x8B, 0x96, 0x0C, 0x12, 0x18, 0x24])
    ies += bytes([3, 1, 6])  # DS parameter set: channel 6
    if subtype == 8:  # beacon: timestamp, interval, capabilities (ESS, privacy)
        fixed = struct.pack("<QHH", 0, 100, 0x0011)
        return hdr + fixed + ies
    return hdr + ies  # probe request


def nflog(ip, v6):
    tlv = lambda t, v: struct.pack("<HH", 4 + len(v), t) + v + b"\x00" * (-len(v) % 4)
    hdr = struct.pack(">BBH", 10 if v6 else 2, 0, 1)
    return hdr + tlv(1, struct.pack(">HBB", 0x86DD if v6 else 0x0800, 3, 0)) + tlv(
        10, b"lab\x00"
    ) + tlv(9, ip)


def pflog(ip, v6):
    # struct pfloghdr (OpenBSD): length, af, action, reason, ifname[16],
    # ruleset[16], rulenr, subrulenr, uid, pid, rule_uid, rule_pid, dir, pad[3]
    af = 24 if v6 else 2
    hdr = struct.pack("<BBBB", 61, af, 0, 0) + b"em0".ljust(16, b"\x00")
    hdr += b"".ljust(16, b"\x00")
    hdr += struct.pack(">IIiiiiB3x", 3, 0xFFFFFFFF, -1, -1, -1, -1, 1)
    hdr = hdr[:61] + b"\x00" * (64 - 61)  # BPF_WORDALIGN(61) = 64
    return hdr + ip


def frame(link, ip, v6, n):
    if link in ("ppp", "ppp-hdlc"):
        return b"\xff\x03" + (b"\x00\x57" if v6 else b"\x00\x21") + ip
    if link == "chdlc":
        return b"\x0f\x00" + (b"\x86\xdd" if v6 else b"\x08\x00") + ip
    if link == "frelay":
        # Q.922 address for DLCI 100, UI control, NLPID IP / IPv6
        return bytes([0x18, 0x41, 0x03, 0x8E if v6 else 0xCC]) + ip
    if link == "slip":
        return bytes([n % 2, 0x40]) + b"\x00" * 14 + ip
    if link == "ieee802-11":
        return dot11_data(ip, v6, n % 2 == 0)
    if link == "radiotap":
        return radiotap() + dot11_data(ip, v6, n % 2 == 0)
    if link == "nflog":
        return nflog(ip, v6)
    if link == "pflog":
        return pflog(ip, v6)
    if link == "ipoib":
        # tcpdump's and Wireshark's IPoIB: destination and source hardware
        # addresses (20 bytes each, RFC 4391 section 9.1.1), then RFC 4391's
        # encapsulation header (type, reserved)
        hw = lambda qpn: bytes([0, 0, 0, qpn]) + bytes.fromhex("fe800000000000000002c90300000001")
        return hw(0x48) + hw(0x49) + (b"\x86\xdd" if v6 else b"\x08\x00") + b"\x00\x00" + ip
    raise SystemExit(f"unknown link {link}")


class Pcap:
    """A pcap file (microseconds, snap length 262144) written frame by frame."""

    def __init__(self, path, linktype):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))

    def write_packet(self, data, sec):
        usec = int(sec * 1_000_000)
        s, u = divmod(usec, 1_000_000)
        self.f.write(struct.pack("<IIII", s, u, len(data), len(data)) + data)

    def close(self):
        self.f.close()


def main():
    src, dst, link = sys.argv[1:4]
    out = Pcap(dst, LINKTYPES[link])
    wifi = link in ("ieee802-11", "radiotap")
    prefix = radiotap() if link == "radiotap" else b""
    last = None
    for n, pkt in enumerate(PcapReader(src)):
        raw = bytes(pkt)
        ethertype = struct.unpack(">H", raw[12:14])[0]
        if ethertype not in (0x0800, 0x86DD):
            continue
        ip = raw[14:]
        if n == 0 and wifi:
            for sub, da in ((8, b"\xff" * 6), (4, b"\xff" * 6)):
                out.write_packet(prefix + dot11_mgmt(sub, da), sec=pkt.time - 0.001)
        out.write_packet(frame(link, ip, ethertype == 0x86DD, n), sec=pkt.time)
        last = (pkt.time, ip, ethertype == 0x86DD)
    if wifi and last:
        t, ip, v6 = last
        out.write_packet(prefix + dot11_data(ip, v6, True, protected=True), sec=t + 0.001)
    out.close()


if __name__ == "__main__":
    main()
