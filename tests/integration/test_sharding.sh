#!/bin/bash
# Issue 5, sharding: with `crypto engine workers 2`, two vpnc clients land
# on different ESP workers (the worker is a function of the client's
# address, lib/shard.h), and each client's traffic in both directions is
# handled only by its own worker: the other worker's counters do not move
# and no worker ever sees a packet it has no SA for (a mis-steered packet
# would be a no_sa drop).  Also `ravpnctl stats` in text and JSON.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/traffic_lib.sh"
CONF=$STATE/ravpn.conf
VPNC1_PID=
VPNC2_PID=
down2() { [ -n "$VPNC2_PID" ] && kill "$VPNC2_PID" 2>/dev/null; sleep 0.3; ip netns del "$NS_CL2" 2>/dev/null; }
trap 'down2; cleanup' EXIT

# vpnc_up of lib.sh, run for the second client: its own state dir and netns.
vpnc2_up() {
	local s=$STATE n=$NS_CL v=$VPNC_PID rc
	STATE=$STATE/c2 NS_CL=$NS_CL2
	mkdir -p "$STATE"
	vpnc_up vpngroup groupsecret carol carolpass force-natt
	rc=$?
	VPNC2_PID=$VPNC_PID ADDR2=$(env_of INTERNAL_IP4_ADDRESS)
	STATE=$s NS_CL=$n VPNC_PID=$v
	return $rc
}

worker_of() { # worker_of ADDR: esp_worker of the child SA of the session with that address
	local peer
	peer=$(ctl --json show vpn-sessiondb | /usr/bin/python3 -c '
import json, sys
print([r["public_ip"] for r in json.load(sys.stdin) if r["assigned_ip"] == sys.argv[1]][0])' "$1") || return 1
	ctl --json show crypto ipsec sa peer "$peer" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r[0]["esp_worker"])'
}

ping_from() { ip netns exec "$1" ping -c "$2" -i 0.05 -W 1 10.100.0.1 >/dev/null 2>&1; }

topo_up || { not_ok "topology"; exit 1; }
check "second client namespace $NS_CL2" topo_client2
HASH=$("$BIN/ravpnctl" hash-password carolpass)
cp "$ROOT/etc/ravpn.conf" "$CONF"
sed -i "s|^username dave .*|&\nusername carol password $HASH|" "$CONF"
sed -i 's|^end$|crypto engine workers 2\nend|' "$CONF"
check "ravpnd starts with crypto engine workers 2" ravpnd_start "$CONF"
check "two ESP workers running" bash -c "[ \$(for p in \$(ps -o pid= --ppid $RAVPND_PID); do cat /proc/\$p/comm; done | grep -c '^ravpn-esp$') = 2 ]"
check "TUN has 2 queues and a steering program (no fallback)" \
	bash -c "grep -q 'ravpn0 up, 2 queues' '$STATE/ravpnd.log' && ! grep -q 'falling back to 1 ESP worker' '$STATE/ravpnd.log'"

check "client 1 (alice) connects" vpnc_up vpngroup groupsecret alice alicepass force-natt
VPNC1_PID=$VPNC_PID
ADDR1=$(env_of INTERNAL_IP4_ADDRESS)
check "client 2 (carol) connects" vpnc2_up
echo "# addresses: $ADDR1 $ADDR2"
check "both clients ping" bash -c "$(declare -f ping_from); ping_from $NS_CL 3 && ping_from $NS_CL2 3"
sleep 2.5
W1=$(worker_of "$ADDR1")
W2=$(worker_of "$ADDR2")
echo "# workers: $ADDR1 -> $W1, $ADDR2 -> $W2"
check "sessions land on both workers ($W1, $W2)" bash -c "[ -n '$W1' ] && [ -n '$W2' ] && [ '$W1' != '$W2' ]"
check "each session's worker is its address's owner (ntohl(addr) % 2)" /usr/bin/python3 -c '
import ipaddress, sys
a1, w1, a2, w2 = sys.argv[1:]
sys.exit(0 if int(ipaddress.IPv4Address(a1)) % 2 == int(w1) and int(ipaddress.IPv4Address(a2)) % 2 == int(w2) else 1)' "$ADDR1" "$W1" "$ADDR2" "$W2"

worker_stats a
check "client 1: 200 pings, no loss" ping_from "$NS_CL" 200
workers_settled; worker_stats b
check "client 1's traffic, both directions, only on worker $W1" worker_only a b "$W1" 200 total
check "client 2: 200 pings, no loss" ping_from "$NS_CL2" 200
workers_settled; worker_stats c
check "client 2's traffic, both directions, only on worker $W2" worker_only b c "$W2" 200 total
check "ravpnctl stats (text) lists both workers" bash -c "ctl() { '$BIN/ravpnctl' --db '$STATE/db/ravpn.db' \"\$@\"; }; [ \$(ctl stats | grep -c '^ESP worker [01]: [0-9]* SAs') = 2 ]"
check "ESP workers are pinned to different CPUs" bash -c "
	cpus=''; for p in \$(ps -o pid= --ppid $RAVPND_PID); do
		[ \"\$(cat /proc/\$p/comm)\" = ravpn-esp ] && cpus=\"\$cpus \$(taskset -pc \$p | awk '{print \$NF}')\"; done
	[ \$(nproc) -lt 2 ] || [ \$(echo \$cpus | tr ' ' '\n' | sort -u | wc -l) = 2 ]"

kill "$VPNC2_PID" 2>/dev/null
vpnc_down
ravpnd_stop
echo "# ravpnd log: $STATE/ravpnd.log"
exit 0
