#!/bin/bash
# Issue 5, batching and offloads: a 20 MB TCP transfer from the LAN to a
# vpnc client arrives intact (SHA-256) and went the offload path - the
# ESP worker split TUN super-segments (tso_split) and sent the segments as
# UDP GSO batches (gso_sends); a capture of it, decrypted by tshark, has
# right checksums and nothing malformed.  20 MB the other way arrives
# intact too, and ESP sent by a client in UDP GSO batches (built by
# esp_gso_send.py) reaches the worker whole through UDP_GRO and is split
# (gro_batches); decrypted TCP segments, and the UDP datagrams of one
# flow, reach the TUN coalesced, several per write (tun_gso_writes); the
# workers' receive moderation (default rx-usecs 100) waited while vpnc
# streamed, and after a reload to `crypto engine rx-usecs 0` it does not.
# Then `crypto engine offload disable`: the same traffic, intact, with
# every offload counter at zero.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
PORT=5001
BLOB=$STATE/blob
CAP=$STATE/split.pcapng
KEYS=$STATE/keys

# sum_stat KEY: the key summed over every ESP worker in `ravpnctl stats`
sum_stat() {
	ctl --json stats | /usr/bin/python3 -c '
import json, sys
print(sum(w[sys.argv[1]] for w in json.load(sys.stdin)["esp_workers"]))' "$1"
}
stat_above() { [ "$(sum_stat "$1")" -gt "$2" ]; }

# receive NS ADDR OUT: listens on ADDR:PORT in NS, writes the SHA-256 of
# what one connection sent to OUT (in the background)
receive() {
	ip netns exec "$1" timeout 60 /usr/bin/python3 -c '
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b: break
    h.update(b); n += len(b)
open(sys.argv[3], "w").write("%s %d\n" % (h.hexdigest(), n))' "$2" "$PORT" "$3" &
	PIDS+=("$!")
	RECV_PID=$!
	sleep 0.5
}

# transfer FROM_NS TO_NS TO_ADDR: 20 MB with sendfile, true when the
# receiver saw exactly the blob
transfer() {
	local out=$STATE/recv.$RANDOM
	receive "$2" "$3" "$out"
	ip netns exec "$1" timeout 60 /usr/bin/python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
with open(sys.argv[3], "rb") as f: s.sendfile(f)
s.close()' "$3" "$PORT" "$BLOB" || return 1
	wait "$RECV_PID" 2>/dev/null
	[ "$(cat "$out" 2>/dev/null)" = "$(sha256sum "$BLOB" | cut -d' ' -f1) $((20 << 20))" ]
}

sink() { # sink NS ADDR PORT OUT: distinct intact "gso N" datagrams received, written to OUT
	ip netns exec "$1" timeout 30 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(10); seen = set()
try:
    while True:
        d = s.recv(2048); s.settimeout(2)
        if d.startswith(b"gso "):
            n = int(d.split()[1])
            if d == ("gso %d " % n).encode().ljust(1000, b"."): seen.add(n)
except socket.timeout: pass
open(sys.argv[3], "w").write("%d\n" % len(seen))' "$2" "$3" "$4" &
	PIDS+=("$!")
	SINK_PID=$!
	sleep 0.5
}

head -c $((20 << 20)) /dev/urandom >"$BLOB"
topo_up || { not_ok "topology"; exit 1; }
cp "$ROOT/etc/ravpn.conf" "$STATE/ravpn.conf"
check "ravpnd starts with etc/ravpn.conf" ravpnd_start "$STATE/ravpn.conf" --keylog "$KEYS"
check "ESP workers moderate receives by default (rx-usecs 100)" log_has "rx-usecs 100"
check "TUN queues opened with offloads" log_has "ravpn0 offloads: csum tso4"
check "ESP workers use the virtio-net header, UDP GSO and GRO" \
	log_has "offloads: TUN virtio-net header 10 bytes, UDP GSO on, UDP GRO on"
