#!/bin/bash
# NAT rebinding (issue 3): vpnc behind a masquerading NAT; mid-session the
# NAT's mapping changes (the masquerade rule moves to source ports
# 40000-40099 and `conntrack -D` drops the old mapping), as when a home
# router reboots.  ravpn must follow the client to its new public port
# from authenticated packets only: the ESP worker from ESP-in-UDP, the IKE
# worker from IKE.  Shows: ping continues after the change, the ESP
# worker follows at once, the IKE worker at the client's next IKE packet
# (vpnc runs with --dpd-idle 10 so it sends an R-U-THERE within ~10 s;
# the ESP worker does not tell the IKE worker, there is no IPC message
# for that), then the session's public_port in `ravpnctl --json show
# vpn-sessiondb` is the new port, and the client's IKE delete from the
# new port ends the session (cause user).
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

public_port() {
	ctl --json show vpn-sessiondb | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r[0]["public_port"] if len(r) == 1 else "")'
}
port_moved() { # port_moved OLD: the session now shows a port of the new range
	local p
	p=$(public_port)
	[ -n "$p" ] && [ "$p" != "$1" ] && [ "$p" -ge 40000 ] && [ "$p" -le 40099 ]
}
history_cause() { # history_cause USER CAUSE: the user's last ended session
	ctl --json show vpn-sessiondb history 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["username"] == sys.argv[1]]
sys.exit(0 if rows and rows[-1]["cause"] == sys.argv[2] else 1)' "$1" "$2"
}
rebind_nat() {
	ip netns exec $NS_NAT nft -f - <<'NFT' || return 1
flush chain ip nat postrouting
add rule ip nat postrouting oifname "natout" meta l4proto udp masquerade to :40000-40099
add rule ip nat postrouting oifname "natout" masquerade
NFT
	ip netns exec $NS_NAT conntrack -D -p udp >/dev/null 2>&1
	return 0
}

command -v conntrack >/dev/null || { echo "# SKIP: conntrack not installed (tests/deps.sh)"; exit 0; }
topo_up nat || { not_ok "NAT topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts" ravpnd_start "$ROOT/etc/ravpn.conf" ${RAVPND_ARGS:-}
VPNC_EXTRA="--dpd-idle 10" check "vpnc (natt) connects through the NAT" vpnc_up vpngroup groupsecret alice alicepass natt
check "ping through the NAT" ping_lan 3
OLD=$(public_port)
check "session shows a public port ($OLD)" test -n "$OLD"
check "the NAT's mapping changes (new masquerade ports, conntrack flushed)" rebind_nat
# traffic from the client creates the new mapping; ravpn follows it
ip netns exec $NS_CL ping -c 20 -i 0.2 -W 1 10.100.0.1 >/dev/null 2>&1 &
PING=$!
PIDS+=("$PING")
wait "$PING" 2>/dev/null
check "ESP worker follows the authenticated ESP from the new mapping" \
	log_has "esp: NAT rebinding of sid .*: peer 10.99.0.3:$OLD -> 10.99.0.3:400"
check "ping continues after the rebinding (5 of 5)" bash -c "ip netns exec $NS_CL ping -c 5 -i 0.2 -W 1 10.100.0.1 | grep -q ' 5 received'"
check "public_port moves from $OLD to the new NAT port (after vpnc's DPD)" wait_for 25 port_moved "$OLD"
NEW=$(public_port)
echo "# public_port $OLD -> $NEW"
check "IKE worker logged the new mapping" log_has "NAT mapping changed to 10.99.0.3:$NEW"
vpnc_down
# vpnc's two closing DELETEs take their M-IDs from one random byte each: in
# 1 of 256 disconnects they share one, in 1 of 256 the ISAKMP delete's is 0.
# Each informational decrypts with its own fresh IV (ike-worker/crypt.c), so
# both cases end the session too (unit test test_ike_crypt forces them).
check "the client's delete from the new port ends the session (cause user)" \
	wait_for 10 history_cause alice user
capture_check nat-rebind
echo "# ravpnd log: $STATE/ravpnd.log"
echo "# nat rebind: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
