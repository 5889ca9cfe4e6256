# LAN-to-LAN test helpers, sourced after lib.sh and strongswan/charon.sh by
# test_l2l.sh and test_l2l_workers.sh:
#   ns lan 10.100.0.1 --- gw (ravpnd A, 10.99.0.1) === cl (peer B, 10.99.0.2) --- ns lan2 10.201.0.1
#   lan2_up                      the LAN behind the peer gateway (in $NS_CL)
#   l2l_write_a_conf WORKERS     $STATE/a.conf: ravpn A's map entry toward 10.99.0.2
#   l2l_write_swanctl            $STATE/swanctl-l2l.conf: strongSwan as peer B
#   ping_from NS DST [COUNT], ping_once NS DST, tcp_transfer FROM_NS TO_NS TO_IP
#   isakmp_json, ipsec_sa_count, has_ipsec_sa, no_ipsec_sa, no_isakmp_sa, has_isakmp_sa,
#   sw_child_up CHILD, sw_ike_up, sw_sa_gone RE, log_count TEXT, explain
NS_LAN2=${NS_LAN2:-${NS_CL}-lan2}
. "$ROOT/tests/integration/traffic_lib.sh"

# ---- topology: lib.sh's, plus a LAN behind the peer gateway ----
lan2_up() {
	ip netns del "$NS_LAN2" 2>/dev/null
	ip netns add "$NS_LAN2"
	ip -n "$NS_LAN2" link set lo up
	ip link add lanb netns "$NS_CL" type veth peer name lan0 netns "$NS_LAN2"
	ip -n "$NS_CL" addr add 10.201.0.254/24 dev lanb
	ip -n "$NS_LAN2" addr add 10.201.0.1/24 dev lan0
	ip -n "$NS_CL" link set lanb up
	ip -n "$NS_LAN2" link set lan0 up
	ip -n "$NS_LAN2" route add default via 10.201.0.254
	ip netns exec "$NS_CL" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_CL" sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip netns exec "$NS_CL" sysctl -qw net.ipv4.conf.default.rp_filter=0
}

# ---- configurations ----
l2l_write_a_conf() { # l2l_write_a_conf WORKERS
	{ cat "$ROOT/etc/ravpn.conf"; cat <<EOF; } >"$STATE/a.conf"
crypto engine workers $1
access-list L2L extended permit ip 10.100.0.0 255.255.255.0 10.201.0.0 255.255.255.0
crypto map OUTSIDE 10 match address L2L
crypto map OUTSIDE 10 set peer 10.99.0.2
crypto map OUTSIDE 10 set ikev1 transform-set TS-AES-SHA
crypto map OUTSIDE 10 set pfs group14
crypto map OUTSIDE 10 set security-association lifetime seconds 3600
tunnel-group 10.99.0.2 type ipsec-l2l
tunnel-group 10.99.0.2 ipsec-attributes
 ikev1 pre-shared-key l2lsecret
EOF
}

l2l_write_swanctl() {
	cat >"$STATE/swanctl-l2l.conf" <<'EOF'
connections {
    l2l {
        version = 1
        local_addrs = 10.99.0.2
        remote_addrs = 10.99.0.1
        encap = yes
        proposals = aes256-sha1-modp1024
        rekey_time = 0
        local {
            auth = psk
            id = 10.99.0.2
        }
        remote {
            auth = psk
            id = 10.99.0.1
        }
        children {
            net {
                local_ts = 10.201.0.0/24
                remote_ts = 10.100.0.0/24
                esp_proposals = aes128-sha1-modp2048
                rekey_time = 0
            }
            wide {
                local_ts = 10.201.0.0/24
                remote_ts = 10.100.0.0/16
                esp_proposals = aes128-sha1-modp2048
                rekey_time = 0
            }
            narrow {
                local_ts = 10.201.0.1/32
                remote_ts = 10.100.0.1/32
                esp_proposals = aes128-sha1-modp2048
                rekey_time = 0
            }
        }
    }
}
secrets {
    ike-l2l {
        id-a = 10.99.0.1
        id-b = 10.99.0.2
        secret = l2lsecret
    }
}
EOF
}

# ---- traffic ----
ping_from() { # ping_from NS DST [COUNT]
	ip netns exec "$1" ping -c "${3:-3}" -i 0.2 -W 1 "$2" >/dev/null 2>&1
}
ping_once() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
# a short TCP transfer: 2 MB of random bytes, hashed on both ends
tcp_transfer() { # tcp_transfer FROM_NS TO_NS TO_IP
	[ -s "$STATE/random.bin" ] || head -c 2000000 /dev/urandom >"$STATE/random.bin"
	tcp_sha_transfer "$2" "$3" "$1" "$3" 5602 20
}

# ---- state ----
isakmp_json() { ctl --json show crypto isakmp sa 2>/dev/null; }
ipsec_sa_count() { # live IPsec SA entries ravpn A shows for the peer
	ctl --json show crypto ipsec sa peer 10.99.0.2 2>/dev/null | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(len(d))' 2>/dev/null || echo 0
}
no_ipsec_sa() { [ "$(ipsec_sa_count)" = 0 ]; }
has_ipsec_sa() { [ "$(ipsec_sa_count)" != 0 ]; }
no_isakmp_sa() { [ "$(isakmp_json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)" = 0 ]; }
has_isakmp_sa() { # at least one IKE SA (a failing ravpnctl is not "one")
	local n
	n=$(isakmp_json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
	[ -n "$n" ] && [ "$n" -ge 1 ]
}
sw_child_up() { sw --list-sas 2>/dev/null | grep -q "$1:.*INSTALLED"; }
sw_ike_up() { sw --list-sas 2>/dev/null | grep -q "l2l:.*ESTABLISHED"; }
# strongSwan answered and shows no such SA (a failing swanctl is not "gone")
sw_sa_gone() { local out; out=$(sw --list-sas 2>/dev/null) || return 1; ! grep -q "$1" <<<"$out"; }
log_count() { grep -c -- "$1" "$STATE/ravpnd.log"; }
explain() {
	echo "# --- ravpnd A log (l2l lines)"
	grep -aiE 'l2l|lan-to-lan|main mode|quick mode|acquire|peer 10.99.0.2|refus|invalid' \
		"$STATE/ravpnd.log" | tail -20 | sed 's/^/#   /'
	[ -f "$CH/charon.log" ] && { echo "# --- charon"; grep -aiE 'error|fail|notify|INVALID|NO_PROP|received|establish' "$CH/charon.log" | tail -15 | sed 's/^/#   /'; }
	return 0
}
