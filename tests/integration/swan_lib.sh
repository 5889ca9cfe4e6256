# strongSwan as a remote-access client of ravpnd, for the tests that
# source this after lib.sh: the private charon of strongswan/charon.sh
# plus what the client tests check with it.
#   charon_up SWANCTL_CONF        charon_start, or a "not ok" with its logs
#                                 and exit 1
#   swanctl_v1_xauth FILE CHILD [CONN_LINES] [CHILD_LINES]
#                                 an aggressive mode PSK (keyid:vpngroup) +
#                                 XAUTH alice connection v1 with one child
#   session_json, no_session, session_in TUNNEL_GROUP ENCRYPTION
#   mark, new_ravpn, new_charon, ravpn_logged RE, charon_logged RE
#   swan_explain CHARON_RE [RAVPN_RE]   the log lines since mark that say why
#   end_ike CONN                  the client leaves, the session ends
#   swan_accept CONN CHILD TUNNEL_GROUP ENCRYPTION ESP_PROPOSAL_RE
. "$ROOT/tests/integration/strongswan/charon.sh"

charon_up() { # charon_up SWANCTL_CONF
	charon_start "$1" && return 0
	not_ok "strongSwan charon starts in $NS_CL"
	sed 's/^/#   /' "$CH/charon.stderr" "$CH/load.log" 2>/dev/null
	exit 1
}

# swanctl_v1_xauth FILE CHILD [CONN_LINES] [CHILD_LINES]: CONN_LINES are
# added to the connection, CHILD_LINES (default rekey_time = 0) to the
# child, which tunnels 10.100.0.0/24 with aes128-sha1.
swanctl_v1_xauth() {
	cat >"$1" <<EOF
connections {
    v1 {
        version = 1
        aggressive = yes
        encap = yes
        remote_addrs = 10.99.0.1
        proposals = aes128-sha256-modp2048
        vips = 0.0.0.0
        rekey_time = 0
${3:+$3
}        local {
            auth = psk
            id = keyid:vpngroup
        }
        local-xauth {
            auth = xauth
            xauth_id = alice
        }
        remote {
            auth = psk
            id = 10.99.0.1
        }
        children {
            $2 {
                remote_ts = 10.100.0.0/24
                esp_proposals = aes128-sha1
${4:-                rekey_time = 0}
            }
        }
    }
}
secrets {
    ike-vpngroup {
        id = keyid:vpngroup
        secret = groupsecret
    }
    xauth-alice {
        id = alice
        secret = alicepass
    }
}
EOF
}

# ---- sessions ----
session_json() { ctl --json show vpn-sessiondb 2>/dev/null; }
no_session() {
	[ "$(session_json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ]
}
session_in() { # session_in TUNNEL_GROUP ENCRYPTION: alice's session, with traffic
	session_json | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["username"] == "alice"]
ok = (len(rows) == 1 and rows[0]["tunnel_group"] == sys.argv[1] and
      rows[0]["encryption"] == sys.argv[2] and
      rows[0]["assigned_ip"].startswith("10.200.0.") and rows[0]["bytes_rx"] > 0)
sys.exit(0 if ok else 1)' "$@"
}

# ---- log positions, so each case only looks at the lines it caused ----
mark() { RV_POS=$(stat -c %s "$STATE/ravpnd.log"); SW_POS=$(stat -c %s "$CH/charon.log"); }
new_ravpn() { tail -c +$((RV_POS + 1)) "$STATE/ravpnd.log"; }
new_charon() { tail -c +$((SW_POS + 1)) "$CH/charon.log"; }
ravpn_logged() { new_ravpn | grep -aqE -- "$1"; }
charon_logged() { new_charon | grep -aqE -- "$1"; }

swan_explain() { # swan_explain CHARON_RE [RAVPN_RE]: as TAP comments
	echo "# --- swanctl --initiate"
	sed 's/^/#   /' "$CH/initiate.log" | tail -15
	echo "# --- charon"
	new_charon | grep -aiE "$1" | grep -avE '\[ENC\]' | tail -20 | sed 's/^/#   /'
	echo "# --- ravpnd"
	new_ravpn | grep -aiE "${2:-.}" | tail -20 | sed 's/^/#   /'
}

end_ike() { # end_ike CONN: the client leaves, the session ends
	sw --terminate --ike "$1" --force >/dev/null 2>&1
	wait_for 10 no_session
}

# swan_accept CONN CHILD TUNNEL_GROUP ENCRYPTION ESP_PROPOSAL_RE: connect,
# ping, the session and the ESP proposal, terminate.  The caller may set
#   SWAN_HOW     words after "strongSwan connects" in the first check
#   SWAN_CHECKS  a function run (with the case's name) right after connecting
#   SWAN_WHY     explain's charon pattern and SWAN_WHY_RAVPN its ravpnd one
swan_accept() {
	local conn=$1 child=$2 tg=$3 enc=$4 prop=$5 name="$1/$2"
	mark
	if ! sw --initiate --ike "$conn" --child "$child" --timeout 30 >"$CH/initiate.log" 2>&1; then
		not_ok "$name: strongSwan connects${SWAN_HOW:+ $SWAN_HOW}"
		swan_explain "${SWAN_WHY:-error|fail|notify|INVALID|selected}" "${SWAN_WHY_RAVPN:-}"
		end_ike "$conn"
		return 1
	fi
	ok "$name: strongSwan connects${SWAN_HOW:+ $SWAN_HOW}"
	[ -n "${SWAN_CHECKS:-}" ] && "$SWAN_CHECKS" "$name"
	check "$name: ping 10.100.0.1 through the tunnel" ping_lan 5
	check "$name: session in group $tg with encryption $enc" wait_for 8 session_in "$tg" "$enc"
	check "$name: charon selected ESP proposal $prop" charon_logged "selected proposal: ESP:$prop"
	sw --terminate --ike "$conn" >/dev/null 2>&1
	check "$name: terminate ends the session" wait_for 10 no_session
}
