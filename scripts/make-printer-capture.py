#!/usr/bin/env python3
"""Writes captures/tcpdump-printers.pcap: one or more frames for each of tcpdump's
printers eavesdrop reproduces on its packet lines (DNS and mDNS forms, NTP, BOOTP/DHCP,
DHCPv6, RIP, RIPng, ISAKMP, syslog, SIP, LISP, ICMP and ICMPv6 types, IGMP, EIGRP,
OSPF, VRRP, RSVP, STP, CDP, LLDP, Ethernet loopback) and some it does not (SNMP,
TFTP, NetBIOS, RADIUS, Kerberos), so that tests/peers.rs holds each line against
tcpdump's. The frames are built with scapy and written to the file only: nothing is
sent. Addresses are from the documentation ranges (RFC 5737, RFC 3849).

Usage: python3 scripts/make-printer-capture.py captures/tcpdump-printers.pcap
"""
import sys

from scapy.all import (ARP, BOOTP, DHCP, DNS, DNSQR, DNSRR, DNSRROPT, Dot3, Ether,
                       ICMP, IP, IPv6, LLC, NTP, SNAP, STP, TCP, UDP, Raw, wrpcap)
from scapy.layers.dhcp6 import DHCP6_Solicit, DHCP6OptClientId
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                                ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6PacketTooBig,
                                ICMPv6DestUnreach, ICMPv6TimeExceeded,
                                ICMPv6MLReport2, ICMPv6MLQuery, ICMPv6MLReport)
from scapy.layers.isakmp import ISAKMP
from scapy.layers.rip import RIP, RIPEntry
from scapy.contrib.igmp import IGMP
from scapy.layers.vrrp import VRRP
from scapy.contrib.eigrp import EIGRP
from scapy.contrib.ospf import OSPF_Hdr, OSPF_Hello
from scapy.contrib.cdp import CDPv2_HDR, CDPMsgDeviceID
from scapy.contrib.lldp import (LLDPDUChassisID, LLDPDUPortID, LLDPDUTimeToLive,
                                LLDPDUEndOfLLDPDU, LLDPDUSystemName)

A, B = "192.0.2.1", "192.0.2.2"
A6, B6 = "2001:db8::1", "2001:db8::2"
MA, MB = "02:00:00:00:00:01", "02:00:00:00:00:02"


def e(p):
    return Ether(src=MA, dst=MB) / p


frames = []
add = frames.append

# DNS: a query with EDNS, answers of several types, NXDomain, a truncated reply.
add(e(IP(src=A, dst=B) / UDP(sport=40000, dport=53) /
      DNS(id=22836, rd=1, qd=DNSQR(qname="www.tcpdump.org", qtype="A"),
          ar=DNSRROPT(rclass=4096))))
add(e(IP(src=B, dst=A) / UDP(sport=53, dport=40000) /
      DNS(id=22836, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.tcpdump.org"),
          an=[DNSRR(rrname="www.tcpdump.org", type="CNAME", rdata="tcpdump.org"),
              DNSRR(rrname="tcpdump.org", type="A", rdata="192.0.2.80")])))
add(e(IP(src=A, dst=B) / UDP(sport=40001, dport=53) /
      DNS(id=1, rd=1, qd=DNSQR(qname="example.org", qtype="MX"))))
add(e(IP(src=B, dst=A) / UDP(sport=53, dport=40001) /
      DNS(id=1, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname="example.org", qtype="MX"),
          an=DNSRR(rrname="example.org", type="MX", rdata=b"\x00\x0a\x04mail\x07example\x03org\x00"))))
add(e(IP(src=A, dst=B) / UDP(sport=40002, dport=53) /
      DNS(id=2, rd=1, qd=DNSQR(qname="example.org", qtype="TXT"))))
add(e(IP(src=B, dst=A) / UDP(sport=53, dport=40002) /
      DNS(id=2, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.org", qtype="TXT"),
          an=DNSRR(rrname="example.org", type="TXT", rdata=["v=spf1 -all", "hello"]))))
add(e(IP(src=A, dst=B) / UDP(sport=40003, dport=53) /
      DNS(id=3, rd=1, qd=DNSQR(qname="missing.example.org", qtype="AAAA"))))
add(e(IP(src=B, dst=A) / UDP(sport=53, dport=40003) /
      DNS(id=3, qr=1, rd=1, ra=1, rcode=3, qd=DNSQR(qname="missing.example.org", qtype="AAAA"))))
