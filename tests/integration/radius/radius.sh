#!/bin/bash
# radius.sh start|stop DIR NS: a private FreeRADIUS for the integration tests,
# listening on 127.0.0.1:1812/1813 inside namespace NS, state (config copy,
# log, pid) under DIR.  Same approach as shared/lab/radius.sh, own state dir.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$2
NS=$3
SRC=${RADDB_SRC:-/etc/freeradius/3.0}

start() {
	local db=$DIR/raddb log=$DIR/radius.log
	rm -rf "$DIR"; mkdir -p "$DIR/run" "$DIR/log"
	cp -a "$SRC" "$db"
	sed -i -e "s|^run_dir = .*|run_dir = $DIR/run|" -e "s|^logdir = .*|logdir = $DIR/log|" "$db/radiusd.conf"
	cp "$HERE/clients.conf" "$db/clients.conf"
	cat "$HERE/users" "$db/mods-config/files/authorize" >"$db/authorize.new"
	mv "$db/authorize.new" "$db/mods-config/files/authorize"
	chown -R freerad:freerad "$DIR"
	ip netns exec "$NS" freeradius -C -d "$db" >/dev/null || return 1
	ip netns exec "$NS" freeradius -f -X -d "$db" >"$log" 2>&1 &
	echo $! >"$DIR/radius.pid"
	for _ in $(seq 50); do
		grep -q 'Ready to process requests' "$log" && return 0
		sleep 0.1
	done
	stop
	return 1
}

stop() {
	[ -f "$DIR/radius.pid" ] || return 0
	local pid; pid=$(cat "$DIR/radius.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	rm -f "$DIR/radius.pid"
	return 0
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop DIR NS" >&2; exit 2 ;;
esac
