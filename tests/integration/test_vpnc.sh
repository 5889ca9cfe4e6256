#!/bin/bash
# Issue 2 acceptance: a stock vpnc connects through every ravpn process
# (and issue 5's: 100 MB through its AES-CBC/HMAC-SHA1 SA, checksummed).
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/traffic_lib.sh"
trap cleanup EXIT
CONF=$ROOT/etc/ravpn.conf

session_json() { ctl --json show vpn-sessiondb 2>/dev/null; }
json_has_alice() { # the session of alice with address $1 and non-zero byte counters
	session_json | /usr/bin/python3 -c '
import json, sys
want = sys.argv[1]
rows = [r for r in json.load(sys.stdin) if r["username"] == "alice"]
sys.exit(0 if rows and rows[0]["assigned_ip"] == want and rows[0]["bytes_tx"] > 0
         and rows[0]["bytes_rx"] > 0 and rows[0]["public_ip"] and rows[0]["login_time"] > 0 else 1)' "$1"
}
history_cause() { # history_cause USER CAUSE
	ctl --json show vpn-sessiondb history 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["username"] == sys.argv[1]]
sys.exit(0 if rows and rows[-1]["cause"] == sys.argv[2] else 1)' "$1" "$2"
}
no_session_or_lease() {
	[ "$(ctl --json show vpn-sessiondb | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] &&
	[ "$(sqlite3 "file:$STATE/db/ravpn.db?mode=ro" 'select count(*) from leases' 2>/dev/null)" = 0 ]
}
tcp_10mb() {
	ip netns exec $NS_LAN iperf3 -s -1 -B 10.100.0.1 >/dev/null 2>&1 &
	local srv=$!
	PIDS+=("$srv")
	sleep 0.3
	ip netns exec $NS_CL timeout 30 iperf3 -c 10.100.0.1 -n 10M -J >"$STATE/iperf.json" 2>&1
	local rc=$?
	wait "$srv" 2>/dev/null
	[ $rc = 0 ] && grep -q '"bytes":\s*1048' "$STATE/iperf.json"
}
sandboxed() { # sandboxed PID: unprivileged, no caps, NNP, seccomp filter, chrooted
	local s=/proc/$1/status
	[ -r "$s" ] || return 1
	[ "$(awk '/^Uid:/{print $2}' "$s")" != 0 ] && grep -q '^CapEff:\s*0000000000000000' "$s" &&
	grep -q '^NoNewPrivs:\s*1' "$s" && grep -q '^Seccomp:\s*2' "$s" &&
	[ "$(readlink /proc/$1/root)" != / ]
}
no_psk_in_memory() { /usr/bin/python3 "$ROOT/tests/integration/memscan.py" "$1" groupsecret; }

topo_up || { not_ok "topology"; exit 1; }
check "ravpnd starts with etc/ravpn.conf" ravpnd_start "$CONF" ${RAVPND_ARGS:-}

# --- force-natt: ESP in UDP 4500 ---
check "vpnc (force-natt) connects" vpnc_up vpngroup groupsecret alice alicepass force-natt
ADDR=$(env_of INTERNAL_IP4_ADDRESS)
check "address from RA-POOL ($ADDR)" bash -c "[[ '$ADDR' == 10.200.0.* ]]"
check "DNS server pushed" bash -c "[ '$(env_of INTERNAL_IP4_DNS)' = 10.100.0.53 ]"
check "split route pushed" bash -c "[ '$(env_of CISCO_SPLIT_INC_0_ADDR)' = 10.100.0.0 ] && [ '$(env_of CISCO_SPLIT_INC_0_MASKLEN)' = 24 ]"
check "ping through the tunnel" ping_lan 5
check "10 MB TCP transfer through the tunnel" tcp_10mb
# issue 5: 100 MB through vpnc's AES-CBC/HMAC-SHA1 SA, content checked
head -c $((100 << 20)) /dev/urandom >"$STATE/random.bin"
check "100 MB of random bytes client -> LAN arrive intact (sha256)" \
	tcp_sha_transfer "$NS_LAN" 10.100.0.1 "$NS_CL" 10.100.0.1 5601
rm -f "$STATE/random.bin"
check "session listed with address and byte counters" wait_for 8 json_has_alice "$ADDR"
check "show crypto isakmp sa lists the client in QM_IDLE" \
	bash -c "'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' --config '$CONF' show crypto isakmp sa detail | grep -q '^10.99.0.1 *10.99.0.2 *QM_IDLE'"
ipsec_json_ok() { # the child SA in JSON: UDP-encapsulated, both directions counted
	ctl --json show crypto ipsec sa peer 10.99.0.2 | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if len(r) == 1 and r[0]["encapsulation"] == "udp" and r[0]["pkts_encaps"] > 0
         and r[0]["pkts_decaps"] > 0 and r[0]["spi_in"] and r[0]["spi_out"] else 1)'
}
check "show crypto ipsec sa peer 10.99.0.2 --json: SPIs and packet counters" ipsec_json_ok
check "show crypto ipsec sa: text names the peer and the transform" \
	bash -c "'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' --config '$CONF' show crypto ipsec sa | grep -q 'transform: esp-aes-256 esp-sha-hmac'"