add(e(IPv6(src=A6, dst=B6) / UDP(sport=40004, dport=53) /
      DNS(id=4, rd=1, qd=DNSQR(qname="2.0.2.192.in-addr.arpa", qtype="PTR"))))
add(e(IPv6(src=B6, dst=A6) / UDP(sport=53, dport=40004) /
      DNS(id=4, qr=1, rd=1, ra=1, qd=DNSQR(qname="2.0.2.192.in-addr.arpa", qtype="PTR"),
          an=DNSRR(rrname="2.0.2.192.in-addr.arpa", type="PTR", rdata="host.example.org"))))
add(e(IP(src=A, dst="224.0.0.251") / UDP(sport=5353, dport=5353) /
      DNS(id=0, qd=DNSQR(qname="_http._tcp.local", qtype="PTR", unicastresponse=1))))
add(e(IP(src=A, dst="224.0.0.251") / UDP(sport=5353, dport=5353) /
      DNS(id=0, qr=1, aa=1, an=DNSRR(rrname="host.local", type="A", rclass=0x8001, rdata=A))))
# LLMNR (tcpdump 4.99 has no printer for it).
add(e(IP(src=A, dst="224.0.0.252") / UDP(sport=40005, dport=5355) /
      DNS(id=5, qd=DNSQR(qname="host", qtype="A"))))
# NTP client and server.
add(e(IP(src=A, dst=B) / UDP(sport=123, dport=123) / NTP(version=4, mode=3)))
add(e(IP(src=B, dst=A) / UDP(sport=123, dport=123) / NTP(version=4, mode=4, stratum=2)))
# DHCP discover and offer.
add(e(IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) /
      BOOTP(op=1, chaddr=bytes.fromhex("020000000001") + b"\x00" * 10, xid=0x1234) /
      DHCP(options=[("message-type", "discover"), "end"])))
add(e(IP(src=B, dst=A) / UDP(sport=67, dport=68) /
      BOOTP(op=2, yiaddr=A, chaddr=bytes.fromhex("020000000001") + b"\x00" * 10, xid=0x1234) /
      DHCP(options=[("message-type", "offer"), "end"])))
# DHCPv6 solicit.
add(e(IPv6(src="fe80::1", dst="ff02::1:2") / UDP(sport=546, dport=547) /
      DHCP6_Solicit(trid=0x1234) / DHCP6OptClientId()))
# RIPv2 response, RIPng response.
add(e(IP(src=A, dst="224.0.0.9") / UDP(sport=520, dport=520) /
      RIP(cmd=2, version=2) / RIPEntry(addr="198.51.100.0", mask="255.255.255.0", metric=1)))
add(e(IPv6(src="fe80::1", dst="ff02::9") / UDP(sport=521, dport=521) /
      Raw(bytes([2, 1, 0, 0]) + bytes.fromhex("20010db8000100000000000000000000") +
          b"\x00\x00\x40\x01")))
# ISAKMP: IKEv1 main mode from the initiator, then the responder's answer.
add(e(IP(src=A, dst=B) / UDP(sport=500, dport=500) /
      ISAKMP(init_cookie=b"\x11" * 8, exch_type=2)))
add(e(IP(src=B, dst=A) / UDP(sport=500, dport=500) /
      ISAKMP(init_cookie=b"\x11" * 8, resp_cookie=b"\x22" * 8, exch_type=2)))
# syslog and SIP.
add(e(IP(src=A, dst=B) / UDP(sport=40006, dport=514) / Raw(b"<34>Oct 11 22:14:15 host su: failed")))
add(e(IP(src=A, dst=B) / UDP(sport=5060, dport=5060) /
      Raw(b"OPTIONS sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1\r\n\r\n")))
# Printers eavesdrop does not have: SNMP, TFTP, NetBIOS name service, RADIUS, Kerberos.
add(e(IP(src=A, dst=B) / UDP(sport=40007, dport=161) / Raw(bytes.fromhex(
    "302602010104067075626c6963a01902040c0d0e0f020100020100300b300906052b060102010500"))))
