#!/usr/bin/env python3
"""Tunnel captures crafted with scapy, for the encapsulations this machine's kernel
cannot make (no GRE, Geneve, L2TP or GTP modules; VXLAN is made for real by
make-tunnel-captures.sh).

Each file wraps the frames of the first connection of captures/http-basic-auth.pcap (a
real curl -> http.server exchange with Basic credentials, alice:secret) in one
encapsulation between two tunnel endpoints, 10.99.0.1 (the client's side) and
10.99.0.2, keeping the inner bytes and time stamps as captured:

  tunnel-gre.pcap     IPv4 in GRE with key 42 and sequence numbers (Linux `ip link add
                      type gre key 42 seq` sends this)
  tunnel-gretap.pcap  Ethernet in GRE (transparent Ethernet bridging, Linux gretap)
  tunnel-erspan.pcap  ERSPAN type II (Linux `type erspan erspan_ver 1`), session 7
  tunnel-geneve.pcap  Ethernet in Geneve, VNI 7, one 8-byte option (Linux geneve with
                      an OVN-style option)
  tunnel-gtpu.pcap    GTP-U: an echo request and response, then T-PDUs with a sequence
                      number and a PDU session container extension header (5G N3)
  tunnel-teredo.pcap  Teredo: a bubble with an origin indication, then the connection
                      as IPv6 between Teredo addresses
  tunnel-l2tp.pcap    L2TPv2: a HELLO control message, then data messages with PPP

Usage: tunnels.py INPUT.pcap OUTDIR
"""
import sys

from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, rdpcap, wrpcap
from scapy.contrib.geneve import GENEVE
from scapy.contrib.gtp import GTP_U_Header, GTPEchoRequest, GTPEchoResponse, GTPPDUSessionContainer
from scapy.layers.l2 import GRE

A, B = "10.99.0.1", "10.99.0.2"
MAC_A, MAC_B = "02:00:00:99:00:01", "02:00:00:99:00:02"


def conversation(path):
    frames = [p for p in rdpcap(path) if TCP in p]
    first = frames[0][TCP].sport
    return [p for p in frames if first in (p[TCP].sport, p[TCP].dport)], first


def outer(pkt, client_port, ip_id):
    """The outer Ethernet and IPv4 headers, in the direction of the inner packet."""
    to_server = pkt[TCP].sport == client_port
    src, dst = (A, B) if to_server else (B, A)
    smac, dmac = (MAC_A, MAC_B) if to_server else (MAC_B, MAC_A)
    return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, id=ip_id, flags="DF", ttl=64), to_server


def write(name, out, frames, times):
    for f, t in zip(frames, times):
        f.time = t
    wrpcap(f"{out}/{name}", frames)


def gre(conv, client, out):
    frames, seq = [], {True: 0, False: 0}
    for i, p in enumerate(conv):
        o, up = outer(p, client, 100 + i)
        frames.append(o / GRE(key_present=1, key=42, seqnum_present=1, seqence_number=seq[up], proto=0x0800) / p[IP])
        seq[up] += 1
    write("tunnel-gre.pcap", out, frames, [p.time for p in conv])


def gretap(conv, client, out):
    frames = []
    for i, p in enumerate(conv):
        o, _ = outer(p, client, 200 + i)
        inner = Ether(src=p[Ether].src, dst=p[Ether].dst, type=0x0800) / p[IP]
        frames.append(o / GRE(proto=0x6558) / inner)
    write("tunnel-gretap.pcap", out, frames, [p.time for p in conv])


def erspan(conv, client, out):
    frames = []
    for i, p in enumerate(conv):
        o, _ = outer(p, client, 300 + i)
        # ERSPAN II: version 1, VLAN 0, COS 0, En 0, T 0, session 7; index 1.
        hdr = bytes([0x10, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01])
        inner = Ether(src=p[Ether].src, dst=p[Ether].dst, type=0x0800) / p[IP]
        frames.append(o / GRE(seqnum_present=1, seqence_number=i, proto=0x88BE) / Raw(hdr) / inner)
    write("tunnel-erspan.pcap", out, frames, [p.time for p in conv])


