#!/usr/bin/env bash
# TLS that hides nothing, or hides it from nobody (a NULL cipher, an anonymous key
# exchange), and a sound suite to compare with (ChaCha20-Poly1305), made on loopback with OpenSSL 3's s_server and s_client at
# security level 0 (the only level that allows them), captured by tcpdump. The client
# sends an HTTP request with Basic credentials (alice:secret); s_server -www answers
# with a page. Needs root (capture) and the Debian packages openssl and tcpdump.
# Usage: scripts/make-cipher-captures.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures
certs=$out/certs
port=4443
request=$'GET /private HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\nConnection: close\r\n\r\n'

# session FILE CIPHER [SERVER-ARGS...]: one TLS 1.2 session with that suite.
session() {
  local file=$1 cipher=$2; shift 2
  rm -f "$file"
  openssl s_server -quiet -www -accept "$port" -tls1_2 -cipher "$cipher:@SECLEVEL=0" \
    "$@" >/dev/null 2>&1 &
  local server=$!
  tcpdump -i lo -U -w "$file" "tcp port $port" 2>/dev/null &
  local dump=$!
  sleep 1.5
  printf '%s' "$request" | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$port" \
    -servername localhost -tls1_2 -cipher "$cipher:@SECLEVEL=0" >/dev/null 2>&1 || true
  sleep 1
  kill -INT "$dump"; wait "$dump" || true
  kill "$server"; wait "$server" 2>/dev/null || true
}

# NULL encryption, RSA key exchange and a certificate: authenticated, not encrypted.
session "$out/tls12-null.pcap" NULL-SHA256 -cert "$certs/server.crt" -key "$certs/server.key"
# Anonymous ECDH with AES-256-CBC: encrypted, but the server proves nothing.
session "$out/tls12-anon.pcap" AECDH-AES256-SHA -nocert
# Both at once: anonymous ECDH and no encryption.
session "$out/tls12-anon-null.pcap" AECDH-NULL-SHA -nocert
# A sound suite, for contrast.
session "$out/tls12-chacha20.pcap" ECDHE-RSA-CHACHA20-POLY1305 -cert "$certs/server.crt" -key "$certs/server.key"
ls -l "$out"/tls12-null.pcap "$out"/tls12-anon*.pcap "$out"/tls12-chacha20.pcap
