#!/bin/bash
# make demo: the product end to end in network namespaces like shared/lab.
#   tests/demo.sh BUILD_DIR [keep]   build first (make demo does)
#   tests/demo.sh stop               stops a demo left running with KEEP=1
# Namespaces cl (10.99.0.2), gw (10.99.0.1, 10.100.0.254), lan (10.100.0.1);
# ravpnd runs in gw with etc/ravpn.conf, vpnc connects from cl as alice.
export NS_CL=cl NS_GW=gw NS_LAN=lan NS_NAT=nat
DEMO_STATE=/tmp/ravpn-demo
if [ "${1:-}" = stop ]; then
	for f in "$DEMO_STATE"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	sleep 1
	for n in cl gw lan nat; do ip netns del "$n" 2>/dev/null; done
	echo "demo stopped"
	exit 0
fi
export BUILD=${1:-build}
KEEP=${2:-}
rm -rf "$DEMO_STATE"; mkdir -p "$DEMO_STATE"
export STATE=$DEMO_STATE
. "$(dirname "$0")/integration/lib.sh"
[ -z "$KEEP" ] && trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
step "namespaces cl, gw, lan"
topo_up || { echo "topology failed"; exit 1; }
step "ravpnd in gw with etc/ravpn.conf"
ravpnd_start "$ROOT/etc/ravpn.conf" || { echo "ravpnd did not start:"; tail -20 "$STATE/ravpnd.log"; exit 1; }
echo "$RAVPND_PID" >"$STATE/ravpnd.pid"
ps -o pid,user,args --ppid "$RAVPND_PID"
step "vpnc in cl: group vpngroup, user alice"
if ! vpnc_up vpngroup groupsecret alice alicepass force-natt; then
	echo "vpnc failed:"; tail -20 "$STATE/vpnc.log"; tail -20 "$STATE/ravpnd.log"; exit 1
fi
echo "$VPNC_PID" >"$STATE/vpnc.pid"
grep -E '^(INTERNAL_IP4_ADDRESS|INTERNAL_IP4_DNS|CISCO_SPLIT_INC_0_ADDR|CISCO_BANNER)=' "$STATE/vpnc-env.connect"
step "ping 10.100.0.1 (lan) from cl through the tunnel"
ip netns exec cl ping -c 3 -i 0.3 10.100.0.1
sleep 2.5	# counters reach the database every 2 s
step "ravpnctl show vpn-sessiondb"
ctl show vpn-sessiondb
step "ravpnd log"
grep -E 'notice|warning|err' "$STATE/ravpnd.log" | tail -12
if [ -n "$KEEP" ]; then
	step "left running"
	echo "  ravpnctl: $BIN/ravpnctl --db $STATE/db/ravpn.db --socket $STATE/run/ravpn.sock show vpn-sessiondb"
	echo "  stop:     tests/demo.sh stop"
fi
