#!/usr/bin/env bash
# A private PostgreSQL cluster for the test suite, from Debian's postgresql package.
# Usage: postgres.sh start|stop [PORT]. Data lives in /tmp/convene-pg-PORT, owned by the
# postgres system user (the server refuses to run as root); trust auth on loopback only.
set -euo pipefail
cmd=${1:?start|stop}; PORT=${2:-25432}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DATA=/tmp/convene-pg-$PORT
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
start)
  if [ -f "$DATA/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    echo "postgres already running on $PORT"; exit 0
  fi
  rm -rf "$DATA"; mkdir -p "$DATA"; [ "$(id -u)" = 0 ] && chown postgres: "$DATA"
  as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres --no-sync >/dev/null
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE ROLE convene LOGIN SUPERUSER" postgres
  as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE convene_test OWNER convene" postgres
  echo "postgres up on 127.0.0.1:$PORT" ;;
stop)
  [ -d "$DATA" ] && as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$DATA" ;;
*) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
