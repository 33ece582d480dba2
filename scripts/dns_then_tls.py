"""A DNS lookup, then a TLS connection that sends no server name (SNI) to the address
the answer gave: an observer still learns the name, from the DNS answer. On loopback:
a dnslib server on 127.0.0.2:53 answers `hidden.example` with 127.0.0.1; Python's
resolver-free client asks it (dnslib), then connects with Python ssl without SNI to
OpenSSL's s_server on 127.0.0.1:4443. Usage: python3 scripts/dns_then_tls.py CERT KEY
Needs: pip install dnslib; openssl."""
import socket
import ssl
import subprocess
import sys
import threading
import time

from dnslib import A, QTYPE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSServer

cert, key = sys.argv[1], sys.argv[2]


class Resolver(BaseResolver):
    def resolve(self, request, handler):
        reply = request.reply()
        if str(request.q.qname) == "hidden.example.":
            reply.add_answer(RR("hidden.example.", QTYPE.A, rdata=A("127.0.0.1"), ttl=60))
        return reply


dns = DNSServer(Resolver(), address="127.0.0.2", port=53)
dns.start_thread()
server = subprocess.Popen(
    ["openssl", "s_server", "-quiet", "-accept", "4443", "-cert", cert, "-key", key],
    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
time.sleep(1)
answer = DNSRecord.parse(DNSRecord.question("hidden.example").send("127.0.0.2", 53, timeout=5))
addr = str(answer.rr[0].rdata)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection((addr, 4443)) as raw:
    # server_hostname=None: no SNI in the ClientHello.
    with ctx.wrap_socket(raw, server_hostname=None) as tls:
        tls.sendall(b"Simple is better than complex.\n")
        time.sleep(0.3)
server.terminate()
dns.stop()
