#!/usr/bin/env bash
# More protocol samples for captures/ (see captures/README.md), made with real software
# on loopback, each in a temporary directory with its own configuration: Samba's smbd
# and smbclient (SMB 3.1.1 with NTLMv2; a share with `smb encrypt = required`), MIT
# Kerberos (krb5kdc, kinit) in a throwaway realm, net-snmp (snmpd, snmpget v2c and v3
# authPriv), SIPp's built-in UAC/UAS scenarios with digest authentication, nghttp2's
# nghttpd and nghttp (HTTP/2 over cleartext TCP, prior knowledge and Upgrade: h2c), and
# scripts/rdp_client.py for RDP's first packets. Not run by CI; needs root and the
# Debian packages samba smbclient krb5-kdc krb5-admin-server krb5-user snmpd snmp
# sip-tester nghttp2-server nghttp2-client tcpdump.
#
#   scripts/make-more-captures.sh [smb|kerberos|snmp|sip|h2c|rdp]...
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/captures
work=$(mktemp -d /tmp/eav-more.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# start_capture FILE FILTER: tcpdump on loopback until stop_capture.
start_capture() {
  rm -f "$1"
  tcpdump -i lo -U -s 262144 -w "$1" "$2" 2>/dev/null &
  cap_pid=$!
  sleep 1.5
}
stop_capture() {
  sleep 1
  kill -INT "$cap_pid"; wait "$cap_pid" || true
}

smb() {
  local d=$work/smb
  mkdir -p "$d"/{private,lock,state,cache,run,share,vault}
  chmod 755 "$work" "$d"
  id alice >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin alice
  cat > "$d/smb.conf" <<CONF
[global]
  workgroup = EXAMPLE
  netbios name = FILESRV
  server role = standalone server
  interfaces = lo
  bind interfaces only = yes
  smb ports = 445
  private dir = $d/private
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  pid directory = $d/run
  log file = $d/log.%m
  passdb backend = tdbsam:$d/private/passdb.tdb
  ntlm auth = ntlmv2-only
  server min protocol = SMB2_02
  disable netbios = yes
  load printers = no
  printing = bsd
  printcap name = /dev/null
[public]
  path = $d/share
  read only = no
[vault]
  path = $d/vault
  read only = no
  smb encrypt = required
CONF
  echo "The quarterly numbers are down 12 percent." > "$d/share/report.txt"
  echo "Launch plans: Tuesday." > "$d/vault/plans.txt"
  chmod -R 777 "$d/share" "$d/vault"
  printf 'secret\nsecret\n' | smbpasswd -c "$d/smb.conf" -s -a alice >/dev/null
  # smbd signals its whole process group when it stops: give it one of its own.
  setsid smbd -F --no-process-group -s "$d/smb.conf" >/dev/null 2>&1 &
  local smbd_pid=$!
  sleep 3
  echo "Plans for Thursday." > "$d/upload.txt"
  start_capture "$out/smb3-ntlm.pcap" "tcp port 445"
  smbclient //127.0.0.1/public -U alice%secret -W EXAMPLE -m SMB3 \
    --option='client smb encrypt=off' --option='client signing=off' \
    -c "ls; get report.txt $d/got.txt; put $d/upload.txt upload.txt"
  stop_capture
  start_capture "$out/smb3-encrypted.pcap" "tcp port 445"
  smbclient //127.0.0.1/vault -U alice%secret -W EXAMPLE -m SMB3 \
    -c "get plans.txt $d/got2.txt"
  stop_capture
  kill "$smbd_pid"; wait "$smbd_pid" 2>/dev/null || true
}

kerberos() {
  local d=$work/krb
  mkdir -p "$d"
  cat > "$d/krb5.conf" <<CONF
[libdefaults]
  default_realm = EXAMPLE.TEST
  dns_lookup_realm = false
  dns_lookup_kdc = false
  udp_preference_limit = 1465
[realms]
  EXAMPLE.TEST = {
    kdc = 127.0.0.1:88
  }
CONF
  cat > "$d/kdc.conf" <<CONF
[kdcdefaults]
  kdc_listen = 127.0.0.1:88
  kdc_tcp_listen = 127.0.0.1:88
[realms]
  EXAMPLE.TEST = {
    database_name = $d/principal
    key_stash_file = $d/stash
    acl_file = $d/kadm5.acl
    supported_enctypes = aes256-cts-hmac-sha1-96:normal
  }
CONF
  export KRB5_CONFIG=$d/krb5.conf KRB5_KDC_PROFILE=$d/kdc.conf KRB5CCNAME=FILE:$d/ccache
  kdb5_util create -s -r EXAMPLE.TEST -P masterkey >/dev/null
  kadmin.local -q "addprinc -pw secret +requires_preauth alice" >/dev/null 2>&1
  kadmin.local -q "addprinc -pw roastme -requires_preauth carol" >/dev/null 2>&1
  kadmin.local -q "addprinc -randkey HTTP/web.example.test" >/dev/null 2>&1
  krb5kdc -n -P "$d/kdc.pid" &
  local kdc_pid=$!
  sleep 2
  # UDP: alice logs in (pre-authentication required: an error, then an encrypted
  # timestamp) and asks for a web server's ticket; carol has no pre-authentication
  # (an AS-REP an observer can attack offline).
  start_capture "$out/kerberos-udp.pcap" "port 88"
  echo secret | kinit alice >/dev/null
  kvno HTTP/web.example.test >/dev/null
  echo roastme | kinit carol >/dev/null
  stop_capture
  # TCP: the same login with udp_preference_limit = 1 (always TCP).
  sed -i 's/udp_preference_limit = 1465/udp_preference_limit = 1/' "$d/krb5.conf"
  start_capture "$out/kerberos-tcp.pcap" "port 88"
  echo secret | kinit alice >/dev/null
  stop_capture
  kill "$kdc_pid"; wait "$kdc_pid" 2>/dev/null || true
  unset KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME
}

snmp() {
  local d=$work/snmp
  mkdir -p "$d"
  cat > "$d/snmpd.conf" <<CONF
agentAddress udp:127.0.0.1:161
rocommunity public 127.0.0.1
createUser alice SHA authsecret1 AES privsecret1
rouser alice priv
sysLocation Server room 3, rack 12
sysContact alice@example.test
CONF
  SNMP_PERSISTENT_DIR=$d snmpd -f -Lo -C -c "$d/snmpd.conf" -p "$d/pid" >/dev/null 2>&1 &
  local snmpd_pid=$!
  sleep 2
  start_capture "$out/snmp-v2c-v3.pcap" "udp port 161"
  snmpget -v2c -c public 127.0.0.1 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.6.0 1.3.6.1.2.1.1.4.0 >/dev/null
  snmpget -v3 -u alice -l authPriv -a SHA -A authsecret1 -x AES -X privsecret1 127.0.0.1 1.3.6.1.2.1.1.5.0 >/dev/null
  stop_capture
  kill "$snmpd_pid"; wait "$snmpd_pid" 2>/dev/null || true
}

sip() {
  local sc=$PWD/scripts/sip
  # UDP, then TCP (-t t1): a call from alice to bob with a Digest challenge.
  for t in u1 t1; do
    local file=$out/sip-digest-udp.pcap
    [ "$t" = t1 ] && file=$out/sip-digest-tcp.pcap
    start_capture "$file" "port 5060 or port 5070"
    (cd "$work" && timeout 20 sipp -sf "$sc/uas-digest.xml" -i 127.0.0.1 -p 5060 -t "$t" \
      -m 1 -bg >/dev/null 2>&1 || true)
    sleep 1
    (cd "$work" && timeout 20 sipp -sf "$sc/uac-digest.xml" 127.0.0.1:5060 -i 127.0.0.1 -p 5070 \
      -t "$t" -au alice -ap secret -m 1 -nostdin >/dev/null 2>&1 || true)
    stop_capture
    pkill -f "sipp -sf $sc/uas-digest.xml" || true
  done
}

h2c() {
  local d=$work/h2c
  mkdir -p "$d/www"
  echo "Quarterly report: revenue down 12 percent." > "$d/www/report.txt"
  nghttpd --no-tls -d "$d/www" -a 127.0.0.1 8081 >/dev/null 2>&1 &
  local srv=$!
  sleep 1.5
  # Prior knowledge (the client's preface first), then HTTP/1.1 with Upgrade: h2c.
  start_capture "$out/h2c-prior-knowledge.pcap" "tcp port 8081"
  nghttp -H 'authorization: Basic YWxpY2U6c2VjcmV0' -H 'cookie: sid=s3cr3t-session' \
    http://127.0.0.1:8081/report.txt >/dev/null
  stop_capture
  kill "$srv"; wait "$srv" 2>/dev/null || true
  # nghttpd speaks HTTP/2 only: the upgrade is served by scripts/h2c_server.py
  # (hyper-h2), the client is curl.
  start_capture "$out/h2c-upgrade.pcap" "tcp port 8082"
  python3 scripts/h2c_server.py 8082 &
  srv=$!
  for _ in $(seq 50); do ss -ltn | grep -q ':8082 ' && break; sleep 0.2; done
  curl -s --http2 -H 'cookie: sid=s3cr3t-session' http://127.0.0.1:8082/report.txt >/dev/null
  wait "$srv" || true
  stop_capture
}

rdp() {
  # xrdp (Debian's package) on 127.0.0.1 with its own copy of xrdp.ini; xfreerdp under
  # Xvfb logs in as alice: once with TLS negotiated, once with standard RDP security.
  local d=$work/rdp
  mkdir -p "$d"
  sed 's/^port=3389/port=tcp:\/\/127.0.0.1:3389/' /etc/xrdp/xrdp.ini > "$d/xrdp.ini"
  setsid xrdp -n -c "$d/xrdp.ini" >/dev/null 2>&1 &
  local srv=$!
  sleep 2
  start_capture "$out/rdp-tls.pcap" "tcp port 3389"
  timeout 8 xvfb-run -a xfreerdp /v:127.0.0.1 /u:alice /p:secret /cert:ignore /log-level:OFF >/dev/null 2>&1 || true
  stop_capture
  start_capture "$out/rdp-standard-security.pcap" "tcp port 3389"
  timeout 8 xvfb-run -a xfreerdp /v:127.0.0.1 /u:alice /p:secret /sec:rdp /cert:ignore /log-level:OFF >/dev/null 2>&1 || true
  stop_capture
  # xrdp forks into the background of its own session: stop it by its configuration.
  kill "$srv" 2>/dev/null || true
  pkill -f "xrdp -n -c $d/xrdp.ini" || true
}

for what in "${@:-smb kerberos snmp sip h2c rdp}"; do
  for w in $what; do "$w"; done
done
