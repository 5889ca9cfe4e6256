#!/bin/bash
# INITIAL-CONTACT (RFC 2407 4.6.3.3): strongSwan (IKEv1 main mode PSK +
# XAUTH alice, unique = replace) connects; its charon is killed with SIGKILL (no DELETE
# reaches ravpn) and started again; its fresh connection carries
# INITIAL-CONTACT, so ravpn ends the older session of the same peer
# address and user at once, cause "initial-contact": one session remains,
# the old lease is free, and traffic flows through the new one.
. "$(dirname "$0")/lib.sh"
SWDIR=$ROOT/tests/integration/strongswan
. "$ROOT/tests/integration/swan_lib.sh"
trap 'charon_stop; cleanup' EXIT
CONF=$ROOT/tests/integration/ravpn-modes.conf
# strongSwan 5.9 sends INITIAL-CONTACT in IKEv1 main mode message 5 only,
# with a uniqueness policy (unique = replace or keep) and no other IKE SA
# to the peer: the "main" connection of swanctl-modes.conf (DefaultRAGroup)
sed 's/^        version = 1$/&\n        unique = replace/' "$SWDIR/swanctl-modes.conf" >"$STATE/swanctl-ic.conf"

sessions() { ctl --json show vpn-sessiondb 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(" ".join("%s/%s" % (r["username"], r["assigned_ip"]) for r in json.load(sys.stdin)))'; }
n_sessions() { local s; s=$(sessions); set -- $s; echo $#; }
one_session() { [ "$(n_sessions)" = 1 ]; }
ended_by_ic() { [ "$(sqlite3 "$STATE/db/ravpn.db" "select count(*) from history where cause = 'initial-contact'")" = 1 ]; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with tests/integration/ravpn-modes.conf" ravpnd_start "$CONF"
charon_up "$STATE/swanctl-ic.conf"
check "strongSwan connects" sw --initiate --ike main --child nopfs --timeout 30
check "one session ($(sessions))" wait_for 5 one_session
FIRST=$(sessions)
check "ping through the first session" ping_lan
kill -9 "$CHARON_PID"
wait "$CHARON_PID" 2>/dev/null
CHARON_PID=
check "the session outlives the killed client (no DELETE was sent)" one_session
charon_start "$STATE/swanctl-ic.conf" || not_ok "strongSwan charon restarts"
T0=$(date +%s.%N)
check "strongSwan connects again" sw --initiate --ike main --child nopfs --timeout 30
check "the new phase 1 carried INITIAL-CONTACT" grep -aq "INITIAL-CONTACT received" "$STATE/ravpnd.log"
check "ravpn ended the older session at once, cause initial-contact" \
	wait_for 3 grep -aq "INITIAL-CONTACT from .*ending the older session" "$STATE/ravpnd.log"
check "only one session remains ($FIRST -> $(sessions))" wait_for 3 one_session
check "the history row of the old session has cause initial-contact" wait_for 3 ended_by_ic
check "ping through the new session" ping_lan
echo "# took $(echo "$(date +%s.%N) - $T0" | bc) s from the reconnect to here"
charon_stop
capture_check initial-contact
echo "# charon log: $CH/charon.log, ravpnd log: $STATE/ravpnd.log"
[ "$N_FAIL" = 0 ]
