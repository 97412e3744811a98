#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `start DIR PORT` creates a cluster in DIR (trust
# authentication, 127.0.0.1:PORT only), starts it and prints its URL; `stop DIR` stops it.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail
cmd=${1:?usage: pg_test_server.sh start DIR PORT | stop DIR}
dir=${2:?a data directory is needed}
port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || bin=$(dirname "$(command -v initdb)")
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log"
  fi
  # No fsync: a test server, thrown away (crash safety of the database itself is not under test).
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-h 127.0.0.1 -p $port -k $dir -F" start >/dev/null
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
  ;;
*) echo "usage: pg_test_server.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
