#!/bin/bash
# Issue 4 (RFC 5176 CoA-Request): radclient, from the client's address (a
# listed dynamic-authorization client), changes a live vpnc session's
# Session-Timeout.
#  - a CoA with a wrong secret gets no answer and changes nothing;
#  - a CoA carrying an attribute ravpn cannot apply (Filter-Id) gets a
#    CoA-NAK with Error-Cause Unsupported-Attribute; one for an unknown
#    user a CoA-NAK with Session-Context-Not-Found;
#  - CoA Session-Timeout 5 by User-Name is ACKed, `show vpn-sessiondb
#    detail` shows the time left, the session ends about 5 s later with
#    cause session-timeout and its accounting Stop says Session-Timeout;
#  - CoA by Acct-Session-Id works the same way (ACK, detail shows it).
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/radius_lib.sh"
trap rad_cleanup EXIT

write_conf() { radius_conf "$1" --dae --acct; }	# write_conf FILE

coa() { # coa SECRET ATTRS -> radclient output
	echo "$2" | ip netns exec $NS_CL radclient -x -t 1 -r 1 10.99.0.1:3799 coa "$1" 2>&1
}
no_answer() { ! coa "$1" "$2" | grep -q "Received CoA"; }
left_between() { # left_between USER LO HI: session_timeout_left in [LO, HI]
	local v; v=$(detail_field "$1" session_timeout_left)
	[ -n "$v" ] && [ "$v" -ge "$2" ] && [ "$v" -le "$3" ]
}

radius_lab_up
write_conf "$STATE/coa.conf"
check "ravpnd starts with dynamic-authorization" ravpnd_start "$STATE/coa.conf" ${RAVPND_ARGS:-}
check "vpnc alice connects" vpnc_up radgroup radgroupsecret alice alicepass force-natt
ASID=$(acct_sid)
check "alice's Start arrives" wait_for 10 has_record Start "$ASID"
check "detail --json: no session timeout yet" field_is alice session_timeout_left -1

# --- refusals ---
check "CoA with a wrong secret gets no answer" no_answer wrongsecret 'User-Name = "alice", Session-Timeout = 5'
check "... is logged" wait_for 3 log_has "CoA-Request from 10.99.0.2.*bad authenticator"
check "... and changes nothing" field_is alice session_timeout_left -1
OUT=$(coa daesecret 'User-Name = "alice", Session-Timeout = 5, Filter-Id = "acl1"')
check "CoA with Filter-Id gets a CoA-NAK" grep -q "Received CoA-NAK" <<<"$OUT"
check "... with Error-Cause Unsupported-Attribute" grep -q "Error-Cause = Unsupported-Attribute" <<<"$OUT"
check "... and changes nothing" field_is alice session_timeout_left -1
OUT=$(coa daesecret 'User-Name = "nobody", Session-Timeout = 5')
check "CoA for an unknown user gets a CoA-NAK" grep -q "Received CoA-NAK" <<<"$OUT"
check "... with Error-Cause Session-Context-Not-Found" grep -q "Error-Cause = Session-Context-Not-Found" <<<"$OUT"
OUT=$(coa daesecret 'User-Name = "alice"')
check "CoA that changes nothing gets a CoA-NAK Missing-Attribute" grep -q "Error-Cause = Missing-Attribute" <<<"$OUT"

# --- by Acct-Session-Id: a long timeout, seen in detail ---
OUT=$(coa daesecret "Acct-Session-Id = \"$ASID\", Session-Timeout = 3600")
check "CoA Session-Timeout 3600 by Acct-Session-Id is ACKed" grep -q "Received CoA-ACK" <<<"$OUT"
check "detail --json: session_timeout 3600" wait_for 3 field_is alice session_timeout 3600
check "detail --json: time left about 3600 s" left_between alice 3590 3600
check "detail (text) shows the time left" \
	bash -c "'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' show vpn-sessiondb detail filter name alice | grep -Eq 'Sess Timeout : 60 Minutes +Time Left    : (0h:59m|1h:00m)'"

