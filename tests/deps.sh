#!/bin/bash
# Installs the Debian packages ravpn's build, tests and demo need.
# Idempotent: runs apt only when something is missing.
set -e
PKGS="gcc make pkg-config libssl-dev libsodium-dev libsqlite3-dev libseccomp-dev
      libcmocka-dev libradcli-dev clang-14 libclang-rt-14-dev sqlite3
      vpnc vpnc-scripts strongswan-charon strongswan-swanctl strongswan-pki
      libcharon-extra-plugins libcharon-extauth-plugins
      libstrongswan-standard-plugins libstrongswan-extra-plugins
      freeradius freeradius-utils iperf3 tshark nftables iproute2 iputils-ping
      bc python3 python3-scapy openssl util-linux procps psmisc conntrack"
missing=()
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
getent group ravpn >/dev/null || groupadd --system ravpn
getent passwd ravpn >/dev/null || useradd --system -g ravpn -d /nonexistent -s /usr/sbin/nologin ravpn
exit 0
