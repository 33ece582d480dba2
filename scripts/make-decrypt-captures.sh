#!/usr/bin/env bash
# Captures for decryption with real peers (OpenSSL 3 s_server/s_client on loopback),
# each with the client's key log: suites the echo captures do not cover.
#   tls12-rsa-cbc.pcap       TLS 1.2 RSA key exchange, AES128-SHA (CBC, encrypt-then-MAC
#                            by default), a renegotiation ('R'); also decrypts with
#                            --rsa-key captures/certs/server.key
#   tls10-cbc.pcap           TLS 1.0, AES128-SHA (CBC with implicit IVs) at @SECLEVEL=0
#                            (Debian's OpenSSL 3 has no 3DES: no 3DES capture here)
#   tls12-ccm8.pcap          TLS 1.2 AES128-CCM8 (RSA key exchange)
#   tls13-ccm-keyupdate.pcap TLS 1.3 TLS_AES_128_CCM_SHA256 with a KeyUpdate ('K')
#   tls13-ccm8.pcap          TLS 1.3 TLS_AES_128_CCM_8_SHA256
#   tls13-chacha.pcap        TLS 1.3 TLS_CHACHA20_POLY1305_SHA256
#   tls12-client-auth.pcap   TLS 1.2, the server asks for a certificate and the client
#                            sends one (certs/vpn-client.crt): both names readable
#   tls13-client-auth.pcap   the same in TLS 1.3: the client's Certificate,
#                            CertificateVerify and Finished travel encrypted, as three
#                            records, before its message
#   tls13-early-data.pcap    TLS 1.3 resumption with 0-RTT data: a first connection
#                            saves its session, the second sends a message as early
#                            data (before the ServerHello) and one after the handshake
# Usage: scripts/make-decrypt-captures.sh [NAME…] (as root: tcpdump on lo)
set -euo pipefail
cd "$(dirname "$0")/.."
certs=captures/certs
port=4460
only=("$@")
make() {
  local name=$1 server_opts=$2 client_opts=$3 script=$4
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then return; fi
  local pcap=captures/$name.pcap keys=captures/$name.keylog
  rm -f "$keys"
  tcpdump -i lo -U -s 0 -w "$pcap" "tcp port $port" 2>/dev/null &
  local dump=$!
  sleep 1
  # shellcheck disable=SC2086
  openssl s_server -accept $port -naccept 1 -rev -cert $certs/server.crt -key $certs/server.key $server_opts >/dev/null 2>&1 &
  local server=$!
  sleep 0.5
  # shellcheck disable=SC2086
  (eval "$script") | openssl s_client -connect 127.0.0.1:$port -servername localhost -keylogfile "$keys" $client_opts >/dev/null 2>&1 || true
  wait $server 2>/dev/null || true
  sleep 0.5
  kill $dump; wait $dump 2>/dev/null || true
  echo "$pcap: $(tcpdump -r "$pcap" 2>/dev/null | wc -l) packets"
}
msg='echo "Simple is better than complex."; sleep 0.3'
make tls12-rsa-cbc "-tls1_2 -client_renegotiation" "-tls1_2 -cipher AES128-SHA" "$msg; echo R; sleep 0.5; $msg; echo Q"
make tls10-cbc "-tls1 -cipher AES128-SHA:@SECLEVEL=0" "-tls1 -cipher AES128-SHA:@SECLEVEL=0" "$msg; echo Q"
make tls12-ccm8 "-tls1_2 -cipher AES128-CCM8:@SECLEVEL=0" "-tls1_2 -cipher AES128-CCM8:@SECLEVEL=0" "$msg; echo Q"
make tls13-ccm-keyupdate "-tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256" "$msg; echo K; sleep 0.3; $msg; echo Q"
make tls13-ccm8 "-tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256" "$msg; echo Q"
make tls13-chacha "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256" "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256" "$msg; echo Q"
auth="-Verify 1 -CAfile $certs/ca.crt"
client_cert="-cert $certs/vpn-client.crt -key $certs/vpn-client.key"
make tls12-client-auth "-tls1_2 $auth" "-tls1_2 $client_cert" "$msg; echo Q"
make tls13-client-auth "-tls1_3 $auth" "-tls1_3 $client_cert" "$msg; echo Q"
# Two connections to one server: the second resumes the first's session and sends
# early data (a line of its own, then the message after the handshake).
early() {
  local name=tls13-early-data
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then return; fi
  local pcap=captures/$name.pcap keys=captures/$name.keylog
  local session early_file
  session=$(mktemp) early_file=$(mktemp)
  rm -f "$keys"
  echo "Simple is better than complex (early)." >"$early_file"
  tcpdump -i lo -U -s 0 -w "$pcap" "tcp port $port" 2>/dev/null &
  local dump=$!
  sleep 1
  (sleep 6) | openssl s_server -accept $port -naccept 2 -cert $certs/server.crt -key $certs/server.key -tls1_3 -early_data >/dev/null 2>&1 &
  local server=$!
  sleep 0.5
  (eval "$msg"; echo Q) | openssl s_client -connect 127.0.0.1:$port -servername localhost -sess_out "$session" -keylogfile "$keys" >/dev/null 2>&1 || true
  (eval "$msg"; echo Q) | openssl s_client -connect 127.0.0.1:$port -servername localhost -sess_in "$session" -early_data "$early_file" -keylogfile "$keys" >/dev/null 2>&1 || true
  wait $server 2>/dev/null || true
  sleep 0.5
  kill $dump; wait $dump 2>/dev/null || true
  rm -f "$session" "$early_file"
  echo "$pcap: $(tcpdump -r "$pcap" 2>/dev/null | wc -l) packets"
}
early