check "vpnc (force-natt) connects" vpnc_up vpngroup groupsecret alice alicepass force-natt
ADDR=$(env_of INTERNAL_IP4_ADDRESS)
check "ping through the tunnel" ping_lan 3
wait_for 5 stat_above updated 0
SPLIT0=$(sum_stat tso_split) GSO0=$(sum_stat gso_sends) SEAL0=$(sum_stat drop_seal)
check "20 MB TCP LAN -> client arrives intact (SHA-256)" transfer $NS_LAN $NS_CL "$ADDR"
# Again, captured: a GSO send crosses the veth as one large datagram, so
# the gateway's veth cuts it (software GSO) to show tshark each ESP packet.
ip netns exec $NS_GW ethtool -K gw0 tx-udp-segmentation off >/dev/null 2>&1
ip netns exec $NS_CL tshark -q -i cl0 -c 4000 -a duration:30 -w "$CAP" >"$STATE/tshark.log" 2>&1 &
TSHARK=$!
PIDS+=("$TSHARK")
wait_for 10 grep -qs "Capturing on" "$STATE/tshark.log"
check "20 MB TCP LAN -> client intact, with software GSO" transfer $NS_LAN $NS_CL "$ADDR"
kill -INT "$TSHARK" 2>/dev/null; wait "$TSHARK" 2>/dev/null
ip netns exec $NS_GW ethtool -K gw0 tx-udp-segmentation on >/dev/null 2>&1
# The split segments, decrypted: checksums verified, nothing malformed
# (sequence analysis off: a loss under load is no defect of the split).
mapfile -t TOPTS < <("$ROOT/tests/tshark-keys.sh" "$KEYS")
TOPTS+=(-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -o tcp.analyze_sequence_numbers:FALSE)
count() { # count FILTER: matching packets, -1 if tshark failed (a bad filter counts nothing)
	local out
	out=$(tshark -r "$CAP" "${TOPTS[@]}" -Y "$1" 2>/dev/null) || { echo -1; return; }
	[ -z "$out" ] && echo 0 || wc -l <<<"$out"
}
SEGS="ip.src == 10.99.0.1 && esp && tcp.dstport == $PORT && tcp.len > 1000"
BAD='ip.src == 10.99.0.1 && (ip.checksum.status == 0 || tcp.checksum.status == 0 || _ws.malformed || _ws.expert.severity >= "Warning")'
check "capture: ESP decrypts to MSS-sized TCP segments from the LAN" test "$(count "$SEGS")" -ge 1000
check "capture: no bad IP or TCP checksum, nothing malformed, no expert warning" \
	test "$(count "$BAD")" -eq 0
check "super-segments split (tso_split grew)" wait_for 6 stat_above tso_split "$SPLIT0"
check "UDP GSO sends (gso_sends grew)" wait_for 6 stat_above gso_sends "$GSO0"
check "more packets than super-segments (tso_segs > tso_split)" \
	bash -c "[ $(sum_stat tso_segs) -gt $(sum_stat tso_split) ]"
check "no seal failures" bash -c "[ $(sum_stat drop_seal) = $SEAL0 ]"
check "ravpnctl stats text shows the offload line" \
	bash -c "'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' stats | grep -q 'super-segments split'"
# A LAN host's UDP GSO sends (as a QUIC server makes them) cross the
# gateway whole: the TUN (USO4) hands each to the worker as one UDP_L4
# packet, which it cuts into the datagrams and seals (tso_split grows).
lan_gso_send() { # lan_gso_send DST PORT SENDS: SENDS x 10 datagrams "gso N", 1000 bytes each
	ip netns exec $NS_LAN /usr/bin/python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)     # UDP_SEGMENT
for k in range(int(sys.argv[3])):
    s.sendto(b"".join(("gso %d " % (10 * k + i)).encode().ljust(1000, b".") for i in range(10)),
             (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.01)' "$@"
}
SPLIT0=$(sum_stat tso_split) SEGS0=$(sum_stat tso_segs)
sink $NS_CL "$ADDR" 6001 "$STATE/lan-gso.out"
lan_gso_send "$ADDR" 6001 20
wait "$SINK_PID" 2>/dev/null
check "TUN hands UDP GSO over whole (log: uso4)" log_has "ravpn0 offloads: csum tso4 tso-ecn uso4"
check "LAN UDP GSO: all 200 datagrams reach the client intact" \
	test "$(cat "$STATE/lan-gso.out" 2>/dev/null)" = 200
split_at_least() { [ "$(sum_stat tso_split)" -ge "$1" ] && [ "$(sum_stat tso_segs)" -ge "$2" ]; }
check "the worker cut the UDP_L4 packets (tso_split +20, tso_segs +200)" \
	wait_for 6 split_at_least $((SPLIT0 + 20)) $((SEGS0 + 200))
