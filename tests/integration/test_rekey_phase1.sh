#!/bin/bash
# Phase 1 lifetime and re-authentication, ravpn's IKE lifetime at 120 s
# (`lifetime 120` in every crypto ikev1 policy of ravpn-modes.conf):
#  A. strongSwan (main mode PSK + XAUTH alice) re-authenticates first
#     (rekey_time 50 s: in IKEv1 a new phase 1 + XAUTH + mode-config; it
#     keeps its CHILD_SA when it gets the same virtual IP).  ravpn's new
#     IKE SA from the same address and port and the same user takes the
#     live session over (ike-worker/reauth.c): same address, the IPsec SAs
#     move to the NEW session row, the old row ends with cause "reauth".
#     No ping is lost and traffic goes on after the old IKE SA is gone.
#  B. strongSwan does not re-authenticate, ravpn's IPsec lifetime is 60 s:
#     at 120 s ravpn deletes the IKE SA (show crypto isakmp sa no longer
#     lists it, the client gets a DELETE) and keeps the IPsec SA until its
#     own lifetime ends; then the session ends with cause "lifetime".
. "$(dirname "$0")/lib.sh"
SWDIR=$ROOT/tests/integration/strongswan
. "$SWDIR/charon.sh"
trap 'charon_stop; cleanup' EXIT
CONF=$STATE/ravpn.conf
sed 's/^crypto ikev1 policy [0-9]*$/&\n lifetime 120/' "$ROOT/tests/integration/ravpn-modes.conf" >"$CONF"
{ cat "$CONF"; echo "crypto ipsec security-association lifetime seconds 60"; } >"$STATE/ravpn-b.conf"
sed 's/^        rekey_time = 0$/        rekey_time = 50s\n        over_time = 30s\n        rand_time = 0s/' \
	"$SWDIR/swanctl-modes.conf" >"$STATE/swanctl-reauth.conf"

sessions() { ctl --json show vpn-sessiondb 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(" ".join("%s/%s" % (r["username"], r["assigned_ip"]) for r in json.load(sys.stdin)))'; }
rows() { ctl --json show "$@" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
n_sessions_is() { [ "$(rows vpn-sessiondb)" = "$1" ]; }
no_isakmp_sa() { [ "$(rows crypto isakmp sa)" = 0 ]; }
nothing_left() { [ "$(rows vpn-sessiondb)" = 0 ] && [ "$(rows crypto ipsec sa)" = 0 ]; }
history_causes() { sqlite3 "$STATE/db/ravpn.db" "select group_concat(cause, ' ') from history"; }
history_has() { sqlite3 "$STATE/db/ravpn.db" "select cause from history" | grep -qxE "$1"; }
last_cause_is() { [ "$(sqlite3 "$STATE/db/ravpn.db" "select cause from history order by hid desc limit 1")" = "$1" ]; }
count() { grep -ac "$1" "$STATE/ravpnd.log"; }
LOG0=0
log_b() { tail -n +"$LOG0" "$STATE/ravpnd.log" | grep -aqE "$1"; }
two_xauths() { [ "$(count 'XAUTH succeeded')" -ge 2 ]; }

topo_up || { not_ok "topology"; exit 1; }
check "A: ravpnd starts with an IKE lifetime of 120 s" ravpnd_start "$CONF"

# ---- A: the client re-authenticates ----
charon_start "$STATE/swanctl-reauth.conf" || { not_ok "strongSwan charon starts"; exit 1; }
check "A: strongSwan connects (main mode, rekey_time 50 s)" sw --initiate --ike main --child nopfs --timeout 30
FIRST=$(sessions)
ip netns exec "$NS_CL" ping -i 0.2 -w 62 -D -O 10.100.0.1 >"$STATE/ping-a.txt" 2>&1
check "A: a second phase 1 and XAUTH ($(count 'XAUTH succeeded') XAUTHs)" two_xauths
check "A: the old session ended with cause reauth (history: $(history_causes))" history_has reauth
check "A: the new session took the IPsec SAs over" grep -aq "re-authentication: the new IKE SA takes over" "$STATE/ravpnd.log"
check "A: one session, the same address ($FIRST -> $(sessions))" bash -c "[ '$(sessions)' = '$FIRST' ]"
lost() { awk '/packets transmitted/ { print $1 - $4 }' "$STATE/ping-a.txt"; }
check "A: no ping lost across the re-authentication ($(lost) lost)" bash -c "[ '$(lost)' = 0 ]"
sleep 35		# the client's old IKE SA reaches its maximum lifetime (80 s) and is deleted
check "A: ping after the old IKE SA is gone" ping_lan 3
check "A: still one session" n_sessions_is 1
sw --terminate --ike main >/dev/null 2>&1
wait_for 10 n_sessions_is 0
charon_stop
ravpnd_stop

# ---- B: ravpn's IKE SA lifetime runs out ----
LOG0=$(($(wc -l <"$STATE/ravpnd.log") + 1))
check "B: ravpnd starts with IKE lifetime 120 s, IPsec lifetime 60 s" ravpnd_start "$STATE/ravpn-b.conf"
charon_start "$SWDIR/swanctl-modes.conf" || { not_ok "strongSwan charon restarts"; exit 1; }
check "B: strongSwan connects (no re-authentication)" sw --initiate --ike main --child nopfs --timeout 30
T0=$(date +%s)
check "B: ravpn deletes the IKE SA at its lifetime" \
	wait_for 130 log_b "IKE SA lifetime \([0-9]+ s\) expired"
echo "# B: after $(( $(date +%s) - T0 )) s"
check "B: show crypto isakmp sa lists no IKE SA" wait_for 3 no_isakmp_sa
check "B: show crypto ipsec sa still lists the IPsec SA" bash -c "[ '$(rows crypto ipsec sa)' -ge 1 ]"
check "B: the client was told (DELETE for its ISAKMP SA)" \
	grep -aqE "received DELETE for (IKE_SA|ISAKMP_SA)" "$CH/charon.log"
check "B: the session ends when its last IPsec SA expires, cause lifetime" \
	wait_for 75 last_cause_is lifetime
echo "# B: history causes: $(history_causes)"
check "B: no session and no IPsec SA left" wait_for 3 nothing_left
charon_stop
echo "# ravpnd log: $STATE/ravpnd.log, charon log: $CH/charon.log"
[ "$N_FAIL" = 0 ]
