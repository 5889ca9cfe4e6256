#!/bin/bash
# tshark-keys.sh KEYLOG: prints the tshark options that decrypt IKEv1, IKEv2 and
# ESP with the keys ravpnd --keylog wrote, one option per line (ChaCha20
# ESP SAs only with TSHARK_CHACHA=1, for a Wireshark that knows it), e.g.
#   mapfile -t o < <(tests/tshark-keys.sh keys); tshark -r cap "${o[@]}"
[ -r "${1:-}" ] || { echo "usage: $0 KEYLOG" >&2; exit 2; }
echo "-o"; echo "esp.enable_encryption_decode:TRUE"
while IFS= read -r line; do
	case "$line" in
	# Wireshark 4.0 (Debian 12) cannot decrypt ESP with ChaCha20-Poly1305
	# and refuses the whole command line for such a UAT line
	*'"ChaCha20 with Poly1305'*) [ -n "${TSHARK_CHACHA:-}" ] && { echo "-o"; echo "uat:$line"; } ;;
	ikev1_decryption_table:*|ikev2_decryption_table:*|esp_sa:*) echo "-o"; echo "uat:$line" ;;
	esac
done <"$1"
