#!/bin/bash
# Issues 3 + 5: LAN-to-LAN with `crypto engine workers 2`.  One SA pair
# carries the whole remote network 10.201.0.0/24, so every host of it must
# be steered to the worker holding that pair (master's TUN steering
# program matches the crypto maps' remote networks, lib/shard.h), not
# spread by host address as clients are.  ravpn <-> strongSwan, four hosts
# on the remote LAN (two of each parity, so plain address steering would
# send half of them to the other worker): ping both ways and TCP to and
# from each; `ravpnctl --json stats` shows all of it on one worker, the
# steering's owner of the network, and no no-SA drop.  Checked with the
# peer initiating, with ravpn initiating (after `clear crypto sa peer`),
# and after a reload that adds a remote network (a new program).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/strongswan/charon.sh"
. "$ROOT/tests/integration/l2l_lib.sh"
trap 'charon_stop; cleanup; ip netns del "$NS_LAN2" 2>/dev/null' EXIT
HOSTS="10.201.0.1 10.201.0.2 10.201.0.3 10.201.0.4"

# ---- helpers ----
steer_owner() { # the worker the steering log names for a network
	grep -ao "TUN steering: LAN-to-LAN network $1 -> esp\[[0-9]*\]" "$STATE/ravpnd.log" |
		tail -1 | sed 's/.*esp\[\([0-9]*\)\]/\1/'
}
# The ESP workers of ravpn's SAs toward the peer, sorted, unique: the
# worker holding an SA says so in its counter reports (every 2 s; 0 until
# the first, so the owner of 10.201.0.0/24 being 1 makes this a check).
sa_workers() {
	ctl --json show crypto ipsec sa peer 10.99.0.2 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({str(r["esp_worker"]) for r in json.load(sys.stdin)})))'
}
sa_on_owner() { [ "$(sa_workers)" = "$OWNER" ]; }
no_sw_child() { ! sw_child_up net; }
quick_modes_more_than() { [ "$(log_count 'quick mode initiated')" -gt "$1" ]; }
fast_ping() { # fast_ping NS DST [SRC]: 20 pings, none lost
	ip netns exec "$1" ping -c 20 -i 0.05 -W 1 ${3:+-I "$3"} "$2" >/dev/null 2>&1
}
ping_hosts_from_lan() { for h in $HOSTS; do fast_ping "$NS_LAN" "$h" || return 1; done; }
ping_lan_from_hosts() { for h in $HOSTS; do fast_ping "$NS_LAN2" 10.100.0.1 "$h" || return 1; done; }
# traffic LABEL: pings both ways to/from every host and TCP each way,
# between two stats snapshots; then all of it on the owner
traffic() {
	worker_stats "$1-a"
	check "$1: ping lan -> each of 4 remote hosts, no loss" ping_hosts_from_lan
	check "$1: ping each of 4 remote hosts -> lan, no loss" ping_lan_from_hosts
	check "$1: TCP 2 MB lan -> 10.201.0.2" tcp_transfer "$NS_LAN" "$NS_LAN2" 10.201.0.2
	check "$1: TCP 2 MB lan -> 10.201.0.3" tcp_transfer "$NS_LAN" "$NS_LAN2" 10.201.0.3
	workers_settled
	worker_stats "$1-b"
	check "$1: all traffic on worker $OWNER only, no no-SA drop" worker_only "$1-a" "$1-b" "$OWNER" 320 delta
}

# ---- set-up ----
l2l_write_a_conf 2
l2l_write_swanctl
topo_up
lan2_up
for h in $HOSTS; do
	[ "$h" = 10.201.0.1 ] || ip -n "$NS_LAN2" addr add "$h/24" dev lan0
done
ravpnd_start "$STATE/a.conf" || { not_ok "ravpnd starts with 2 ESP workers"; exit 1; }
check "TUN has 2 queues and a steering program (no fallback)" \
	bash -c "grep -q 'ravpn0 up, 2 queues' '$STATE/ravpnd.log' && ! grep -q 'falling back to 1 ESP worker' '$STATE/ravpnd.log'"
OWNER=$(steer_owner 10.201.0.0/24)
echo "# steering: 10.201.0.0/24 -> esp[$OWNER]"
check "master steers the remote network 10.201.0.0/24 to one worker" test -n "$OWNER"
charon_start "$STATE/swanctl-l2l.conf" || not_ok "charon starts in $NS_CL"

# ---- 1. the peer initiates ----
if sw --initiate --ike l2l --child net --timeout 30 >"$CH/initiate-net.log" 2>&1; then
	ok "strongSwan initiates, ravpn answers"
else
	not_ok "strongSwan initiates, ravpn answers"; explain
fi
check "the tunnel carries lan2 -> lan" wait_for 5 ping_from "$NS_LAN2" 10.100.0.1 1
check "peer-initiated SA pair on the steering's worker ($OWNER)" wait_for 5 sa_on_owner
traffic "peer initiated"
check "no l2l-needs-workers-1 warning" bash -c "! grep -q 'crypto engine workers 1' '$STATE/ravpnd.log'"

# ---- 2. ravpn initiates: a host of the other parity than the owner first ----
ctl clear crypto sa peer 10.99.0.2 >/dev/null 2>&1
check "clear crypto sa peer: strongSwan's child SA is gone" wait_for 5 no_sw_child
N_QI=$(log_count "quick mode initiated")
FIRST=10.201.0.$((1 + OWNER))	# address % 2 != OWNER
wait_for 10 ping_once "$NS_LAN" "$FIRST" >/dev/null
check "traffic to $FIRST makes ravpn initiate a quick mode" wait_for 5 quick_modes_more_than "$N_QI"
check "ping lan -> $FIRST after ravpn's quick mode" wait_for 10 ping_from "$NS_LAN" "$FIRST" 1
check "ravpn-initiated SA pair on the steering's worker ($OWNER)" wait_for 5 sa_on_owner
traffic "ravpn initiated"

# ---- 3. reload: another remote network, a new program ----
N_STEER=$(log_count "TUN steering: LAN-to-LAN network 10.201.0.0/24")
echo "access-list L2L extended permit ip 10.100.0.0 255.255.255.0 10.202.0.0 255.255.255.0" >>"$STATE/a.conf"
check "ravpnctl reload (one more remote network)" ctl reload
check "reload: the new program steers 10.202.0.0/24 too" \
	wait_for 5 bash -c "grep -q 'TUN steering: LAN-to-LAN network 10.202.0.0/24 -> esp' '$STATE/ravpnd.log'"
check "reload: ... and still 10.201.0.0/24 to worker $OWNER" \
	bash -c "[ \$(grep -c 'TUN steering: LAN-to-LAN network 10.201.0.0/24 -> esp\[$OWNER\]' '$STATE/ravpnd.log') -gt $N_STEER ]"
traffic "after reload"
N_STEER=$(log_count "TUN steering: LAN-to-LAN network")
check "ravpnctl reload (same networks)" ctl reload
sleep 1
check "reload without a change keeps the program" bash -c "[ \$(grep -c 'TUN steering: LAN-to-LAN network' '$STATE/ravpnd.log') = $N_STEER ]"

charon_stop
ravpnd_stop
echo "# logs: $STATE/ravpnd.log $CH/charon.log"
echo "# $N_OK passed, $N_FAIL failed"
exit 0
