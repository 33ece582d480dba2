"""A WebSocket echo on loopback with the `websockets` package (pip install websockets),
for captures/websocket-echo.pcap: a text message, a random binary one (what a proxy
such as VMess sends), a structured binary one, a ping, then a close; a second
connection with permessage-deflate. Usage: python3 scripts/websocket_echo.py PORT"""
import asyncio
import os
import sys

import websockets

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8765


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def client(compression):
    uri = f"ws://127.0.0.1:{PORT}/chat"
    async with websockets.connect(uri, compression=compression) as ws:
        await ws.send("Simple is better than complex")
        await ws.recv()
        await ws.send(os.urandom(600))
        await ws.recv()
        await ws.send(bytes(range(16)) * 40)
        await ws.recv()
        await ws.ping(b"are you there")
        await asyncio.sleep(0.2)


async def main():
    async with websockets.serve(echo, "127.0.0.1", PORT, compression=None):
        await client(None)
        await asyncio.sleep(0.2)
    async with websockets.serve(echo, "127.0.0.1", PORT):
        await client("deflate")


asyncio.run(main())
