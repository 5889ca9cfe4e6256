#!/bin/bash
# crypto ikev1 am-disable (seed 001/002: an inbound aggressive mode
# proposal is rejected): vpnc, which only speaks aggressive mode, is
# refused with INVALID-EXCHANGE-TYPE and a log line naming the peer;
# strongSwan in main mode (PSK, DefaultRAGroup, XAUTH) still connects and
# passes traffic; strongSwan in aggressive mode is refused too.
# Config: tests/integration/ravpn-modes.conf plus the am-disable line.
. "$(dirname "$0")/lib.sh"
SWDIR=$ROOT/tests/integration/strongswan
. "$SWDIR/charon.sh"
trap 'charon_stop; cleanup' EXIT
CONF=$STATE/ravpn.conf
{ cat "$ROOT/tests/integration/ravpn-modes.conf"; echo "crypto ikev1 am-disable"; } >"$CONF"

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with crypto ikev1 am-disable" ravpnd_start "$CONF"
if vpnc_up vpngroup groupsecret alice alicepass force-natt; then
	not_ok "vpnc (aggressive mode) is refused"
else
	ok "vpnc (aggressive mode) is refused"
fi
vpnc_down 2>/dev/null
check "ravpnd logged the refusal with the peer" \
	grep -aq "peer 10.99.0.2: aggressive mode refused (crypto ikev1 am-disable)" "$STATE/ravpnd.log"
check "vpnc was told INVALID-EXCHANGE-TYPE" grep -aqi "INVALID_EXCHANGE_TYPE\|invalid.exchange" "$STATE/vpnc.log"
if ! charon_start "$SWDIR/swanctl-modes.conf"; then
	not_ok "strongSwan charon starts in $NS_CL"
	exit 1
fi
check "strongSwan main mode connects" sw --initiate --ike main --child nopfs --timeout 30
check "ping through the main mode session" ping_lan 3
sw --terminate --ike main >/dev/null 2>&1
if sw --initiate --ike am256 --child sha1 --timeout 10 >"$CH/am.log" 2>&1; then
	not_ok "strongSwan aggressive mode is refused"
else
	ok "strongSwan aggressive mode is refused"
fi
charon_stop
capture_check am-disable
echo "# ravpnd log: $STATE/ravpnd.log"
[ "$N_FAIL" = 0 ]