# Captured on the LAN: the gateway's LAN veth does no TSO and no checksum
# offload, so the kernel segments the coalesced writes and finishes their
# checksums from the pseudo-header sum the worker left - as a NIC would.
COAL0=$(sum_stat tun_gso_writes)
CAP2=$STATE/lan.pcapng
ip netns exec $NS_GW ethtool -K gwlan tso off tx off >/dev/null 2>&1
ip netns exec $NS_LAN tshark -q -i lan0 -c 4000 -a duration:30 -w "$CAP2" >"$STATE/tshark2.log" 2>&1 &
TSHARK=$!
PIDS+=("$TSHARK")
wait_for 10 grep -qs "Capturing on" "$STATE/tshark2.log"
check "20 MB TCP client -> LAN arrives intact (SHA-256)" transfer $NS_CL $NS_LAN 10.100.0.1
kill -INT "$TSHARK" 2>/dev/null; wait "$TSHARK" 2>/dev/null
ip netns exec $NS_GW ethtool -K gwlan tso on tx on >/dev/null 2>&1
CAP=$CAP2
check "LAN capture: the client's TCP segments are there" \
	test "$(count "ip.src == $ADDR && tcp.dstport == $PORT && tcp.len > 1000")" -ge 1000
check "LAN capture: no bad IP or TCP checksum, nothing malformed" \
	test "$(count "ip.src == $ADDR && (ip.checksum.status == 0 || tcp.checksum.status == 0 || _ws.malformed)")" -eq 0
check "decrypted segments coalesced into GSO TUN writes (tun_gso_writes grew)" \
	wait_for 6 stat_above tun_gso_writes "$COAL0"
check "more segments than coalesced writes (tun_gso_segs > tun_gso_writes)" \
	bash -c "[ $(sum_stat tun_gso_segs) -gt $(sum_stat tun_gso_writes) ]"
check "receive moderation waited while vpnc streamed (rx_waits > 0)" stat_above rx_waits 0
check "ravpnctl stats text shows the moderation line" \
	bash -c "'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' stats | grep -q 'receive moderation: [1-9][0-9]* waits'"
# A reload to rx-usecs 0: the workers stop waiting (counted after a fresh
# report, so the reload has reached them).
echo "crypto engine rx-usecs 0" >>"$STATE/ravpn.conf"
check "reload with crypto engine rx-usecs 0" ctl reload
UPD=$(sum_stat updated)
wait_for 8 stat_above updated "$UPD"
WAITS0=$(sum_stat rx_waits)
check "20 MB TCP client -> LAN intact with rx-usecs 0" transfer $NS_CL $NS_LAN 10.100.0.1
UPD=$(sum_stat updated)
wait_for 8 stat_above updated "$UPD"
check "no moderation waits after the reload (rx_waits stays $WAITS0)" \
	bash -c "[ $(sum_stat rx_waits) = $WAITS0 ]"

# --- receive side: a client that sends UDP GSO batches (esp_gso_send.py,
# ESP built in Python with the keylog's keys); the batch reaches the
# worker's UDP_GRO socket whole, with the segment size in a cmsg ---
GRO0=$(sum_stat gro_batches) GROSEGS0=$(sum_stat gro_segs)
COAL0=$(sum_stat tun_gso_writes) COALSEGS0=$(sum_stat tun_gso_segs)
sink $NS_LAN 10.100.0.1 6000 "$STATE/sink.out"
SENT=$(ip netns exec $NS_CL /usr/bin/python3 "$ROOT/tests/integration/esp_gso_send.py" "$KEYS" \
	10.99.0.2 10.99.0.1 "$ADDR" 10.100.0.1 6000 20 40 100000000)
wait "$SINK_PID" 2>/dev/null
check "client UDP GSO: 20 batches of 40 ESP packets sent" test "${SENT:-0}" = 800
check "every inner packet reached the LAN (800)" test "$(cat "$STATE/sink.out" 2>/dev/null)" = 800
check "UDP GRO datagrams split (gro_batches +20)" wait_for 6 stat_above gro_batches $((GRO0 + 19))
check "and their ESP packets opened one by one (gro_segs +800)" \
	wait_for 6 stat_above gro_segs $((GROSEGS0 + 799))
