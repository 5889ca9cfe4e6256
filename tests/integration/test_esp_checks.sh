#!/bin/bash
# Issue 5, ESP checks: with a vpnc client connected and `ravpnd --keylog`,
# the project's generator (bench/gen, ravpn-espgen) seals packets with the
# client's inbound SA keys and sends them from the client's own address and
# port (a raw socket: vpnc keeps its socket and the gateway sees no NAT
# rebinding):
#   - a good packet is accepted (opened, and arrives in the LAN namespace)
#   - the same ESP packet sent twice: the copy is dropped as a replay
#   - a packet with one flipped bit: dropped as an authentication failure
#   - a correctly sealed packet whose inner source is not the client's
#     address: dropped as spoofed
# each counted in the worker counters of `ravpnctl --json stats` and in the
# SA's counters of `ravpnctl --json show crypto ipsec sa`.
. "$(dirname "$0")/lib.sh"
GEN=$(dirname "$BIN")/bench/ravpn-espgen
KEYS=$STATE/keys
trap cleanup EXIT

# "in_pkts replay auth spoof" over all ESP workers, and the client's
# inbound SA: "sa_in_pkts sa_auth sa_replay sa_other".
counters() {
	{ ctl --json stats; echo; ctl --json show crypto ipsec sa; } | /usr/bin/python3 -c '
import json, sys
text, dec = sys.stdin.read(), json.JSONDecoder()
stats, end = dec.raw_decode(text)
sas, _ = dec.raw_decode(text[end:].lstrip())
docs = [stats, sas]
w = docs[0]["esp_workers"]
tot = lambda k: sum(x[k] for x in w)
sa = [r for r in docs[1] if r["peer"] == "10.99.0.2"]
s = lambda k: sum(r.get(k, 0) for r in sa)
print(tot("in_pkts"), tot("drop_replay"), tot("drop_auth"), tot("drop_spoof"),
      s("pkts_decaps"), s("drops_auth"), s("drops_replay"), s("drops_other"))'
}

BASE=
snap() { BASE=$(counters) || BASE=; }
# moved "IN REPLAY AUTH SPOOF SA_IN SA_AUTH SA_REPLAY SA_OTHER": the counters
# since snap grew by exactly these amounts (the db gets them every 2 s).
moved() {
	local now want=$*
	now=$(counters) || return 1
	[ "$(paste -d' ' <(tr ' ' '\n' <<<"$now") <(tr ' ' '\n' <<<"$BASE") |
		awk '{ printf "%s%d", (NR > 1 ? " " : ""), $1 - $2 }')" = "$want" ]
}
show_moved() {
	echo "# counters before: $BASE"
	echo "# counters after:  $(counters)"
}

SEQ=$((1 << 20))
gen() { # gen [key=value...]: one sealed packet (more with count=/repeat=)
	SEQ=$((SEQ + 100))
	ip netns exec "$NS_CL" "$GEN" esp keylog="$KEYS" from=10.99.0.2 to=10.99.0.1 \
		sport="$SPORT" inner="$INNER" dst=10.100.0.1 port=9 size=200 count=1 seq=$SEQ \
		"$@" >>"$STATE/gen.log" 2>&1
}

sink_start() {
	ip netns exec "$NS_LAN" "$GEN" sink port=9 seconds=30 >"$STATE/sink.out" 2>&1 &
	SINK=$!
	PIDS+=("$SINK")
	wait_for 3 grep -q ready "$STATE/sink.out"
}
sink_got() { # sink_got N: the LAN sink counted N packets when it ends
	kill -INT "$SINK" 2>/dev/null
	wait "$SINK" 2>/dev/null
	grep -q "received packets=$1 " "$STATE/sink.out"
}

[ -x "$GEN" ] || { not_ok "generator $GEN built (make BUILD=... bench)"; exit 1; }
topo_up || { not_ok "topology"; exit 1; }
# no IPv6 on the client's tun0: vpnc would tunnel router solicitations,
# packets the counters below would see besides the generator's
ip netns exec "$NS_CL" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
check "ravpnd starts with --keylog" ravpnd_start "$ROOT/etc/ravpn.conf" --keylog "$KEYS"
check "vpnc connects (NAT-T forced)" vpnc_up vpngroup groupsecret alice alicepass force-natt
check "ping through the tunnel" wait_for 10 ping_lan 1
INNER=$(env_of INTERNAL_IP4_ADDRESS)
SPORT=$(ip netns exec "$NS_CL" ss -unpH | awk '/"vpnc"/ && $4 ~ /10\.99\.0\.2:/ { sub(/.*:/, "", $4); print $4 }' |
	grep -vx 500 | head -1)
SPORT=${SPORT:-4500}
check "keylog holds the client's inbound ESP SA" grep -q '^esp_sa:"IPv4","10.99.0.2","10.99.0.1"' "$KEYS"
echo "# client $INNER, ESP from 10.99.0.2:$SPORT"

wait_for 6 counters >/dev/null
sleep 2.5
snap
sink_start
gen
if wait_for 8 moved 1 0 0 0 1 0 0 0; then ok "a generated packet is opened and counted"
else not_ok "a generated packet is opened and counted"; show_moved; fi
check "it arrives on the LAN" sink_got 1

snap
gen repeat=2
if wait_for 8 moved 1 1 0 0 1 0 1 0; then ok "replay: the same ESP packet sent again is dropped and counted (worker and SA)"
else not_ok "replay: the same ESP packet sent again is dropped and counted (worker and SA)"; show_moved; fi

snap
gen flip=1
if wait_for 8 moved 0 0 1 0 0 1 0 0; then ok "a flipped bit is dropped and counted as an authentication failure"
else not_ok "a flipped bit is dropped and counted as an authentication failure"; show_moved; fi

snap
gen spoof=10.200.0.250
if wait_for 8 moved 0 0 0 1 0 0 0 1; then ok "a spoofed inner source is dropped and counted"
else not_ok "a spoofed inner source is dropped and counted"; show_moved; fi
check "the drops are logged with their reason" grep -qE "esp: sa spi .*: spoof drop" "$STATE/ravpnd.log"

echo "# generator log: $STATE/gen.log, ravpnd log: $STATE/ravpnd.log"
echo "# esp checks: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
