#!/bin/bash
# Issue 4 (address pools): a tunnel-group whose pool has 4 addresses and
# five clients, each in its own namespace (${NS_CL}, ${NS_CL}2..5):
#  - four get four distinct addresses of the pool; the fifth is refused,
#    with a log line naming the pool;
#  - sticky: two users who leave and come back in the other order each
#    get their previous address again;
#  - kill -9 of poold with four sessions up: the restarted poold learns
#    the leases from db, so the fifth client is still refused, and gets
#    an address as soon as one is returned;
#  - kill -9 of the whole daemon: after the restart the old sessions are
#    history, no lease of theirs is left, and new clients get addresses.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
mkdir -p "$STATE"
declare -A VPID ADDR
pool_cleanup() {
	for k in 2 3 4 5; do
		[ -n "${VPID[$k]:-}" ] && kill "${VPID[$k]}" 2>/dev/null
	done
	sleep 0.3
	for k in 2 3 4 5; do ip netns del "${NS_CL}$k" 2>/dev/null; done
	cleanup
}
trap pool_cleanup EXIT

ns_of() { [ "$1" = 1 ] && echo "$NS_CL" || echo "${NS_CL}$1"; }
topo_clients() { # client k in ${NS_CL}k on 10.98.k.2/24, k = 2..5
	local k n
	for k in 2 3 4 5; do
		n=${NS_CL}$k
		ip netns del "$n" 2>/dev/null
		ip netns add "$n" && ip -n "$n" link set lo up &&
		ip link add cl0 netns "$n" type veth peer name gw$k netns "$NS_GW" &&
		ip -n "$n" addr add 10.98.$k.2/24 dev cl0 &&
		ip -n "$NS_GW" addr add 10.98.$k.1/24 dev gw$k &&
		ip -n "$n" link set cl0 up && ip -n "$NS_GW" link set gw$k up &&
		ip -n "$n" route add default via 10.98.$k.1 || return 1
	done
}

write_conf() { # write_conf FILE
	{
		sed -e '/^end$/d' "$ROOT/etc/ravpn.conf"
		for u in u1 u2 u3 u4 u5; do
			echo "username $u password $("$BIN/ravpnctl" hash-password "${u}pass")"
		done
		cat <<CONF
ip local pool SMALL 10.202.0.1-10.202.0.4 mask 255.255.255.0
ip local pool TINY 10.203.0.1-10.203.0.1 mask 255.255.255.0
tunnel-group twogroup type remote-access
tunnel-group twogroup general-attributes
 address-pool SMALL TINY
 authentication-server-group LOCAL
 default-group-policy GP
tunnel-group twogroup ipsec-attributes
 ikev1 pre-shared-key twosecret
tunnel-group smallgroup type remote-access
tunnel-group smallgroup general-attributes
 address-pool SMALL
 authentication-server-group LOCAL
 default-group-policy GP
tunnel-group smallgroup ipsec-attributes
 ikev1 pre-shared-key smallsecret
end
CONF
	} >"$1"
}

# client_up K USER: vpnc of client K as USER; ADDR[K] = its address
client_up() { # client_up K USER [GROUP SECRET]
	local s=$STATE n=$NS_CL v=$VPNC_PID rc
	STATE=$STATE/c$1 NS_CL=$(ns_of "$1")
	mkdir -p "$STATE"
	vpnc_up "${3:-smallgroup}" "${4:-smallsecret}" "$2" "${2}pass" force-natt
	rc=$?
	VPID[$1]=$VPNC_PID
	ADDR[$1]=$( [ $rc = 0 ] && env_of INTERNAL_IP4_ADDRESS)
	STATE=$s NS_CL=$n VPNC_PID=$v
	return $rc
}
user_up() { ctl --json show vpn-sessiondb 2>/dev/null | grep -q "\"username\": *\"$1\""; }
user_gone() { ! user_up "$1"; }
client_down() { # client_down K [USER]: vpnc leaves (its DELETE may get lost: logoff then)
	local v=$VPNC_PID
	VPNC_PID=${VPID[$1]:-}
	vpnc_down
	VPID[$1]=
	VPNC_PID=$v
	[ -n "${2:-}" ] || return 0
	wait_for 3 user_gone "$2" && return 0
	echo "# $2's DELETE did not arrive: logoff"
	ctl vpn-sessiondb logoff name "$2" >/dev/null
}
client_refused() { # client_refused K USER
	client_up "$1" "$2" && return 1
	client_down "$1"
	return 0
}
same_addr() { in_pool "$1" && [ "$1" = "$2" ]; }
in_pool() { case $1 in 10.202.0.[1-4]) return 0 ;; esac; return 1; }
distinct4() { [ "$(printf '%s\n' "${ADDR[1]}" "${ADDR[2]}" "${ADDR[3]}" "${ADDR[4]}" | sort -u | wc -l)" = 4 ] &&
	for k in 1 2 3 4; do in_pool "${ADDR[$k]}" || return 1; done; }
