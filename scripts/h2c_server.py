#!/usr/bin/env python3
"""An HTTP/2 server for one cleartext connection that starts as HTTP/1.1 with
`Upgrade: h2c` (RFC 7540 section 3.2), made with hyper-h2 (`pip install h2`): it
answers 101 Switching Protocols, then serves the request as stream 1 over HTTP/2.
Used by make-more-captures.sh for captures/h2c-upgrade.pcap."""
import socket
import sys

import h2.config
import h2.connection
import h2.events

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8082
body = b"Quarterly report: revenue down 12 percent.\n"

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
conn, _ = srv.accept()
head = b""
while b"\r\n\r\n" not in head:
    chunk = conn.recv(65536)
    if not chunk:
        sys.exit("connection closed before the request head")
    head += chunk
request, _, rest = head.partition(b"\r\n\r\n")
settings = None
for line in request.split(b"\r\n")[1:]:
    name, _, value = line.partition(b":")
    if name.strip().lower() == b"http2-settings":
        settings = value.strip()
conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
h2conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
h2conn.initiate_upgrade_connection(settings)
h2conn.send_headers(1, [(":status", "200"), ("content-type", "text/plain"),
                        ("set-cookie", "sid=s3cr3t-session; HttpOnly"),
                        ("content-length", str(len(body)))])
h2conn.send_data(1, body, end_stream=True)
conn.sendall(h2conn.data_to_send())
pending = rest
done = False
while not done:
    data = pending or conn.recv(65536)
    pending = b""
    if not data:
        break
    for event in h2conn.receive_data(data):
        if isinstance(event, (h2.events.ConnectionTerminated, h2.events.SettingsAcknowledged)):
            done = isinstance(event, h2.events.ConnectionTerminated)
    conn.sendall(h2conn.data_to_send())
conn.close()
