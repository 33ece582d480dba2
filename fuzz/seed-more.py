#!/usr/bin/env python3
"""Seeds for the `stream` and `udp_datagrams` fuzz targets from the credential
protocols' sample captures (SMB, Kerberos, RDP, SIP, HTTP/2; Kerberos, SNMP, SIP and
Google QUIC over UDP): each flow becomes one input in the target's format, payloads cut
at 255 bytes. Written to fuzz/seeds/ (committed; run-all.sh copies them into the
corpus). Needs tshark."""
import os
import subprocess

here = os.path.dirname(os.path.abspath(__file__))
caps = os.path.join(here, "..", "captures")
corpus = os.environ.get("EAVESDROP_CORPUS", os.path.join(here, "..", "..", "shared", "corpus"))

# (capture, transport, server port, index in the target's port table)
STREAM = [
    ("smb3-ntlm.pcap", 445, 14),
    ("smb3-encrypted.pcap", 445, 14),
    ("kerberos-tcp.pcap", 88, 16),
    ("rdp-standard-security.pcap", 3389, 17),
    ("sip-digest-tcp.pcap", 5060, 18),
    ("h2c-prior-knowledge.pcap", 8081, 2),
    ("h2c-upgrade.pcap", 8082, 2),
]
UDP = [
    ("kerberos-udp.pcap", 88, 6),
    ("snmp-v2c-v3.pcap", 161, 7),
    ("sip-digest-udp.pcap", 5060, 9),
    (os.path.join(corpus, "arkime", "quic24-wireshark.pcap"), 443, 3),
    (os.path.join(corpus, "ndpi", "quic046.pcap"), 443, 3),
]


def rows(cap, proto, port):
    field = "tcp.payload" if proto == "tcp" else "udp.payload"
    out = subprocess.run(
        ["tshark", "-n", "-r", cap, "-Y", f"{proto}.port == {port} && {proto}.length > 0"
         if proto == "udp" else f"tcp.port == {port} && tcp.len > 0",
         "-T", "fields", "-e", f"{proto}.stream", "-e", f"{proto}.srcport", "-e", field],
        check=True, capture_output=True, text=True).stdout.splitlines()
    for row in rows_split(out):
        yield row


def rows_split(lines):
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 3 and parts[2]:
            yield parts[0], parts[1], bytes.fromhex(parts[2].replace(":", ""))


def write(target, name, seed):
    d = os.path.join(here, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(seed)
    print(f"seeds/{target}/{name}: {len(seed)} bytes")


for cap, port, index in STREAM:
    streams = {}
    for stream, src, data in rows(os.path.join(caps, cap), "tcp", port):
        seed = streams.setdefault(stream, bytearray([index]))
        to_client = 0x80 if src == str(port) else 0
        for i in range(0, len(data), 255):
            piece = data[i:i + 255]
            seed += bytes([to_client | 0x08, len(piece), 0]) + piece
    for n, seed in enumerate(streams.values()):
        write("stream", f"{cap.removesuffix('.pcap')}-{n}", seed)
for cap, port, index in UDP:
    path = cap if os.path.isabs(cap) else os.path.join(caps, cap)
    if not os.path.exists(path):
        continue
    seed = bytearray([index])
    for _, src, data in list(rows(path, "udp", port))[:40]:
        to_client = 0x80 if src == str(port) else 0
        piece = data[:255]
        seed += bytes([to_client, len(piece)]) + piece
    write("udp_datagrams", os.path.basename(cap).removesuffix(".pcap"), seed)
