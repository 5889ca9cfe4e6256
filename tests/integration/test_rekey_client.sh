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
SWDIR=$ROOT/tests/integration/strongswan
. "$SWDIR/charon.sh"
trap 'charon_stop; cleanup' EXIT
CONF=$STATE/ravpn.conf
LIFE=60
CLIENT_REKEY=40
sed "s/^crypto dynamic-map DYN 10 set ikev1 transform-set .*/crypto ipsec security-association lifetime seconds $LIFE\n&/" \
	"$ROOT/etc/ravpn.conf" >"$CONF"
cat >"$STATE/swanctl-rekey.conf" <<EOF
connections {
    v1 {
        version = 1
        aggressive = yes
        encap = yes
        remote_addrs = 10.99.0.1
        proposals = aes128-sha256-modp2048
        vips = 0.0.0.0
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = keyid:vpngroup
        }
        local-xauth {
            auth = xauth
            xauth_id = alice
        }
        remote {
            auth = psk
            id = 10.99.0.1
        }
        children {
            sha1 {
                remote_ts = 10.100.0.0/24
                esp_proposals = aes128-sha1
                rekey_time = ${CLIENT_REKEY}s
                life_time = ${LIFE}s
                rand_time = 2s
            }
        }
    }
}
secrets {
    ike-vpngroup {
        id = keyid:vpngroup
        secret = groupsecret
    }
    xauth-alice {
        id = alice
        secret = alicepass
    }
}
EOF
spis() { ctl --json show crypto ipsec sa | /usr/bin/python3 -c '
import json, sys
print(" ".join("%x/%x" % (r["spi_in"], r["spi_out"]) for r in json.load(sys.stdin)))'; }
count() { grep -ac "$1" "$STATE/ravpnd.log"; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with a global IPsec lifetime of $LIFE s" ravpnd_start "$CONF"
if ! charon_start "$STATE/swanctl-rekey.conf"; then
	not_ok "strongSwan charon starts in $NS_CL"
	sed 's/^/#   /' "$CH/charon.stderr" "$CH/load.log" 2>/dev/null
	exit 1
fi
# no per-packet ESP log lines in the client under a TCP stream
sed -i 's/^\( *esp = \).*/\10/' "$CH/strongswan.conf" && sw --reload-settings >/dev/null
check "strongSwan connects (rekey_time ${CLIENT_REKEY}s)" sw --initiate --ike v1 --child sha1 --timeout 30
sleep 1		# the child SA row reaches db
FIRST=$(spis)
ip netns exec "$NS_LAN" iperf3 -s -1 -B 10.100.0.1 >/dev/null 2>&1 &
PIDS+=("$!")
sleep 0.3
SECS=$((2 * CLIENT_REKEY + 8))
ip netns exec "$NS_CL" timeout $((SECS + 15)) iperf3 -c 10.100.0.1 -t "$SECS" -i 1 -b 20M -J \
	>"$STATE/iperf.json" 2>&1 &
IPERF=$!
PIDS+=("$IPERF")
ip netns exec "$NS_CL" ping -i 0.05 -w "$SECS" -D -O 10.100.0.1 >"$STATE/ping.txt" 2>&1
wait "$IPERF"
stalls() { /usr/bin/python3 -c '
import json, sys
iv = json.load(open(sys.argv[1]))["intervals"]
print(sum(1 for i in iv if i["sum"]["bytes"] == 0))' "$STATE/iperf.json"; }
UP=$(count "IPsec SA up:")
OWN=$(count "IPsec SA rekeyed")
check "strongSwan started two rekeys (quick modes on the same phase 1: $((UP - 1)))" \
	bash -c "[ $UP -ge 3 ]"
check "ravpn started none of them (its soft lifetime was not reached: $OWN)" bash -c "[ $OWN = 0 ]"
rekey_ping_checks "$STATE/ping.txt"
check "the TCP stream never stalled (1 s intervals without data: $(stalls))" bash -c "[ '$(stalls)' = 0 ]"
# unanswered pings (ping -O) with their time, to set beside the rekeys in the log
awk '/no answer yet/ { gsub(/[][]/, "", $1); print $1, $NF }' "$STATE/ping.txt" | head -20 |
	while read -r t s; do echo "# no answer in time: $s sent $(date -d "@$t" +%T.%3N)"; done
NOW=$(spis)
check "show crypto ipsec sa shows new SPIs ($FIRST -> $NOW)" bash -c "[ -n '$NOW' ] && [ '$NOW' != '$FIRST' ]"
check "no ESP authentication or replay drops were logged" \
	bash -c "! grep -aE 'esp: sa spi .*: (auth|replay|malformed) drop' '$STATE/ravpnd.log'"
charon_stop
capture_check rekey-client
echo "# charon log: $CH/charon.log, ravpnd log: $STATE/ravpnd.log"
[ "$N_FAIL" = 0 ]
