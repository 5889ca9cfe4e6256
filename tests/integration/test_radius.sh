#!/bin/bash
# Issue 4 (RADIUS authentication): vpnc logs in through ravpnd whose
# tunnel-group radgroup authenticates against a real FreeRADIUS started
# here (tests/integration/radius/: users and clients; the client entry
# requires Message-Authenticator).  Accept, Framed-IP-Address, reject with
# its reason logged, and failover past a RADIUS host that never answers,
# which `ravpnctl show aaa-server` then shows as dead.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/radius_lib.sh"
trap rad_cleanup EXIT

# The lab config with the aaa-server block replaced by $1 (host lines) and
# the RADIUS tunnel-group added.
write_conf() { # write_conf FILE HOSTS_BLOCK
	radius_conf "$1" --group " max-failed-attempts 1" --group " dead-time 10" \
		--hosts "$2" --gp2 split
}

HOST_OK="aaa-server RAD (outside) host 127.0.0.1
 key testing123
 authentication-port 1812
 accounting-port 1813
 timeout 5"
# 10.99.0.250 is on the outside link but nobody has it: no answer, ever.
# (127.0.0.2 would not do: the request leaves from 127.0.0.1, a known
# client, and FreeRADIUS listens on every address.)
HOST_DEAD="aaa-server RAD (outside) host 10.99.0.250
 key testing123
 authentication-port 1812
 timeout 2
 retry-interval 1"

aaa_json() { ctl --json show aaa-server 2>/dev/null; }
host_is() { # host_is ADDRESS STATUS MIN_ACCEPTS MIN_TIMEOUTS
	aaa_json | /usr/bin/python3 -c '
import json, sys
addr, status, acc, tmo = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = [r for r in json.load(sys.stdin) if r["address"] == addr and r["group"] == "RAD"]
sys.exit(0 if rows and rows[0]["status"] == status and rows[0]["accepts"] >= acc
         and rows[0]["timeouts"] >= tmo else 1)' "$@"
}
radius_saw() { grep -q -- "$1" "$RSTATE/radius.log"; }

radius_lab_up
write_conf "$STATE/radius.conf" "$HOST_OK"
check "ravpnd starts with a RADIUS tunnel-group" ravpnd_start "$STATE/radius.conf" ${RAVPND_ARGS:-}
check "ravpn-authd is running (not killed by its sandbox)" child_pid ravpn-authd

# --- accept ---
check "vpnc radgroup alice/alicepass connects (Access-Accept)" \
	vpnc_up radgroup radgroupsecret alice alicepass force-natt
check "ping through the tunnel" ping_lan 3
check "authd logged the accept" log_has "user alice from 10.99.0.2:[0-9]* group radgroup: accepted"
check "Access-Request carries a valid Message-Authenticator (required by the client entry)" \
	radius_saw "Message-Authenticator = 0x"
check "Access-Request attributes: NAS-Port-Type Virtual, Service-Type Framed" \
	bash -c "grep -q 'NAS-Port-Type = Virtual' '$RSTATE/radius.log' && grep -q 'Service-Type = Framed-User' '$RSTATE/radius.log'"
check "Access-Request attributes: Calling-Station-Id, Called-Station-Id, NAS-IP, NAS-Identifier" \
	bash -c "grep -q 'Calling-Station-Id = \"10.99.0.2\"' '$RSTATE/radius.log' &&
		 grep -q 'Called-Station-Id = \"10.99.0.1\"' '$RSTATE/radius.log' &&
		 grep -q 'NAS-IP-Address = 10.99.0.1' '$RSTATE/radius.log' &&
		 grep -q 'NAS-Identifier = \"ravpn-lab\"' '$RSTATE/radius.log'"
check "Access-Request carries an Acct-Session-Id" radius_saw "Acct-Session-Id = \""
vpnc_down

# --- Framed-IP-Address ---
check "vpnc radgroup bob/bobpass connects" vpnc_up radgroup radgroupsecret bob bobpass force-natt
check "bob gets his Framed-IP-Address 10.200.0.77" \
	bash -c "[ \"\$(grep '^INTERNAL_IP4_ADDRESS=' '$STATE/vpnc-env.connect' | cut -d= -f2)\" = 10.200.0.77 ]"
vpnc_down

# --- reject ---
check "vpnc radgroup carol is refused (Access-Reject)" vpnc_fails carol whatever
check "ravpnd logs the reject with its Reply-Message" wait_for 5 log_has "user carol from 10.99.0.2:[0-9]* group radgroup: rejected (carol is rejected)"
check "show aaa-server: 127.0.0.1 active, accepts and a reject counted" \
	wait_for 5 host_is 127.0.0.1 active 2 0

# --- failover: the first host never answers ---
ravpnd_stop
write_conf "$STATE/radius-failover.conf" "$HOST_DEAD
$HOST_OK"
check "ravpnd restarts with an unreachable first RADIUS host" ravpnd_start "$STATE/radius-failover.conf" ${RAVPND_ARGS:-}
t0=$(date +%s.%N)
check "vpnc alice connects through the second host" vpnc_up radgroup radgroupsecret alice alicepass force-natt
t1=$(date +%s.%N)
check "login within the first host's timeout plus 3 s ($(echo "$t1 - $t0" | bc) s)" \
	bash -c "[ \$(echo '$t1 - $t0 < 5.0' | bc) = 1 ]"
check "the first host is marked dead (logged)" log_has "RADIUS server 10.99.0.250 of aaa-server RAD marked dead"
check "show aaa-server --json: 10.99.0.250 dead with its timeout counted" \
	wait_for 5 host_is 10.99.0.250 dead 0 1
check "show aaa-server --json: 127.0.0.1 active with the accept counted" \
	host_is 127.0.0.1 active 1 0
text_shows_dead() { ctl show aaa-server | grep -q 'FAILED, dead until'; }
check "show aaa-server (text) names the dead host" text_shows_dead
vpnc_down
t0=$(date +%s.%N)
check "the next login skips the dead host" vpnc_up radgroup radgroupsecret alice alicepass force-natt
t1=$(date +%s.%N)
check "... without waiting for it ($(echo "$t1 - $t0" | bc) s < 1.5 s)" \
	bash -c "[ \$(echo '$t1 - $t0 < 1.5' | bc) = 1 ]"
vpnc_down
check "ravpn-authd was never killed by seccomp" bash -c "! grep -q 'ravpn-authd.*killed by signal' '$STATE/ravpnd.log'"
echo "# ravpnd log: $STATE/ravpnd.log; FreeRADIUS log: $RSTATE/radius.log"
[ "$N_FAIL" = 0 ]
