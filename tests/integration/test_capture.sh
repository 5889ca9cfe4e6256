#!/bin/bash
# Issue 2 acceptance: tshark dissects a capture of a whole vpnc session
# (IKE, XAUTH, mode-config, quick mode, ESP, DELETE) decrypted with the keys
# of ravpnd --keylog, and finds no malformed packet and no expert warning on
# anything ravpn sent.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
CAP=$STATE/vpnc.pcapng
KEYS=$STATE/keys

tshark_keys() { mapfile -t TOPTS < <("$ROOT/tests/tshark-keys.sh" "$KEYS"); }
# count FILTER: packets of the capture matching a display filter; "ERR" when
# tshark fails (a filter it cannot parse must not read as zero matches).
count() {
	local n
	n=$(set -o pipefail; tshark -r "$CAP" "${TOPTS[@]}" -Y "$1" 2>>"$STATE/tshark-read.err" | wc -l) || n=ERR
	echo "$n"
}

topo_up || { not_ok "topology"; exit 1; }
ravpnd_start "$ROOT/etc/ravpn.conf" --keylog "$KEYS" || { not_ok "ravpnd start"; exit 1; }
ip netns exec $NS_CL tshark -q -i cl0 -a duration:30 -w "$CAP" >"$STATE/tshark.log" 2>&1 &
TSHARK=$!
PIDS+=("$TSHARK")
wait_for 10 grep -q "Capturing on" "$STATE/tshark.log"
check "vpnc connects while captured" vpnc_up vpngroup groupsecret alice alicepass force-natt
check "ping while captured" ping_lan 5
vpnc_down
sleep 0.5
kill -INT "$TSHARK"; wait "$TSHARK" 2>/dev/null
tshark_keys
check "keylog holds the IKE key and both ESP SAs" \
	bash -c "[ \$(grep -c '^ikev1_decryption_table:' '$KEYS') = 1 ] && [ \$(grep -c '^esp_sa:' '$KEYS') = 2 ]"
check "capture has aggressive mode, transaction and quick mode exchanges" \
	bash -c "[ $(count 'isakmp.exchangetype == 4') -ge 3 ] && [ $(count 'isakmp.exchangetype == 6') -ge 4 ] && [ $(count 'isakmp.exchangetype == 32') -ge 3 ]"
check "mode-config attributes decrypt (INTERNAL_IP4_ADDRESS seen)" bash -c "[ $(count 'isakmp.cfg.attr.internal_ip4_address') -ge 1 ]"
check "ESP from ravpn decrypts to ICMP replies" bash -c "[ $(count 'ip.src == 10.99.0.1 && esp && icmp.type == 0') -ge 3 ]"
bad=$(count 'ip.src == 10.99.0.1 && (_ws.malformed || _ws.expert.severity >= "Warning")')
check "no malformed packet and no expert warning from ravpn (found $bad)" test "$bad" = 0
exit 0
