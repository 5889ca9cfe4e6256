#!/bin/bash
# ESP transport mode (issue 3 item 3): a client protects the traffic
# between its own address 10.99.0.2 and the gateway's outside address
# 10.99.0.1 (the base of L2TP/IPsec).  ravpn gets a transport-mode
# transform set (TS-AES-SHA-TRANSPORT, mode transport) next to etc/ravpn.conf's
# tunnel sets.
#
# The client is tests/integration/v1_transport_client.py, not strongSwan:
# the lab kernel has no ESP and strongSwan's user-space libipsec only does
# tunnel mode ("IPsec SA: unsupported mode"), so no strongSwan could carry
# transport-mode traffic here.  The script does aggressive mode PSK +
# XAUTH + mode-config + a transport quick mode, then is an ESP transport
# host on a TUN, its own sockets marked so a policy rule keeps them off it.
#
# Checks: the SAs come up as transport mode; master's rule and /32 route
# in table 4051 exist only while they do; ping 10.99.0.1; 4 MB of random
# bytes each way over TCP to and from a listener bound to 10.99.0.1 in the
# gateway namespace, sha256 verified; tshark on gw0 sees only ESP between
# the two hosts (no clear ICMP/TCP) and decrypts it with the keylog to a
# good ICV; a transport proposal matching only a tunnel-mode set is
# refused (NO-PROPOSAL-CHOSEN); the route goes with the session.
# Then all of it again with the client behind the NAT namespace (10.99.1.2
# masqueraded as 10.99.0.3): NAT-T, UDP-Transport, ESP in UDP 4500, and the
# checksums of the opened TCP fixed by each receiver (RFC 3948 3.1.2).
# NAT=0 or NAT=1 runs only one of the two.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/traffic_lib.sh"
CLIENT_PY=$ROOT/tests/integration/v1_transport_client.py
TUN=t2tp0
XFER=$((4 * 1048576))
CPID=

stop_client() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
	CPID=
}
trap 'stop_client; cleanup' EXIT

make_conf() {
	sed -e '/^crypto dynamic-map DYN 20 /a crypto dynamic-map DYN 30 set ikev1 transform-set TS-AES-SHA-TRANSPORT' \
	    -e '/^crypto ipsec ikev1 transform-set TS-AES-SHA256 /a crypto ipsec ikev1 transform-set TS-AES-SHA-TRANSPORT esp-aes esp-sha-hmac\n mode transport' \
		"$ROOT/etc/ravpn.conf" >"$STATE/ravpn-transport.conf"
	grep -q "mode transport" "$STATE/ravpn-transport.conf"
}

client_start() { # client_start LOG [MODE BITS]: the client, until READY or REFUSED
	local log=$1; shift
	ip netns exec "$NS_CL" /usr/bin/python3 -u "$CLIENT_PY" "$CL_IP" 10.99.0.1 vpngroup \
		groupsecret alice alicepass "$TUN" "$@" >"$log" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
	wait_for 20 grep -qE "READY|REFUSED" "$log"
}

# The client's routing: its own traffic to the gateway enters the TUN; its
# marked IKE and ESP sockets do not.
client_routes() {
	ip -n "$NS_CL" link set "$TUN" up &&
	ip netns exec "$NS_CL" sysctl -qw net.ipv4.conf.all.rp_filter=0 &&
	ip netns exec "$NS_CL" sysctl -qw "net.ipv4.conf.$TUN.rp_filter=0" &&
	ip -n "$NS_CL" rule add not fwmark 1 lookup 100 pref 100 &&
	ip -n "$NS_CL" route add 10.99.0.1/32 dev "$TUN" src "$CL_IP" table 100
}

gw_route() { ip -n "$NS_GW" route show table 4051 | grep -q "^$CL_SEEN dev ravpn0"; }
gw_rule() { ip -n "$NS_GW" rule show | grep -q "not from all fwmark 0x52a1 lookup 4051"; }
no_gw_route() { ! gw_route && ! gw_rule; }
sa_says_transport() { ctl show crypto ipsec sa | grep -q 'in use settings ={Transport'; }
# db's child SA row for the client's SPI says transport (tunnel = 0)
db_transport() { # db_transport SPI_HEX (our inbound SPI, the client's out)
	/usr/bin/python3 - "$STATE/db/ravpn.db" "$1" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT tunnel FROM child_sas WHERE spi_in = ?", (int(sys.argv[2], 16),)).fetchall()
sys.exit(0 if rows and all(r[0] == 0 for r in rows) else 1)
PY
}

# transfer SINK_NS SINK_IP SEND_NS DST_IP: the random file over TCP, hashes compared
transfer() { tcp_sha_transfer "$1" "$2" "$3" "$4" 5601; }

# Clear traffic between the hosts on gw0: there must be none.
CLEAR_PID=
clear_start() {
	ip netns exec "$NS_GW" dumpcap -q -i gw0 -f "host $CL_SEEN and (icmp or tcp)" \
		-w "$STATE/clear.pcapng" >"$STATE/dumpcap-clear.log" 2>&1 &
	CLEAR_PID=$!
	PIDS+=("$CLEAR_PID")
	wait_for 10 grep -qs "Capturing on" "$STATE/dumpcap-clear.log"
}
clear_count() {
	kill -INT "$CLEAR_PID" 2>/dev/null; wait "$CLEAR_PID" 2>/dev/null
	tshark -n -r "$STATE/clear.pcapng" 2>/dev/null | wc -l
}

