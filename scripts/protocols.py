#!/usr/bin/env python3
"""Real clients and servers on loopback for the sample captures (captures/README.md).

Each mode starts a server (aiosmtpd, pyftpdlib, dnslib, http.server, Python ssl), runs a
real client against it (smtplib, curl, dig, Python ssl), and stops. Credentials are the
teaching ones: alice / secret.
"""
import argparse
import http.server
import os
import socket
import ssl
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "captures", "certs")


def tls_server_context(keylog=None, version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{CERTS}/server.crt", f"{CERTS}/server.key")
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    if keylog:
        ctx.keylog_filename = keylog
    return ctx


def tls_client_context(keylog=None, version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f"{CERTS}/ca.crt")
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    if keylog:
        ctx.keylog_filename = keylog
    return ctx


def smtp(starttls, keylog):
    import smtplib
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK queued"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"alice" and auth_data.password == b"secret"
        return AuthResult(success=ok)

    kwargs = dict(hostname="127.0.0.1", port=2525, authenticator=authenticator, auth_require_tls=starttls)
    if starttls:
        kwargs.update(tls_context=tls_server_context(keylog), require_starttls=True)
    controller = Controller(Handler(), **kwargs)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", 2525, local_hostname="client.example") as client:
            client.ehlo()
            if starttls:
                client.starttls(context=tls_client_context(keylog))
                client.ehlo()
            client.login("alice", "secret")
            client.sendmail(
                "alice@example.test",
                ["bob@example.test"],
                "Subject: plans\r\n\r\nSimple is better than complex.\r\n",
            )
    finally:
        controller.stop()


class HttpHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.headers.get("Authorization") == "Basic YWxpY2U6c2VjcmV0":
            self.reply(200, b"Simple is better than complex.\n", [("Set-Cookie", "session=0123456789abcdef")])
        else:
            self.reply(401, b"who are you?\n", [("WWW-Authenticate", 'Basic realm="eavesdrop"')])

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.reply(302, b"", [("Location", "/home"), ("Set-Cookie", "session=fedcba9876543210")])


def http_basic():
    server = http.server.HTTPServer(("127.0.0.1", 8080), HttpHandler)
    t = threading.Thread(target=server.serve_forever)
    t.start()
    try:
        base = "http://127.0.0.1:8080"
        subprocess.run(["curl", "-s", "-o", "/dev/null", "-u", "alice:secret", f"{base}/private"], check=True)
        subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-b", "theme=dark", "-d", "user=alice&password=secret", f"{base}/login"],
            check=True,
        )
    finally:
        server.shutdown()
        t.join()


def ftp(root, active=False):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "notes.txt"), "w") as f:
        f.write("Simple is better than complex.\n")
    auth = DummyAuthorizer()
    auth.add_user("alice", "secret", root, perm="elr")
    handler = FTPHandler
    handler.authorizer = auth
    handler.passive_ports = range(50000, 50010)
    server = FTPServer(("127.0.0.1", 2121), handler)
    t = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2})
    t.start()
    try:
        # Passive mode (the client connects to the port the server's 227/229 names),
        # or active mode (curl's EPRT names a port of its own, the server connects).
        mode = ["--ftp-port", "127.0.0.1:50020-50029"] if active else []
        subprocess.run(["curl", "-s", "-o", "/dev/null", *mode, "ftp://alice:secret@127.0.0.1:2121/notes.txt"], check=True)
    finally:
        server.close_all()
        t.join()


def dns():
    from dnslib import A, AAAA, QTYPE, RR
    from dnslib.server import BaseResolver, DNSServer

    class Resolver(BaseResolver):
        def resolve(self, request, handler):
            reply = request.reply()
            q = request.q
            name = str(q.qname)
            if name.endswith("example.test."):
                if q.qtype == QTYPE.A:
                    reply.add_answer(RR(q.qname, QTYPE.A, rdata=A("192.0.2.10"), ttl=60))
                elif q.qtype == QTYPE.AAAA:
                    reply.add_answer(RR(q.qname, QTYPE.AAAA, rdata=AAAA("2001:db8::10"), ttl=60))
            else:
                reply.header.rcode = 3
            return reply

    udp = DNSServer(Resolver(), address="127.0.0.1", port=53)
    tcp = DNSServer(Resolver(), address="127.0.0.1", port=53, tcp=True)
    udp.start_thread()
    tcp.start_thread()
    try:
        for args in (["www.example.test", "A"], ["www.example.test", "AAAA"], ["secret-project.example.test", "A", "+tcp"], ["nowhere.invalid", "A"]):
            subprocess.run(["dig", "@127.0.0.1", "+tries=1", "+time=2", *args], check=True, capture_output=True)
    finally:
        udp.stop()
        tcp.stop()


