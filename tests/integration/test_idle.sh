#!/bin/bash
# Issue 4 (group-policy vpn-idle-timeout, RADIUS Idle-Timeout): GP has the
# ravpn test extension `vpn-idle-timeout seconds 8`.
#  - alice (RADIUS, no Idle-Timeout: GP's 8 s) pinging every second keeps
#    her session well past 8 s; `show vpn-sessiondb detail` shows the
#    idle timeout and a small idle time;
#  - once the pings stop, her session ends with cause idle-timeout and the
#    accounting Stop says Idle-Timeout (DPD and other IKE traffic do not
#    count as activity);
#  - gina's Access-Accept Idle-Timeout 600 wins over her policy's
#    default, and detail shows her group-policy GP2 and RADIUS Class.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
RADIUS=$ROOT/tests/integration/radius/radius.sh
. "$ROOT/tests/integration/radius/acct.sh"
RSTATE=$STATE/radius
rad_cleanup() { "$RADIUS" stop "$RSTATE" "$NS_GW"; cleanup; }
trap rad_cleanup EXIT
IDLE=8

write_conf() { # write_conf FILE
	{
		sed -e '/^aaa-server/,/^!/d' -e '/^end$/d' \
		    -e "s/^ vpn-tunnel-protocol ikev1$/&\n vpn-idle-timeout seconds $IDLE/" \
		    "$ROOT/etc/ravpn.conf"
		cat <<CONF
ip local pool RAD-POOL 10.201.0.1-10.201.0.4 mask 255.255.255.0
aaa-server RAD protocol radius
aaa-server RAD (outside) host 127.0.0.1
 key testing123
 authentication-port 1812
 accounting-port 1813
 timeout 2
 retry-interval 1
!
group-policy GP2 internal
group-policy GP2 attributes
 dns-server value 10.100.0.54
!
tunnel-group radgroup type remote-access
tunnel-group radgroup general-attributes
 address-pool RA-POOL
 authentication-server-group RAD
 accounting-server-group RAD
 default-group-policy GP
tunnel-group radgroup ipsec-attributes
 ikev1 pre-shared-key radgroupsecret
end
CONF
	} >"$1"
}

rec_has() { detail "$1" "$2" | grep -q -- "$3"; }	# rec_has STATUS SID PATTERN
acct_sid() { grep -o "Acct-Session-Id = \"[0-9A-F]*\"" "$RSTATE/radius.log" | tail -1 | cut -d'"' -f2; }
detail_field() { # detail_field USER FIELD: from `show vpn-sessiondb detail --json`
	ctl --json show vpn-sessiondb detail filter name "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(rows[0].get(sys.argv[1], "") if rows else "")' "$2"
}
field_is() { [ "$(detail_field "$1" "$2")" = "$3" ]; }
idle_at_most() { local v; v=$(detail_field "$1" idle_time); [ -n "$v" ] && [ "$v" -le "$2" ]; }
user_up() { [ -n "$(detail_field "$1" username)" ]; }
history_cause() { # history_cause USER: end cause of the user's latest ended session
	ctl --json show vpn-sessiondb history filter name "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(sorted(rows, key=lambda r: r["end_time"])[-1]["cause"] if rows else "")'
}
cause_is() { [ "$(history_cause "$1")" = "$2" ]; }

topo_up || { not_ok "topology"; exit 1; }
mkdir -p "$RSTATE"
check "FreeRADIUS starts in $NS_GW" "$RADIUS" start "$RSTATE" "$NS_GW"
write_conf "$STATE/idle.conf"
check "ravpnd -t accepts vpn-idle-timeout seconds $IDLE" bash -c "'$BIN/ravpnd' -t -c '$STATE/idle.conf' 2>/dev/null"
check "ravpnd starts" ravpnd_start "$STATE/idle.conf" ${RAVPND_ARGS:-}

# --- a busy session stays ---
check "vpnc alice connects" vpnc_up radgroup radgroupsecret alice alicepass force-natt
ASID=$(acct_sid)
check "detail --json: idle_timeout $IDLE (group-policy GP)" field_is alice idle_timeout $IDLE
check "detail (text) shows the idle timeout" bash -c "'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' \
	show vpn-sessiondb detail filter name alice | grep -q 'Idle Timeout : $IDLE Seconds'"
check "alice pings every second for $((IDLE * 2)) s without losing the tunnel" \
	ip netns exec $NS_CL ping -c $((IDLE * 2)) -i 1 -W 1 10.100.0.1
check "... her session is still up" user_up alice
check "detail --json: idle time at most 3 s while busy" idle_at_most alice 3

# --- then idle: the session ends ---
t0=$(date +%s)
check "once idle, alice's session ends with cause idle-timeout" wait_for $((IDLE + 10)) cause_is alice idle-timeout
t1=$(date +%s)
echo "# ended $((t1 - t0)) s after the last ping"
check "... not before $((IDLE - 1)) s" test $((t1 - t0)) -ge $((IDLE - 1))
check "the idle timeout is logged" log_has "user alice: idle timeout ($IDLE s without data)"
check "alice's Stop has Acct-Terminate-Cause Idle-Timeout" \
	wait_for 10 rec_has Stop "$ASID" '"Acct-Terminate-Cause": "Idle-Timeout"'
vpnc_down

# --- RADIUS Idle-Timeout wins; detail shows policy and Class ---
check "vpnc gina connects (Class OU=GP2, Idle-Timeout 600)" \
	vpnc_up radgroup radgroupsecret gina ginapass force-natt
check "detail --json: idle_timeout 600 from RADIUS" field_is gina idle_timeout 600
check "detail --json: group_policy GP2" field_is gina group_policy GP2
check "detail --json: radius_class OU=GP2;" field_is gina radius_class "OU=GP2;"
check "detail (text) shows the RADIUS Class" bash -c "'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' \
	show vpn-sessiondb detail filter name gina | grep -q 'RADIUS Class : OU=GP2;'"
check "gina is still up after $((IDLE + 4)) s idle" bash -c "sleep $((IDLE + 4))"
check "... her session is still up" user_up gina
vpnc_down
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS: $RSTATE"
[ "$N_FAIL" = 0 ]
