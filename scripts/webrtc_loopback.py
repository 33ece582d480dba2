"""Two aiortc peers on one machine: an audio track (silence) and a data channel that
carries one message each way, for captures/webrtc-aiortc.pcap
(scripts/make-dtls-captures.sh). One host candidate each, no STUN server."""

import asyncio

from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack


def only_first_candidate(desc):
    """Keeps one host candidate, so the capture holds one pair of checks: the
    machine's own address, whose packets travel over loopback."""
    lines, seen = [], False
    for l in desc.sdp.split("\r\n"):
        if l.startswith("a=candidate"):
            if seen or " udp " not in l.lower():
                continue
            seen = True
        lines.append(l)
    desc.sdp = "\r\n".join(lines)
    return desc


async def main():
    config = RTCConfiguration(iceServers=[])
    caller = RTCPeerConnection(config)
    callee = RTCPeerConnection(config)
    done = asyncio.Event()

    @callee.on("datachannel")
    def on_channel(channel):
        @channel.on("message")
        def on_message(message):
            channel.send("Beautiful is better than ugly.")

    @callee.on("track")
    def on_track(track):
        pass

    channel = caller.createDataChannel("chat")

    @channel.on("open")
    def on_open():
        channel.send("Simple is better than complex.")

    @channel.on("message")
    def on_reply(message):
        done.set()

    caller.addTrack(AudioStreamTrack())
    await caller.setLocalDescription(await caller.createOffer())
    await callee.setRemoteDescription(only_first_candidate(caller.localDescription))
    await callee.setLocalDescription(await callee.createAnswer())
    await caller.setRemoteDescription(only_first_candidate(callee.localDescription))
    await asyncio.wait_for(done.wait(), 15)
    # A little audio, then close.
    await asyncio.sleep(0.3)
    await caller.close()
    await callee.close()


asyncio.run(main())
