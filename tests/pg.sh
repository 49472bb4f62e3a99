#!/bin/sh
# pg.sh - a throwaway PostgreSQL cluster for the queue tests.
#
#   sh tests/pg.sh start [DIR [PORT]]   initdb a cluster in DIR (default: a
#                                       new temp dir), start it listening
#                                       only on a unix socket in DIR (no
#                                       TCP), create database grader_test,
#                                       and print its URL on stdout:
#       postgresql:///grader_test?host=DIR&port=PORT&user=USER
#   sh tests/pg.sh stop DIR             stop that cluster and remove DIR.
#
# Typical use:  GRADER_TEST_PG=$(sh tests/pg.sh start) && export GRADER_TEST_PG
#
# As root the server runs as the 'postgres' system user (PostgreSQL refuses
# to run as root); otherwise as the invoking user. fsync is off: the data is
# thrown away. The binaries come from $PG_BIN, else the newest
# /usr/lib/postgresql/*/bin, else $PATH. Progress goes to stderr.
set -eu

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

find_bin() {
	if [ -n "${PG_BIN:-}" ]; then
		echo "$PG_BIN"
		return
	fi
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
		return
	fi
	p=$(command -v initdb 2>/dev/null) || die "PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql or set PG_BIN"
	dirname "$p"
}

# Runs a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

owner_name() {
	if [ "$(id -u)" -eq 0 ]; then
		echo postgres
	else
		id -un
	fi
}

start() {
	dir=${1:-}
	port=${2:-5432}
	bin=$(find_bin)
	[ -x "$bin/initdb" ] || die "no initdb in $bin"
	if [ -z "$dir" ]; then
		dir=$(mktemp -d "${TMPDIR:-/tmp}/grader-pg.XXXXXX")
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	user=$(owner_name)
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
		chown postgres "$dir"
	fi
	as_owner "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --no-sync \
		>"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		die "initdb failed in $dir"
	}
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
		-o "-k $dir -c listen_addresses='' -p $port -F -c max_connections=40" \
		start >&2 || {
		cat "$dir/data/server.log" >&2 2>/dev/null || true
		die "the server did not start in $dir"
	}
	as_owner "$bin/createdb" -h "$dir" -p "$port" -U "$user" grader_test ||
		die "createdb grader_test failed"
	echo "postgresql:///grader_test?host=$dir&port=$port&user=$user"
}

stop() {
	dir=${1:?usage: pg.sh stop DIR}
	[ -f "$dir/data/PG_VERSION" ] || die "$dir holds no cluster made by pg.sh"
	bin=$(find_bin)
	as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
	rm -rf "$dir"
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) die "usage: pg.sh start [DIR [PORT]] | stop DIR" ;;
esac
