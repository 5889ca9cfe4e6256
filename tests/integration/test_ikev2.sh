#!/bin/bash
# strongSwan 5.9 as an IKEv2 client of ravpn with pre-shared keys (the
# tunnel-group's ikev2 keys of etc/ravpn.conf, IKE ID user@group):
#  * a client whose KE is of a group the policy does not take gets
#    INVALID_KE_PAYLOAD naming group 14 and connects with it;
#  * its TSr of 0.0.0.0/0 is narrowed to the group-policy's split-tunnel
#    network; the session shows protocol IKEv2, user alice, group vpngroup;
#  * the operator's logoff reaches the client as an IKEv2 Delete;
#  * the client rekeys its child SA every 3 s with PFS (MODP-2048) and its
#    IKE SA every 5 s while it pings: no ping lost, each old SA deleted,
#    the session (and its lease) the same;
#  * refusals, each with ravpnd's log line and the notify the client logs:
#    a wrong key and an unknown group (AUTHENTICATION_FAILED), an ESP
#    proposal no ipsec-proposal has (NO_PROPOSAL_CHOSEN, then our Delete).
# test_strongswan.sh carries the 100 MB transfers (ChaCha20-Poly1305 and
# AES-GCM-256 over IKEv2).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/swan_lib.sh"
CONF=$ROOT/etc/ravpn.conf
trap 'charon_stop; cleanup' EXIT

SWAN_WHY='error|fail|notify|NO_PROPOSAL|INVALID|selected|giving up|retransmit|TS|traffic'
SWAN_WHY_RAVPN='ikev2|IKE_|auth|proposal|refus|fail|notify|group'

# conn NAME ID [PROPOSALS] [ESP] [REMOTE_TS] [CHILD_REKEY CHILD_LIFE
# [IKE_REKEY]]: one IKEv2 connection, child c
conn() {
	cat <<EOF2
    $1 {
        version = 2
        encap = yes
        remote_addrs = 10.99.0.1
        proposals = ${3:-aes128-sha256-modp2048}
        vips = 0.0.0.0
        rekey_time = ${8:-0}
        over_time = 60s
        local {
            auth = psk
            id = $2
        }
        remote {
            auth = psk
            id = 10.99.0.1
        }
        children {
            c {
                remote_ts = ${5:-10.100.0.0/24}
                esp_proposals = ${4:-aes256gcm16}
                rekey_time = ${6:-0}
                life_time = ${7:-0}
                rand_time = 0
            }
        }
    }
EOF2
}

swanctl_conf() {
	echo "connections {"
	conn ke alice@vpngroup aes128-sha256-modp3072-modp2048 chacha20poly1305 0.0.0.0/0
	conn badkey carol@vpngroup
	conn nogroup bob@nogroup
	conn noprop alice@vpngroup aes128-sha256-modp2048 aes128-md5
	conn rekey alice@vpngroup aes128-sha256-modp2048 aes256gcm16-modp2048 10.100.0.0/24 3s 60s 5s
	cat <<EOF2
}
secrets {
    ike-alice {
        id-1 = alice@vpngroup
        id-2 = 10.99.0.1
        secret = v2groupsecret
    }
    ike-carol {
        id-1 = carol@vpngroup
        id-2 = 10.99.0.1
        secret = not-the-group-key
    }
    ike-bob {
        id-1 = bob@nogroup
        id-2 = 10.99.0.1
        secret = v2groupsecret
    }
}
EOF2
}

# refuse CONN WHAT NOTIFY RAVPN_LOG_RE: the client fails to connect, ravpnd
# logs why, the client logs the notify; no session is left.
refuse() {
	local conn=$1 what=$2 notify=$3 re=$4
	mark
	if sw --initiate --ike "$conn" --child c --timeout 20 >"$CH/initiate.log" 2>&1; then
		not_ok "$conn: refused ($what)"
	else
		ok "$conn: refused ($what)"
	fi
	check "$conn: ravpnd logs '$re'" wait_for 3 ravpn_logged "$re"
	if ! wait_for 3 charon_logged "received $notify"; then
		not_ok "$conn: client received $notify"
		swan_explain "$SWAN_WHY" "$SWAN_WHY_RAVPN"
	else
		ok "$conn: client received $notify"
	fi
	end_ike "$conn"
	check "$conn: no session left" wait_for 5 no_session
}

session_v2() { # alice in vpngroup over IKEv2 with ChaCha20-Poly1305
	session_json | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["username"] == "alice"]
ok = (len(rows) == 1 and rows[0]["tunnel_group"] == "vpngroup" and
      rows[0]["protocol"].startswith("IKEv2") and
      rows[0]["encryption"] == "CHACHA20-POLY1305" and rows[0]["assigned_ip"].startswith("10.200.0."))
if not ok:
    print("#", rows)
sys.exit(0 if ok else 1)'
}