# The 40 inner datagrams of a batch (one flow, 1000 bytes, consecutive
# ids) reach the TUN as UDP_L4 writes that the kernel cut back into the
# same datagrams: the sink above checked each one's bytes.
check "decrypted UDP datagrams coalesced into UDP_L4 TUN writes (tun_gso_writes grew)" \
	wait_for 6 stat_above tun_gso_writes "$COAL0"
check "several datagrams per coalesced write (tun_gso_segs grew by 2 x writes)" bash -c \
	"[ \$(( $(sum_stat tun_gso_segs) - $COALSEGS0 )) -ge \$(( 2 * ($(sum_stat tun_gso_writes) - $COAL0) )) ]"
# Wire-like: the client's veth cuts each GSO send in software (with TSO
# off too: veth's rule for feeding its peer's GRO) and the
# gateway's veth runs the GRO engine on them, as a NIC's GRO would on a
# burst.  GRO asks one member of the UDP 4500 reuseport group, chosen by
# a hash of the addresses, whether to merge: the IKE member says yes too
# (master sets UDP_GRO on it), so every flow is merged, from whichever
# port.  12 source ports: were the IKE member to say no, about a third of
# them (1 member in 3) would arrive unmerged.
ip netns exec $NS_CL ethtool -K cl0 tso off tx-udp-segmentation off >/dev/null 2>&1
ip netns exec $NS_GW ethtool -K gw0 gro off >/dev/null 2>&1
ip netns exec $NS_GW ethtool -K gw0 gro on >/dev/null 2>&1
GRO0=$(sum_stat gro_batches)
sink $NS_LAN 10.100.0.1 6000 "$STATE/sink-wire.out"
for p in $(seq 4601 4612); do
	ip netns exec $NS_CL /usr/bin/python3 "$ROOT/tests/integration/esp_gso_send.py" "$KEYS" \
		10.99.0.2 10.99.0.1 "$ADDR" 10.100.0.1 6000 3 40 $((200000000 + p * 1000)) "$p" >/dev/null
done
wait "$SINK_PID" 2>/dev/null
check "wire-like GRO: the inner packets reached the LAN (all 120 indices)" \
	test "$(cat "$STATE/sink-wire.out" 2>/dev/null)" -ge 120
check "wire-like GRO: every one of the 36 batches from 12 ports reached a worker merged" \
	wait_for 6 stat_above gro_batches $((GRO0 + 35))
vpnc_down
ravpnd_stop

# --- crypto engine offload disable: the plain path, same result (its own
# state: the first run's counters stay in the first db) ---
STATE=$STATE/nooffload
mkdir -p "$STATE"
CONF=$STATE/ravpn.conf
KEYS=$STATE/keys
{ cat "$ROOT/etc/ravpn.conf"; echo "crypto engine offload disable"; } >"$CONF"
check "ravpnd starts with crypto engine offload disable" ravpnd_start "$CONF" --keylog "$KEYS"
check "TUN without offloads" log_has "ravpn0: offloads disabled by config"
check "workers: no virtio-net header, GSO and GRO off" \
	log_has "TUN virtio-net header 0 bytes, UDP GSO off, UDP GRO off (crypto engine offload disable)"
check "vpnc connects (offloads off)" vpnc_up vpngroup groupsecret alice alicepass force-natt
ADDR=$(env_of INTERNAL_IP4_ADDRESS)
check "20 MB TCP LAN -> client intact without offloads" transfer $NS_LAN $NS_CL "$ADDR"
sink $NS_LAN 10.100.0.1 6000 "$STATE/sink.out"
ip netns exec $NS_CL /usr/bin/python3 "$ROOT/tests/integration/esp_gso_send.py" "$KEYS" \
	10.99.0.2 10.99.0.1 "$ADDR" 10.100.0.1 6000 20 40 100000000 >/dev/null
wait "$SINK_PID" 2>/dev/null
check "client UDP GSO without GRO: the kernel cuts it, all 800 reach the LAN" \
	test "$(cat "$STATE/sink.out" 2>/dev/null)" = 800
check "worker stats reported" wait_for 6 stat_above out_pkts 1000
check "offload counters stay zero" bash -c \
	"[ $(sum_stat tso_split) = 0 ] && [ $(sum_stat gso_sends) = 0 ] && [ $(sum_stat gro_batches) = 0 ] && [ $(sum_stat tun_gso_writes) = 0 ]"
echo "# ravpnd log: $STATE/ravpnd.log"
[ $N_FAIL = 0 ]
