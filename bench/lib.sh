# Shared pieces of the bench/ scripts (sourced after setting T, the
# seconds per iperf3 run): the integration tests' namespace lab and
# ravpnd/vpnc helpers (tests/integration/lib.sh), the strongSwan client
# helpers (tests/integration/strongswan/charon.sh), plus a strongSwan
# GATEWAY in the gateway namespace, a second client namespace, CPU time of
# process trees and iperf3 runs.  BUILD defaults to the release build.
set -u
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BUILD=${BUILD:-build}
"$BENCH/../tests/deps.sh" || exit 1
make -C "$BENCH/.." -s BUILD="$BUILD" ${SAN:+SAN=$SAN} all bench >/dev/null || exit 1
export STATE=${STATE:-$(mktemp -d /tmp/ravpn-bench.XXXXXX)}
chmod 755 "$STATE"
. "$BENCH/../tests/integration/lib.sh"
. "$ROOT/tests/integration/strongswan/charon.sh"
GEN=$(dirname "$BIN")/bench/ravpn-espgen

cpu_of_pids() { # utime+stime (s) of the given PIDs (their threads included)
	local sum=0 p
	for p in "$@"; do
		sum=$(awk -v s="$sum" '{printf "%.2f", s + ($14 + $15) / 100}' "/proc/$p/stat" 2>/dev/null || echo "$sum")
	done
	echo "$sum"
}
cpu_of_tree() { cpu_of_pids "$1" $(children_of "$1"); } # PID and its children

iperf_run() { # iperf_run [iperf args] -> "mbit bytes"
	ip netns exec "$NS_LAN" iperf3 -s -1 -B 10.100.0.1 >/dev/null 2>&1 &
	local srv=$!
	for _ in $(seq 50); do ip netns exec "$NS_LAN" ss -ltn | grep -q ':5201 ' && break; sleep 0.05; done
	ip netns exec "$NS_CL" timeout $((T + 20)) iperf3 -c 10.100.0.1 -t "$T" -J "$@" >"$STATE/iperf.json" 2>&1
	wait "$srv" 2>/dev/null
	/usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]["sum_received"]
print("%.0f %d" % (e["bits_per_second"] / 1e6, e["bytes"]))' "$STATE/iperf.json" 2>/dev/null || echo "0 0"
}

# Busy seconds of the whole machine (every CPU: all but idle and iowait).
machine_busy() {
	awk '$1 == "cpu" { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / 100 }' /proc/stat
}

# measure NAME GATEWAY_PID -> one line per direction:
#   NAME DIR MBIT "Mbit/s" CPU "CPU s" CPU_PER_GB "CPU s/GB" "machine" M "s/GB"
# (M: the whole machine's busy CPU per GB, clients and hosts included: the
# gateway's share of the namespaces' kernel work depends on who sends.)
measure() {
	local name=$1 pid=$2 dir c0 c1 m0 m1 r mbit bytes
	for dir in up down; do
		c0=$(cpu_of_tree "$pid") m0=$(machine_busy)
		if [ $dir = up ]; then r=$(iperf_run); else r=$(iperf_run -R); fi
		c1=$(cpu_of_tree "$pid") m1=$(machine_busy)
		read -r mbit bytes <<<"$r"
		awk -v n="$name" -v d="$dir" -v m="$mbit" -v b="$bytes" -v c="$(echo "$c1 - $c0" | bc)" \
			-v mc="$(echo "$m1 - $m0" | bc)" \
			'BEGIN { gb = b / 1e9; printf "%-18s %-5s %8d Mbit/s  %6.2f CPU s  %7.2f CPU s/GB  machine %6.2f s/GB\n", n, d, m, c, (b > 0 ? c / gb : 0), (b > 0 ? mc / gb : 0) }'
	done
}

# The reference strongSwan gateway (kernel-libipsec) in the gateway
# namespace, configured by bench/strongswan; its own directory and a
# private /run, so a strongSwan client (charon.sh) can run beside it.
GW_CHARON_PID=
gwswan_start() {
	local d=$STATE/gw-charon
	mkdir -p "$d/run" "$d/swanctl"/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	sed "s|@STATE@|$d|g" "$BENCH/strongswan/strongswan.conf.in" >"$d/strongswan.conf"
	cp "$BENCH/strongswan/swanctl.conf" "$d/swanctl/swanctl.conf"
	ip netns exec "$NS_GW" sh -c "mount --bind '$d/run' /run && STRONGSWAN_CONF='$d/strongswan.conf' exec /usr/lib/ipsec/charon" \
		>"$STATE/gw-charon.stderr" 2>&1 &
	GW_CHARON_PID=$!
	PIDS+=("$GW_CHARON_PID")
	for _ in $(seq 100); do [ -S "$d/run/charon.vici" ] && break; sleep 0.05; done
	SWANCTL_DIR=$d/swanctl STRONGSWAN_CONF=$d/strongswan.conf swanctl --load-all --noprompt \
		--file "$d/swanctl/swanctl.conf" --uri "unix://$d/run/charon.vici" >"$STATE/gw-swanctl.log" 2>&1
}
gwswan_stop() {
	[ -n "$GW_CHARON_PID" ] || return 0
	kill "$GW_CHARON_PID" 2>/dev/null; wait "$GW_CHARON_PID" 2>/dev/null; GW_CHARON_PID=
}

# The strongSwan client (charon.sh, tests/integration/strongswan/swanctl.conf
# or $SWCONF) brings up one child: gcm128 is aes128gcm16.
swclient_up() { # swclient_up CHILD
	[ -n "$CHARON_PID" ] || charon_start "${SWCONF:-$ROOT/tests/integration/strongswan/swanctl.conf}" || return 1
	sw --initiate --ike v1 --child "$1" --timeout 30 >"$STATE/sw-initiate-$1.log" 2>&1
}
swclient_down() { sw --terminate --ike v1 --force >/dev/null 2>&1; sleep 0.5; }

# The second client namespace (topo_client2 of lib.sh) goes.
client2_down() { ip netns del "$NS_CL2" 2>/dev/null; return 0; }

# The assigned (inner) address of the session from public address $1.
inner_of() {
	ctl --json show vpn-sessiondb | /usr/bin/python3 -c '
import json, sys
print([r["assigned_ip"] for r in json.load(sys.stdin) if r["public_ip"] == sys.argv[1]][0])' "$1" 2>/dev/null
}

# Key "k=v" of a generator result line: kv KEY "LINE"
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -1; }