# tshark on the ESP capture: transport ESP decrypts to ICMP/TCP directly
# (no inner IP header), with a good ICV.
esp_check() {
	local keyopts=() opts esp clear bad
	[ -n "$CAPTURE_PID" ] && kill -INT "$CAPTURE_PID" 2>/dev/null && wait "$CAPTURE_PID" 2>/dev/null
	CAPTURE_PID=
	mapfile -t keyopts < <("$ROOT/tests/tshark-keys.sh" "$CAPTURE_KEYS")
	opts=(-o esp.enable_authentication_check:TRUE "${keyopts[@]}")
	esp=$(tshark -n -r "$CAPTURE_FILE" "${opts[@]}" -Y "esp && ip.addr == $CL_SEEN" 2>/dev/null | wc -l)
	clear=$(tshark -n -r "$CAPTURE_FILE" "${opts[@]}" \
		-Y "esp && ip.addr == $CL_SEEN && (icmp || tcp) && count(ip.src) == 1 && esp.icv_good == 1" \
		2>/dev/null | wc -l)
	bad=$(tshark -n -r "$CAPTURE_FILE" "${opts[@]}" -Y "ip.addr == 10.99.0.1 && _ws.malformed" \
		2>/dev/null | wc -l)
	echo "# tshark: $esp ESP packets, $clear decrypt to ICMP/TCP with a good ICV, $bad malformed"
	[ "$esp" -ge 1 ] && [ "$clear" = "$esp" ] && [ "$bad" = 0 ]
}

run_case() { # run_case plain|nat
	local topo=$1 pre=$1
	if [ "$topo" = nat ]; then CL_IP=10.99.1.2 CL_SEEN=10.99.0.3; else CL_IP=10.99.0.2 CL_SEEN=10.99.0.2; fi
	echo "# --- $topo: client $CL_IP, seen by the gateway as $CL_SEEN"
	if [ "$topo" = nat ]; then topo_up nat; else topo_up; fi || { not_ok "$pre: topology"; return 1; }
	capture_start || not_ok "$pre: capture starts"
	clear_start || not_ok "$pre: clear-text capture starts"
	check "$pre: ravpnd starts" ravpnd_start "$STATE/ravpn-transport.conf" ${RAVPND_ARGS:-}
	# positive control for the clear-text capture: 2 pings before any SA
	check "$pre: ping in the clear before the SA (capture control)" \
		ip netns exec "$NS_CL" ping -c 2 -i 0.2 -W 2 10.99.0.1
	if client_start "$STATE/client-$topo.log" && grep -q READY "$STATE/client-$topo.log"; then
		ok "$pre: client: aggressive + XAUTH + mode-config + transport quick mode ($(grep READY "$STATE/client-$topo.log"))"
	else
		not_ok "$pre: client: transport quick mode"
		sed 's/^/#   /' "$STATE/client-$topo.log"
		grep -aiE 'quick|proposal|transport|refus' "$STATE/ravpnd.log" | tail -10 | sed 's/^/#   /'
	fi
	check "$pre: ravpnd logs the SA as transport mode" wait_for 5 log_has "is transport mode (host to host)"
	check "$pre: db records the child SA as transport (tunnel = 0)" \
		wait_for 5 db_transport "$(awk '/READY/ { print $3 }' "$STATE/client-$topo.log")"
	check "$pre: show crypto ipsec sa says Transport" sa_says_transport
	check "$pre: master routes $CL_SEEN into ravpn0 in table 4051" wait_for 5 gw_route
	check "$pre: master's rule: not fwmark 0x52a1 lookup 4051" gw_rule
	check "$pre: client routing set up" client_routes
	check "$pre: ping 10.99.0.1 over transport ESP" ip netns exec "$NS_CL" ping -c 5 -i 0.2 -W 2 10.99.0.1
	check "$pre: 4 MB client -> listener on 10.99.0.1 arrive intact (sha256)" \
		transfer "$NS_GW" 10.99.0.1 "$NS_CL" 10.99.0.1
	check "$pre: 4 MB gateway -> client listener arrive intact (sha256)" \
		transfer "$NS_CL" "$CL_IP" "$NS_GW" "$CL_SEEN"
	check "$pre: no ESP authentication, replay or malformed drops" \
		bash -c "! grep -aE 'esp: sa spi .*: (auth|replay|malformed) drop' '$STATE/ravpnd.log'"
	check "$pre: session ends (logoff name alice)" ctl vpn-sessiondb logoff name alice
	stop_client
	check "$pre: the route and the rule go with the SAs" wait_for 10 no_gw_route
	ip -n "$NS_CL" rule del pref 100 2>/dev/null
	CLEAR=$(clear_count)
	check "$pre: gw0 saw only the 4 control packets in the clear between the hosts (found $CLEAR)" \
		test "$CLEAR" = 4
	check "$pre: tshark: only ESP between the hosts, decrypted with the keylog" esp_check
	# Transport with AES-256: only TS-AES256-SHA (tunnel mode) has it.
	sleep 1
	if client_start "$STATE/client256-$topo.log" transport 256 &&
			grep -q "REFUSED 14" "$STATE/client256-$topo.log"; then
		ok "$pre: transport proposal matching only a tunnel-mode set: NO-PROPOSAL-CHOSEN"
	else
		not_ok "$pre: transport proposal matching only a tunnel-mode set: NO-PROPOSAL-CHOSEN"
		sed 's/^/#   /' "$STATE/client256-$topo.log"
	fi
	stop_client
	ctl vpn-sessiondb logoff name alice >/dev/null 2>&1
	ravpnd_stop
	mv "$STATE/ravpnd.log" "$STATE/ravpnd-$topo.log"
}

check "config with a transport-mode transform set" make_conf
head -c "$XFER" /dev/urandom >"$STATE/random.bin"
[ "${NAT:-}" = 1 ] || run_case plain
[ "${NAT:-}" = 0 ] || run_case nat
echo "# ravpnd logs: $STATE/ravpnd-plain.log $STATE/ravpnd-nat.log"
echo "# transport checks: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
