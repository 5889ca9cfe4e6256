#!/bin/bash
# strongSwan 5.9 as an IKEv1 client of ravpn in main mode with RSA
# signatures and X.509 certificates + XAUTH (auth = pubkey, then xauth:
# XAUTHInitRSA), issue 3's certificate acceptance:
#  * the test makes a CA, ravpn's certificate and three client
#    certificates with strongSwan's `pki`, and a CRL revoking one of them
#    (`pki --signcrl`);
#  * IKE aes128-sha1-modp1024, aes256-sha256-modp2048, 3des-md5-modp1024,
#    each with an ESP CBC child and an aes128gcm16-ecp256 (PFS) child:
#    connect, ping 10.100.0.1, session in the tunnel-group the
#    certificate's OU names (Sales), terminate;
#  * bob's certificate maps to Eng through a certificate map rule;
#  * the revoked certificate is refused: ravpnd logs the peer, the subject
#    and the reason, and the client gets an error notify;
#  * aggressive mode with a certificate is refused (NO-PROPOSAL-CHOSEN).
# Config: tests/integration/ravpn-cert.conf.in (@PKI@ -> the test's PKI
# directory) and strongswan/swanctl-cert.conf; charon: strongswan/charon.sh.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/swan_lib.sh"
PKI=$STATE/pki
CONF=$STATE/ravpn-cert.conf
trap 'charon_stop; cleanup' EXIT

isakmp_sa_rsa() { ctl show crypto isakmp sa detail 2>/dev/null | grep -q 'RSA+XAUTH'; }
SWAN_WHY='error|fail|notify|INVALID|selected|giving up|retransmit|cert|auth'

# A CA, ravpn's certificate (CN and SAN gw.ravpn.lab), three clients and a
# CRL that revokes mallory's certificate.
make_pki() {
	mkdir -p "$PKI"
	pki --gen --type rsa --size 2048 --outform pem >"$PKI/ca.key" &&
	pki --self --ca --lifetime 30 --in "$PKI/ca.key" --type rsa \
		--dn "C=CH, O=ravpn, CN=ravpn Lab CA" --outform pem >"$PKI/ca.pem" &&
	issue gw "C=CH, O=ravpn, CN=gw.ravpn.lab" --san gw.ravpn.lab &&
	issue alice "C=CH, O=ravpn, OU=Sales, CN=alice" &&
	issue bob "C=CH, O=ravpn, OU=Nowhere, CN=bob" &&
	issue mallory "C=CH, O=ravpn, OU=Sales, CN=mallory" &&
	pki --signcrl --cacert "$PKI/ca.pem" --cakey "$PKI/ca.key" --lifetime 30 \
		--reason key-compromise --cert "$PKI/mallory.pem" --outform pem >"$PKI/crl.pem"
}
issue() { # issue NAME DN [pki --issue options]
	local name=$1 dn=$2; shift 2
	pki --gen --type rsa --size 2048 --outform pem >"$PKI/$name.key" &&
	pki --pub --in "$PKI/$name.key" --type rsa |
		pki --issue --lifetime 30 --cacert "$PKI/ca.pem" --cakey "$PKI/ca.key" \
			--dn "$dn" "$@" --outform pem >"$PKI/$name.pem"
}

# The client's credentials where swanctl --load-all finds them; its
# charon loads the certificate plugins on top of the usual template.
client_creds() {
	local d
	for d in x509 x509ca private; do mkdir -p "$CH/swanctl/$d"; done
	cp "$PKI/ca.pem" "$CH/swanctl/x509ca/"
	for d in alice bob mallory; do
		cp "$PKI/$d.pem" "$CH/swanctl/x509/"
		cp "$PKI/$d.key" "$CH/swanctl/private/"
	done
	sed 's/load = random /load = x509 constraints pkcs8 random /' \
		"$ROOT/tests/integration/strongswan/strongswan.conf.in" >"$STATE/strongswan-cert.conf.in"
	CHARON_CONF_IN=$STATE/strongswan-cert.conf.in
}

# accept CONN CHILD TUNNEL_GROUP ENCRYPTION ESP_PROPOSAL_RE, with a certificate
cert_checks() { # cert_checks NAME: what certificate authentication adds
	check "$1: charon authenticated ravpn's certificate" \
		charon_logged "authentication of 'C=CH, O=ravpn, CN=gw.ravpn.lab' with RSA.* successful"
	check "$1: show crypto isakmp sa detail says RSA+XAUTH" isakmp_sa_rsa
}
accept() { SWAN_HOW="with its certificate" SWAN_CHECKS=cert_checks swan_accept "$@"; }

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
if ! make_pki 2>"$STATE/pki.log"; then
	not_ok "pki makes the CA, certificates and CRL"
	sed 's/^/#   /' "$STATE/pki.log"
	exit 1
