#!/usr/bin/env python3
"""A minimal XMPP client (RFC 6120) for the sample captures: it logs in to a real
server (Prosody, see scripts/make-server-captures.sh) with SASL PLAIN and sends one
chat message, either in the clear or after STARTTLS (Python ssl, keys written to
--keylog in the SSLKEYLOGFILE format).

    xmpp_client.py plain    --port 5222
    xmpp_client.py starttls --port 5222 --ca captures/certs/ca.crt --keylog FILE
"""

import argparse
import base64
import socket
import ssl

NS = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
MESSAGE = "Simple is better than complex."


def read_until(sock, marker):
    data = b""
    while marker.encode() not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit(f"server closed before {marker!r}: {data!r}")
        data += chunk
    return data.decode()


def open_stream(sock, domain):
    sock.sendall(
        f"<?xml version='1.0'?><stream:stream to='{domain}' {NS} version='1.0'>".encode()
    )
    return read_until(sock, "</stream:features>")


def login_and_send(sock, domain, user, password):
    cred = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    sock.sendall(
        f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{cred}</auth>".encode()
    )
    reply = read_until(sock, ">")
    if "<success" not in reply:
        raise SystemExit(f"login failed: {reply}")
    open_stream(sock, domain)
    sock.sendall(
        b"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
        b"<resource>eavesdrop</resource></bind></iq>"
    )
    read_until(sock, "</iq>")
    # To itself (its full JID): the server sends the message straight back.
    sock.sendall(
        f"<message to='{user}@{domain}/eavesdrop' type='chat' id='m1'>"
        f"<body>{MESSAGE}</body></message>".encode()
    )
    # The server sends the message back to the same resource.
    read_until(sock, MESSAGE)
    sock.sendall(b"</stream:stream>")
    try:
        read_until(sock, "</stream:stream>")
    except SystemExit:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["plain", "starttls"])
    ap.add_argument("--port", type=int, default=5222)
    ap.add_argument("--domain", default="localhost")
    ap.add_argument("--user", default="alice")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--ca")
    ap.add_argument("--keylog")
    a = ap.parse_args()
    sock = socket.create_connection(("127.0.0.1", a.port))
    features = open_stream(sock, a.domain)
    if a.mode == "starttls":
        if "starttls" not in features:
            raise SystemExit(f"no starttls offered: {features}")
        sock.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        if "<proceed" not in read_until(sock, ">"):
            raise SystemExit("STARTTLS refused")
        ctx = ssl.create_default_context(cafile=a.ca)
        if a.keylog:
            ctx.keylog_filename = a.keylog
        sock = ctx.wrap_socket(sock, server_hostname=a.domain)
        open_stream(sock, a.domain)
    login_and_send(sock, a.domain, a.user, a.password)
    sock.close()


if __name__ == "__main__":
    main()