def dns_big():
    """A DNS answer larger than the MTU over UDP: the kernel fragments it."""
    from dnslib import QTYPE, RR, TXT
    from dnslib.server import BaseResolver, DNSServer

    class Resolver(BaseResolver):
        def resolve(self, request, handler):
            reply = request.reply()
            chunks = [f"v=key{i:03d} " + "k" * 180 for i in range(14)]
            reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
            return reply

    servers = [DNSServer(Resolver(), address=a, port=53) for a in ("127.0.0.1", "::1")]
    for s in servers:
        s.start_thread()
    try:
        for server in ("127.0.0.1", "::1"):
            subprocess.run(["dig", f"@{server}", "+tries=1", "+time=2", "+bufsize=4096",
                            "+ignore", "keys.example.test", "TXT"], check=True, capture_output=True)
    finally:
        for s in servers:
            s.stop()


def tls12_resume(keylog):
    sctx = tls_server_context(keylog, ssl.TLSVersion.TLSv1_2)
    cctx = tls_client_context(keylog, ssl.TLSVersion.TLSv1_2)
    listener = socket.create_server(("127.0.0.1", 1060))

    def serve():
        for _ in range(2):
            conn, _ = listener.accept()
            with sctx.wrap_socket(conn, server_side=True) as s:
                data = s.recv(4096)
                s.sendall(data)
                try:
                    s.unwrap()
                except (ssl.SSLError, OSError):
                    pass

    t = threading.Thread(target=serve)
    t.start()
    session = None
    for _ in range(2):
        with socket.create_connection(("127.0.0.1", 1060)) as raw:
            with cctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                s.sendall(b"Simple is better than complex.\n")
                s.recv(4096)
                session = s.session
                print("resumed" if s.session_reused else "full handshake")
                try:
                    s.unwrap()
                except (ssl.SSLError, OSError):
                    pass
    t.join()
    listener.close()


def bulk_tls13(host, port, size, keylog, server_only):
    """A TLS 1.3 echo of `size` bytes (for the reordering capture, across namespaces)."""
    payload = (b"Simple is better than complex. " * (size // 31 + 1))[:size]
    if server_only:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Ethernet-sized segments even on loopback, so records span many of them.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1448)
        listener.bind((host, port))
        listener.listen(1)
        conn, _ = listener.accept()
        with tls_server_context(keylog, ssl.TLSVersion.TLSv1_3).wrap_socket(conn, server_side=True) as s:
            got = b""
            while len(got) < size:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            s.sendall(got)
        return
    for _ in range(50):
        try:
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1448)
            raw.connect((host, port))
            break
        except OSError:
            time.sleep(0.1)
    with tls_client_context(keylog, ssl.TLSVersion.TLSv1_3).wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(payload)
        got = b""
        while len(got) < size:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        assert got == payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["smtp-starttls", "smtp-auth", "http-basic", "ftp", "ftp-active", "dns", "tls12-resume", "dns-big", "bulk-server", "bulk-client"])
    ap.add_argument("--keylog")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=4433)
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--root", default="/tmp/eavesdrop-ftp")
    a = ap.parse_args()
    if a.mode == "smtp-starttls":
        smtp(True, a.keylog)
    elif a.mode == "smtp-auth":
        smtp(False, None)
    elif a.mode == "http-basic":
        http_basic()
    elif a.mode == "ftp":
        ftp(a.root)
    elif a.mode == "ftp-active":
        ftp(a.root, active=True)
    elif a.mode == "dns":
        dns()
    elif a.mode == "dns-big":
        dns_big()
    elif a.mode == "tls12-resume":
        tls12_resume(a.keylog)
    elif a.mode == "bulk-server":
        bulk_tls13(a.host, a.port, a.size, a.keylog, True)
    else:
        bulk_tls13(a.host, a.port, a.size, a.keylog, False)


if __name__ == "__main__":
    main()
