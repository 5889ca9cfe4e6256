#!/bin/bash
# Issue 4 (group-policy split-tunnel-policy excludespecified): mode-config
# sends the policy's network list as the Cisco Unity split-exclude list
# (UNITY_LOCAL_LAN, 28678) to a client that asks for it.  vpnc 0.5.3 does
# not know that attribute (it never asks, and exports no CISCO_SPLIT_EXC),
# so the client here is strongSwan with its unity plugin and cisco_unity
# enabled: it asks for UNITY_LOCAL_LAN, receives 192.0.2.0/24 and
# 198.51.100.7/32, and installs a bypass policy for each; the tunnel itself
# carries everything else (ping to the LAN).  A tunnelspecified policy
# sends no exclude list.
# Prints one "ok - ..." / "not ok - ..." line per check.
. "$(dirname "$0")/lib.sh"
SWDIR=$ROOT/tests/integration/strongswan
. "$ROOT/tests/integration/swan_lib.sh"
trap 'charon_stop; cleanup' EXIT

write_conf() { # write_conf FILE POLICY
	sed -e "s/^ split-tunnel-policy tunnelspecified$/ split-tunnel-policy $2/" \
	    -e "s/^ split-tunnel-network-list value SPLIT$/ split-tunnel-network-list value EXCL/" \
	    -e "s/^access-list SPLIT .*/&\naccess-list EXCL standard permit 192.0.2.0 255.255.255.0\naccess-list EXCL standard permit host 198.51.100.7/" \
	    "$ROOT/etc/ravpn.conf" >"$1"
}

# strongswan.conf with cisco_unity: the unity plugin then asks for the
# split lists and applies them.
sed -e 's/^charon {$/&\n    cisco_unity = yes/' "$SWDIR/strongswan.conf.in" >"$STATE/strongswan-unity.conf.in"
swanctl_v1_xauth "$STATE/swanctl-unity.conf" all

charon_has() { grep -aq -- "$1" "$CH/charon.log"; }
up() { sw --initiate --ike v1 --child all --timeout 30 >"$CH/initiate.log" 2>&1; }
down() { sw --terminate --ike v1 --force >/dev/null 2>&1; sleep 1; }

topo_up || { not_ok "topology"; exit 1; }
write_conf "$STATE/exclude.conf" excludespecified
check "ravpnd starts with split-tunnel-policy excludespecified" ravpnd_start "$STATE/exclude.conf"
CHARON_CONF_IN=$STATE/strongswan-unity.conf.in check "strongSwan charon (unity, cisco_unity) starts in $NS_CL" \
	charon_start "$STATE/swanctl-unity.conf"
check "strongSwan connects" up
check "it received the UNITY_LOCAL_LAN attribute" charon_has "processing UNITY_LOCAL_LAN attribute"
check "it installed a bypass policy for 192.0.2.0/24" charon_has "installed UNITY_LOCAL_LAN bypass policy for 192.0.2.0/24"
check "it installed a bypass policy for 198.51.100.7/32" charon_has "installed UNITY_LOCAL_LAN bypass policy for 198.51.100.7/32"
check "no split-include list came" bash -c "! grep -aq 'processing UNITY_SPLIT_INCLUDE attribute' '$CH/charon.log'"
check "ping 10.100.0.1 through the tunnel" ping_lan 3
down
charon_stop
ravpnd_stop
cp "$CH/charon.log" "$STATE/charon-exclude.log"

write_conf "$STATE/include.conf" tunnelspecified
sed -i 's/ split-tunnel-network-list value EXCL/ split-tunnel-network-list value SPLIT/' "$STATE/include.conf"
check "ravpnd restarts with split-tunnel-policy tunnelspecified" ravpnd_start "$STATE/include.conf"
CHARON_CONF_IN=$STATE/strongswan-unity.conf.in check "strongSwan charon restarts" \
	charon_start "$STATE/swanctl-unity.conf"
check "strongSwan connects" up
check "it received the split-include list" charon_has "processing UNITY_SPLIT_INCLUDE attribute"
check "... and no split-exclude list" bash -c "! grep -aq 'processing UNITY_LOCAL_LAN attribute' '$CH/charon.log'"
down
echo "# ravpnd log: $STATE/ravpnd.log; charon: $STATE/charon-exclude.log, $CH/charon.log"
[ "$N_FAIL" = 0 ]
