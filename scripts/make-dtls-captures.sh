#!/usr/bin/env bash
# Makes the DTLS, STUN/TURN and WebRTC sample captures on loopback with real software
# (not run in CI; the captures are committed). Needs root (tcpdump), and the Debian
# packages tcpdump, openssl, coturn (turnserver, turnutils_peer, turnutils_uclient);
# the WebRTC session needs Python's aiortc (pip install aiortc).
# Usage: scripts/make-dtls-captures.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures
certs=$out/certs

# dtls SERVER-OPTS CLIENT-OPTS FILE: one OpenSSL DTLS session on port 4433. The client
# sends a line, the server a line, then the client closes (close_notify).
dtls() {
  local sopts=$1 copts=$2 file=$3
  rm -f "$file"
  tcpdump -i lo -U -w "$file" udp port 4433 2>/dev/null &
  local tp=$!
  sleep 1
  (sleep 1.5; echo "Beautiful is better than ugly."; sleep 1.5) |
    timeout 10 openssl s_server $sopts -accept 4433 -naccept 1 \
      -cert "$certs/server.crt" -key "$certs/server.key" -quiet >/dev/null 2>&1 &
  local sp=$!
  sleep 0.5
  (echo "Simple is better than complex."; sleep 2) |
    timeout 10 openssl s_client $copts -connect 127.0.0.1:4433 -servername localhost \
      -CAfile "$certs/ca.crt" -keylogfile "${file%.pcap}.keylog" -quiet -no_ign_eof >/dev/null 2>&1 || true
  wait "$sp" || true
  sleep 0.5
  kill -INT "$tp"; wait "$tp" || true
}

# DTLS 1.2, one datagram per flight: HelloVerifyRequest, certificate names readable,
# the two lines opaque, encrypted alerts.
dtls "-dtls1_2 -mtu 1400" "-dtls1_2 -mtu 1400" "$out/dtls12-echo.pcap"
# The same with a 500-byte MTU: the Certificate and ServerKeyExchange are cut into
# fragments across datagrams.
dtls "-dtls1_2 -mtu 500" "-dtls1_2 -mtu 500" "$out/dtls12-fragmented.pcap"
# DTLS 1.0 (OpenSSL 3 allows it at security level 0 only).
dtls "-dtls1 -mtu 1400 -cipher DEFAULT:@SECLEVEL=0" \
  "-dtls1 -mtu 1400 -cipher DEFAULT:@SECLEVEL=0" "$out/dtls10-echo.pcap"

# TURN: coturn's turnserver with a long-term credential (alice/secret), its echo peer,
# and turnutils_uclient sending three 40-byte messages through a channel (Allocate,
# 401 with REALM/NONCE, CreatePermission, ChannelBind, ChannelData, Refresh).
rm -f "$out/turn-channel.pcap"
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=3478 \
  --min-port=49200 --max-port=49300 --lt-cred-mech --user=alice:secret --realm=example.org \
  --allow-loopback-peers --no-cli --no-tls --no-dtls --log-file=stdout >/dev/null 2>&1 &
ts=$!
turnutils_peer -L 127.0.0.1 -p 3480 >/dev/null 2>&1 &
peer=$!
sleep 1
tcpdump -i lo -U -w "$out/turn-channel.pcap" udp port 3478 2>/dev/null &
tp=$!
sleep 1
timeout 10 turnutils_uclient -u alice -w secret -n 3 -m 1 -l 40 -c -e 127.0.0.1 -r 3480 127.0.0.1 \
  >/dev/null 2>&1 || true
sleep 0.5
kill -INT "$tp"; wait "$tp" || true
kill "$ts" "$peer"; wait "$ts" "$peer" 2>/dev/null || true

# WebRTC: two aiortc peers on loopback, an audio track of silence and a data channel:
# STUN connectivity checks, a DTLS 1.2 handshake (use_srtp), SRTP/SRTCP, and SCTP
# inside DTLS application data, all on one 5-tuple.
rm -f "$out/webrtc-aiortc.pcap"
tcpdump -i lo -U -w "$out/webrtc-aiortc.pcap" 'udp and not port 53 and not port 5353' 2>/dev/null &
tp=$!
sleep 1
timeout 30 python3 scripts/webrtc_loopback.py
sleep 0.5
kill -INT "$tp"; wait "$tp" || true
ls -l "$out"/dtls* "$out"/turn* "$out"/webrtc*
