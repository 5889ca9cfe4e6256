/* Reads the esp_sa lines of `ravpnd --keylog` (ike-worker/keylog.c):
 *   esp_sa:"IPv4","<src>","<dst>","0x<spi>","<cipher>","0x<key>","<integrity>","0x<key>"
 * into the struct ipc_sa_add the ESP worker's table takes. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define KL_FIELDS 8

static int cipher_id(const char *name)
{
	static const struct { const char *prefix; int id; } map[] = {
		{ "AES-CBC", ESP_ENC_AES_CBC }, { "AES-GCM", ESP_ENC_AES_GCM_16 },
		{ "ChaCha20", ESP_ENC_CHACHA20_POLY1305 }, { "TripleDES", ESP_ENC_3DES },
		{ "DES-CBC", ESP_ENC_DES }, { "NULL", ESP_ENC_NULL },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strncmp(name, map[i].prefix, strlen(map[i].prefix)))
			return map[i].id;
	return -1;
}

static int integrity_id(const char *name)
{
	static const struct { const char *prefix; int id; } map[] = {
		{ "HMAC-SHA-1-", ESP_AUTH_HMAC_SHA1 }, { "HMAC-MD5", ESP_AUTH_HMAC_MD5 },
		{ "HMAC-SHA-256", ESP_AUTH_HMAC_SHA256 }, { "HMAC-SHA-384", ESP_AUTH_HMAC_SHA384 },
		{ "HMAC-SHA-512", ESP_AUTH_HMAC_SHA512 }, { "NULL", ESP_AUTH_NONE },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strncmp(name, map[i].prefix, strlen(map[i].prefix)))
			return map[i].id;
	return -1;
}

/* "0x<hex>" into out (at most 64 bytes); returns the byte count or -1. */
static int hex_key(const char *s, uint8_t *out)
{
	size_t n;

	if (strncmp(s, "0x", 2))
		return -1;
	s += 2;
	n = strlen(s);
	if (n % 2 || n / 2 > 64)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;

		out[i] = (uint8_t)strtoul(b, &end, 16);
		if (*end)
			return -1;
	}
	return (int)(n / 2);
}

/* Splits the quoted fields of one esp_sa line in place. */
static bool split(char *line, char *f[KL_FIELDS])
{
	char *p = strchr(line, '"');

	for (int i = 0; i < KL_FIELDS; i++) {
		char *end = p ? strchr(p + 1, '"') : NULL;

		if (!end)
			return false;
		*end = 0;
		f[i] = p + 1;
		p = strchr(end + 1, '"');
	}
	return true;
}

static bool line_sa(char *line, uint32_t src, uint32_t dst, struct ipc_sa_add *a)
{
	char *f[KL_FIELDS];
	struct in_addr s, d;
	int enc, auth, ek, ak;

	if (strncmp(line, "esp_sa:", 7) || !split(line, f) ||
	    inet_pton(AF_INET, f[1], &s) != 1 || inet_pton(AF_INET, f[2], &d) != 1 ||
	    s.s_addr != src || d.s_addr != dst)
		return false;
	enc = cipher_id(f[4]);
	auth = integrity_id(f[6]);
	ek = hex_key(f[5], a->enc_key);
	ak = hex_key(f[7], a->auth_key);
	if (enc < 0 || auth < 0 || ek < 0 || ak < 0)
		return false;
	a->spi = (uint32_t)strtoul(f[3], NULL, 16);
	a->enc = (uint8_t)enc;
	a->auth = (uint8_t)auth;
	a->enc_key_len = (uint8_t)ek;
	a->auth_key_len = (uint8_t)ak;
	return true;
}

bool gen_keylog_sa(const char *file, uint32_t src, uint32_t dst, uint8_t dir, uint32_t inner,
		   struct ipc_sa_add *a)
{
	FILE *f = file ? fopen(file, "r") : NULL;
	char line[1024];
	struct ipc_sa_add cand;
	bool found = false;

	if (!f) {
		fprintf(stderr, "espgen: cannot read keylog %s\n", file ? file : "(none)");
		return false;
	}
	while (fgets(line, sizeof line, f)) {
		memset(&cand, 0, sizeof cand);
		if (line_sa(line, src, dst, &cand)) {	/* the last one is the newest */
			*a = cand;
			found = true;
		}
	}
	fclose(f);
	if (!found) {
		fprintf(stderr, "espgen: no esp_sa line from %s", inet_ntoa((struct in_addr){ src }));
		fprintf(stderr, " to %s in %s\n", inet_ntoa((struct in_addr){ dst }), file);
		return false;
	}
	a->sid = 1;
	a->dir = dir;
	a->encap = ENCAP_UDP;
	a->peer_addr = dir == SA_OUT ? dst : src;
	a->peer_port = 4500;
	a->inner_addr = inner;
	return true;
}
