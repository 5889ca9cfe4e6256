# Traffic through the tunnels and what ravpn counts of it, for the tests
# that source this after lib.sh:
#   tcp_sha_transfer SINK_NS SINK_IP SEND_NS DST_IP PORT [TIMEOUT]
#       $STATE/random.bin over one TCP connection, sha256 and length
#       compared on both ends (TIMEOUT: socket timeout, default 30 s)
#   ipsec_spis                 "in/out" SPI pairs of show crypto ipsec sa
#   rekey_traffic SECS         iperf3 at 20 Mbit/s client -> LAN and a ping
#                              every 50 ms ($STATE/iperf.json, ping.txt)
#   iperf_stalls [streams]     1 s intervals without data (per stream)
#   late_pings                 unanswered pings with their time, as comments
#   check_new_spis FIRST       a TAP check: the SPIs are no longer FIRST
#   worker_stats TAG, workers_settled
#   worker_only BEFORE AFTER W N [delta|total]   see below

# A TCP sink that hashes what it receives, and a sender of a file.
TCP_SINK_PY='
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(int(sys.argv[4]))
c, _ = s.accept()
c.settimeout(int(sys.argv[4]))
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
open(sys.argv[3], "w").write("%s %d\n" % (h.hexdigest(), n))'
TCP_SEND_PY='
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=int(sys.argv[4]))
with open(sys.argv[3], "rb") as f:
    while True:
        b = f.read(65536)
        if not b:
            break
        c.sendall(b)
c.shutdown(socket.SHUT_WR)
c.recv(1)
c.close()'

tcp_sha_transfer() { # tcp_sha_transfer SINK_NS SINK_IP SEND_NS DST_IP PORT [TIMEOUT]
	local want got sink t=${6:-30}
	rm -f "$STATE/sink.sha"
	ip netns exec "$1" /usr/bin/python3 -c "$TCP_SINK_PY" "$2" "$5" "$STATE/sink.sha" "$t" &
	sink=$!
	PIDS+=("$sink")
	sleep 0.3
	ip netns exec "$3" timeout $((2 * t)) /usr/bin/python3 -c "$TCP_SEND_PY" "$4" "$5" "$STATE/random.bin" "$t"
	wait "$sink" 2>/dev/null
	want="$(sha256sum <"$STATE/random.bin" | cut -d' ' -f1) $(stat -c %s "$STATE/random.bin")"
	got=$(cat "$STATE/sink.sha" 2>/dev/null)
	[ "$got" = "$want" ] || { echo "# sent $want, received '$got'" >&2; return 1; }
}

# ---- rekeys under traffic ----
ipsec_spis() { ctl --json show crypto ipsec sa | /usr/bin/python3 -c '
import json, sys
print(" ".join("%x/%x" % (r["spi_in"], r["spi_out"]) for r in json.load(sys.stdin)))'; }

rekey_traffic() { # rekey_traffic SECS
	local iperf
	ip netns exec "$NS_LAN" iperf3 -s -1 -B 10.100.0.1 >/dev/null 2>&1 &
	PIDS+=("$!")
	sleep 0.3
	ip netns exec "$NS_CL" timeout $(($1 + 15)) iperf3 -c 10.100.0.1 -t "$1" -i 1 -b 20M -J \
		>"$STATE/iperf.json" 2>&1 &
	iperf=$!
	PIDS+=("$iperf")
	ip netns exec "$NS_CL" ping -i 0.05 -w "$1" -D -O 10.100.0.1 >"$STATE/ping.txt" 2>&1
	wait "$iperf"
}

iperf_stalls() { # iperf_stalls [streams]: intervals (of a stream) without data
	/usr/bin/python3 -c '
import json, sys
iv = json.load(open(sys.argv[1]))["intervals"]
if sys.argv[2] == "streams":
    print(sum(1 for i in iv for s in i["streams"] if s["bytes"] == 0))
else:
    print(sum(1 for i in iv if i["sum"]["bytes"] == 0))' "$STATE/iperf.json" "${1:-sum}"
}

# unanswered pings (ping -O) with their time, to set beside the rekeys in the log
late_pings() {
	awk '/no answer yet/ { gsub(/[][]/, "", $1); print $1, $NF }' "$STATE/ping.txt" | head -20 |
		while read -r t s; do echo "# no answer in time: $s sent $(date -d "@$t" +%T.%3N)"; done
}

check_new_spis() { # check_new_spis FIRST
	local now
	now=$(ipsec_spis)
	check "show crypto ipsec sa shows new SPIs ($1 -> $now)" bash -c "[ -n '$now' ] && [ '$now' != '$1' ]"
}

# ---- ESP workers' counters ----
worker_stats() { ctl --json stats >"$STATE/stats.$1.json"; }	# worker_stats TAG
workers_settled() { sleep 4.5; }	# the workers report every 2 s: twice since

# worker_only BEFORE AFTER W N [delta|total]: between the two worker_stats
# snapshots worker W sealed and opened >= N packets more, the other worker
# none; no worker counted a no-SA drop meanwhile (delta) or ever (total).
worker_only() {
	/usr/bin/python3 - "$STATE/stats.$1.json" "$STATE/stats.$2.json" "$3" "$4" "${5:-delta}" <<'PY'
import json, sys
a = {w["esp_worker"]: w for w in json.load(open(sys.argv[1]))["esp_workers"]}
b = {w["esp_worker"]: w for w in json.load(open(sys.argv[2]))["esp_workers"]}
me, n, total = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "total"
d = lambda w, k: b[w][k] - a.get(w, {}).get(k, 0)
drops = (lambda w, k: b[w][k]) if total else d
ok = len(b) == 2 and d(me, "in_pkts") >= n and d(me, "out_pkts") >= n
for w in b:
    if w != me:
        ok = ok and d(w, "in_pkts") == 0 and d(w, "out_pkts") == 0
    ok = ok and drops(w, "drop_no_sa_in") == 0 and drops(w, "drop_no_sa_out") == 0
print("# per worker (in, out, no_sa_in, no_sa_out):",
      {w: (d(w, "in_pkts"), d(w, "out_pkts"), drops(w, "drop_no_sa_in"), drops(w, "drop_no_sa_out"))
       for w in b}, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
