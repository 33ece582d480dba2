#!/usr/bin/env bash
# The SSH samples of captures/ (see captures/README.md): OpenSSH's sshd and ssh on
# loopback, one session each, in five cipher/MAC configurations. Not run by CI: the
# captures are committed. Needs root (sshd's privilege separation, tcpdump on lo), the
# Debian packages openssh-server and openssh-client, and tcpdump.
#
# A private sshd listens on 127.0.0.1:2222 with its own configuration and a fresh
# ed25519 host key in a temporary directory (so each run has a new host key
# fingerprint); the client logs in as root with a fresh ed25519 key, runs `echo hello`
# and leaves. Compression is off, the key exchange is curve25519-sha256 (the smallest;
# OpenSSH 9.2's default sntrup761x25519 is ten times larger) except in the DH group
# exchange sample, and only one host key and one client key exist, so each capture is
# a few KB.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/captures
port=2222
tmp=$(mktemp -d /tmp/eav-ssh.XXXXXX)
trap 'kill "$(cat "$tmp/sshd.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$tmp"' EXIT

install -d -m 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -C eavesdrop-host -f "$tmp/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C eavesdrop-client -f "$tmp/client"
cp "$tmp/client.pub" "$tmp/authorized_keys"
cat > "$tmp/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $tmp/host_ed25519
PidFile $tmp/sshd.pid
AuthorizedKeysFile $tmp/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
Compression no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
# The CBC sample needs ciphers and a group exchange OpenSSH no longer offers by default.
Ciphers +aes128-cbc
KexAlgorithms +diffie-hellman-group-exchange-sha256
EOF
/usr/sbin/sshd -D -e -f "$tmp/sshd_config" 2>"$tmp/sshd.log" &
sleep 1

# session FILE SSH-OPTIONS...: one login under tcpdump.
session() {
  local file=$out/$1; shift
  rm -f "$file"
  tcpdump -i lo -U -s 262144 -w "$file" "tcp port $port" 2>/dev/null &
  local pid=$!
  sleep 1.5
  ssh -F /dev/null -T -p "$port" -i "$tmp/client" \
    -o IdentitiesOnly=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
    -o Compression=no -o HostKeyAlgorithms=ssh-ed25519 -o LogLevel=ERROR \
    "$@" root@127.0.0.1 echo hello
  sleep 1
  kill -INT "$pid"; wait "$pid" || true
}

# OpenSSH's default cipher (chacha20-poly1305: packet lengths encrypted too).
session ssh-chacha20.pcap -o KexAlgorithms=curve25519-sha256
# AES-GCM (RFC 5647): lengths in the clear, 16-byte tags.
session ssh-aes128-gcm.pcap -o KexAlgorithms=curve25519-sha256 -c aes128-gcm@openssh.com
# CTR with an encrypt-then-MAC MAC: lengths in the clear, 32-byte MACs.
session ssh-aes128-ctr-etm.pcap -o KexAlgorithms=curve25519-sha256 -c aes128-ctr -m hmac-sha2-256-etm@openssh.com
# CTR with a classic MAC (encrypt-and-MAC): lengths encrypted.
session ssh-aes128-ctr-hmac.pcap -o KexAlgorithms=curve25519-sha256 -c aes128-ctr -m hmac-sha2-256
# CBC with HMAC-SHA1 after a Diffie-Hellman group exchange (messages 34, 31, 32, 33):
# weaknesses named in the verdict.
session ssh-aes128-cbc-gex.pcap -o KexAlgorithms=diffie-hellman-group-exchange-sha256 -c aes128-cbc -m hmac-sha1
ls -l "$out"/ssh-*.pcap
