#!/bin/bash
# vpnc with non-default Diffie-Hellman settings (issue 3's acceptance):
#  A. etc/ravpn.conf plus ikev1 policies with groups 5, 15 and 16 (dynamic
#     map without `set pfs`):  `IKE DH Group dh5`, dh15, and dh16 with
#     `Perfect Forward Secrecy dh15` (a map entry without `set pfs` takes
#     any PFS group);
#  B. etc/ravpn.conf with `crypto dynamic-map DYN 10 set pfs group2`:
#     `Perfect Forward Secrecy dh2` connects; nopfs and dh5 are refused
#     with the PFS-mismatch log line.
# Each accepted client pings 10.100.0.1 through the tunnel.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

# vpnc_dh DH PFS: like lib.sh's vpnc_up for vpngroup/alice (force-natt),
# with the given `IKE DH Group` and `Perfect Forward Secrecy`.
vpnc_dh() {
	local conf=$STATE/vpnc-$1-$2.conf
	cat >"$conf" <<CONF
IPSec gateway 10.99.0.1
IPSec ID vpngroup
IPSec secret groupsecret
IKE Authmode psk
Xauth username alice
Xauth password alicepass
IKE DH Group $1
Perfect Forward Secrecy $2
NAT Traversal Mode force-natt
Interface name tun0
Interface mode tun
Script $ROOT/tests/integration/vpnc-script
Pidfile $STATE/vpnc.pid
No Detach
Noninteractive
CONF
	rm -f "$STATE"/vpnc-env.*
	VPNC_STATE=$STATE ip netns exec $NS_CL vpnc "$conf" >"$STATE/vpnc-$1-$2.log" 2>&1 &
	VPNC_PID=$!
	PIDS+=("$VPNC_PID")
	for _ in $(seq 150); do
		[ -f "$STATE/vpnc-env.connect" ] && ip -n $NS_CL -4 addr show dev tun0 2>/dev/null | grep -q inet && return 0
		kill -0 "$VPNC_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
no_session() {
	[ "$(ctl --json show vpn-sessiondb | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ]
}
mark() { RV_POS=$(stat -c %s "$STATE/ravpnd.log"); }
ravpn_logged() { tail -c +$((RV_POS + 1)) "$STATE/ravpnd.log" | grep -aqE -- "$1"; }

accept() { # accept DH PFS PHASE1_LOG_RE
	mark
	if vpnc_dh "$1" "$2"; then
		ok "vpnc $1 pfs $2: connects"
	else
		not_ok "vpnc $1 pfs $2: connects"
		sed 's/^/#   /' "$STATE/vpnc-$1-$2.log" | tail -8
		tail -c +$((RV_POS + 1)) "$STATE/ravpnd.log" | grep -aiE 'ike|quick|proposal' | tail -8 | sed 's/^/#   /'
	fi
	check "vpnc $1 pfs $2: ping through the tunnel" ping_lan 5
	check "vpnc $1 pfs $2: ravpnd logs '$3'" ravpn_logged "$3"
	vpnc_down
	check "vpnc $1 pfs $2: session ends" wait_for 10 no_session
}

# refuse DH PFS: quick mode refused for a PFS mismatch.  vpnc may run its
# connect script (tun0 up) before quick mode, so what counts is that it
# gives up and no IPsec SA came up.
refuse() {
	mark
	vpnc_dh "$1" "$2"
	check "vpnc $1 pfs $2: ravpnd logs the PFS mismatch" \
		wait_for 5 ravpn_logged "quick mode: no proposal chosen \(PFS mismatch"
	check "vpnc $1 pfs $2: vpnc gives up (NO-PROPOSAL-CHOSEN)" vpnc_exited 10
	check "vpnc $1 pfs $2: no IPsec SA came up" bash -c "! tail -c +$((RV_POS + 1)) '$STATE/ravpnd.log' | grep -aq 'IPsec SA up'"
	check "vpnc $1 pfs $2: vpnc logged NO_PROPOSAL_CHOSEN" grep -q NO_PROPOSAL_CHOSEN "$STATE/vpnc-$1-$2.log"
	vpnc_down
	wait_for 10 no_session
}

# Configuration A: groups 5, 15, 16 in phase 1 (before "! Phase 2").
CONF_A=$STATE/ravpn-dh.conf
awk '/^! Phase 2/ { print "crypto ikev1 policy 80\n authentication pre-share\n encryption aes-256\n hash sha\n group 5\ncrypto ikev1 policy 81\n authentication pre-share\n encryption aes-256\n hash sha\n group 15\ncrypto ikev1 policy 82\n authentication pre-share\n encryption aes-256\n hash sha\n group 16\n!" } { print }' \
	"$ROOT/etc/ravpn.conf" >"$CONF_A"
# Configuration B: the vpnc map entry requires PFS group 2.
CONF_B=$STATE/ravpn-pfs.conf
awk '{ print } /^crypto dynamic-map DYN 10 set ikev1 transform-set/ { print "crypto dynamic-map DYN 10 set pfs group2" }' \
	"$ROOT/etc/ravpn.conf" >"$CONF_B"

topo_up || { not_ok "topology"; exit 1; }
capture_start || not_ok "capture starts"
check "ravpnd starts with policies for DH groups 5, 15, 16" ravpnd_start "$CONF_A" ${RAVPND_ARGS:-}
if [ -n "${ONLY_A:-}" ]; then	# ONLY_A="DH:PFS ...": just these, for debugging
	for v in $ONLY_A; do accept "${v%%:*}" "${v#*:}" "IPsec SA up"; done
	exit 0
fi
accept dh5 nopfs "phase 1 complete \(aggressive mode, AES256-SHA1, DH group 5\)"
accept dh15 nopfs "phase 1 complete \(aggressive mode, AES256-SHA1, DH group 15\)"
accept dh16 dh15 "phase 1 complete \(aggressive mode, AES256-SHA1, DH group 16\)"
ravpnd_stop

check "ravpnd starts with DYN 10 set pfs group2" ravpnd_start "$CONF_B" ${RAVPND_ARGS:-}
accept dh2 dh2 "IPsec SA up"
refuse dh2 nopfs
refuse dh2 dh5
capture_check vpnc-variants
echo "# ravpnd log: $STATE/ravpnd.log"
echo "# vpnc variants: $N_OK ok, $N_FAIL not ok"
[ "$N_FAIL" = 0 ]
