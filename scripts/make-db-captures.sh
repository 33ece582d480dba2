#!/usr/bin/env bash
# Makes the captures of plaintext protocols with credentials, with real servers and
# clients on loopback (see captures/README.md). Not run in CI: the captures are
# committed. Needs root (tcpdump on lo, the postgres user) and Debian's postgresql,
# redis-server, mosquitto, mosquitto-clients, dante-server, curl and openssl.
#
#   scripts/make-db-captures.sh [pgsql|redis|socks|mqtt]...   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/captures
work=$(mktemp -d /tmp/db-captures.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -f "$work/pg/postmaster.pid" ]; then
    su postgres -c "$pgbin/pg_ctl -D $work/pg -m fast stop" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# capture FILE FILTER COMMAND...: runs COMMAND while tcpdump writes FILE.
capture() {
  local file=$1 filter=$2
  shift 2
  tcpdump -i lo -U -s 0 -w "$file" "$filter" 2>/dev/null &
  local dump=$!
  pids+=("$dump")
  sleep 1
  "$@"
  sleep 1
  kill "$dump"
  wait "$dump" || true
  echo "$(basename "$file"): $(tcpdump -r "$file" 2>/dev/null | wc -l) packets"
}

# Waits until something listens on TCP port $1.
listening() {
  for _ in $(seq 50); do
    ss -ltn "sport = :$1" | grep -q LISTEN && return 0
    sleep 0.2
  done
  echo "nothing listens on port $1" >&2
  return 1
}

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

pgsql() {
  # A private cluster on port 5433, sockets in $work; alice's password stored as MD5,
  # bob's as SCRAM-SHA-256; TCP connections without SSL.
  chown postgres "$work"
  su postgres -c "$pgbin/initdb -D $work/pg -A trust -U postgres" >/dev/null
  cat >> "$work/pg/pg_hba.conf" <<'HBA'
host all alice 127.0.0.1/32 md5
host all bob 127.0.0.1/32 scram-sha-256
HBA
  # The hba file is read top down: put ours first.
  { grep -v '^#' "$work/pg/pg_hba.conf" | grep -E 'alice|bob'; grep -vE 'alice|bob' "$work/pg/pg_hba.conf"; } > "$work/hba"
  cp "$work/hba" "$work/pg/pg_hba.conf"
  su postgres -c "$pgbin/pg_ctl -D $work/pg -l $work/pg.log -o '-p 5433 -k $work -c ssl=off' -w start" >/dev/null
  su postgres -c "psql -h $work -p 5433 -q" <<'SQL'
SET password_encryption = 'md5';
CREATE ROLE alice LOGIN PASSWORD 'secret';
SET password_encryption = 'scram-sha-256';
CREATE ROLE bob LOGIN PASSWORD 'hunter2';
CREATE DATABASE shop OWNER alice;
\c shop
SET ROLE alice;
CREATE TABLE items (name text, price int);
INSERT INTO items VALUES ('apple', 3), ('pear', 5);
GRANT SELECT ON items TO bob;
SQL
  # MD5: psql, a simple query.
  capture "$out/pgsql-md5.pcap" "tcp port 5433" \
    env PGPASSWORD=secret psql "host=127.0.0.1 port=5433 user=alice dbname=shop sslmode=disable gssencmode=disable application_name=eavesdrop-md5" \
    -c "SELECT name, price FROM items WHERE price < 4"
  # SCRAM-SHA-256: pgbench, a prepared statement (Parse, Bind, Describe, Execute, Sync).
  echo "SELECT name FROM items WHERE price > 4;" > "$work/bench.sql"
  capture "$out/pgsql-scram.pcap" "tcp port 5433" \
    env PGPASSWORD=hunter2 PGSSLMODE=disable PGGSSENCMODE=disable PGAPPNAME=eavesdrop-scram \
    "$pgbin/pgbench" -h 127.0.0.1 -p 5433 -U bob -n -M prepared -t 1 -f "$work/bench.sql" shop >/dev/null
}

