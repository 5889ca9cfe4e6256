#!/bin/bash
# tshark-keys.sh KEYLOG: prints the tshark options that decrypt IKEv1 and
# ESP with the keys ravpnd --keylog wrote, one option per line, e.g.
#   mapfile -t o < <(tests/tshark-keys.sh keys); tshark -r cap "${o[@]}"
[ -r "${1:-}" ] || { echo "usage: $0 KEYLOG" >&2; exit 2; }
echo "-o"; echo "esp.enable_encryption_decode:TRUE"
while IFS= read -r line; do
	case "$line" in
	ikev1_decryption_table:*|esp_sa:*) echo "-o"; echo "uat:$line" ;;
	esac
done <"$1"
