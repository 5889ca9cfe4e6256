#!/bin/bash
# Phase 2 rekeying with traffic flowing: a 60 s IPsec lifetime, a ping
# every 50 ms and a TCP stream across two rekeys started by ravpn at the
# soft lifetime.  No ping may be lost near a rekey (lib.sh rekey_ping_checks),
# the stream may not stall, and
# show crypto ipsec sa must show new SPIs.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/traffic_lib.sh"
trap cleanup EXIT
CONF=$STATE/ravpn.conf
LIFE=60
sed "s/^crypto dynamic-map DYN 10 set ikev1 transform-set .*/&\ncrypto dynamic-map DYN 10 set security-association lifetime seconds $LIFE/" \
	"$ROOT/etc/ravpn.conf" >"$CONF"
rekeys() { grep -c "IPsec SA rekeyed" "$STATE/ravpnd.log"; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with an IPsec lifetime of $LIFE s" ravpnd_start "$CONF"
check "vpnc connects" vpnc_up vpngroup groupsecret alice alicepass force-natt
sleep 1		# the child SA row reaches db
FIRST=$(ipsec_spis)
rekey_traffic $((2 * LIFE - 2 * LIFE / 10 + 8))
check "two rekeys started by ravpn ($(rekeys))" bash -c "[ $(rekeys) -ge 2 ]"
rekey_ping_checks "$STATE/ping.txt"
check "the TCP stream never stalled (1 s intervals without data: $(iperf_stalls))" bash -c "[ '$(iperf_stalls)' = 0 ]"
late_pings
check_new_spis "$FIRST"
capture_check rekey
exit 0