redis() {
  # requirepass for the default user, and an ACL user alice.
  cat > "$work/redis.conf" <<CONF
port 6379
bind 127.0.0.1
daemonize no
save ""
appendonly no
dir $work
requirepass s3cret
user alice on >wonderland ~* &* +@all
CONF
  redis-server "$work/redis.conf" >/dev/null &
  pids+=($!)
  listening 6379
  capture "$out/redis-auth.pcap" "tcp port 6379" sh -c '
    redis-cli -p 6379 -a s3cret --no-auth-warning SET user:1 alice >/dev/null
    redis-cli -p 6379 --user alice --pass wonderland --no-auth-warning GET user:1 >/dev/null
    redis-cli -p 6379 HELLO 3 AUTH alice wonderland SETNAME inventory-worker >/dev/null
    redis-cli -p 6379 -a wrong --no-auth-warning PING >/dev/null || true
    # An inline session, as telnet would send it.
    python3 -c "
import socket, time
s = socket.create_connection((\"127.0.0.1\", 6379))
for line in (b\"AUTH s3cret\\r\\n\", b\"CLIENT SETNAME telnet-user\\r\\n\", b\"KEYS *\\r\\n\", b\"QUIT\\r\\n\"):
    s.sendall(line)
    time.sleep(0.05)
    s.recv(4096)
s.close()
"'
}

socks() {
  # Dante's sockd on 1080 with RFC 1929 username/password against the system's users:
  # a throwaway user `socksuser`, removed at the end. Behind it, an HTTP server and a
  # TLS 1.3 server (the captures' certificate) on loopback; the client is curl with
  # socks5h:// (the proxy resolves the name: a domain-name CONNECT).
  id socksuser >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin socksuser
  echo 'socksuser:secret' | chpasswd
  cat > "$work/sockd.conf" <<CONF
logoutput: stderr
internal: 127.0.0.1 port = 1080
external: 127.0.0.1
socksmethod: username
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }
CONF
  danted -f "$work/sockd.conf" 2>/dev/null &
  pids+=($!)
  mkdir -p "$work/www" && echo "hello through the tunnel" > "$work/www/index.html"
  python3 -m http.server 8080 --bind 127.0.0.1 --directory "$work/www" 2>/dev/null &
  pids+=($!)
  openssl s_server -quiet -www -accept 8443 -tls1_3 \
    -cert "$root/captures/certs/server.crt" -key "$root/captures/certs/server.key" 2>/dev/null &
  pids+=($!)
  listening 1080; listening 8080; listening 8443
  capture "$out/socks5-auth.pcap" "tcp port 1080" sh -c '
    curl -s -o /dev/null -x socks5h://socksuser:secret@127.0.0.1:1080 http://localhost:8080/
    curl -s -o /dev/null -k -x socks5h://socksuser:secret@127.0.0.1:1080 https://localhost:8443/'
  userdel socksuser
}

mqtt() {
  # Mosquitto 2 with a password file (alice/secret, no anonymous clients). A
  # subscriber speaking MQTT 5, a publisher speaking 3.1.1 with a will, and a wrong
  # password.
  mosquitto_passwd -c -b "$work/passwd" alice secret
  chmod 644 "$work/passwd"
  cat > "$work/mosquitto.conf" <<CONF
listener 1883 127.0.0.1
allow_anonymous false
password_file $work/passwd
CONF
  mosquitto -c "$work/mosquitto.conf" 2>/dev/null &
  pids+=($!)
  listening 1883
  capture "$out/mqtt-auth.pcap" "tcp port 1883" sh -c '
    mosquitto_sub -V 5 -h 127.0.0.1 -i dashboard -u alice -P secret -t "home/#" -C 1 >/dev/null &
    sleep 0.5
    mosquitto_pub -V 311 -h 127.0.0.1 -i sensor-7 -u alice -P secret \
      --will-topic home/livingroom/sensor-7/status --will-payload offline \
      -t home/livingroom/temperature -m 21.5
    wait
    mosquitto_pub -V 311 -h 127.0.0.1 -i intruder -u alice -P guess -t home/door -m open || true'
}

for what in "${@:-pgsql redis socks mqtt}"; do
  for w in $what; do "$w"; done
done
