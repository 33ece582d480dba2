#!/usr/bin/env bash
# Regenerates captures/ on loopback with real tools: Python's ssl (OpenSSL) for the
# peers, tcpdump (pcap) and dumpcap (pcapng) for capturing. Needs root (capture) and
# the Debian packages tcpdump, tshark (for dumpcap and editcap), openssl.
# Usage: scripts/make-captures.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures
certs=$out/certs
mkdir -p "$certs"

# A CA whose name is readable text, and a server certificate it signed.
if [ ! -f "$certs/ca.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -sha256 \
    -subj "/O=Eavesdrop Teaching/CN=Eavesdrop Teaching CA" \
    -keyout "$certs/ca.key" -out "$certs/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/O=Eavesdrop Teaching/CN=localhost" \
    -keyout "$certs/server.key" -out "$certs/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n' > "$certs/san.ext"
  openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
    -CAcreateserial -days 36500 -sha256 -extfile "$certs/san.ext" -out "$certs/server.crt" 2>/dev/null
  rm -f "$certs/server.csr" "$certs/san.ext" "$certs/ca.srl"
fi

# capture TOOL FILE SNAPLEN FILTER -- ECHO-ARGS...
capture() {
  local tool=$1 file=$2 snap=$3 filter=$4; shift 5
  rm -f "$file"
  if [ "$tool" = tcpdump ]; then
    tcpdump -i lo -U -s "$snap" -w "$file" "$filter" 2>/dev/null &
  else
    dumpcap -q -i lo -s "$snap" -w "$file" -f "$filter" 2>/dev/null &
  fi
  local pid=$!
  sleep 1.5
  python3 scripts/echo.py "$@"
  sleep 1
  kill -INT "$pid"; wait "$pid" || true
}

port=1060
capture tcpdump "$out/plain-echo.pcap" 262144 "tcp port $port" -- plain
capture dumpcap "$out/tls12-echo.pcapng" 262144 "tcp port $port" -- tls12 --keylog "$out/tls12-echo.keylog.tmp"
capture dumpcap "$out/tls13-echo.pcapng" 262144 "tcp port $port" -- tls13 --keylog "$out/tls13-echo.keylog.tmp"
capture tcpdump "$out/tls13-echo-ipv6.pcap" 262144 "tcp port $port" -- tls13 --host ::1 --keylog "$out/tls13-echo-ipv6.keylog.tmp"
capture tcpdump "$out/tls12-snaplen96.pcap" 96 "tcp port $port" -- tls12 --keylog "$out/tls12-snaplen96.keylog.tmp"
for f in "$out"/*.keylog.tmp; do mv "$f" "${f%.tmp}"; done
# A nanosecond-resolution pcap of the plaintext session, converted by editcap.
editcap -F nsecpcap "$out/plain-echo.pcap" "$out/plain-echo-nanosec.pcap"
ls -l "$out"
