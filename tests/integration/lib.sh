# Shared helpers of the integration tests: a namespace lab like
# shared/lab (names prefixed rv- so a developer's lab is left alone),
# ravpnd started in it, vpnc clients, and TAP-style result lines.
#   ns rv-cl  [cl0 10.99.0.2] --- [gw0 10.99.0.1] rv-gw [gwlan 10.100.0.254] --- [lan0 10.100.0.1] rv-lan
# NAT variant: rv-cl [10.99.1.2] --- rv-nat (masquerade as 10.99.0.3) --- rv-gw
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build-asan}
case $BUILD in /*) BIN=$BUILD/bin ;; *) BIN=$ROOT/$BUILD/bin ;; esac
STATE=${STATE:-$(mktemp -d /tmp/ravpn-test.XXXXXX)}
chmod 755 "$STATE"
PIDS=()
N_OK=0
N_FAIL=0

ok() { echo "ok - $*"; N_OK=$((N_OK + 1)); }
not_ok() { echo "not ok - $*"; N_FAIL=$((N_FAIL + 1)); }
check() { # check "name" command...
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

topo_down() {
	for n in rv-cl rv-gw rv-lan rv-nat; do ip netns del "$n" 2>/dev/null; done
	return 0
}

topo_up() { # topo_up [nat]
	topo_down
	for n in rv-cl rv-gw rv-lan; do ip netns add "$n"; ip -n "$n" link set lo up; done
	ip link add gwlan netns rv-gw type veth peer name lan0 netns rv-lan
	ip -n rv-gw addr add 10.100.0.254/24 dev gwlan
	ip -n rv-lan addr add 10.100.0.1/24 dev lan0
	ip -n rv-gw link set gwlan up
	ip -n rv-lan link set lan0 up
	ip -n rv-lan route add default via 10.100.0.254
	ip netns exec rv-gw sysctl -qw net.ipv4.ip_forward=1
	ip netns exec rv-gw sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip netns exec rv-gw sysctl -qw net.ipv4.conf.default.rp_filter=0
	if [ "${1:-}" = nat ]; then
		ip netns add rv-nat; ip -n rv-nat link set lo up
		ip link add cl0 netns rv-cl type veth peer name natin netns rv-nat
		ip link add natout netns rv-nat type veth peer name gw0 netns rv-gw
		ip -n rv-cl addr add 10.99.1.2/24 dev cl0
		ip -n rv-nat addr add 10.99.1.1/24 dev natin
		ip -n rv-nat addr add 10.99.0.3/24 dev natout
		ip -n rv-gw addr add 10.99.0.1/24 dev gw0
		for l in "rv-cl cl0" "rv-nat natin" "rv-nat natout" "rv-gw gw0"; do
			set -- $l; ip -n "$1" link set "$2" up; done
		ip -n rv-cl route add default via 10.99.1.1
		ip netns exec rv-nat sysctl -qw net.ipv4.ip_forward=1
		ip netns exec rv-nat nft -f - <<'NFT'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "natout" masquerade
	}
}
NFT
	else
		ip link add cl0 netns rv-cl type veth peer name gw0 netns rv-gw
		ip -n rv-cl addr add 10.99.0.2/24 dev cl0
		ip -n rv-gw addr add 10.99.0.1/24 dev gw0
		ip -n rv-cl link set cl0 up
		ip -n rv-gw link set gw0 up
	fi
	ip netns exec rv-cl ping -c1 -W2 10.99.0.1 >/dev/null
}

# Stops every process this test started, by PID, then the namespaces.
cleanup() {
	vpnc_down 2>/dev/null
	ravpnd_stop 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	topo_down
}

RAVPND_PID=
ravpnd_start() { # ravpnd_start CONF [extra args]
	local conf=$1; shift
	mkdir -p "$STATE/run" "$STATE/db"
	ip netns exec rv-gw "$BIN/ravpnd" -F -c "$conf" -r "$STATE/run" -d "$STATE/db" \
		-b "$BIN" "$@" >>"$STATE/ravpnd.log" 2>&1 &
	RAVPND_PID=$!
	PIDS+=("$RAVPND_PID")
	for _ in $(seq 100); do
		[ -S "$STATE/run/ravpn.sock" ] && [ -f "$STATE/db/ravpn.db" ] && \
			[ "$(children_of "$RAVPND_PID" | wc -w)" -ge 5 ] && sleep 0.3 && return 0
		kill -0 "$RAVPND_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

ravpnd_stop() {
	[ -n "$RAVPND_PID" ] || return 0
	kill -TERM "$RAVPND_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$RAVPND_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$RAVPND_PID" 2>/dev/null
	wait "$RAVPND_PID" 2>/dev/null
	RAVPND_PID=
}

children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }
child_pid() { # child_pid ROLE-binary-name
	for p in $(children_of "$RAVPND_PID"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = "$1" ] && echo "$p" && return 0
	done
	return 1
}

ctl() { "$BIN/ravpnctl" --db "$STATE/db/ravpn.db" --socket "$STATE/run/ravpn.sock" "$@"; }

VPNC_PID=
vpnc_up() { # vpnc_up GROUP SECRET USER PASS NATMODE -> 0 when tun0 has an address
	local conf=$STATE/vpnc.conf
	cat >"$conf" <<CONF
IPSec gateway 10.99.0.1
IPSec ID $1
IPSec secret $2
IKE Authmode psk
Xauth username $3
Xauth password $4
IKE DH Group dh2
Perfect Forward Secrecy nopfs
NAT Traversal Mode $5
Interface name tun0
Interface mode tun
Script $ROOT/tests/integration/vpnc-script
Pidfile $STATE/vpnc.pid
No Detach
Noninteractive
CONF
	rm -f "$STATE"/vpnc-env.*
	VPNC_STATE=$STATE ip netns exec rv-cl vpnc ${VPNC_EXTRA:-} "$conf" >"$STATE/vpnc.log" 2>&1 &
	VPNC_PID=$!
	PIDS+=("$VPNC_PID")
	for _ in $(seq 150); do
		[ -f "$STATE/vpnc-env.connect" ] && ip -n rv-cl -4 addr show dev tun0 2>/dev/null | grep -q inet && return 0
		kill -0 "$VPNC_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

vpnc_down() {
	[ -n "$VPNC_PID" ] || return 0
	kill "$VPNC_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$VPNC_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$VPNC_PID" 2>/dev/null
	wait "$VPNC_PID" 2>/dev/null
	VPNC_PID=
}

vpnc_exited() { # vpnc_exited SECONDS
	for _ in $(seq $(($1 * 10))); do kill -0 "$VPNC_PID" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

env_of() { grep "^$1=" "$STATE/vpnc-env.connect" | cut -d= -f2-; }
ping_lan() { ip netns exec rv-cl ping -c "${1:-3}" -i 0.2 -W 1 10.100.0.1 >/dev/null 2>&1; }
log_has() { grep -q -- "$1" "$STATE/ravpnd.log"; }
wait_for() { # wait_for SECONDS command...: true as soon as command is
	local end=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	while :; do
		"$@" && return 0
		[ $(( $(date +%s%N) / 1000000 )) -ge $end ] && return 1
		sleep 0.1
	done
}
