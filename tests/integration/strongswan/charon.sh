# A private strongSwan charon in the client namespace, for the tests that
# source it after lib.sh (the same pattern as test_strongswan.sh): its
# own /run bind mount (charon's pid file is fixed), STRONGSWAN_CONF from
# strongswan.conf.in, the vici socket under $STATE/charon.
#   charon_start SWANCTL_CONF   loads that file into the charon
#                               (CHARON_CONF_IN: another strongswan.conf template)
#   sw COMMAND [ARGS]           swanctl against it
#   charon_stop
CH=$STATE/charon
CHARON=${CHARON:-/usr/lib/ipsec/charon}
CHARON_PID=

sw() {
	local cmd=$1; shift
	SWANCTL_DIR=$CH/swanctl STRONGSWAN_CONF=$CH/strongswan.conf \
		swanctl "$cmd" --uri "unix://$CH/run/charon.vici" "$@"
}

charon_start() { # charon_start SWANCTL_CONF
	local d
	mkdir -p "$CH/run"
	for d in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$CH/swanctl/$d"; done
	sed -e "s|@STATE@|$CH|g" -e "s|@IKE_LOG@|${CHARON_IKE_LOG:-2}|g" \
		"${CHARON_CONF_IN:-$ROOT/tests/integration/strongswan/strongswan.conf.in}" >"$CH/strongswan.conf"
	cp "$1" "$CH/swanctl/swanctl.conf"
	ip netns exec "$NS_CL" sh -c "mount --bind '$CH/run' /run && STRONGSWAN_CONF='$CH/strongswan.conf' exec '$CHARON'" \
		>"$CH/charon.stderr" 2>&1 &
	CHARON_PID=$!
	PIDS+=("$CHARON_PID")
	for _ in $(seq 100); do
		[ -S "$CH/run/charon.vici" ] && sw --stats >/dev/null 2>&1 && break
		kill -0 "$CHARON_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	sw --load-all --noprompt --file "$CH/swanctl/swanctl.conf" >"$CH/load.log" 2>&1
}

charon_stop() {
	[ -n "$CHARON_PID" ] || return 0
	pid_stop "$CHARON_PID" 50
	CHARON_PID=
}
