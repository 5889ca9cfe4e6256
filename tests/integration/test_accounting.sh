#!/bin/bash
# Issue 4 (durable RADIUS accounting, RFC 5176 dynamic authorization):
# ravpnd with a tunnel-group whose accounting-server-group is a real
# FreeRADIUS (tests/integration/radius/), Interim-Updates every 5 s.
#  - Start / Interim-Update / Stop reach FreeRADIUS's detail file with the
#    Acct-Session-Id of the Access-Request and byte counters within 1% of
#    what ravpnctl shows;
#  - a Disconnect-Request by User-Name (radclient from the client's
#    address, a listed DAE client) ends the session within 1 s, is ACKed
#    and its Stop carries Admin-Reset; a wrong secret changes nothing; an
#    unknown user gets a NAK with Error-Cause 503;
#  - kill -9 of authd with FreeRADIUS stopped, a session ends meanwhile,
#    FreeRADIUS restarted: its Stop arrives exactly once.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/radius_lib.sh"
trap rad_cleanup EXIT

write_conf() { # write_conf FILE
	radius_conf "$1" --group " interim-accounting-update seconds 5" \
		--group " dynamic-authorization" --dae --acct
}

count_records() { detail "$@" | wc -l; }
octets() { # octets JSON-LINE Input|Output
	/usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); d=sys.argv[2]
print(int(r.get("Acct-%s-Octets" % d, 0)) + (int(r.get("Acct-%s-Gigawords" % d, 0)) << 32))' "$1" "$2"
}
within_1pct() { /usr/bin/python3 -c 'import sys; a,b=int(sys.argv[1]),int(sys.argv[2]); sys.exit(0 if b > 0 and abs(a-b) <= b*0.01 else 1)' "$1" "$2"; }
session_json() { ctl --json show vpn-sessiondb "$@" 2>/dev/null; }
history_of() { # history_of USER FIELD: of the user's latest ended session
	ctl --json show vpn-sessiondb history filter name "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)
rows = rows.get("sessions", rows) if isinstance(rows, dict) else rows
print(sorted(rows, key=lambda r: r["end_time"])[-1][sys.argv[1]])' "$2"
}
user_up() { session_json | grep -q "\"username\": *\"$1\""; }
user_gone() { ! user_up "$1"; }
authd_restarted() { local p; p=$(child_pid ravpn-authd) && [ "$p" != "$1" ]; }
no_answer() { ! dae "$1" "$2" | grep -q "Received Disconnect"; }

radius_lab_up
write_conf "$STATE/acct.conf"
check "ravpnd starts with accounting and dynamic-authorization" ravpnd_start "$STATE/acct.conf" ${RAVPND_ARGS:-}
check "Accounting-On arrives" wait_for 10 has_record Accounting-On

# --- Start / Interim-Update / Stop ---
check "vpnc alice connects" vpnc_up radgroup radgroupsecret alice alicepass force-natt
ASID=$(acct_sid)
check "Access-Request carried an Acct-Session-Id ($ASID)" test -n "$ASID"
check "Start arrives with that Acct-Session-Id" wait_for 10 has_record Start "$ASID"
check "Start carries Framed-IP-Address" rec_has Start "$ASID" Framed-IP-Address
check "Start carries Calling-Station-Id 10.99.0.2" rec_has Start "$ASID" '"Calling-Station-Id": "10.99.0.2"'
check "Start echoes NAS-IP-Address" rec_has Start "$ASID" '"NAS-IP-Address": "10.99.0.1"'
ip netns exec $NS_CL ping -c 40 -i 0.05 -s 1000 -W 1 10.100.0.1 >/dev/null 2>&1
check "an Interim-Update arrives within 8 s" wait_for 8 has_record Interim-Update "$ASID"
vpnc_down
check "Stop arrives" wait_for 10 has_record Stop "$ASID"
STOP=$(detail Stop "$ASID" | tail -1)
IN=$(octets "$STOP" Input); OUT=$(octets "$STOP" Output)
RX=$(history_of alice bytes_rx); TX=$(history_of alice bytes_tx)
check "Stop Acct-Input-Octets $IN within 1% of ravpnctl bytes_rx $RX" within_1pct "$IN" "$RX"
check "Stop Acct-Output-Octets $OUT within 1% of ravpnctl bytes_tx $TX" within_1pct "$OUT" "$TX"
check "Stop has Acct-Terminate-Cause User-Request" rec_has Stop "$ASID" '"Acct-Terminate-Cause": "User-Request"'
check "Stop has Acct-Session-Time" rec_has Stop "$ASID" Acct-Session-Time
check "exactly one Stop for the session" test "$(count_records Stop "$ASID")" = 1

if [ "${ACCT_ONLY:-}" != 1 ]; then
# --- RFC 5176 Disconnect-Request ---
dae() { # dae SECRET ATTRS -> radclient output
	echo "$2" | ip netns exec $NS_CL radclient -x -t 1 -r 1 10.99.0.1:3799 disconnect "$1" 2>&1
}
check "vpnc bob connects" vpnc_up radgroup radgroupsecret bob bobpass force-natt
check "Disconnect-Request with a wrong secret gets no answer" no_answer wrongsecret 'User-Name = "bob"'
check "... is logged" wait_for 3 log_has "Disconnect-Request from 10.99.0.2.*bad authenticator"
check "... and bob is still connected" user_up bob
t0=$(date +%s.%N)
OUT=$(dae daesecret 'User-Name = "bob"')
check "Disconnect-Request by User-Name is ACKed" grep -q "Received Disconnect-ACK" <<<"$OUT"
check "bob's session is gone within 1 s" wait_for 1 user_gone bob
t1=$(date +%s.%N)
echo "# disconnect took $(echo "$t1 - $t0" | bc) s"
BSID=$(acct_sid)
check "bob's Stop carries Admin-Reset" wait_for 10 rec_has Stop "$BSID" '"Acct-Terminate-Cause": "Admin-Reset"'
vpnc_down
OUT=$(dae daesecret 'User-Name = "nobody"')
check "Disconnect-Request for an unknown user gets a NAK" grep -q 'Received Disconnect-NAK' <<<"$OUT"
check "... with Error-Cause 503 (Session-Context-Not-Found)" grep -q 'Error-Cause = Session-Context-Not-Found' <<<"$OUT"
fi

# --- durability: authd killed while FreeRADIUS is down ---
check "vpnc alice connects again" vpnc_up radgroup radgroupsecret alice alicepass force-natt
ASID2=$(acct_sid)
check "its Start arrives" wait_for 10 has_record Start "$ASID2"
"$RADIUS" stop "$RSTATE" "$NS_GW"
AUTHD=$(child_pid ravpn-authd)
kill -9 "$AUTHD"
vpnc_down
check "the session ended in ravpnctl" wait_for 5 user_gone alice
check "master restarted authd" wait_for 10 authd_restarted "$AUTHD"
sleep 3
check "FreeRADIUS restarts" "$RADIUS" start "$RSTATE" "$NS_GW"
check "the Stop arrives after the restart" wait_for 45 has_record Stop "$ASID2"
sleep 3
check "... exactly once" test "$(count_records Stop "$ASID2")" = 1
check "... with Acct-Delay-Time > 0" rec_has Stop "$ASID2" '"Acct-Delay-Time": "[1-9]'
check "ravpn-authd was never killed by seccomp" test -z "$(grep 'ravpn-authd.*killed by signal 31' "$STATE/ravpnd.log")"
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS: $RSTATE"
[ "$N_FAIL" = 0 ]
