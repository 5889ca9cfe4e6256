#!/bin/bash
# Dead peer detection: a client that stops answering is declared dead
# after the tunnel-group's keepalive threshold and retries; its session
# ends with cause dpd and its address is free again.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
CONF=$STATE/ravpn.conf
THRESHOLD=10
RETRY=2
sed "s/^ ikev1 pre-shared-key groupsecret/&\n isakmp keepalive threshold $THRESHOLD retry $RETRY/" \
	"$ROOT/etc/ravpn.conf" >"$CONF"

history_cause() {
	ctl --json show vpn-sessiondb history 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["username"] == sys.argv[1]]
sys.exit(0 if rows and rows[-1]["cause"] == sys.argv[2] else 1)' "$1" "$2"
}
lease_free() { [ "$(sqlite3 "file:$STATE/db/ravpn.db?mode=ro" 'select count(*) from leases' 2>/dev/null)" = 0 ]; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with isakmp keepalive threshold $THRESHOLD retry $RETRY" ravpnd_start "$CONF"
check "vpnc connects" vpnc_up vpngroup groupsecret alice alicepass force-natt
check "a live client answers DPD and keeps its session" bash -c "sleep $((THRESHOLD + 3 * RETRY + 2)); kill -0 $VPNC_PID && ip netns exec $NS_CL ping -c1 -W1 10.100.0.1 >/dev/null"
kill -STOP "$VPNC_PID"
t0=$(date +%s)
LIMIT=$((THRESHOLD * RETRY + 5))
check "stopped client: session ends with cause dpd within $LIMIT s" wait_for "$LIMIT" history_cause alice dpd
echo "# ended after $(($(date +%s) - t0)) s"
check "dead peer logged" log_has "user alice: dead peer"
check "its lease is free again" lease_free
kill -CONT "$VPNC_PID" 2>/dev/null
capture_check dpd
exit 0