client_sas() { sw --list-sas 2>/dev/null; }
no_refusal() { ! new_ravpn | grep -aqE '(CREATE_CHILD_SA|IKE SA rekey) refused'; }
no_client_sa() { ! client_sas | grep -q 'ke: #'; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with etc/ravpn.conf" ravpnd_start "$CONF" ${RAVPND_ARGS:-}
swanctl_conf >"$STATE/swanctl-ikev2.conf"
charon_up "$STATE/swanctl-ikev2.conf"
ok "strongSwan charon starts in $NS_CL ($(sw --version 2>/dev/null | head -1))"

# A KE of MODP-3072 first: INVALID_KE_PAYLOAD, then MODP-2048.
mark
if sw --initiate --ike ke --child c --timeout 30 >"$CH/initiate.log" 2>&1; then
	ok "ke/c: strongSwan connects after INVALID_KE_PAYLOAD"
else
	not_ok "ke/c: strongSwan connects after INVALID_KE_PAYLOAD"
	swan_explain "$SWAN_WHY" "$SWAN_WHY_RAVPN"
fi
check "ke/c: ravpnd asked for group 14" ravpn_logged "KE of group 15, asking for group 14"
check "ke/c: the client was told INVALID_KE_PAYLOAD" charon_logged "peer didn't accept DH group MODP_3072, it requested MODP_2048"
check "ke/c: ping 10.100.0.1 through the tunnel" ping_lan 5
check "ke/c: session of alice in vpngroup, IKEv2, CHACHA20-POLY1305" wait_for 8 session_v2
check "ke/c: show crypto isakmp sa detail: READY, IKEv2 PSK, alice" bash -c \
	"'$BIN/ravpnctl' --db '$STATE/db/ravpn.db' --config '$CONF' show crypto isakmp sa detail |
	 grep -qE '^10\.99\.0\.1 +10\.99\.0\.2 +READY .*IKEv2 PSK.* alice$'"
check "ke/c: TSr 0.0.0.0/0 narrowed to the split-tunnel network 10.100.0.0/24" \
	grep -aqE 'CHILD_SA c\{[0-9]+\} established with SPIs .* === 10\.100\.0\.0/24' "$CH/charon.log"
mark
ctl vpn-sessiondb logoff name alice >/dev/null 2>&1
check "logoff: the session ends" wait_for 8 no_session
check "logoff: the client received our IKEv2 Delete" wait_for 5 charon_logged "received DELETE for IKE_SA ke"
check "logoff: the client has no IKE SA left" wait_for 5 no_client_sa

# Child SA rekeys by the client, with PFS, under a ping every 50 ms.
mark
if sw --initiate --ike rekey --child c --timeout 30 >"$CH/initiate.log" 2>&1; then
	ok "rekey/c: strongSwan connects (IKE rekey_time 5 s, child 3 s with PFS MODP-2048)"
	ip netns exec "$NS_CL" ping -c 160 -i 0.05 -W 1 10.100.0.1 >"$STATE/ping-rekey.txt" 2>&1
	check "rekey/c: ravpnd answered at least 2 rekeys with PFS" \
		test "$(new_ravpn | grep -ac 'rekeyed by the client with PFS')" -ge 2
	check "rekey/c: the client established its CHILD_SA 3 times or more" \
		test "$(new_charon | grep -acE 'CHILD_SA c\{[0-9]+\} established')" -ge 3
	check "rekey/c: no ping lost across the rekeys ($(grep -ao '[0-9]* received' "$STATE/ping-rekey.txt"))" \
		grep -aq ' 0% packet loss' "$STATE/ping-rekey.txt"
	check "rekey/c: the client deleted each old SA (ravpnd holds at most 2)" \
		test "$(ctl --json show crypto ipsec sa 2>/dev/null | grep -o '"spi_in"' | wc -l)" -le 2
	check "rekey/c: no CREATE_CHILD_SA refused" no_refusal
	check "rekey/c: ravpnd answered an IKE SA rekey" ravpn_logged "IKE SA rekeyed by the client"
	check "rekey/c: the client deleted the IKE SA the rekey replaced" \
		ravpn_logged "the IKE SA replaced by the rekey deleted"
	check "rekey/c: one session all along" test "$(new_ravpn | grep -ac 'session ended')" = 0
else
	not_ok "rekey/c: strongSwan connects (IKE rekey_time 5 s, child 3 s with PFS MODP-2048)"
	swan_explain "$SWAN_WHY" "$SWAN_WHY_RAVPN"
fi
end_ike rekey

refuse badkey "wrong pre-shared key" AUTHENTICATION_FAILED "AUTH payload does not verify"
refuse nogroup "no tunnel-group nogroup" AUTHENTICATION_FAILED "no remote-access tunnel-group"
refuse noprop "ESP aes128-md5 in no ipsec-proposal" NO_PROPOSAL_CHOSEN "no ESP proposal matches"
# the IKE SA goes too (strongSwan deletes it itself, our Delete crosses it)
check "noprop: the client has deleted the IKE SA" charon_logged "deleting IKE_SA noprop"

charon_stop
capture_check ikev2
echo "# charon log: $CH/charon.log, ravpnd log: $STATE/ravpnd.log"
echo "# ikev2 checks: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
