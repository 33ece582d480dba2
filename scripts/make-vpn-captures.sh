#!/usr/bin/env bash
# Makes captures/wireguard-*.pcap, captures/ipsec-*.pcap and captures/openvpn-*.pcap with
# real VPN software between two network namespaces made here (evvpn-a, evvpn-b: a veth
# pair 10.231.0.1 <-> 10.231.0.2, reachable from nothing else), captured by tcpdump on
# evvpn-a's end of the pair. Not run in CI; the captures are committed.
#
# Needs root and the Debian packages tcpdump, wireguard-tools, wireguard-go (the kernel
# module is not loadable in every sandbox), strongswan, strongswan-swanctl,
# charon-systemd, openvpn, openssl.
# Usage: scripts/make-vpn-captures.sh [wireguard|ipsec|openvpn]...   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/captures
work=$(mktemp -d /tmp/evvpn.XXXXXX)
A=evvpn-a
B=evvpn-b
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

netns() {
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
  ip netns add $A
  ip netns add $B
  ip link add va netns $A type veth peer name vb netns $B
  ip -n $A addr add 10.231.0.1/24 dev va
  ip -n $B addr add 10.231.0.2/24 dev vb
  for n in $A $B; do ip -n $n link set lo up; done
  ip -n $A link set va up
  ip -n $B link set vb up
}

# capture FILE FILTER: starts tcpdump on evvpn-a's veth end.
capture() {
  ip netns exec $A tcpdump -i va -s 0 -U -w "$1" "$2" 2>/dev/null &
  tcpdump_pid=$!
  pids+=("$tcpdump_pid")
  sleep 1
}

stop_capture() {
  sleep 1
  kill "$tcpdump_pid"
  wait "$tcpdump_pid" 2>/dev/null || true
}

do_wireguard() {
  netns
  for n in a b; do
    (umask 077; wg genkey > "$work/wg-$n.key")
    wg pubkey < "$work/wg-$n.key" > "$work/wg-$n.pub"
  done
  # Userspace WireGuard (wireguard-go) on a TUN device in each namespace; the two
  # devices need different names, their control sockets share /var/run/wireguard.
  ip netns exec $A env WG_PROCESS_FOREGROUND=1 wireguard-go wga > "$work/wg-a.log" 2>&1 &
  pids+=("$!")
  ip netns exec $B env WG_PROCESS_FOREGROUND=1 wireguard-go wgb > "$work/wg-b.log" 2>&1 &
  pids+=("$!")
  sleep 1
  ip netns exec $A wg set wga listen-port 51820 private-key "$work/wg-a.key" \
    peer "$(cat "$work/wg-b.pub")" allowed-ips 10.232.0.2/32 endpoint 10.231.0.2:51820
  ip netns exec $B wg set wgb listen-port 51820 private-key "$work/wg-b.key" \
    peer "$(cat "$work/wg-a.pub")" allowed-ips 10.232.0.1/32 endpoint 10.231.0.1:51820
  ip -n $A addr add 10.232.0.1/24 dev wga
  ip -n $B addr add 10.232.0.2/24 dev wgb
  ip -n $A link set wga up
  ip -n $B link set wgb up
  capture "$out/wireguard-ping.pcap" "udp port 51820"
  # A handshake, three pings of different sizes (the padding shows), a keepalive.
  ip netns exec $A ping -c 1 -s 56 10.232.0.2 > /dev/null
  ip netns exec $A ping -c 1 -s 100 10.232.0.2 > /dev/null
  ip netns exec $A ping -c 1 -s 1000 10.232.0.2 > /dev/null
  ip netns exec $A wg set wga peer "$(cat "$work/wg-b.pub")" persistent-keepalive 1
  sleep 1.5
  stop_capture
}