def geneve(conv, client, out):
    frames = []
    # One option: class 0x0102 (OVN), type 0x80 (critical), 4 bytes of data.
    option = bytes([0x01, 0x02, 0x80, 0x01, 0x00, 0x01, 0x00, 0x02])
    for i, p in enumerate(conv):
        o, _ = outer(p, client, 400 + i)
        inner = Ether(src=p[Ether].src, dst=p[Ether].dst, type=0x0800) / p[IP]
        g = GENEVE(vni=7, proto=0x6558, optionlen=2, critical=1, options=option)
        frames.append(o / UDP(sport=49152 + (p[TCP].sport % 1000), dport=6081) / g / inner)
    write("tunnel-geneve.pcap", out, frames, [p.time for p in conv])


def gtpu(conv, client, out):
    frames, times = [], []
    t0 = conv[0].time
    o, _ = outer(conv[0], client, 500)
    frames.append(o / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0, S=1, seq=1) / GTPEchoRequest())
    o, _ = outer(conv[1], client, 501)
    frames.append(o / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0, S=1, seq=1) / GTPEchoResponse())
    times += [t0 - 0.002, t0 - 0.001]
    for i, p in enumerate(conv):
        o, up = outer(p, client, 510 + i)
        teid = 0x1001 if up else 0x2002
        container = GTPPDUSessionContainer(type=1 if up else 0, QFI=9, NextExtHdr=0)
        h = GTP_U_Header(teid=teid, S=1, E=1, seq=i, next_ex=0x85, gtp_type=255)
        frames.append(o / UDP(sport=2152, dport=2152) / h / container / p[IP])
        times.append(p.time)
    write("tunnel-gtpu.pcap", out, frames, times)


def teredo(conv, client, out):
    # Teredo addresses (RFC 4380 section 4): prefix 2001::/32, server 192.0.2.45,
    # flags, obfuscated port and address of the client's NAT mapping.
    client6 = "2001:0:c000:22d:8000:f227:3cfe:fefe"
    server6 = "2001:db8:80::2"
    frames, times = [], []
    o, _ = outer(conv[1], client, 600)
    bubble = IPv6(src=server6, dst=client6, nh=59, plen=0)
    # Origin indication: port 3544 and address 10.99.0.2, obfuscated.
    origin = bytes([0, 0]) + (3544 ^ 0xFFFF).to_bytes(2, "big") + bytes(b ^ 0xFF for b in [10, 99, 0, 2])
    frames.append(o / UDP(sport=3544, dport=3544) / Raw(origin) / bubble)
    times.append(conv[0].time - 0.001)
    for i, p in enumerate(conv):
        o, up = outer(p, client, 610 + i)
        t = p[TCP].copy()
        t.chksum = None
        src, dst = (client6, server6) if up else (server6, client6)
        sport, dport = (3544, 3544)
        frames.append(o / UDP(sport=sport, dport=dport) / IPv6(src=src, dst=dst, hlim=64) / t)
        times.append(p.time)
    write("tunnel-teredo.pcap", out, frames, times)


def l2tp(conv, client, out):
    frames, times = [], []
    o, _ = outer(conv[0], client, 700)
    # A HELLO control message: T, L, S bits, version 2; tunnel 1, session 0, Ns 3, Nr 4;
    # one AVP: mandatory, length 8, vendor 0, attribute 0 (message type), 6 (HELLO).
    hello = bytes([0xC8, 0x02, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04,
                   0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06])
    frames.append(o / UDP(sport=1701, dport=1701) / Raw(hello))
    times.append(conv[0].time - 0.001)
    for i, p in enumerate(conv):
        o, up = outer(p, client, 710 + i)
        tunnel, session = (1, 2) if up else (11, 12)
        hdr = bytes([0x00, 0x02]) + tunnel.to_bytes(2, "big") + session.to_bytes(2, "big")
        ppp = bytes([0xFF, 0x03, 0x00, 0x21])
        frames.append(o / UDP(sport=1701, dport=1701) / Raw(hdr + ppp) / p[IP])
        times.append(p.time)
    write("tunnel-l2tp.pcap", out, frames, times)


def main():
    src, out = sys.argv[1], sys.argv[2]
    conv, client = conversation(src)
    for make in (gre, gretap, erspan, geneve, gtpu, teredo, l2tp):
        make(conv, client, out)


if __name__ == "__main__":
    main()