for role in ravpn-ike ravpn-esp ravpn-authd ravpn-poold ravpn-db; do
	check "$role is sandboxed (uid, caps, NNP, seccomp, chroot)" sandboxed "$(child_pid $role)"
done
check "IKE worker memory holds no group PSK" no_psk_in_memory "$(child_pid ravpn-ike)"

# --- ESP worker crash: the worker that owns alice's SAs; they come back
# without a reconnect ---
W=$(ctl --json show crypto ipsec sa | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["esp_worker"])')
OLD_ESP=$(esp_worker_pid "$W")
kill -9 "$OLD_ESP"
resumed() { ip netns exec $NS_CL ping -c1 -W0.3 10.100.0.1 >/dev/null 2>&1; }
new_esp() { local p; p=$(esp_worker_pid "$W") && [ "$p" != "$OLD_ESP" ]; }
t0=$(date +%s.%N)
wait_for 5 new_esp
wait_for 5 resumed
t1=$(date +%s.%N)
check "ESP worker $W (alice's) restarted after kill -9 and pings resume within 2 s ($(echo "$t1 - $t0" | bc) s)" \
	bash -c "[ \$(echo '$t1 - $t0 < 2.0' | bc) = 1 ] && kill -0 $VPNC_PID"
check "restart logged with the exit status" log_has "killed by signal 9"

# --- operator logoff ---
check "logoff name alice" ctl vpn-sessiondb logoff name alice
check "vpnc leaves after the logoff DELETE" vpnc_exited 10
vpnc_down
check "session in history with cause admin" wait_for 5 history_cause alice admin
check "lease returned after logoff" wait_for 5 no_session_or_lease

# --- default NAT-T mode without NAT: plain ESP (IP protocol 50) ---
check "vpnc (natt, no NAT) connects" vpnc_up vpngroup groupsecret alice alicepass natt
check "ping through plain ESP" ping_lan 3
vpnc_down
check "client DELETE ends the session with cause user" wait_for 5 history_cause alice user

# --- wrong credentials ---
vpnc_up vpngroup wrongsecret alice alicepass force-natt
check "wrong group secret: vpnc fails" vpnc_exited 10
vpnc_down
check "wrong group secret: logged with peer and reason" wait_for 15 log_has "peer 10.99.0.2:500 group vpngroup: aggressive mode abandoned"
check "wrong group secret: no session, no lease" no_session_or_lease
vpnc_up vpngroup groupsecret alice wrongpass force-natt
check "wrong password: vpnc fails XAUTH" vpnc_exited 10
vpnc_down
check "wrong password: logged" log_has "user alice: XAUTH failed"
check "wrong password: no session, no lease" no_session_or_lease
vpnc_up nosuchgroup groupsecret alice alicepass force-natt
check "unknown group: vpnc fails" vpnc_exited 10
vpnc_down
check "unknown group: refused with INVALID-ID-INFORMATION, logged with peer and group" \
	log_has "peer 10.99.0.2: unknown tunnel-group 'nosuchgroup' (ID of aggressive mode message 1): refused with INVALID-ID-INFORMATION"
check "unknown group: no session, no lease" no_session_or_lease

# --- IKE worker crash: restarted, new clients connect ---
OLD_IKE=$(child_pid ravpn-ike)
kill -9 "$OLD_IKE"
sleep 1
check "IKE worker restarted after kill -9" bash -c "p=\$(ps -o pid= --ppid $RAVPND_PID | tr -d ' '); for x in \$p; do [ \"\$(cat /proc/\$x/comm)\" = ravpn-ike ] && [ \$x != $OLD_IKE ] && exit 0; done; exit 1"
check "a new client connects after the IKE restart" vpnc_up vpngroup groupsecret alice alicepass force-natt
check "ping after the IKE restart" ping_lan 3

# --- shutdown: DELETE to the client, sessions end with cause shutdown ---
ravpnd_stop
check "SIGTERM: vpnc gets the DELETE and leaves" vpnc_exited 10
vpnc_down
check "SIGTERM: session in history with cause shutdown" history_cause alice shutdown
echo "# ravpnd log: $STATE/ravpnd.log"
exit 0
