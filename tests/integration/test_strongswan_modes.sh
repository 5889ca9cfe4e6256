#!/bin/bash
# strongSwan 5.9 as an IKEv1 + XAUTH (alice) client of ravpn in every mode
# and proposal of issue 3's acceptance list:
#  * main mode PSK (the client is named by no tunnel-group: DefaultRAGroup)
#  * aggressive mode PSK (keyid:vpngroup) with aes256-sha256-modp2048,
#    aes128-sha1-modp1024 and 3des-md5-modp1024, phase 1 over ECP groups
#    19, 20 and 21;
#  * ESP with PFS off and on: DYN 10 takes any or no PFS group, DYN 20
#    (`set pfs group19`) aes128gcm16-ecp256, DYN 30 (`set pfs group2`);
#  * refusals, each with its log line and a NO-PROPOSAL-CHOSEN notify the
#    client logs: no matching proposal (phase 1 and quick mode), PFS group
#    mismatch (none offered, a different one offered), unknown group
#    (phase 1 and PFS).
# For each accepted case: initiate, ping 10.100.0.1, check the session in
# `ravpnctl --json show vpn-sessiondb` and the proposal charon selected,
# terminate.  Config: tests/integration/ravpn-modes.conf and
# strongswan/swanctl-modes.conf; charon: strongswan/charon.sh.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/swan_lib.sh"
CONF=$ROOT/tests/integration/ravpn-modes.conf
trap 'charon_stop; cleanup' EXIT

SWAN_WHY='error|fail|notify|NO_PROPOSAL|INVALID|selected|giving up|retransmit'
SWAN_WHY_RAVPN='ike|quick|proposal|refus|fail|notify|pfs|group'
accept() { swan_accept "$@"; }	# accept CONN CHILD TUNNEL_GROUP ENCRYPTION ESP_PROPOSAL_RE

# refuse CONN CHILD WHAT RAVPN_LOG_RE: the exchange fails, ravpn logs why
# and the client received NO-PROPOSAL-CHOSEN.
refuse() {
	local conn=$1 child=$2 what=$3 re=$4 name="$1/$2"
	mark
	if sw --initiate --ike "$conn" --child "$child" --timeout 20 >"$CH/initiate.log" 2>&1; then
		not_ok "$name: refused ($what)"
	else
		ok "$name: refused ($what)"
	fi
	check "$name: ravpnd logs '$re'" wait_for 3 ravpn_logged "$re"
	if ! wait_for 3 charon_logged "received NO_PROPOSAL_CHOSEN"; then
		not_ok "$name: client received NO-PROPOSAL-CHOSEN"
		swan_explain "$SWAN_WHY" "$SWAN_WHY_RAVPN"
	else
		ok "$name: client received NO-PROPOSAL-CHOSEN"
	fi
	end_ike "$conn"
}

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with tests/integration/ravpn-modes.conf" ravpnd_start "$CONF" ${RAVPND_ARGS:-}
charon_up "$ROOT/tests/integration/strongswan/swanctl-modes.conf"
ok "strongSwan charon starts in $NS_CL ($(sw --version 2>/dev/null | head -1))"

# Main mode: PSK of DefaultRAGroup.
accept main nopfs DefaultRAGroup AES256 'AES_CBC_256/HMAC_SHA1_96/NO_EXT_SEQ'
accept main pfs DefaultRAGroup AES128 'AES_CBC_128/HMAC_SHA1_96/MODP_1024/NO_EXT_SEQ'
check "main mode: ravpnd named DefaultRAGroup for 10.99.0.2" log_has "DefaultRAGroup"

# Aggressive mode, three IKE proposals; PFS off and on.
accept am256 sha1 vpngroup AES128 'AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ'
accept am256 sha1-pfs vpngroup AES128 'AES_CBC_128/HMAC_SHA1_96/MODP_1024/NO_EXT_SEQ'
accept am256 gcm-ecp256-pfs vpngroup AES-GCM-128 'AES_GCM_16_128/ECP_256/NO_EXT_SEQ'
accept am256 sha256-pfs vpngroup AES128 'AES_CBC_128/HMAC_SHA2_256_128/MODP_1024/NO_EXT_SEQ'
accept am128 sha1 vpngroup AES128 'AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ'
accept am128 gcm-ecp256-pfs vpngroup AES-GCM-128 'AES_GCM_16_128/ECP_256/NO_EXT_SEQ'
accept am3des md5 vpngroup 3DES '3DES_CBC/HMAC_MD5_96/NO_EXT_SEQ'
accept am3des md5-pfs vpngroup 3DES '3DES_CBC/HMAC_MD5_96/MODP_1024/NO_EXT_SEQ'

# Phase 1 over ECP groups 19, 20, 21 (and PFS over 21 and 20).
accept amecp256 gcm-ecp256-pfs vpngroup AES-GCM-128 'AES_GCM_16_128/ECP_256/NO_EXT_SEQ'
accept amecp384 sha1-pfs521 vpngroup AES128 'AES_CBC_128/HMAC_SHA1_96/ECP_521/NO_EXT_SEQ'
accept mmecp521 sha1-pfs384 DefaultRAGroup AES128 'AES_CBC_128/HMAC_SHA1_96/ECP_384/NO_EXT_SEQ'

# RFC 5114 group 24 (2048-bit MODP, 256-bit subgroup) for phase 1 and PFS.
accept am24 sha1-pfs24 vpngroup AES128 'AES_CBC_128/HMAC_SHA1_96/MODP_2048_256/NO_EXT_SEQ'

# Refusals.
refuse bad-noprop sha1 "phase 1: no policy" "no proposal chosen: no client transform matches"
refuse bad-unknown-group sha1 "phase 1: group 26" "no proposal chosen: no client transform matches"
refuse am256 bad-noprop "quick mode: no transform set" "quick mode: no proposal chosen \(no transform set matches\)"
refuse am256 bad-gcm-nopfs "PFS required, none offered" "quick mode: no proposal chosen \(PFS mismatch"
refuse am256 bad-gcm-modp2048 "PFS group 14 offered, 19 required" "quick mode: no proposal chosen \(PFS mismatch"
refuse am256 bad-sha256-ecp384 "PFS group 20 offered, 2 required" "quick mode: no proposal chosen \(PFS mismatch"
refuse am256 bad-unknown-group "PFS group 26" "quick mode: no proposal chosen \(no transform set matches\)"

check "no ESP authentication or replay drops were logged" bash -c "! grep -aE 'esp: sa spi .*: (auth|replay|malformed) drop' '$STATE/ravpnd.log'"
charon_stop
capture_check strongswan-modes
echo "# charon log: $CH/charon.log, ravpnd log: $STATE/ravpnd.log"
echo "# strongswan modes: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