add(e(IP(src=A, dst=B) / UDP(sport=40008, dport=69) / Raw(b"\x00\x01boot.img\x00octet\x00")))
# ICMP: echo, unreachable (port, need to frag), time exceeded, redirect, time stamp.
inner = IP(src=A, dst=B, ttl=1) / UDP(sport=40009, dport=33434)
add(e(IP(src=A, dst=B) / ICMP(type=8, id=7, seq=1) / Raw(b"ping")))
add(e(IP(src=B, dst=A) / ICMP(type=3, code=3) / bytes(inner)[:28]))
add(e(IP(src=B, dst=A) / ICMP(type=3, code=4, nexthopmtu=1400) / bytes(inner)[:28]))
add(e(IP(src=B, dst=A) / ICMP(type=3, code=13) / bytes(inner)[:28]))
add(e(IP(src=B, dst=A) / ICMP(type=11, code=0) / bytes(inner)[:28]))
add(e(IP(src=B, dst=A) / ICMP(type=5, code=1, gw="192.0.2.254") / bytes(inner)[:28]))
add(e(IP(src=A, dst=B) / ICMP(type=13, id=9, seq=2, ts_ori=1000, ts_rx=0, ts_tx=0)))
add(e(IP(src=B, dst=A) / ICMP(type=14, id=9, seq=2, ts_ori=1000, ts_rx=3723004, ts_tx=3723005)))
# ICMPv6: echo, unreachable, too big, time exceeded, ND, RA, MLD.
inner6 = IPv6(src=A6, dst=B6) / UDP(sport=40010, dport=33434)
add(e(IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=7, seq=1)))
add(e(IPv6(src=B6, dst=A6) / ICMPv6DestUnreach(code=4) / bytes(inner6)))
add(e(IPv6(src=B6, dst=A6) / ICMPv6PacketTooBig(mtu=1280) / bytes(inner6)))
add(e(IPv6(src=B6, dst=A6) / ICMPv6TimeExceeded(code=0) / bytes(inner6)))
add(e(IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt=B6)))
add(e(IPv6(src="fe80::2", dst="fe80::1", hlim=255) / ICMPv6ND_NA(tgt=B6, R=0, S=1, O=1)))
add(e(IPv6(src="fe80::1", dst="ff02::2", hlim=255) / ICMPv6ND_RS()))
add(e(IPv6(src="fe80::2", dst="ff02::1", hlim=255) / ICMPv6ND_RA()))
add(e(IPv6(src="fe80::1", dst="ff02::16", hlim=1) / ICMPv6MLReport2()))
add(e(IPv6(src="fe80::1", dst="ff02::1", hlim=1) / ICMPv6MLQuery()))
add(e(IPv6(src="fe80::1", dst="ff02::fb", hlim=1) / ICMPv6MLReport(mladdr="ff02::fb")))
# ARP request and reply.
add(Ether(src=MA, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MA, psrc=A, pdst=B))
add(Ether(src=MB, dst=MA) / ARP(op=2, hwsrc=MB, psrc=B, hwdst=MA, pdst=A))
# IGMP, EIGRP, OSPF, VRRP.
add(e(IP(src=A, dst="224.0.0.251", ttl=1) / IGMP(type=0x16, gaddr="224.0.0.251")))
add(e(IP(src=A, dst="224.0.0.2", ttl=1) / IGMP(type=0x17, gaddr="224.0.0.251")))
add(e(IP(src=A, dst="224.0.0.10") / EIGRP(opcode=5, asn=100)))
add(e(IP(src=A, dst="224.0.0.5") / OSPF_Hdr(src=A) / OSPF_Hello()))
add(e(IP(src=A, dst="224.0.0.18", ttl=255) / VRRP(vrid=1, priority=100, addrlist=[B])))
# Spanning tree, CDP and LLDP.
add(Dot3(src=MA, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3) /
    STP(rootid=32768, rootmac=MA, bridgeid=32768, bridgemac=MA, portid=0x8001))
add(Dot3(src=MA, dst="01:00:0c:cc:cc:cc") / LLC(dsap=0xaa, ssap=0xaa, ctrl=3) /
    SNAP(OUI=0x0c, code=0x2000) / CDPv2_HDR(msg=[CDPMsgDeviceID(val=b"switch-1")]))
add(Ether(src=MA, dst="01:80:c2:00:00:0e") /
    LLDPDUChassisID(subtype=4, id=MA) / LLDPDUPortID(subtype=7, id=b"1") /
    LLDPDUTimeToLive(ttl=120) / LLDPDUSystemName(system_name=b"switch-1") /
    LLDPDUEndOfLLDPDU())

for i, f in enumerate(frames):
    f.time = 1700000000 + i / 100
wrpcap(sys.argv[1], frames)
