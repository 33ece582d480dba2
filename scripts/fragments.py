#!/usr/bin/env python3
"""Writes captures/ip-fragments.pcap (scapy): IP fragments the way hostile or broken
networks deliver them, deterministic so the sample is reproducible.

1. An HTTP request with Basic credentials over TCP (after a handshake), its IPv4
   datagram cut into 4 fragments sent last-first, one of them twice.
2. A DNS query over IPv4 in 3 fragments, plus a late fragment overlapping the second
   with different bytes (an evasion trick: first copy wins).
3. A UDP datagram over IPv6 in 3 fragments of which the middle one never arrives.
"""
import sys

from scapy.all import DNS, DNSQR, IP, IPv6, IPv6ExtHdrFragment, Raw, TCP, UDP, fragment, wrpcap, fragment6

cli, srv = "192.0.2.1", "198.51.100.7"
out = []
# 1. TCP handshake, then a fragmented request.
out.append(IP(src=cli, dst=srv, id=1) / TCP(sport=40001, dport=80, flags="S", seq=1000))
out.append(IP(src=srv, dst=cli, id=2) / TCP(sport=80, dport=40001, flags="SA", seq=5000, ack=1001))
out.append(IP(src=cli, dst=srv, id=3) / TCP(sport=40001, dport=80, flags="A", seq=1001, ack=5001))
req = (b"GET /account HTTP/1.1\r\nHost: bank.example\r\n"
       b"Authorization: Basic YWxpY2U6aHVudGVyMg==\r\nUser-Agent: fragtest\r\n\r\n")
pkt = IP(src=cli, dst=srv, id=0x4242) / TCP(sport=40001, dport=80, flags="PA", seq=1001, ack=5001) / Raw(req)
frags = fragment(pkt, fragsize=40)
assert len(frags) == 4, len(frags)
out.extend([frags[3], frags[1], frags[1], frags[0], frags[2]])
out.append(IP(src=srv, dst=cli, id=4) / TCP(sport=80, dport=40001, flags="A", seq=5001, ack=1001 + len(req)))
# 2. DNS query in fragments, then a conflicting overlap.
q = IP(src=cli, dst="203.0.113.53", id=0x5353) / UDP(sport=40002, dport=53) / DNS(id=7, rd=1, qd=DNSQR(qname="intranet.secret-project.example", qtype="A"))
qf = fragment(q, fragsize=24)
assert len(qf) == 3, len(qf)
evil = qf[1].copy()
evil[Raw].load = b"X" * len(evil[Raw].load)
out.extend([qf[0], qf[1], evil, qf[2]])
# 3. IPv6: the middle fragment is lost.
v6 = IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(id=0x66) / UDP(sport=40003, dport=9999) / Raw(b"lost in the middle " * 12)
f6 = fragment6(v6, 136)
assert len(f6) == 3, len(f6)
out.extend([f6[0], f6[2]])
for i, p in enumerate(out):
    p.time = 1_700_000_000 + i * 0.001
wrpcap(sys.argv[1], out, linktype=101)
print(f"{len(out)} packets")
