#!/usr/bin/env bash
# The directory, chat and database samples of captures/ (see captures/README.md), made
# against real servers on loopback: OpenLDAP's slapd (clients: ldapsearch, GnuTLS),
# Prosody (client: scripts/xmpp_client.py, Python ssl) and MariaDB (client:
# scripts/mysql_client.py, PyMySQL). Each capture holds one session in the clear and
# one upgraded to TLS (StartTLS, <starttls/>, the SSLRequest), with the TLS keys in a
# .keylog file. Needs root, tcpdump, the Debian packages slapd ldap-utils prosody
# mariadb-server, and `pip install pymysql`. The servers are configured here (slapd
# for dc=example,dc=org with admin password "secret"; user alice/secret elsewhere) and
# left running.
set -euo pipefail
cd "$(dirname "$0")/.."
out=captures
certs=$PWD/captures/certs

# capture FILE FILTER COMMAND...: runs COMMAND under tcpdump on loopback.
capture() {
  local file=$1 filter=$2; shift 2
  rm -f "$file"
  tcpdump -i lo -U -s 262144 -w "$file" "$filter" 2>/dev/null &
  local pid=$!
  sleep 1.5
  "$@"
  sleep 1
  kill -INT "$pid"; wait "$pid" || true
}

# --- OpenLDAP: debconf made dc=example,dc=org (admin password "secret") at install:
#   echo 'slapd slapd/domain string example.org' | debconf-set-selections (and
#   slapd/password1, slapd/password2) before apt-get install slapd.
install -d -o openldap -g openldap /etc/ldap/eav
install -o openldap -g openldap -m 600 "$certs"/server.crt "$certs"/server.key "$certs"/ca.crt /etc/ldap/eav/
pgrep -x slapd >/dev/null || slapd -h "ldap:/// ldapi:///" -u openldap -g openldap
sleep 1
ldapmodify -Q -Y EXTERNAL -H ldapi:/// <<'LDIF'
dn: cn=config
changetype: modify
replace: olcTLSCACertificateFile
olcTLSCACertificateFile: /etc/ldap/eav/ca.crt
-
replace: olcTLSCertificateFile
olcTLSCertificateFile: /etc/ldap/eav/server.crt
-
replace: olcTLSCertificateKeyFile
olcTLSCertificateKeyFile: /etc/ldap/eav/server.key
LDIF
ldap_sessions() {
  ldapsearch -x -H ldap://127.0.0.1 -D cn=admin,dc=example,dc=org -w secret \
    -b dc=example,dc=org >/dev/null
  # libldap checks the certificate against the machine's host name when the URI says
  # "localhost" (its long-standing canonicalisation), which this localhost certificate
  # cannot match, so the check is relaxed; "localhost" keeps the SNI in the capture.
  # GnuTLS writes the TLS keys to $SSLKEYLOGFILE.
  SSLKEYLOGFILE="$out/ldap-starttls.keylog" LDAPTLS_REQCERT=allow \
    ldapsearch -ZZ -x -H ldap://localhost -D cn=admin,dc=example,dc=org -w secret \
    -b dc=example,dc=org >/dev/null
}
rm -f "$out/ldap-starttls.keylog"
capture "$out/ldap-starttls.pcap" "tcp port 389" ldap_sessions

# --- Prosody: a configuration of our own, plaintext PLAIN allowed so the first
# session shows what it exposes.
p=/tmp/eav-prosody
install -d -o prosody -g prosody $p $p/data
install -o prosody -g prosody -m 600 "$certs"/server.crt "$certs"/server.key $p/
cat > $p/prosody.cfg.lua <<LUA
pidfile = "$p/prosody.pid"
data_path = "$p/data"
daemonize = false
log = { info = "$p/prosody.log", error = "$p/prosody.err" }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "posix" }
c2s_ports = { 5222 }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
ssl = { certificate = "$p/server.crt"; key = "$p/server.key" }
VirtualHost "localhost"
LUA
prosodyctl --config $p/prosody.cfg.lua register alice localhost secret 2>/dev/null
pgrep -f "prosody --config $p" >/dev/null || {
  runuser -u prosody -- prosody --config $p/prosody.cfg.lua >$p/out.log 2>&1 &
  sleep 2
}
xmpp_sessions() {
  python3 scripts/xmpp_client.py plain
  python3 scripts/xmpp_client.py starttls --ca "$certs/ca.crt" --keylog "$out/xmpp-starttls.keylog"
}
rm -f "$out/xmpp-starttls.keylog"
capture "$out/xmpp-starttls.pcap" "tcp port 5222" xmpp_sessions

# --- MariaDB: TLS from the same certificates; user alice/secret on database shop.
install -d -o mysql -g mysql /etc/mysql/eav /run/mysqld
install -o mysql -g mysql -m 600 "$certs"/server.crt "$certs"/server.key "$certs"/ca.crt /etc/mysql/eav/
cat > /etc/mysql/mariadb.conf.d/99-eavesdrop.cnf <<CNF
[mariadbd]
bind-address = 127.0.0.1
ssl-cert = /etc/mysql/eav/server.crt
ssl-key = /etc/mysql/eav/server.key
ssl-ca = /etc/mysql/eav/ca.crt
CNF
pgrep -x mariadbd >/dev/null || {
  runuser -u mysql -- /usr/sbin/mariadbd >/tmp/eav-mariadb.log 2>&1 &
  sleep 4
}
mariadb -e "CREATE USER IF NOT EXISTS 'alice'@'%' IDENTIFIED VIA mysql_native_password
  USING PASSWORD('secret'); CREATE DATABASE IF NOT EXISTS shop;
  GRANT ALL ON shop.* TO 'alice'@'%';"
mysql_sessions() {
  python3 scripts/mysql_client.py plain >/dev/null
  python3 scripts/mysql_client.py tls --ca "$certs/ca.crt" --keylog "$out/mysql-tls.keylog" >/dev/null
}
rm -f "$out/mysql-tls.keylog"
capture "$out/mysql-tls.pcap" "tcp port 3306" mysql_sessions

chmod 644 "$out"/ldap-starttls.* "$out"/xmpp-starttls.* "$out"/mysql-tls.*
ls -l "$out"/ldap-starttls.* "$out"/xmpp-starttls.* "$out"/mysql-tls.*
