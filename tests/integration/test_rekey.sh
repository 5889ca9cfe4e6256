#!/bin/bash
# Phase 2 rekeying with traffic flowing: a 60 s IPsec lifetime, a ping
# every 50 ms and a TCP stream across two rekeys started by ravpn at the
# soft lifetime.  No ping may be lost near a rekey (lib.sh rekey_ping_checks),
# the stream may not stall, and
# show crypto ipsec sa must show new SPIs.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
CONF=$STATE/ravpn.conf
LIFE=60
sed "s/^crypto dynamic-map DYN 10 set ikev1 transform-set .*/&\ncrypto dynamic-map DYN 10 set security-association lifetime seconds $LIFE/" \
	"$ROOT/etc/ravpn.conf" >"$CONF"
spis() { ctl --json show crypto ipsec sa | /usr/bin/python3 -c '
import json, sys
print(" ".join("%x/%x" % (r["spi_in"], r["spi_out"]) for r in json.load(sys.stdin)))'; }
rekeys() { grep -c "IPsec SA rekeyed" "$STATE/ravpnd.log"; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with an IPsec lifetime of $LIFE s" ravpnd_start "$CONF"
check "vpnc connects" vpnc_up vpngroup groupsecret alice alicepass force-natt
sleep 1		# the child SA row reaches db
FIRST=$(spis)
ip netns exec $NS_LAN iperf3 -s -1 -B 10.100.0.1 >/dev/null 2>&1 &
PIDS+=("$!")
sleep 0.3
SECS=$((2 * LIFE - 2 * LIFE / 10 + 8))
ip netns exec $NS_CL timeout $((SECS + 15)) iperf3 -c 10.100.0.1 -t "$SECS" -i 1 -b 20M -J >"$STATE/iperf.json" 2>&1 &
IPERF=$!
PIDS+=("$IPERF")
ip netns exec $NS_CL ping -i 0.05 -w "$SECS" -D -O 10.100.0.1 >"$STATE/ping.txt" 2>&1
wait "$IPERF"
stalls() { /usr/bin/python3 -c '
import json, sys
iv = json.load(open(sys.argv[1]))["intervals"]
print(sum(1 for i in iv if i["sum"]["bytes"] == 0))' "$STATE/iperf.json"; }
check "two rekeys started by ravpn ($(rekeys))" bash -c "[ $(rekeys) -ge 2 ]"
rekey_ping_checks "$STATE/ping.txt"
check "the TCP stream never stalled (1 s intervals without data: $(stalls))" bash -c "[ '$(stalls)' = 0 ]"
# unanswered pings (ping -O) with their time, to set beside the rekeys in the log
awk '/no answer yet/ { gsub(/[][]/, "", $1); print $1, $NF }' "$STATE/ping.txt" | head -20 |
	while read -r t s; do echo "# no answer in time: $s sent $(date -d "@$t" +%T.%3N)"; done
NOW=$(spis)
check "show crypto ipsec sa shows new SPIs ($FIRST -> $NOW)" bash -c "[ -n '$NOW' ] && [ '$NOW' != '$FIRST' ]"
capture_check rekey
exit 0
