#!/usr/bin/env bash
# pg-cluster.sh — a throwaway PostgreSQL cluster for tests.
#
#   scripts/pg-cluster.sh start DIR PORT   create (once) and start a cluster in DIR
#   scripts/pg-cluster.sh stop  DIR PORT   stop it (fast shutdown); DIR is kept
#   scripts/pg-cluster.sh url   DIR PORT   print the base URL, e.g. postgres://postgres@127.0.0.1:5433
#
# The cluster uses trust auth, listens on 127.0.0.1 only and puts its unix socket in DIR.
# Run as root, the postgres binaries run as the `postgres` user and DIR is chowned to it.
# The caller removes DIR when done.
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR PORT" >&2; exit 2; }
[ $# -eq 3 ] || usage
cmd=$1 dir=$2 port=$3
case "$port" in ''|*[!0-9]*) echo "pg-cluster: bad PORT '$port'" >&2; exit 2 ;; esac

url="postgres://postgres@127.0.0.1:${port}"
if [ "$cmd" = url ]; then echo "$url"; exit 0; fi

find_bindir() {
	local d
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ]; then echo "$d"; return; fi
	done
	echo "pg-cluster: no PostgreSQL server binaries (initdb) found" >&2
	exit 1
}
bindir=$(find_bindir)

# Run a postgres binary as the owner of the cluster.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"

case "$cmd" in
start)
	if [ ! -s "$data/PG_VERSION" ]; then
		as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	as_pg "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
		-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
		start >/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
	echo "$url"
	;;
stop)
	if [ -s "$data/postmaster.pid" ]; then
		as_pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
	fi
	;;
*) usage ;;
esac
