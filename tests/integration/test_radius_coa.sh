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
RADIUS=$ROOT/tests/integration/radius/radius.sh
. "$ROOT/tests/integration/radius/acct.sh"
RSTATE=$STATE/radius
rad_cleanup() { "$RADIUS" stop "$RSTATE" "$NS_GW"; cleanup; }
trap rad_cleanup EXIT

write_conf() { # write_conf FILE
	{
		sed -e '/^aaa-server/,/^!/d' -e '/^end$/d' "$ROOT/etc/ravpn.conf"
		cat <<CONF
aaa-server RAD protocol radius
aaa-server RAD (outside) host 127.0.0.1
 key testing123
 authentication-port 1812
 accounting-port 1813
 timeout 2
 retry-interval 1
!
aaa-server DAE protocol radius
 dynamic-authorization
aaa-server DAE (outside) host 10.99.0.2
 key daesecret
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

coa() { # coa SECRET ATTRS -> radclient output
	echo "$2" | ip netns exec $NS_CL radclient -x -t 1 -r 1 10.99.0.1:3799 coa "$1" 2>&1
}
no_answer() { ! coa "$1" "$2" | grep -q "Received CoA"; }
rec_has() { detail "$1" "$2" | grep -q -- "$3"; }	# rec_has STATUS SID PATTERN
acct_sid() { grep -o "Acct-Session-Id = \"[0-9A-F]*\"" "$RSTATE/radius.log" | tail -1 | cut -d'"' -f2; }
# detail_field USER FIELD: from `show vpn-sessiondb detail --json`
detail_field() {
	ctl --json show vpn-sessiondb detail filter name "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(rows[0].get(sys.argv[1], "") if rows else "")' "$2"
}
field_is() { [ "$(detail_field "$1" "$2")" = "$3" ]; }
left_between() { # left_between USER LO HI: session_timeout_left in [LO, HI]
	local v; v=$(detail_field "$1" session_timeout_left)
	[ -n "$v" ] && [ "$v" -ge "$2" ] && [ "$v" -le "$3" ]
}
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
check "ravpn-authd was never killed by seccomp" bash -c "! grep -q 'ravpn-authd.*killed by signal' '$STATE/ravpnd.log'"
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS: $RSTATE"
[ "$N_FAIL" = 0 ]