# --- by User-Name: 5 s, the session ends ---
t0=$(date +%s.%N)
OUT=$(coa daesecret 'User-Name = "alice", Session-Timeout = 5')
check "CoA Session-Timeout 5 by User-Name is ACKed" grep -q "Received CoA-ACK" <<<"$OUT"
check "authd logged the change" wait_for 2 log_has "CoA-Request from 10.99.0.2 (user alice.*1 session(s) changed, ACK"
check "detail --json: time left at most 5 s" wait_for 3 left_between alice 0 5
check "alice's session ends within 7 s" wait_for 7 cause_is alice session-timeout
t1=$(date +%s.%N)
echo "# ended $(echo "$t1 - $t0" | bc) s after the CoA"
check "... not before 4 s" bash -c "[ \$(echo '$t1 - $t0 >= 4.0' | bc) = 1 ]"
check "alice's Stop has Acct-Terminate-Cause Session-Timeout" \
	wait_for 10 rec_has Stop "$ASID" '"Acct-Terminate-Cause": "Session-Timeout"'
vpnc_down

# --- a spray of forged CoA-Requests: dropped, log lines rate-limited ---
n_bad() { grep -c "CoA-Request from 10.99.0.2: bad authenticator" "$STATE/ravpnd.log"; }
B0=$(n_bad)
SPRAY=()
for _ in $(seq 20); do
	echo 'User-Name = "alice", Session-Timeout = 5' |
		ip netns exec $NS_CL radclient -t 0.2 -r 1 10.99.0.1:3799 coa wrongsecret >/dev/null 2>&1 &
	SPRAY+=($!)
done
wait "${SPRAY[@]}"
sleep 0.5
check "20 CoA-Requests with a wrong secret: at most one log line ($(( $(n_bad) - B0 )))" \
	test $(( $(n_bad) - B0 )) -le 1
held_at_least() { # held_at_least N: the last line's count of drops held back
	local n; n=$(sed -n 's/.*dropped (\([0-9]*\) more from 10\.99\.0\.2 dropped unlogged.*/\1/p' \
		"$STATE/ravpnd.log" | tail -1)
	[ -n "$n" ] && [ "$n" -ge "$1" ]
}
sleep 10
no_answer wrongsecret 'User-Name = "alice", Session-Timeout = 5'
check "... the next one 10 s later is logged with the count held back (>= 19)" \
	wait_for 3 held_at_least 19

# --- RFC 5176 3.2: Service-Type Authorize-Only (unsupported) gets a CoA-NAK
# with Error-Cause 405 Unsupported-Service, echoing State (3.3) and
# Proxy-State (3.1); never a CoA-ACK ---
OUT=$(coa daesecret 'User-Name = "alice", Service-Type = Authorize-Only, State = 0x617574682d6f6e6c79, Proxy-State = 0x7078')
echo "$OUT" | sed 's/^/# /'
check "CoA Service-Type Authorize-Only gets a CoA-NAK" grep -q "Received CoA-NAK" <<<"$OUT"
check "... with Error-Cause Unsupported-Service (405)" grep -q "Error-Cause = Unsupported-Service" <<<"$OUT"
check "... echoing the request's State" grep -q "State = 0x617574682d6f6e6c79" <<<"$OUT"
check "... and its Proxy-State" grep -q "Proxy-State = 0x7078" <<<"$OUT"
check "... logged with the reason" wait_for 2 log_has \
	"CoA-Request from 10.99.0.2 (user alice): Service-Type 17 (Authorize-Only) not supported, NAK (405)"
check "ravpn-authd was never killed by seccomp" bash -c "! grep -q 'ravpn-authd.*killed by signal' '$STATE/ravpnd.log'"
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS: $RSTATE"
[ "$N_FAIL" = 0 ]
