/* --keylog: session keys as lines of Wireshark's UAT tables, so a capture
 * of ravpn's traffic can be decrypted and checked with tshark:
 *   ikev1_decryption_table:<initiator cookie>,<encryption key>
 *   ikev2_decryption_table:<SPIi>,<SPIr>,<SK_ei>,<SK_er>,"<cipher>",<SK_ai>,<SK_ar>,"<integrity>"
 *   esp_sa:"IPv4","<src>","<dst>","0x<spi>","<cipher>","0x<key>","<integrity>","0x<key>"
 * tests/tshark-keys.sh turns a file of them into `-o uat:...` options. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ike.h"
#include "log.h"

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

static void keylog_write(const char *line)
{
	int fd = ike.c.fds[FD_KEYLOG];

	if (fd >= 0 && write(fd, line, strlen(line)) < 0)
		log_warn("keylog: write failed");
}

void keylog_ike(const struct ike_sa *sa)
{
	char ck[17], key[129], line[200];

	if (ike.c.fds[FD_KEYLOG] < 0)
		return;
	hex(ck, sa->icky, 8);
	hex(key, sa->keys.enc_key, sa->keys.enc_key_len);
	snprintf(line, sizeof line, "ikev1_decryption_table:%s,%s\n", ck, key);
	keylog_write(line);
}

/* Wireshark's names of the IKEv2 SK payload's algorithms. */
static const char *uat_v2_integ(int integ)
{
	switch (integ) {
	case V2_AUTH_HMAC_SHA1_96: return "HMAC_SHA1_96 [RFC2404]";
	case V2_AUTH_HMAC_SHA2_256_128: return "HMAC_SHA2_256_128 [RFC4868]";
	case V2_AUTH_HMAC_SHA2_384_192: return "HMAC_SHA2_384_192 [RFC4868]";
	default: return "HMAC_SHA2_512_256 [RFC4868]";
	}
}

void keylog_ike_v2(const struct ike_sa *sa)
{
	const struct v2_keys *k = &sa->v2k;
	char si[17], sr[17], ei[65], er[65], ai[129], ar[129], enc[32], line[600];

	if (ike.c.fds[FD_KEYLOG] < 0)
		return;
	hex(si, sa->icky, 8);
	hex(sr, sa->rcky, 8);
	hex(ei, k->sk_ei, k->enc_len);
	hex(er, k->sk_er, k->enc_len);
	hex(ai, k->sk_ai, k->integ_len);
	hex(ar, k->sk_ar, k->integ_len);
	snprintf(enc, sizeof enc, "AES-CBC-%d [RFC3602]", sa->key_bits);
	snprintf(line, sizeof line, "ikev2_decryption_table:%s,%s,%s,%s,\"%s\",%s,%s,\"%s\"\n",
		 si, sr, ei, er, enc, ai, ar, uat_v2_integ(sa->v2_integ));
	keylog_write(line);
}

static const char *uat_cipher(int enc)
{
	switch (enc) {
	case ESP_ENC_AES_CBC: return "AES-CBC [RFC3602]";
	case ESP_ENC_AES_GCM_16: return "AES-GCM with 16 octet ICV [RFC4106]";
	case ESP_ENC_CHACHA20_POLY1305: return "ChaCha20 with Poly1305 [RFC7634]";
	case ESP_ENC_3DES: return "TripleDES-CBC [RFC2451]";
	case ESP_ENC_DES: return "DES-CBC [RFC2405]";
	default: return "NULL";
	}
}

static const char *uat_integrity(int auth)
{
	switch (auth) {
	case ESP_AUTH_HMAC_SHA1: return "HMAC-SHA-1-96 [RFC2404]";
	case ESP_AUTH_HMAC_MD5: return "HMAC-MD5-96 [RFC2403]";
	case ESP_AUTH_HMAC_SHA256: return "HMAC-SHA-256-128 [RFC4868]";
	case ESP_AUTH_HMAC_SHA384: return "HMAC-SHA-384-192 [RFC4868]";
	case ESP_AUTH_HMAC_SHA512: return "HMAC-SHA-512-256 [RFC4868]";
	default: return "NULL";
	}
}

static void keylog_one(const struct child_sa *ch, uint32_t src, uint32_t dst, uint32_t spi,
		       const uint8_t *k)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], ek[129], ak[129], line[512];

	inet_ntop(AF_INET, &src, s, sizeof s);
	inet_ntop(AF_INET, &dst, d, sizeof d);
	hex(ek, k, ch->enc_len);
	hex(ak, k + ch->enc_len, ch->auth_len);
	snprintf(line, sizeof line, "esp_sa:\"IPv4\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x%s\",\"%s\",\"0x%s\"\n",
		 s, d, spi, uat_cipher(ch->enc), ek, uat_integrity(ch->auth), ak);
	keylog_write(line);
}

void keylog_esp(const struct ike_sa *sa, const struct child_sa *ch)
{
	if (ike.c.fds[FD_KEYLOG] < 0)
		return;
	keylog_one(ch, sa->peer.sin_addr.s_addr, ike.local_addr, ch->spi_in, ch->key_in);
	keylog_one(ch, ike.local_addr, sa->peer.sin_addr.s_addr, ch->spi_out, ch->key_out);
}