n_sessions() { ctl --json show vpn-sessiondb 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null; }
sessions_are() { [ "$(n_sessions)" = "$1" ]; }
n_leases() {
	/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True).execute("SELECT count(*) FROM leases").fetchone()[0])' \
		"$STATE/db/ravpn.db" 2>/dev/null
}
poold_restarted() { local p; p=$(child_pid ravpn-poold) && [ "$p" != "$1" ]; }

topo_up || { not_ok "topology"; exit 1; }
check "four more client namespaces" topo_clients
write_conf "$STATE/pool.conf"
check "ravpnd starts with a pool of 4 addresses" ravpnd_start "$STATE/pool.conf" ${RAVPND_ARGS:-}

# --- four fit, the fifth is refused ---
for k in 1 2 3 4; do
	check "client $k (u$k) connects" client_up $k u$k
done
check "the four get four distinct addresses of SMALL (${ADDR[*]})" distinct4
check "the fifth client (u5) is refused" client_refused 5 u5
check "the refusal is logged naming the pool" wait_for 5 log_has "pool SMALL exhausted, no address for user u5"

# --- sticky addresses ---
A2=${ADDR[2]} A3=${ADDR[3]}
client_down 2 u2
client_down 3 u3
check "u2 and u3 are gone" wait_for 5 sessions_are 2
check "u3 comes back first and gets $A3 again" client_up 3 u3
check "... ${ADDR[3]}" same_addr "${ADDR[3]}" "$A3"
check "u2 comes back and gets $A2 again" client_up 2 u2
check "... ${ADDR[2]}" same_addr "${ADDR[2]}" "$A2"

# --- kill -9 of poold ---
POOLD=$(child_pid ravpn-poold)
[ -n "$POOLD" ] && kill -9 "$POOLD"
check "master restarts poold" wait_for 10 poold_restarted "$POOLD"
check "the new poold learned the 4 leases from db" wait_for 5 log_has "poold: lease table received from db"
check "the fifth client is still refused (no address given twice)" client_refused 5 u5
A1=${ADDR[1]}
client_down 1 u1
check "u1 is gone" wait_for 5 sessions_are 3
check "now the fifth client connects" client_up 5 u5
check "... with the address u1 returned ($A1)" same_addr "${ADDR[5]}" "$A1"
check "every session holds a distinct address" \
	test "$(printf '%s\n' "${ADDR[2]}" "${ADDR[3]}" "${ADDR[4]}" "${ADDR[5]}" | sort -u | wc -l)" = 4

# --- kill -9 of the whole daemon ---
kids=$(children_of "$RAVPND_PID")
kill -9 "$RAVPND_PID" $kids
wait "$RAVPND_PID" 2>/dev/null
RAVPND_PID=
for k in 2 3 4 5; do client_down $k; done
check "ravpnd starts again" ravpnd_start "$STATE/pool.conf" ${RAVPND_ARGS:-}
check "the sessions of the killed run are history" wait_for 5 sessions_are 0
check "no lease of the killed run is left in the database" test "$(n_leases)" = 0
for k in 1 2 3 4; do
	check "client $k (u$k) connects after the restart" client_up $k u$k
done
check "the four get four distinct addresses of SMALL (${ADDR[*]})" distinct4
check "the database records exactly those 4 leases" test "$(n_leases)" = 4
# a tunnel-group's pools are tried in order
check "u5 of twogroup (address-pool SMALL TINY) connects while SMALL is full" \
	client_up 5 u5 twogroup twosecret
check "... with TINY's address (${ADDR[5]})" test "${ADDR[5]}" = 10.203.0.1
check "... logged" log_has "user u5: pool SMALL exhausted, trying pool TINY"
check "no child was killed by seccomp" bash -c "! grep -q 'killed by signal 31' '$STATE/ravpnd.log'"
echo "# ravpnd log: $STATE/ravpnd.log"
[ "$N_FAIL" = 0 ]
