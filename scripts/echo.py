#!/usr/bin/env python3
"""Loopback echo used to make the sample captures (see captures/README.md).

The client sends the textbook message; the server echoes it back. Modes:
  plain  -- plain TCP
  tls12  -- TLS 1.2 (ECDHE-RSA-AES128-GCM-SHA256), server cert signed by the teaching CA
  tls13  -- TLS 1.3
The TLS client sends SNI=localhost and offers ALPN "echo"; both ends write the session
keys to --keylog (SSLKEYLOGFILE format) so the capture can be decrypted in Wireshark.
"""
import argparse
import socket
import ssl
import threading

MESSAGE = b"Simple is better than complex.\n"


def server(listener, ctx, ready):
    ready.set()
    conn, _ = listener.accept()
    with conn:
        if ctx is not None:
            conn = ctx.wrap_socket(conn, server_side=True)
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        conn.sendall(data)
        if ctx is not None:
            try:
                conn.unwrap()
            except (ssl.SSLError, OSError):
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["plain", "tls12", "tls13"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=1060)
    ap.add_argument("--certs", default="captures/certs")
    ap.add_argument("--keylog")
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(1)

    sctx = cctx = None
    if args.mode != "plain":
        version = ssl.TLSVersion.TLSv1_2 if args.mode == "tls12" else ssl.TLSVersion.TLSv1_3
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.minimum_version = sctx.maximum_version = version
        sctx.load_cert_chain(f"{args.certs}/server.crt", f"{args.certs}/server.key")
        sctx.set_alpn_protocols(["echo"])
        # No session tickets: the capture shows one plain handshake.
        sctx.options |= ssl.OP_NO_TICKET
        if args.mode == "tls12":
            sctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.minimum_version = cctx.maximum_version = version
        cctx.load_verify_locations(f"{args.certs}/ca.crt")
        cctx.set_alpn_protocols(["echo"])
        if args.keylog:
            sctx.keylog_filename = args.keylog
            cctx.keylog_filename = args.keylog

    ready = threading.Event()
    t = threading.Thread(target=server, args=(listener, sctx, ready))
    t.start()
    ready.wait()

    with socket.create_connection((args.host, args.port)) as sock:
        if cctx is not None:
            sock = cctx.wrap_socket(sock, server_hostname="localhost")
        sock.sendall(MESSAGE)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        assert reply == MESSAGE, reply
        if cctx is not None:
            try:
                sock.unwrap()
            except (ssl.SSLError, OSError):
                pass
    t.join()
    listener.close()


if __name__ == "__main__":
    main()
