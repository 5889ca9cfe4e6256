#!/bin/bash
# vpnc behind a real NAT (masquerade in its own namespace): NAT-T is
# detected on both sides, ESP travels in UDP 4500, traffic flows, and the
# gateway sends NAT-T keepalives at the configured interval.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
tcp_5mb() {
	ip netns exec $NS_LAN iperf3 -s -1 -B 10.100.0.1 >/dev/null 2>&1 &
	local srv=$!
	PIDS+=("$srv")
	sleep 0.3
	ip netns exec $NS_CL timeout 30 iperf3 -c 10.100.0.1 -n 5M >/dev/null 2>&1
	local rc=$?
	wait "$srv" 2>/dev/null
	return $rc
}
session_from_nat() {
	ctl --json show vpn-sessiondb | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if r and r[0]["public_ip"] == "10.99.0.3" and r[0]["protocol"] == "IKEv1 IPsecOverNatT" else 1)'
}

# One-octet 0xFF keepalives from the gateway's UDP 4500 to the NAT: count
# those seen in $1 seconds.
keepalives_in() {
	ip netns exec "$NS_GW" tshark -n -i any -a "duration:$1" -c 3 \
		-f 'src host 10.99.0.1 and udp src port 4500 and udp[4:2] = 9 and udp[8] = 0xff' \
		2>/dev/null | grep -c '10\.99\.0\.1'
}

topo_up nat || { not_ok "NAT topology"; exit 1; }
capture_start || not_ok "capture starts"
sed 's/^crypto isakmp nat-traversal .*/crypto isakmp nat-traversal 10/' "$ROOT/etc/ravpn.conf" >"$STATE/nat.conf"
check "ravpnd starts (NAT keepalive every 10 s)" ravpnd_start "$STATE/nat.conf"
check "vpnc (natt) connects through the NAT" vpnc_up vpngroup groupsecret alice alicepass natt
check "NAT detected on the client side and logged" log_has "NAT detected: local no, peer yes"
check "ping through the NAT" ping_lan 3
check "5 MB TCP through the NAT" tcp_5mb
check "session shows the NAT's address and NAT-T" wait_for 5 session_from_nat
n=$(keepalives_in 25)
check "gateway sent NAT-T keepalives every 10 s (2 or 3 in 25 s, saw $n)" test "$n" -ge 2 -a "$n" -le 3
capture_check nat
exit 0
