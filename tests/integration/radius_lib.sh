# The RADIUS lab of the integration tests, sourced after lib.sh: a private
# FreeRADIUS (radius/radius.sh, users and clients of radius/) in the
# gateway namespace, state under $RSTATE, its accounting detail file read
# by radius/acct.sh, and ravpnd configurations whose tunnel-group radgroup
# authenticates there.
#   trap rad_cleanup EXIT          stops FreeRADIUS, then lib.sh's cleanup
#   radius_lab_up [LABEL]          topology + FreeRADIUS (one TAP check);
#                                  exits when the topology fails
#   radius_conf FILE [OPTION...]   a ravpnd configuration, see below
#   acct_sid, rec_has STATUS SID PATTERN, detail_field USER FIELD,
#   field_is USER FIELD VALUE, user_up USER, history_cause USER,
#   cause_is USER CAUSE, vpnc_fails USER PASS
RADIUS=$ROOT/tests/integration/radius/radius.sh
RSTATE=$STATE/radius
. "$ROOT/tests/integration/radius/acct.sh"

rad_cleanup() { "$RADIUS" stop "$RSTATE" "$NS_GW"; cleanup; }

radius_lab_up() { # radius_lab_up [LABEL]
	topo_up || { not_ok "topology"; exit 1; }
	mkdir -p "$RSTATE"
	check "${1:-FreeRADIUS} starts in $NS_GW" "$RADIUS" start "$RSTATE" "$NS_GW"
}

# radius_conf FILE [OPTION...]: etc/ravpn.conf with its aaa-server block
# replaced by aaa-server RAD (FreeRADIUS on 127.0.0.1, key testing123) and
# the tunnel-group radgroup (PSK radgroupsecret, RA-POOL, group-policy GP)
# authenticating there.  Options, in any order:
#   --sed EXPR       one more sed expression applied to etc/ravpn.conf
#   --rad-pool       ip local pool RAD-POOL 10.201.0.1-10.201.0.4 (a Framed-Pool)
#   --group LINE     a line of aaa-server RAD's group settings
#   --host-opt LINE  a line of the 127.0.0.1 host's settings
#   --hosts BLOCK    these host entries instead of 127.0.0.1's
#   --dae            aaa-server DAE: dynamic authorization from the client
#                    10.99.0.2, key daesecret
#   --gp2 dns|split  group-policy GP2 with DNS server 10.100.0.54 (split:
#                    and split-tunnel list SPLIT)
#   --acct           the tunnel-group's accounting-server-group RAD
radius_conf() {
	local file=$1 seds=(-e '/^aaa-server/,/^!/d' -e '/^end$/d') pool= group= hostopt= hosts= dae= gp2= acct=
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--sed) seds+=(-e "$2"); shift ;;
		--rad-pool) pool=1 ;;
		--group) group+="$2"$'\n'; shift ;;
		--host-opt) hostopt+="$2"$'\n'; shift ;;
		--hosts) hosts="$2"$'\n'; shift ;;
		--dae) dae=1 ;;
		--gp2) gp2=$2; shift ;;
		--acct) acct=1 ;;
		*) echo "radius_conf: unknown option $1" >&2; return 2 ;;
		esac
		shift
	done
	[ -n "$hosts" ] || hosts="$(rad_host_block)"$'\n'"$hostopt"
	{
		sed "${seds[@]}" "$ROOT/etc/ravpn.conf"
		[ -n "$pool" ] && echo "ip local pool RAD-POOL 10.201.0.1-10.201.0.4 mask 255.255.255.0"
		printf 'aaa-server RAD protocol radius\n%s%s!\n' "$group" "$hosts"
		[ -n "$dae" ] && rad_dae_block
		[ -n "$gp2" ] && rad_gp2_block "$gp2"
		rad_tunnel_group "$acct"
	} >"$file"
}

rad_host_block() { # FreeRADIUS of radius_lab_up, quick to give up
	cat <<CONF
aaa-server RAD (outside) host 127.0.0.1
 key testing123
 authentication-port 1812
 accounting-port 1813
 timeout 2
 retry-interval 1
CONF
}

rad_dae_block() {
	cat <<CONF
aaa-server DAE protocol radius
 dynamic-authorization
aaa-server DAE (outside) host 10.99.0.2
 key daesecret
!
CONF
}

rad_gp2_block() { # rad_gp2_block dns|split
	echo "group-policy GP2 internal"
	echo "group-policy GP2 attributes"
	echo " dns-server value 10.100.0.54"
	if [ "$1" = split ]; then
		echo " split-tunnel-policy tunnelspecified"
		echo " split-tunnel-network-list value SPLIT"
	fi
	echo "!"
}

rad_tunnel_group() { # rad_tunnel_group ACCT: ACCT non-empty adds accounting
	echo "tunnel-group radgroup type remote-access"
	echo "tunnel-group radgroup general-attributes"
	echo " address-pool RA-POOL"
	echo " authentication-server-group RAD"
	[ -n "$1" ] && echo " accounting-server-group RAD"
	echo " default-group-policy GP"
	echo "tunnel-group radgroup ipsec-attributes"
	echo " ikev1 pre-shared-key radgroupsecret"
	echo "end"
}

# ---- sessions and accounting ----
# The Acct-Session-Id of the latest Access-Request FreeRADIUS logged.
acct_sid() { grep -o "Acct-Session-Id = \"[0-9A-F]*\"" "$RSTATE/radius.log" | tail -1 | cut -d'"' -f2; }
rec_has() { detail "$1" "$2" | grep -q -- "$3"; }	# rec_has STATUS SID PATTERN
detail_field() { # detail_field USER FIELD: from `show vpn-sessiondb detail --json`
	ctl --json show vpn-sessiondb detail filter name "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(rows[0].get(sys.argv[1], "") if rows else "")' "$2"
}
field_is() { [ "$(detail_field "$1" "$2")" = "$3" ]; }
user_up() { [ -n "$(detail_field "$1" username)" ]; }
history_cause() { # history_cause USER: end cause of the user's latest ended session
	ctl --json show vpn-sessiondb history filter name "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
rows = json.load(sys.stdin)
rows = rows.get("sessions", rows) if isinstance(rows, dict) else rows
print(sorted(rows, key=lambda r: r["end_time"])[-1]["cause"] if rows else "")'
}
cause_is() { [ "$(history_cause "$1")" = "$2" ]; }
vpnc_fails() { # vpnc_fails USER PASS: vpnc leaves without a tunnel
	vpnc_up radgroup radgroupsecret "$1" "$2" force-natt && { vpnc_down; return 1; }
	vpnc_down
	return 0
}
