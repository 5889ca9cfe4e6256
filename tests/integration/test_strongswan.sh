#!/bin/bash
# strongSwan 5.9 as an IKEv1 client of ravpn (issue 5's cipher acceptance):
# aggressive mode, PSK keyid:vpngroup + XAUTH alice, mode-config, ESP in
# UDP, one child per ESP proposal: aes128gcm16, aes256gcm16, aes128-sha256
# (HMAC-SHA2-256-128) and aes128-sha1; then IKEv2 with PSK and CP (alice@vpngroup)
# for chacha20poly1305, which strongSwan's IKEv1 cannot negotiate, and
# aes256gcm16.  For each: initiate,
# ping, iperf3 -n 100M, a 100 MB random file whose sha256 must arrive intact,
# the session's encryption in `ravpnctl --json show vpn-sessiondb`, terminate.
# A private charon runs in the client namespace as shared/lab/charon.sh does
# it (own /run bind mount, STRONGSWAN_CONF, vici socket under $STATE).
# When an IKE exchange fails, the charon and ravpnd log lines that say why
# are printed as "# " comments after the "not ok" line.
. "$(dirname "$0")/lib.sh"
CONF=$ROOT/etc/ravpn.conf
SWDIR=$ROOT/tests/integration/strongswan
. "$ROOT/tests/integration/swan_lib.sh"
. "$ROOT/tests/integration/traffic_lib.sh"
XFER_MB=${XFER_MB:-100}	# issue 5: a 100 MB transfer through each cipher

trap 'charon_stop; cleanup' EXIT

# The log lines that explain a failed exchange, as TAP comments.
explain_failure() { # explain_failure CHILD
	echo "# --- $1: swanctl --initiate output"
	sed 's/^/#   /' "$CH/initiate-$1.log" | tail -25
	echo "# --- $1: charon log (errors, notifies, proposals)"
	grep -aiE 'error|fail|notify|NO_PROPOSAL|INVALID|proposal|received|sending|giving up|retransmit|deleting' \
		"$CH/charon.log" | grep -avE '\[ENC\]' | tail -30 | sed 's/^/#   /'
	echo "# --- $1: ravpnd log (last IKE lines)"
	grep -aiE 'ike|quick|esp|proposal|refus|fail|notify' "$STATE/ravpnd.log" | tail -25 | sed 's/^/#   /'
}

session_has() { # session_has ENCRYPTION [HASHING]: alice's session, with traffic
	session_json | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["username"] == "alice"]
ok = (len(rows) == 1 and rows[0]["encryption"] == sys.argv[1] and
      (len(sys.argv) < 3 or rows[0]["hashing"] == sys.argv[2]) and
      rows[0]["assigned_ip"].startswith("10.200.0.") and rows[0]["bytes_rx"] > 0)
if not ok:
    print(rows, file=sys.stderr)
sys.exit(0 if ok else 1)' "$@"
}

iperf_n() {
	ip netns exec "$NS_LAN" iperf3 -s -1 -B 10.100.0.1 >/dev/null 2>&1 &
	local srv=$!
	PIDS+=("$srv")
	sleep 0.3
	ip netns exec "$NS_CL" timeout 60 iperf3 -c 10.100.0.1 -n "${XFER_MB}M" -J >"$STATE/iperf.json" 2>&1
	local rc=$?
	wait "$srv" 2>/dev/null
	# with -n the receiver's total stops when the sender is done, so the
	# last bytes in flight are not in it: all sent, most received
	[ $rc = 0 ] && /usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
n = int(sys.argv[2]) * 1048576
print("# iperf3: %.0f Mbit/s, %d retransmits" % (e["sum_received"]["bits_per_second"] / 1e6,
      e["sum_sent"].get("retransmits", -1)))
sys.exit(0 if e["sum_sent"]["bytes"] >= n and e["sum_received"]["bytes"] >= n // 2 else 1)' \
		"$STATE/iperf.json" "$XFER_MB" >&2
}

# The client sends a file of random bytes to a TCP sink in the LAN
# namespace; both hashes and lengths must agree.
file_intact() { tcp_sha_transfer "$NS_LAN" 10.100.0.1 "$NS_CL" 10.100.0.1 5601; }

# run_child [v1|v2] CHILD ENCRYPTION [HASHING]: the connection v1 (IKEv1
# aggressive + XAUTH + quick mode, the default) or v2 (IKEv2 PSK + CP)
run_child() {
	local ike=v1 how="IKEv1 aggressive + XAUTH + quick mode"
	if [ "$1" = v2 ]; then
		ike=v2 how="IKEv2 IKE_SA_INIT + IKE_AUTH with PSK and CP"
		shift
	fi
	local child=$1; shift
	if ! sw --initiate --ike $ike --child "$child" --timeout 30 \
			>"$CH/initiate-$child.log" 2>&1; then
		not_ok "$ike/$child: strongSwan initiates ($how)"
		explain_failure "$child"
		sw --terminate --ike $ike --force >/dev/null 2>&1
		wait_for 10 no_session
		return 1
	fi
	ok "$ike/$child: strongSwan initiates ($how)"
	child=$ike/$child
	check "$child: ping 10.100.0.1 through the tunnel" ping_lan 5
	check "$child: iperf3 -n ${XFER_MB}M through the tunnel" iperf_n
	check "$child: ${XFER_MB} MB of random bytes arrive intact (sha256)" file_intact
	check "$child: vpn-sessiondb shows encryption $*" wait_for 8 session_has "$@"
	sw --terminate --ike $ike >"$CH/terminate-${child#*/}.log" 2>&1
	check "$child: terminate ends the session" wait_for 10 no_session
}

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with etc/ravpn.conf" ravpnd_start "$CONF" ${RAVPND_ARGS:-}
head -c "$((XFER_MB * 1048576))" /dev/urandom >"$STATE/random.bin"
charon_up "$SWDIR/swanctl.conf"
ok "strongSwan charon starts in $NS_CL ($(sw --version 2>/dev/null | head -1))"

run_child gcm128 AES-GCM-128
run_child gcm256 AES-GCM-256
run_child sha256 AES128 SHA256
run_child sha1 AES128 SHA1
run_child v2 chacha CHACHA20-POLY1305
run_child v2 gcm256 AES-GCM-256
check "no ESP authentication or replay drops were logged" bash -c "! grep -aE 'esp: sa spi .*: (auth|replay|malformed) drop' '$STATE/ravpnd.log'"

charon_stop
capture_check strongswan
echo "# charon log: $CH/charon.log, ravpnd log: $STATE/ravpnd.log"
echo "# strongswan checks: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