# ipsec_run NAME IKE-VERSION AGGRESSIVE(yes|no): one IKE exchange and two pings over ESP.
ipsec_run() {
  local name=$1 version=$2 aggressive=$3
  # IKEv1 has no AEAD transforms for IKE itself.
  local proposals=aes256gcm16-prfsha256-x25519
  [ "$version" = 1 ] && proposals=aes256-sha256-modp2048
  netns
  local dir
  charons=()
  for side in a b; do
    dir=$work/swan-$side
    mkdir -p "$dir"/{conf.d,run}
    local me peer myid peerid
    if [ $side = a ]; then me=10.231.0.1 peer=10.231.0.2 myid=alice@vpn.example peerid=gw.vpn.example
      tunme=10.234.0.1 tunpeer=10.234.0.2
    else me=10.231.0.2 peer=10.231.0.1 myid=gw.vpn.example peerid=alice@vpn.example
      tunme=10.234.0.2 tunpeer=10.234.0.1; fi
    cat > "$dir/strongswan.conf" <<EOF
charon-systemd {
  # IKEv1 Aggressive Mode with a PSK sends the identity in the clear (and a hash an
  # attacker can crack offline): strongSwan refuses it unless told otherwise.
  i_dont_care_about_security_and_use_aggressive_mode_psk = yes
  load = random nonce openssl kdf pem pkcs1 x509 revocation constraints pubkey socket-default kernel-libipsec kernel-netlink vici
  piddir = $dir/run
  plugins {
    vici {
      socket = unix://$dir/run/charon.vici
    }
  }
  journal {
    default = -1
  }
  filelog {
    log {
      path = $dir/charon.log
      default = 1
    }
  }
}
swanctl {
  socket = unix://$dir/run/charon.vici
}
EOF
    cat > "$dir/swanctl.conf" <<EOF
connections {
  vpn {
    version = $version
    aggressive = $aggressive
    local_addrs = $me
    remote_addrs = $peer
    proposals = $proposals
    # kernel-libipsec (userspace ESP) sends ESP in UDP only (RFC 3948).
    encap = yes
    local { auth = psk
      id = $myid }
    remote { auth = psk
      id = $peerid }
    children {
      net {
        local_ts = $tunme/32
        remote_ts = $tunpeer/32
        esp_proposals = aes128gcm16-x25519
        mode = tunnel
      }
    }
  }
}
secrets {
  ike-1 { id-1 = alice@vpn.example
    id-2 = gw.vpn.example
    secret = "eavesdrop-teaching-psk" }
}
EOF
  done
  ip -n $A addr add 10.234.0.1/32 dev lo
  ip -n $B addr add 10.234.0.2/32 dev lo
  for side in a b; do
    local ns=$A; [ $side = b ] && ns=$B
    dir=$work/swan-$side
    ip netns exec $ns env STRONGSWAN_CONF="$dir/strongswan.conf" /usr/sbin/charon-systemd &
    pids+=("$!")
    charons+=("$!")
  done
  sleep 2
  for side in a b; do
    local ns=$A; [ $side = b ] && ns=$B
    dir=$work/swan-$side
    ip netns exec $ns env STRONGSWAN_CONF="$dir/strongswan.conf" swanctl --load-all --file "$dir/swanctl.conf" > /dev/null
  done
  capture "$out/ipsec-$name.pcap" "udp port 500 or udp port 4500 or esp"
  ip netns exec $A env STRONGSWAN_CONF="$work/swan-a/strongswan.conf" swanctl --initiate --child net > /dev/null
  ip netns exec $A ping -c 2 -I 10.234.0.1 10.234.0.2 > /dev/null
  stop_capture
  kill "${charons[@]}" 2>/dev/null || true
  wait "${charons[@]}" 2>/dev/null || true
  rm -rf "$work"/swan-*
}

do_ipsec() {
  ipsec_run ikev2-esp 2 no
  ipsec_run ikev1-aggressive 1 yes
}

openvpn_run() {
  local name=$1; shift
  netns
  capture "$out/openvpn-$name.pcap" "port 1194"
  ip netns exec $B openvpn --dev tun --ifconfig 10.233.0.2 10.233.0.1 --local 10.231.0.2 \
    --lport 1194 --verb 1 "$@" --writepid "$work/ovpn-b.pid" > "$work/ovpn-b.log" 2>&1 &
  pids+=("$!")
  sleep 1
  ip netns exec $A openvpn --dev tun --ifconfig 10.233.0.1 10.233.0.2 --remote 10.231.0.2 \
    --rport 1194 --verb 1 "${client_args[@]}" > "$work/ovpn-a.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 20); do
    ip netns exec $A ping -c 1 -W 1 10.233.0.2 > /dev/null 2>&1 && break
    sleep 0.5
  done
  ip netns exec $A ping -c 2 10.233.0.2 > /dev/null
  stop_capture
  kill "${pids[-1]}" "${pids[-2]}" 2>/dev/null || true
  sleep 0.5
}

do_openvpn() {
  local certs=$out/certs
  # TLS mode with the captures' CA: a server certificate and a client one.
  if [ ! -f "$certs/vpn-client.crt" ]; then
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/O=Eavesdrop Teaching/CN=vpn-client alice" \
      -keyout "$certs/vpn-client.key" -out "$work/client.csr" 2>/dev/null
    openssl x509 -req -in "$work/client.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
      -set_serial 0x$(openssl rand -hex 8) -days 36500 -sha256 -out "$certs/vpn-client.crt" 2>/dev/null
  fi
  openvpn --genkey secret "$work/static.key" 2> /dev/null
  local tls_common=(--ca "$certs/ca.crt" --data-ciphers AES-256-GCM --tls-version-min 1.2)
  # UDP, TLS 1.3 control channel, no tls-auth: the handshake is readable TLS.
  client_args=(--client --proto udp "${tls_common[@]}" --cert "$certs/vpn-client.crt" \
    --key "$certs/vpn-client.key" --nobind --pull-filter ignore ifconfig)
  openvpn_run udp-tls --tls-server --dh none "${tls_common[@]}" --cert "$certs/server.crt" \
    --key "$certs/server.key" --proto udp
  # The same over TCP (2-byte length framing), TLS 1.2 so the certificates are readable.
  client_args=(--client --proto tcp-client "${tls_common[@]}" --tls-version-max 1.2 \
    --cert "$certs/vpn-client.crt" --key "$certs/vpn-client.key" --nobind)
  openvpn_run tcp-tls12 --tls-server --dh none "${tls_common[@]}" --cert "$certs/server.crt" \
    --key "$certs/server.key" --proto tcp-server
  # Static key (no TLS at all): only data packets.
  client_args=(--proto udp --secret "$work/static.key" 1 --cipher AES-256-CBC --auth SHA256)
  openvpn_run udp-static --proto udp --secret "$work/static.key" 0 --cipher AES-256-CBC --auth SHA256
}

what=("$@")
[ ${#what[@]} -gt 0 ] || what=(wireguard ipsec openvpn)
for w in "${what[@]}"; do "do_$w"; done
ls -l "$out"/wireguard-*.pcap "$out"/ipsec-*.pcap "$out"/openvpn-*.pcap 2>/dev/null || true
