#!/bin/bash
# Phase 2 rekeying by VOLUME with traffic flowing: a 20 MB (20480 KB)
# lifetime from the global `crypto ipsec security-association lifetime
# kilobytes 20480` (the map entry only sets seconds, 3600, so time never
# triggers).  vpnc connects; a TCP stream at 20 Mbit/s (client to LAN: the
# inbound SA counts it) and a ping every 50 ms run for 30 s.  The ESP worker reports the soft byte
# limit (90 %) and ravpn rekeys each time: at least two rekeys caused by
# bytes, none hard-expired, no ping lost near a rekey, no 1 s interval without TCP data,
# new SPIs in `show crypto ipsec sa`.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/traffic_lib.sh"
trap cleanup EXIT
CONF=$STATE/ravpn.conf
KB=20480
SECS=${SECS:-30}
sed -e "s/^crypto dynamic-map DYN 10 set ikev1 transform-set .*/&\ncrypto dynamic-map DYN 10 set security-association lifetime seconds 3600/" \
	-e "s/^crypto dynamic-map DYN 10 set ikev1 transform-set .*/crypto ipsec security-association lifetime kilobytes $KB\n&/" \
	"$ROOT/etc/ravpn.conf" >"$CONF"
count() { grep -ac "$1" "$STATE/ravpnd.log"; }

topo_up || { not_ok "topology"; exit 1; }
check "ravpnd starts with an IPsec lifetime of $KB KB" ravpnd_start "$CONF"
check "vpnc connects" vpnc_up vpngroup groupsecret alice alicepass force-natt
sleep 1		# the child SA row reaches db
FIRST=$(ipsec_spis)
rekey_traffic "$SECS"
SOFT=$(count "reached its soft lifetime (kilobytes)")
REKEYED=$(count "IPsec SA rekeyed")
check "the ESP worker reported the soft byte limit at least twice ($SOFT)" bash -c "[ $SOFT -ge 2 ]"
check "ravpn rekeyed by volume at least twice ($(count 'soft lifetime, volume') started, $REKEYED done)" \
	bash -c "[ $(count 'soft lifetime, volume') -ge 2 ] && [ $REKEYED -ge 2 ]"
check "no SA reached its hard byte limit ($(count 'hard lifetime in kilobytes'))" \
	bash -c "[ $(count 'hard lifetime in kilobytes') = 0 ]"
rekey_ping_checks "$STATE/ping.txt"
check "the TCP streams never stalled (1 s intervals without data: $(iperf_stalls streams))" bash -c "[ '$(iperf_stalls streams)' = 0 ]"
late_pings
check_new_spis "$FIRST"
echo "# ravpnd log: $STATE/ravpnd.log"
[ "$N_FAIL" = 0 ]