fi
ok "pki makes the CA, certificates and CRL"
sed "s|@PKI@|$PKI|g" "$ROOT/tests/integration/ravpn-cert.conf.in" >"$CONF"
conf_check() { "$BIN/ravpnd" -t -c "$1" 2>"$STATE/ravpnd-t.log"; }
check "ravpnd -t accepts the trustpoint configuration" conf_check "$CONF"
sed "s|key file $PKI/gw.key|key file $PKI/alice.key|" "$CONF" >"$STATE/bad-key.conf"
bad_key_refused() {
	! "$BIN/ravpnd" -t -c "$STATE/bad-key.conf" >"$STATE/bad-key.log" 2>&1 &&
		grep -q 'alice.key: not a PEM private key of the certificate' "$STATE/bad-key.log"
}
check "ravpnd -t refuses a key that is not the certificate's" bad_key_refused
check "ravpnd starts with the certificate configuration" ravpnd_start "$CONF" ${RAVPND_ARGS:-}
client_creds
charon_up "$ROOT/tests/integration/strongswan/swanctl-cert.conf"
ok "strongSwan charon starts in $NS_CL ($(sw --version 2>/dev/null | head -1))"
check "the client loaded its three certificates" bash -c \
	"[ \$(grep -c 'loaded certificate' '$CH/load.log') -ge 4 ]"

accept aes128 cbc Sales AES128 'AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ'
check "ravpnd logged the accepted certificate and its tunnel-group" \
	log_has "certificate 'C=CH, O=ravpn, OU=Sales, CN=alice' accepted (trustpoint LAB), tunnel-group Sales"
accept aes128 gcm-ecp256-pfs Sales AES-GCM-128 'AES_GCM_16_128/ECP_256/NO_EXT_SEQ'
accept aes256 cbc Sales AES256 'AES_CBC_256/HMAC_SHA1_96/NO_EXT_SEQ'
accept aes256 gcm-ecp256-pfs Sales AES-GCM-128 'AES_GCM_16_128/ECP_256/NO_EXT_SEQ'
accept 3des md5 Sales 3DES '3DES_CBC/HMAC_MD5_96/NO_EXT_SEQ'
accept 3des gcm-ecp256-pfs Sales AES-GCM-128 'AES_GCM_16_128/ECP_256/NO_EXT_SEQ'
# bob's OU names no tunnel-group; the certificate map rule (CN eq bob) does.
accept bob cbc Eng AES128 'AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ'

# The revoked certificate.
mark
if sw --initiate --ike revoked --child cbc --timeout 20 >"$CH/initiate.log" 2>&1; then
	not_ok "revoked: refused"
else
	ok "revoked: refused"
fi
re="peer 10\.99\.0\.2:[0-9]+ group [^ ]+: main mode certificate authentication failed: certificate 'C=CH, O=ravpn, OU=Sales, CN=mallory' refused: certificate revoked"
check "revoked: ravpnd logs the peer, the subject and the reason" wait_for 3 ravpn_logged "$re"
if wait_for 3 charon_logged "received (INVALID_CERTIFICATE|AUTHENTICATION_FAILED) error notify"; then
	ok "revoked: client received INVALID-CERTIFICATE"
else
	not_ok "revoked: client received INVALID-CERTIFICATE"
	swan_explain "$SWAN_WHY"
fi
check "revoked: no session" no_session
end_ike revoked

# Aggressive mode with a certificate: no proposal ravpn takes.
mark
if sw --initiate --ike am-rsa --child cbc --timeout 20 >"$CH/initiate.log" 2>&1; then
	not_ok "am-rsa: refused"
else
	ok "am-rsa: refused"
fi
check "am-rsa: ravpnd logs why" wait_for 3 ravpn_logged "RSA signatures in aggressive mode are not supported"
check "am-rsa: client received NO-PROPOSAL-CHOSEN" wait_for 3 charon_logged "received NO_PROPOSAL_CHOSEN"
end_ike am-rsa

check "no ESP authentication or replay drops were logged" bash -c "! grep -aE 'esp: sa spi .*: (auth|replay|malformed) drop' '$STATE/ravpnd.log'"
charon_stop
capture_check strongswan-cert
echo "# charon log: $CH/charon.log, ravpnd log: $STATE/ravpnd.log"
echo "# strongswan certificates: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
