#!/usr/bin/env bash
# The tunnel samples of captures/ (see captures/README.md). VXLAN is made for real: two
# network namespaces joined by a veth pair, a kernel VXLAN device (VNI 42, UDP 4789) in
# each, Python's http.server on one side and `curl -u alice:secret` on the other,
# captured by tcpdump on the outer veth. The kernel here has no GRE, gretap, ERSPAN,
# Geneve, L2TP or GTP modules (`ip link add … type gre` answers "Unknown device
# type"), so those are crafted by scripts/tunnels.py (scapy) around the frames of
# captures/http-basic-auth.pcap. Needs root, tcpdump, curl, iproute2, python3 and
# `pip install scapy`. Sends traffic only between the namespaces it creates.
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures
work=$(mktemp -d)
trap 'rm -rf "$work"; ip netns del eav-vxa 2>/dev/null || true; ip netns del eav-vxb 2>/dev/null || true' EXIT
echo "hello from inside the tunnel" > "$work/index.html"

A=eav-vxa; B=eav-vxb
ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true
ip netns add $A; ip netns add $B
for n in $A $B; do
  # No IPv6 autoconfiguration chatter in the capture.
  ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n $n link set lo up
done
ip link add eav-ua netns $A type veth peer name eav-ub netns $B
ip -n $A addr add 10.99.0.1/24 dev eav-ua
ip -n $B addr add 10.99.0.2/24 dev eav-ub
ip -n $A link set eav-ua up
ip -n $B link set eav-ub up
ip -n $A link add vx42 type vxlan id 42 local 10.99.0.1 remote 10.99.0.2 dstport 4789 dev eav-ua
ip -n $B link add vx42 type vxlan id 42 local 10.99.0.2 remote 10.99.0.1 dstport 4789 dev eav-ub
ip -n $A addr add 192.168.42.1/24 dev vx42
ip -n $B addr add 192.168.42.2/24 dev vx42
ip -n $A link set vx42 up
ip -n $B link set vx42 up
ip netns exec $B python3 -m http.server 8080 --bind 192.168.42.2 --directory "$work" >/dev/null 2>&1 &
srv=$!
ip netns exec $A tcpdump -i eav-ua -U -s 262144 -w "$work/vxlan.pcap" 2>/dev/null &
cap=$!
sleep 1.5
ip netns exec $A curl -s -u alice:secret http://192.168.42.2:8080/index.html >/dev/null
sleep 1
kill -INT $cap; wait $cap || true
kill $srv; wait $srv 2>/dev/null || true
cp "$work/vxlan.pcap" "$out/tunnel-vxlan.pcap"

python3 scripts/tunnels.py "$out/http-basic-auth.pcap" "$out"
chmod 644 "$out"/tunnel-*.pcap
ls -l "$out"/tunnel-*.pcap
