#!/bin/bash
# Operating ravpnd: config checking, reload (bad file keeps the running
# config, a good one takes effect), ravpnctl commands, control socket mode,
# supervision of authd/poold/db.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT
CONF=$STATE/ravpn.conf
cp "$ROOT/etc/ravpn.conf" "$CONF"

bad_conf_named() { # ravpnd -t on a broken copy names file, line and column
	sed 's/^ ikev1 pre-shared-key groupsecret/ ikev1 pre-shared-kee groupsecret/' "$CONF" >"$STATE/bad.conf"
	local out line
	line=$(grep -n 'pre-shared-kee' "$STATE/bad.conf" | cut -d: -f1)
	out=$("$BIN/ravpnd" -t -c "$STATE/bad.conf" 2>&1) && return 1
	echo "$out" | grep -q "^$STATE/bad.conf:$line:[0-9]*: "
}
ctl_session_count() { ctl --json show vpn-sessiondb | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
session_index() { ctl --json show vpn-sessiondb | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["index"])'; }
restarted() { # restarted BINARY OLDPID
	local p=$(child_pid "$1")
	[ -n "$p" ] && [ "$p" != "$2" ]
}

check "ravpnd -t accepts etc/ravpn.conf" bash -c "'$BIN/ravpnd' -t -c '$CONF' | grep -q ': OK'"
check "ravpnd -t names file:line:column of an error" bad_conf_named
topo_up || { not_ok "topology"; exit 1; }
check "ravpnd starts" ravpnd_start "$CONF"
check "control socket is mode 0660" bash -c "[ \$(stat -c %a '$STATE/run/ravpn.sock') = 660 ]"

# A bad file on SIGHUP: logged with its position, the running config stays.
cp "$STATE/bad.conf" "$CONF"
kill -HUP "$RAVPND_PID"
check "reload of a bad file is refused with file:line:col" wait_for 5 log_has "reload failed: $CONF:"
check "clients still connect on the running config" vpnc_up vpngroup groupsecret alice alicepass force-natt
check "ravpnctl text table lists alice" bash -c "ctl() { '$BIN/ravpnctl' --db '$STATE/db/ravpn.db' \"\$@\"; }; ctl show vpn-sessiondb | grep -q '^alice '"
IDX=$(session_index)
check "logoff index $IDX" ctl vpn-sessiondb logoff index "$IDX"
check "logoff index ends the session" wait_for 5 bash -c "[ \$('$BIN/ravpnctl' --db '$STATE/db/ravpn.db' --json show vpn-sessiondb | tr -d '[] \n' | wc -c) = 0 ]"
vpnc_down

# A good file: a new user with a hash from ravpnctl, a new DNS server.
HASH=$("$BIN/ravpnctl" hash-password erinpass)
cp "$ROOT/etc/ravpn.conf" "$CONF"
sed -i "s|^username dave .*|&\nusername erin password $HASH|; s|dns-server value 10.100.0.53|dns-server value 10.100.0.54\n wins-server value 10.100.0.55|" "$CONF"
check "ravpnctl reload" ctl reload
check "reloaded: the new user connects" vpnc_up vpngroup groupsecret erin erinpass force-natt
check "reloaded: the new DNS server is pushed" bash -c "[ '$(env_of INTERNAL_IP4_DNS)' = 10.100.0.54 ]"
check "wins-server reaches the client (INTERNAL_IP4_NBNS)" bash -c "[ '$(env_of INTERNAL_IP4_NBNS)' = 10.100.0.55 ]"
ERIN_ADDR=$(env_of INTERNAL_IP4_ADDRESS)
check "logoff ipaddress $ERIN_ADDR" ctl vpn-sessiondb logoff ipaddress "$ERIN_ADDR"
check "logoff ipaddress ends erin's session" vpnc_exited 10
vpnc_down

# Supervision: the small services come back after kill -9.
for b in ravpn-authd ravpn-poold ravpn-db; do
	old=$(child_pid $b)
	kill -9 "$old"
	check "$b restarted after kill -9" wait_for 5 restarted $b "$old"
done
sleep 0.5
check "a client connects after authd, poold and db restarts" vpnc_up vpngroup groupsecret alice alicepass force-natt
check "its session is in the database" wait_for 5 bash -c "[ \$('$BIN/ravpnctl' --db '$STATE/db/ravpn.db' --json show vpn-sessiondb | grep -c alice) = 1 ]"
vpnc_down
exit 0
