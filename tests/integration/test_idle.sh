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
#    default, and detail shows her group-policy GP2 and RADIUS Class;
#  - a reload changing GP's vpn-idle-timeout reaches a live session that
#    has it (no new login), and leaves a RADIUS Idle-Timeout alone.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/radius_lib.sh"
trap rad_cleanup EXIT
IDLE=8

write_conf() { # write_conf FILE
	radius_conf "$1" --sed "s/^ vpn-tunnel-protocol ikev1 ikev2$/&\n vpn-idle-timeout seconds $IDLE/" \
		--rad-pool --gp2 dns --acct
}

idle_at_most() { local v; v=$(detail_field "$1" idle_time); [ -n "$v" ] && [ "$v" -le "$2" ]; }

radius_lab_up
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

# --- a reload: GP's new vpn-idle-timeout reaches a live session that has
# the group-policy's; a RADIUS Idle-Timeout stays ---
n_applied() { grep -c 'vpn-idle-timeout applied to' "$STATE/ravpnd.log"; }
APPLIED=$(n_applied)
sed -i -e "s/^ vpn-idle-timeout seconds $IDLE\$/ vpn-idle-timeout seconds 40/" \
	-e "s/^group-policy GP2 attributes\$/&\n vpn-idle-timeout seconds 40/" "$STATE/idle.conf"
check "ravpnctl reload (GP, GP2: vpn-idle-timeout seconds 40)" ctl reload
sleep 2	# the IKE worker applies it, db stores it
check "... gina keeps RADIUS's idle_timeout 600" field_is gina idle_timeout 600
check "... and no live session's idle-timeout changed" test "$(n_applied)" = "$APPLIED"
vpnc_down
check "vpnc alice connects (GP's 40 s now)" vpnc_up radgroup radgroupsecret alice alicepass force-natt
check "detail --json: idle_timeout 40" field_is alice idle_timeout 40
sed -i "s/^ vpn-idle-timeout seconds 40\$/ vpn-idle-timeout seconds 25/" "$STATE/idle.conf"
check "ravpnctl reload (GP: vpn-idle-timeout seconds 25)" ctl reload
check "... alice's live session takes 25" wait_for 5 field_is alice idle_timeout 25
check "... logged" log_has "reload: vpn-idle-timeout applied to 1 live session"
check "... once" test "$(n_applied)" = $((APPLIED + 1))
vpnc_down
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS: $RSTATE"
[ "$N_FAIL" = 0 ]
