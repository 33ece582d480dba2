"""A QUIC exchange on loopback with aioquic (pip install aioquic): an echo server and
a client that sends "Simple is better than complex." on one bidirectional stream and
reads the echo. Keys go to an SSLKEYLOGFILE-format file when --keylog is given.
Usage: python3 scripts/quic_echo.py CERT KEY [--port 4433] [--keylog FILE]"""
import argparse
import asyncio

from aioquic.asyncio import connect, serve
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import StreamDataReceived

MESSAGE = b"Simple is better than complex.\n"


class Echo(QuicConnectionProtocol):
    def quic_event_received(self, event):
        if isinstance(event, StreamDataReceived):
            self._quic.send_stream_data(event.stream_id, event.data, event.end_stream)
            self.transmit()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cert")
    ap.add_argument("key")
    ap.add_argument("--port", type=int, default=4433)
    ap.add_argument("--keylog")
    a = ap.parse_args()
    server_cfg = QuicConfiguration(is_client=False, alpn_protocols=["echo"])
    server_cfg.load_cert_chain(a.cert, a.key)
    server = await serve("127.0.0.1", a.port, configuration=server_cfg, create_protocol=Echo)
    client_cfg = QuicConfiguration(is_client=True, alpn_protocols=["echo"], server_name="localhost")
    client_cfg.verify_mode = False
    keylog = open(a.keylog, "w") if a.keylog else None
    client_cfg.secrets_log_file = keylog
    async with connect("127.0.0.1", a.port, configuration=client_cfg) as client:
        reader, writer = await client.create_stream()
        writer.write(MESSAGE)
        writer.write_eof()
        echoed = await reader.read()
        assert echoed == MESSAGE, echoed
    server.close()
    if keylog:
        keylog.close()


asyncio.run(main())
