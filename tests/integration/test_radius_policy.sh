#!/bin/bash
# Issue 4 (RADIUS authorization) against a real FreeRADIUS
# (tests/integration/radius/users):
#  - gina's Class "OU=GP2;" selects group-policy GP2, whose DNS server
#    10.100.0.54 reaches vpnc (INTERNAL_IP4_DNS), and her Framed-Pool
#    RAD-POOL gives her an address of that pool;
#  - carol's Access-Reject with a Reply-Message: vpnc is prompted again
#    and shows the message;
#  - otto's Access-Challenge: a second XAUTH round shows the prompt, and
#    the code typed into an interactive vpnc goes back with the State;
#  - sam's Session-Timeout 20 ends his session after 20 s with cause
#    session-timeout, and the accounting Stop carries
#    Acct-Terminate-Cause Session-Timeout.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/radius_lib.sh"
trap rad_cleanup EXIT

write_conf() { radius_conf "$1" --rad-pool --gp2 split --acct; }	# write_conf FILE

env_is() { [ "$(env_of "$1")" = "$2" ]; }
in_rad_pool() { case $(env_of INTERNAL_IP4_ADDRESS) in 10.201.0.[1-4]) return 0 ;; esac; return 1; }

radius_lab_up
write_conf "$STATE/policy.conf"
check "ravpnd starts with a second group-policy and pool" ravpnd_start "$STATE/policy.conf" ${RAVPND_ARGS:-}

# --- default policy for a user without Class ---
check "vpnc alice connects" vpnc_up radgroup radgroupsecret alice alicepass force-natt
check "alice gets GP's DNS server 10.100.0.53" env_is INTERNAL_IP4_DNS 10.100.0.53
check "alice's address comes from RA-POOL" bash -c "grep -q '^INTERNAL_IP4_ADDRESS=10.200.0.' '$STATE/vpnc-env.connect'"
vpnc_down

# --- Class OU=GP2 and Framed-Pool ---
check "vpnc gina connects (Class OU=GP2, Framed-Pool RAD-POOL)" \
	vpnc_up radgroup radgroupsecret gina ginapass force-natt
check "gina gets GP2's DNS server 10.100.0.54" env_is INTERNAL_IP4_DNS 10.100.0.54
check "gina's address comes from RAD-POOL ($(env_of INTERNAL_IP4_ADDRESS))" in_rad_pool
vpnc_down

# --- reject with a Reply-Message: the gateway prompts again showing it ---
vpnc_refused() { # vpnc_refused USER PASS: vpnc leaves without a tunnel
	vpnc_up radgroup radgroupsecret "$1" "$2" force-natt && { vpnc_down; return 1; }
	vpnc_exited 15; vpnc_down
	return 0
}
VPNC_EXTRA="--debug 1" check "vpnc carol is refused (Access-Reject)" vpnc_refused carol whatever
check "vpnc shows carol the Reply-Message" grep -q "carol is rejected" "$STATE/vpnc.log"
check "the gateway prompted again with the Reply-Message" \
	log_has 'user carol: XAUTH prompt 1 of 2 again with "carol is rejected"'
cp "$STATE/vpnc.log" "$STATE/vpnc-carol.log"

# --- Access-Challenge: a second XAUTH round for a one-time code ---
# vpnc shows XAUTH_MESSAGE from --debug 1 on (at the default level 0 it
# prints nothing of it); Noninteractive, it then gives up.
VPNC_EXTRA="--debug 1" check "vpnc otto (Noninteractive) cannot answer the challenge" \
	vpnc_refused otto ottopass
check "vpnc shows otto the challenge's prompt" grep -q "Enter your one-time code" "$STATE/vpnc.log"
check "FreeRADIUS sent an Access-Challenge" grep -q "Sent Access-Challenge" "$RSTATE/radius.log"
check "the gateway logged the challenge round" \
	log_has 'user otto: XAUTH challenge: "Enter your one-time code"'
cp "$STATE/vpnc.log" "$STATE/vpnc-otto-noninteractive.log"
# Interactive vpnc on a pty (script) types the code when asked; FreeRADIUS
# accepts it only with the challenge's State.
otto_up() { # the vpnc.conf of the Noninteractive attempt, without that line
	local conf=$STATE/vpnc-otto.conf
	sed '/^Noninteractive$/d' "$STATE/vpnc.conf" >"$conf"
	rm -f "$STATE"/vpnc-env.*
	{ sleep 3; echo 123456; sleep 60; } | VPNC_STATE=$STATE ip netns exec $NS_CL \
		script -qfec "vpnc $conf" /dev/null >"$STATE/vpnc-otto.log" 2>&1 &
	OTTO_PID=$!
	PIDS+=("$OTTO_PID")
	wait_for 15 bash -c "[ -f '$STATE/vpnc-env.connect' ] && ip -n $NS_CL -4 addr show dev tun0 | grep -q inet"
}
OTTO_PID=
check "interactive vpnc otto answers the challenge and connects" otto_up
# request_with A B: an Access-Request FreeRADIUS received has attributes A and B
request_with() {
	/usr/bin/python3 - "$RSTATE/radius.log" "$1" "$2" <<'PY'
import re, sys
blocks, cur = [], None
for line in open(sys.argv[1], errors="replace"):
    if "Received Access-Request" in line:
        cur = []; blocks.append(cur)
    elif cur is not None and re.match(r"^\(\d+\)   \S", line):
        cur.append(line.split(")", 1)[1].strip())
    else:
        cur = None
sys.exit(0 if any(sys.argv[2] in b and sys.argv[3] in b for b in blocks) else 1)
PY
}
check "the code went back with the challenge's State" \
	request_with 'User-Password = "123456"' 'State = 0x6f747031'
check "authd logged the accept" log_has "user otto from 10.99.0.2:[0-9]* group radgroup: accepted"
VPNC_PID=$(cat "$STATE/vpnc.pid" 2>/dev/null) vpnc_down
[ -n "$OTTO_PID" ] && kill "$OTTO_PID" 2>/dev/null
wait_for 5 bash -c "! ip -n $NS_CL link show tun0 >/dev/null 2>&1"

# --- Session-Timeout ---
check "vpnc sam connects (Session-Timeout 20)" vpnc_up radgroup radgroupsecret sam sampass force-natt
SSID=$(acct_sid)
check "sam's Start arrives" wait_for 10 has_record Start "$SSID"
t0=$(date +%s)
check "sam's session ends by itself within 30 s" wait_for 30 cause_is sam session-timeout
t1=$(date +%s)
check "... not before 17 s ($((t1 - t0)) s after the tunnel came up)" test $((t1 - t0)) -ge 17
check "the session-timeout is logged" log_has "session-timeout"
check "sam's Stop has Acct-Terminate-Cause Session-Timeout" \
	wait_for 10 rec_has Stop "$SSID" '"Acct-Terminate-Cause": "Session-Timeout"'
vpnc_down
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS: $RSTATE"
[ "$N_FAIL" = 0 ]
