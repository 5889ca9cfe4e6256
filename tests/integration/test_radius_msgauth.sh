#!/bin/bash
# Issue 4, RADIUS hardening (BlastRADIUS, CVE-2024-3596): Message-
# Authenticator on every RADIUS exchange, against a real FreeRADIUS 3.2.1.
#  - FreeRADIUS 3.2.1 does not put a Message-Authenticator in Access-Accept
#    or -Reject by default (checked with radclient); here it is configured
#    to (`update reply { Message-Authenticator := 0x00 }` in post-auth and
#    Post-Auth-Type REJECT of a private copy of its config), and authd's
#    host has `message-authenticator require`: an accept and a reject
#    (with its Reply-Message) still work and nothing is dropped;
#  - radclient's Disconnect-Request with a Message-Authenticator gets a
#    Disconnect-ACK that carries a valid one (radclient verifies it);
#  - a Disconnect-Request whose Message-Authenticator is corrupted (the
#    Request Authenticator made over it, so only the Message-Authenticator
#    is wrong; made by radius/dae_msgauth.py) gets no answer, is logged and
#    ends nothing; the same request signed correctly for an unknown user
#    gets a NAK whose Response Authenticator and Message-Authenticator
#    verify in Python;
#  - FreeRADIUS with its default config (answers without a Message-
#    Authenticator): under `require` the login fails, each answer is
#    logged as dropped and `show aaa-server` counts a bad response; without
#    `require` the login works.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/radius_lib.sh"
DAE_PY=$ROOT/tests/integration/radius/dae_msgauth.py
trap rad_cleanup EXIT

# A copy of FreeRADIUS's config whose Access-Accept and -Reject carry a
# Message-Authenticator (FreeRADIUS signs the placeholder when it sends).
ma_raddb() { # ma_raddb DIR
	rm -rf "$1"
	cp -a /etc/freeradius/3.0 "$1" || return 1
	/usr/bin/python3 - "$1/sites-available/default" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
upd = "\tupdate reply {\n\t\tMessage-Authenticator := 0x00\n\t}\n"
s = s.replace("post-auth {\n", "post-auth {\n" + upd, 1)
i = s.index("\tPost-Auth-Type REJECT {")
j = s.index("\n\t}\n", i)
s = s[:j] + "\n\t" + upd.replace("\n\t", "\n\t\t") + s[j:]
open(p, "w").write(s)
PY
}

write_conf() { # write_conf FILE [HOST_OPTION]
	radius_conf "$1" ${2:+--host-opt "$2"} --dae
}

radtest_ma() { # radtest_ma USER PASS: radclient's view of the answer
	echo "User-Name = \"$1\", User-Password = \"$2\", Message-Authenticator = 0x00" |
		ip netns exec $NS_GW radclient -x -t 1 -r 1 127.0.0.1:1812 auth testing123 2>&1
}
received_ma() { sed -n '/^Received/,$p' | grep -q "Message-Authenticator = 0x"; }
answer_has_ma() { radtest_ma "$1" "$2" | received_ma; }
answer_lacks_ma() { ! answer_has_ma "$@"; }
out_has_ma() { received_ma <<<"$OUT"; }
disconnect() { # disconnect SECRET ATTRS -> radclient output
	echo "$2" | ip netns exec $NS_CL radclient -x -t 1 -r 1 10.99.0.1:3799 disconnect "$1" 2>&1
}
bad_responses() { # bad_responses ADDRESS: show aaa-server's count
	ctl --json show aaa-server 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["address"] == sys.argv[1]]
print(rows[0]["bad_responses"] if rows else -1)' "$1"
}
bad_at_least() { [ "$(bad_responses "$1")" -ge "$2" ]; }
no_drops() { ! grep -q "dropped: " "$STATE/ravpnd.log"; }

# --- FreeRADIUS as installed: no Message-Authenticator in its answers ---
radius_lab_up "FreeRADIUS (default config)"
check "FreeRADIUS 3.2.1 by default: Access-Accept without Message-Authenticator" \
	answer_lacks_ma alice alicepass
"$RADIUS" stop "$RSTATE" "$NS_GW"

