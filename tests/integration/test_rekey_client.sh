#!/bin/bash
# Phase 2 rekeys started by the CLIENT, with traffic flowing: strongSwan
# (IKEv1 aggressive mode + XAUTH) rekeys its child SA every ~40 s (its
# rekey_time) while ravpn's lifetime is 60 s, set by the global `crypto
# ipsec security-association lifetime seconds 60`, so strongSwan always
# starts the quick mode.  ravpn answers a new quick mode on the existing
# phase 1 for the same proxy IDs and keeps the old SA next to the new one
# until it is retired.  A ping every 50 ms and a TCP stream run across two
# rekeys: no ping lost near a rekey, no 1 s interval without TCP data, new SPIs in
# `show crypto ipsec sa`, and ravpn itself started none of the rekeys.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/swan_lib.sh"
. "$ROOT/tests/integration/traffic_lib.sh"
trap 'charon_stop; cleanup' EXIT
CONF=$STATE/ravpn.conf
LIFE=60
CLIENT_REKEY=40
sed "s/^crypto dynamic-map DYN 10 set ikev1 transform-set .*/crypto ipsec security-association lifetime seconds $LIFE\n&/" \
	"$ROOT/etc/ravpn.conf" >"$CONF"
swanctl_v1_xauth "$STATE/swanctl-rekey.conf" sha1 "        reauth_time = 0" \
	"                rekey_time = ${CLIENT_REKEY}s
                life_time = ${LIFE}s
                rand_time = 2s"
count() { grep -ac "$1" "$STATE/ravpnd.log"; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with a global IPsec lifetime of $LIFE s" ravpnd_start "$CONF"
charon_up "$STATE/swanctl-rekey.conf"
# no per-packet ESP log lines in the client under a TCP stream
sed -i 's/^\( *esp = \).*/\10/' "$CH/strongswan.conf" && sw --reload-settings >/dev/null
check "strongSwan connects (rekey_time ${CLIENT_REKEY}s)" sw --initiate --ike v1 --child sha1 --timeout 30
sleep 1		# the child SA row reaches db
FIRST=$(ipsec_spis)
rekey_traffic $((2 * CLIENT_REKEY + 8))
UP=$(count "IPsec SA up:")
OWN=$(count "IPsec SA rekeyed")
check "strongSwan started two rekeys (quick modes on the same phase 1: $((UP - 1)))" \
	bash -c "[ $UP -ge 3 ]"
check "ravpn started none of them (its soft lifetime was not reached: $OWN)" bash -c "[ $OWN = 0 ]"
rekey_ping_checks "$STATE/ping.txt"
check "the TCP stream never stalled (1 s intervals without data: $(iperf_stalls))" bash -c "[ '$(iperf_stalls)' = 0 ]"
late_pings
check_new_spis "$FIRST"
check "no ESP authentication or replay drops were logged" \
	bash -c "! grep -aE 'esp: sa spi .*: (auth|replay|malformed) drop' '$STATE/ravpnd.log'"
charon_stop
capture_check rekey-client
echo "# charon log: $CH/charon.log, ravpnd log: $STATE/ravpnd.log"
[ "$N_FAIL" = 0 ]