# --- FreeRADIUS configured to sign its answers, authd requires it ---
check "a FreeRADIUS config that signs Access-Accept/-Reject" ma_raddb "$STATE/raddb-ma"
check "FreeRADIUS (signing) starts" env RADDB_SRC="$STATE/raddb-ma" "$RADIUS" start "$RSTATE" "$NS_GW"
check "radclient sees a Message-Authenticator in Access-Accept" answer_has_ma alice alicepass
check "... and in Access-Reject" answer_has_ma carol whatever
write_conf "$STATE/ma.conf" " message-authenticator require"
check "ravpnd starts with message-authenticator require" ravpnd_start "$STATE/ma.conf" ${RAVPND_ARGS:-}
check "vpnc alice connects (signed Access-Accept, required)" \
	vpnc_up radgroup radgroupsecret alice alicepass force-natt
check "authd logged the accept" log_has "user alice from 10.99.0.2:[0-9]* group radgroup: accepted"
check "ping through the tunnel" ping_lan 2

# --- RFC 5176 with Message-Authenticator ---
OUT=$(ip netns exec $NS_CL "$DAE_PY" 10.99.0.1 daesecret alice corrupt)
check "Disconnect-Request with a corrupted Message-Authenticator gets no answer" \
	grep -q "no answer" <<<"$OUT"
check "... is logged" wait_for 3 log_has "Disconnect-Request from 10.99.0.2: bad Message-Authenticator, dropped"
check "... and alice's session stays" user_up alice
OUT=$(ip netns exec $NS_CL "$DAE_PY" 10.99.0.1 daesecret nobody)
check "a signed Disconnect-Request for an unknown user gets a Disconnect-NAK" \
	grep -q "Disconnect-NAK" <<<"$OUT"
check "... whose Response Authenticator and Message-Authenticator verify (Python)" \
	grep -q "answer verifies" <<<"$OUT"
OUT=$(disconnect daesecret 'User-Name = "alice", Message-Authenticator = 0x00')
echo "$OUT" | sed 's/^/# /'
check "radclient Disconnect-Request with Message-Authenticator gets a Disconnect-ACK" \
	grep -q "Received Disconnect-ACK" <<<"$OUT"
check "... carrying a Message-Authenticator (radclient verified it)" \
	out_has_ma
check "alice's session ends" vpnc_exited 3
vpnc_down

check "vpnc carol is refused (signed Access-Reject, required)" vpnc_fails carol whatever
check "ravpnd logs the reject with its Reply-Message" \
	wait_for 5 log_has "user carol from 10.99.0.2:[0-9]* group radgroup: rejected (carol is rejected)"
check "no RADIUS answer was dropped so far" no_drops

# --- FreeRADIUS that does not sign: require refuses its answers ---
"$RADIUS" stop "$RSTATE" "$NS_GW"
check "FreeRADIUS (default config) restarts" "$RADIUS" start "$RSTATE" "$NS_GW"
check "vpnc alice fails: unsigned Access-Accept dropped under require" vpnc_fails alice alicepass
check "... each answer is logged as dropped" \
	log_has "RADIUS server 127.0.0.1: Access-Accept (id [0-9]*) dropped: no Message-Authenticator (message-authenticator require)"
check "... and the exchange ended as bad answers" \
	log_has "user alice: RADIUS server 127.0.0.1 (aaa-server RAD) gave only bad or refused answers"
check "show aaa-server counts a bad response" wait_for 5 bad_at_least 127.0.0.1 1
ravpnd_stop
write_conf "$STATE/noreq.conf" ""
check "ravpnd restarts without require" ravpnd_start "$STATE/noreq.conf" ${RAVPND_ARGS:-}
check "vpnc alice connects (unsigned Access-Accept accepted)" \
	vpnc_up radgroup radgroupsecret alice alicepass force-natt
vpnc_down
check "ravpn-authd was never killed by seccomp" bash -c "! grep -q 'ravpn-authd.*killed by signal' '$STATE/ravpnd.log'"
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS: $RSTATE"
[ "$N_FAIL" = 0 ]
