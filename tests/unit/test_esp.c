/* ESP worker data plane: replay window, SA table, packet protection
 * round trips for every algorithm (CBC + HMAC-SHA1/SHA2, AES-GCM,
 * ChaCha20-Poly1305), every drop reason, the datagram classifier, and
 * known-answer vectors made by scapy plus the RFC 7634 appendix example
 * (tests/kat/esp_vectors.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "buf.h"
#include "../../esp-worker/datapath.h"
#include "../../esp-worker/esp_crypt.h"
#include "../../esp-worker/replay.h"
#include "../../esp-worker/sa.h"
#include "../kat/esp_vectors.h"

#define CLIENT	0x0ac80005u	/* 10.200.0.5, host order */
#define LAN	0x0a640001u	/* 10.100.0.1 */
#define PEER	0x0a630002u	/* 10.99.0.2 */
#define BUFSZ	2048

#include "esp_table_fixture.h"

static struct ipc_sa_add mk_add(uint8_t dir, uint32_t spi, uint8_t enc, uint8_t eklen,
				uint8_t auth, uint8_t aklen)
{
	struct ipc_sa_add a = {
		.sid = (uint64_t)1 << 56 | 0x1234, .spi = spi, .dir = dir, .encap = ENCAP_UDP,
		.enc = enc, .auth = auth, .enc_key_len = eklen, .auth_key_len = aklen,
		.peer_port = 4500, .peer_addr = htonl(PEER), .inner_addr = htonl(CLIENT),
		.replay_window = 64,
	};

	for (int i = 0; i < 64; i++) {
		a.enc_key[i] = (uint8_t)(0x11 * i + 3);
		a.auth_key[i] = (uint8_t)(0x07 * i + 9);
	}
	return a;
}

/* An IPv4/UDP-ish packet of len bytes from src to dst (host order). */
static size_t mk_inner(uint8_t *buf, size_t len, uint32_t src, uint32_t dst)
{
	struct wbuf w;

	wbuf_init(&w, buf, len);
	wbuf_u8(&w, 0x45);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)len);
	wbuf_u32(&w, 0x00010000);
	wbuf_u32(&w, 0x40110000);
	wbuf_u32(&w, src);
	wbuf_u32(&w, dst);
	for (size_t i = 20; i < len; i++)
		wbuf_u8(&w, (uint8_t)(i * 7));
	assert_true(wbuf_ok(&w));
	return len;
}

/* An outbound and an inbound SA sharing keys, as the two ends see one SA. */
static void sa_pair(uint32_t spi, uint8_t enc, uint8_t eklen, uint8_t auth, uint8_t aklen,
		    struct esp_sa **out, struct esp_sa **in)
{
	struct ipc_sa_add a = mk_add(SA_OUT, spi, enc, eklen, auth, aklen);

	*out = esp_sa_add(tab, &a);
	a.dir = SA_IN;
	*in = esp_sa_add(tab, &a);
	assert_non_null(*out);
	assert_non_null(*in);
}

/* ---- replay window ---- */

static void test_replay_window(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r, 64);
	assert_false(esp_replay_check(&r, 0));
	assert_true(esp_replay_check(&r, 100));
	esp_replay_update(&r, 100);
	assert_false(esp_replay_check(&r, 100));	/* duplicate */
	assert_true(esp_replay_check(&r, 40));		/* 60 behind */
	assert_true(esp_replay_check(&r, 37));		/* 63 behind: last slot */
	assert_false(esp_replay_check(&r, 36));		/* 64 behind */
	assert_false(esp_replay_check(&r, 35));		/* 65 behind */
	esp_replay_update(&r, 40);
	assert_false(esp_replay_check(&r, 40));
	assert_true(esp_replay_check(&r, 41));
	/* a jump far ahead forgets everything old, but not the new top */
	esp_replay_update(&r, 100000);
	assert_false(esp_replay_check(&r, 100000));
	assert_true(esp_replay_check(&r, 99999));
	assert_false(esp_replay_check(&r, 100));
}

static void test_replay_slide_clears_ring(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r, 64);
	/* seq s and s + ring size share a bit; sliding must clear it */
	esp_replay_update(&r, 5);
	for (uint64_t s = 6; s <= 5 + REPLAY_WORDS * 64; s++) {
		assert_true(esp_replay_check(&r, s));
		esp_replay_update(&r, s);
	}
	assert_false(esp_replay_check(&r, 5 + REPLAY_WORDS * 64));
	esp_replay_init(&r, 64);
	esp_replay_update(&r, 1);
	esp_replay_update(&r, 1 + REPLAY_WORDS * 64 - 10);
	assert_true(esp_replay_check(&r, 1 + REPLAY_WORDS * 64 - 11));
}

static void test_replay_disabled(void **state)
{
	struct esp_replay r;

	(void)state;
	esp_replay_init(&r, 0);
	esp_replay_update(&r, 9);
	assert_true(esp_replay_check(&r, 9));
	assert_true(esp_replay_check(&r, 0));
	esp_replay_init(&r, 5000);
	assert_int_equal(r.size, REPLAY_MAX_WINDOW);
}

/* ---- round trips ---- */

struct algo_case {
	const char *name;
	uint8_t enc, eklen, auth, aklen;
	size_t iv, align, icv;
};

static const struct algo_case algos[] = {
	{ "AES-128-CBC/HMAC-SHA1", ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20, 16, 16, 12 },
	{ "AES-192-CBC/HMAC-SHA1", ESP_ENC_AES_CBC, 24, ESP_AUTH_HMAC_SHA1, 20, 16, 16, 12 },
	{ "AES-256-CBC/HMAC-SHA1", ESP_ENC_AES_CBC, 32, ESP_AUTH_HMAC_SHA1, 20, 16, 16, 12 },
	{ "3DES/HMAC-MD5", ESP_ENC_3DES, 24, ESP_AUTH_HMAC_MD5, 16, 8, 8, 12 },
	{ "NULL/HMAC-SHA1", ESP_ENC_NULL, 0, ESP_AUTH_HMAC_SHA1, 20, 0, 4, 12 },
	{ "AES-128-CBC/none", ESP_ENC_AES_CBC, 16, ESP_AUTH_NONE, 0, 16, 16, 0 },
	{ "AES-128-CBC/HMAC-SHA2-256-128", ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA256, 32, 16, 16, 16 },
	{ "AES-256-CBC/HMAC-SHA2-384-192", ESP_ENC_AES_CBC, 32, ESP_AUTH_HMAC_SHA384, 48, 16, 16, 24 },
	{ "AES-256-CBC/HMAC-SHA2-512-256", ESP_ENC_AES_CBC, 32, ESP_AUTH_HMAC_SHA512, 64, 16, 16, 32 },
	{ "NULL/HMAC-SHA2-256-128", ESP_ENC_NULL, 0, ESP_AUTH_HMAC_SHA256, 32, 0, 4, 16 },
	{ "AES-GCM-16-128", ESP_ENC_AES_GCM_16, 20, ESP_AUTH_NONE, 0, 8, 4, 16 },
	{ "AES-GCM-16-192", ESP_ENC_AES_GCM_16, 28, ESP_AUTH_NONE, 0, 8, 4, 16 },
	{ "AES-GCM-16-256", ESP_ENC_AES_GCM_16, 36, ESP_AUTH_NONE, 0, 8, 4, 16 },
	{ "ChaCha20-Poly1305", ESP_ENC_CHACHA20_POLY1305, 36, ESP_AUTH_NONE, 0, 8, 4, 16 },
};
#define N_ALGOS (sizeof algos / sizeof algos[0])

static void test_round_trip(void **state)
{
	static const size_t sizes[] = { 20, 21, 28, 29, 30, 31, 32, 84, 1000, 1400 };
	uint8_t inner[BUFSZ], esp[BUFSZ], back[BUFSZ];

	(void)state;
	for (size_t a = 0; a < N_ALGOS; a++) {
		const struct algo_case *c = &algos[a];
		struct esp_sa *out, *in;
		uint64_t bytes = 0;

		print_message("%s\n", c->name);
		sa_pair(0x1000 + (uint32_t)a, c->enc, c->eklen, c->auth, c->aklen, &out, &in);
		assert_int_equal(out->icv_len, c->icv);
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			enum esp_verdict v = ESP_DROP_MAX;
			size_t n = mk_inner(inner, sizes[i], CLIENT, LAN);
			int elen = esp_encrypt(out, inner, n, esp, sizeof esp);
			size_t body = (size_t)elen - 8 - c->iv - c->icv;

			assert_true(elen > 0);
			assert_int_equal(body % c->align, 0);
			assert_true(body >= n + 2 && body < n + 2 + c->align);
			assert_int_equal(esp[7], (uint8_t)(i + 1));	/* seq starts at 1 */
			assert_int_equal(esp_decrypt(in, esp, (size_t)elen, back, sizeof back, &v),
					 (int)n);
			assert_int_equal(v, ESP_OK);
			assert_memory_equal(back, inner, n);
			bytes += n;
		}
		assert_int_equal(out->cnt.packets, sizeof sizes / sizeof sizes[0]);
		assert_int_equal(in->cnt.packets, sizeof sizes / sizeof sizes[0]);
		assert_int_equal(in->cnt.bytes, bytes);
		assert_int_equal(out->cnt.bytes, bytes);
	}
}

/* Encrypt must use a fresh IV per packet: two equal packets differ. */
static void test_iv_fresh(void **state)
{
	uint8_t inner[100], e1[BUFSZ], e2[BUFSZ];
	struct esp_sa *out, *in;
	int n1, n2;

	(void)state;
	sa_pair(0x2000, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20, &out, &in);
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	n1 = esp_encrypt(out, inner, sizeof inner, e1, sizeof e1);
	n2 = esp_encrypt(out, inner, sizeof inner, e2, sizeof e2);
	assert_int_equal(n1, n2);
	assert_memory_not_equal(e1 + 8, e2 + 8, 16);
	assert_memory_not_equal(e1 + 24, e2 + 24, (size_t)n1 - 24);
}

static void test_encrypt_too_small_and_seq_exhaustion(void **state)
{
	uint8_t inner[60], esp[BUFSZ];
	struct esp_sa *out, *in;

	(void)state;
	sa_pair(0x2100, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20, &out, &in);
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	assert_int_equal(esp_encrypt(out, inner, sizeof inner, esp, 90), -1);
	assert_int_equal(out->seq_out, 0);		/* a failure uses no number */
	out->seq_out = UINT32_MAX - 1;
	assert_true(esp_encrypt(out, inner, sizeof inner, esp, sizeof esp) > 0);
	assert_memory_equal(esp + 4, "\xff\xff\xff\xff", 4);
	assert_int_equal(esp_encrypt(out, inner, sizeof inner, esp, sizeof esp), -1);
	assert_int_equal(esp_encrypt(out, inner, sizeof inner, esp, sizeof esp), -1);
	assert_int_equal(out->cnt.packets, 1);
}

/* ---- drops ---- */

static void test_tamper_fails_icv(void **state)
{
	uint8_t inner[120], esp[BUFSZ], bad[BUFSZ], back[BUFSZ];
	struct esp_sa *out, *in;
	enum esp_verdict v;
	int n;
	uint64_t drops = 0;

	(void)state;
	sa_pair(0x3000, ESP_ENC_AES_CBC, 32, ESP_AUTH_HMAC_SHA1, 20, &out, &in);
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	n = esp_encrypt(out, inner, sizeof inner, esp, sizeof esp);
	/* every byte after the SPI: sequence number, IV, ciphertext, ICV */
	for (int pos = 4; pos < n; pos++) {
		memcpy(bad, esp, (size_t)n);
		bad[pos] ^= 0x01;
		assert_int_equal(esp_decrypt(in, bad, (size_t)n, back, sizeof back, &v), -1);
		assert_int_equal(v, ESP_DROP_AUTH);
		assert_int_equal(in->cnt.drops[ESP_DROP_AUTH], ++drops);
	}
	assert_int_equal(in->cnt.packets, 0);
	/* the forgeries did not move the window: the real packet still passes */
	assert_int_equal(esp_decrypt(in, esp, (size_t)n, back, sizeof back, &v), (int)sizeof inner);
	/* truncated: the ICV no longer matches either */
	assert_int_equal(esp_decrypt(in, esp, (size_t)n - 1, back, sizeof back, &v), -1);
}

static void test_replay_same_packet_twice(void **state)
{
	uint8_t inner[64], esp[BUFSZ], back[BUFSZ];
	struct esp_sa *out, *in;
	enum esp_verdict v;
	int n;

	(void)state;
	sa_pair(0x3100, ESP_ENC_3DES, 24, ESP_AUTH_HMAC_MD5, 16, &out, &in);
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	n = esp_encrypt(out, inner, sizeof inner, esp, sizeof esp);
	assert_int_equal(esp_decrypt(in, esp, (size_t)n, back, sizeof back, &v), (int)sizeof inner);
	assert_int_equal(esp_decrypt(in, esp, (size_t)n, back, sizeof back, &v), -1);
	assert_int_equal(v, ESP_DROP_REPLAY);
	assert_int_equal(in->cnt.drops[ESP_DROP_REPLAY], 1);
	assert_int_equal(in->cnt.packets, 1);
}

/* Packets sealed with chosen sequence numbers, delivered out of order. */
static void test_replay_window_on_packets(void **state)
{
	uint8_t inner[64], p100[BUFSZ], p40[BUFSZ], p35[BUFSZ], back[BUFSZ];
	struct esp_sa *out, *in;
	enum esp_verdict v;
	int n100, n40, n35;

	(void)state;
	sa_pair(0x3200, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20, &out, &in);
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	out->seq_out = 34;
	n35 = esp_encrypt(out, inner, sizeof inner, p35, sizeof p35);
	out->seq_out = 39;
	n40 = esp_encrypt(out, inner, sizeof inner, p40, sizeof p40);
	out->seq_out = 99;
	n100 = esp_encrypt(out, inner, sizeof inner, p100, sizeof p100);
	assert_true(esp_decrypt(in, p100, (size_t)n100, back, sizeof back, &v) > 0);
	assert_true(esp_decrypt(in, p40, (size_t)n40, back, sizeof back, &v) > 0);	/* 60 behind */
	assert_int_equal(esp_decrypt(in, p35, (size_t)n35, back, sizeof back, &v), -1);	/* 65 */
	assert_int_equal(v, ESP_DROP_REPLAY);
	assert_int_equal(in->cnt.packets, 2);
	assert_int_equal(in->cnt.drops[ESP_DROP_REPLAY], 1);
}

/* An independent ESP builder (EVP directly, fixed IV, caller's own
 * trailer), to make packets esp_encrypt would never produce. */
static size_t forge(const struct ipc_sa_add *a, uint32_t seq, const uint8_t *pt, size_t pt_len,
		    uint8_t *out)
{
	const EVP_CIPHER *c = a->enc == ESP_ENC_3DES ? EVP_des_ede3_cbc() : EVP_aes_128_cbc();
	size_t iv = (size_t)EVP_CIPHER_get_iv_length(c), icv_len = 0;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t icv[EVP_MAX_MD_SIZE];
	int outl = 0;
	struct wbuf w;

	assert_int_equal(a->enc_key_len, EVP_CIPHER_get_key_length(c));
	wbuf_init(&w, out, BUFSZ);
	wbuf_u32(&w, a->spi);
	wbuf_u32(&w, seq);
	for (size_t i = 0; i < iv; i++)
		wbuf_u8(&w, (uint8_t)(0x5a + i));
	assert_true(EVP_EncryptInit_ex2(x, c, a->enc_key, out + 8, NULL));
	EVP_CIPHER_CTX_set_padding(x, 0);
	assert_true(EVP_EncryptUpdate(x, out + 8 + iv, &outl, pt, (int)pt_len));
	EVP_CIPHER_CTX_free(x);
	assert_int_equal(outl, (int)pt_len);
	assert_true(EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, a->auth_key, a->auth_key_len,
			      out, 8 + iv + pt_len, icv, sizeof icv, &icv_len) != NULL);
	memcpy(out + 8 + iv + pt_len, icv, 12);
	return 8 + iv + pt_len + 12;
}

/* plaintext = a 40-byte inner packet + trailer bytes given per case */
struct trailer_case {
	const char *name;
	uint8_t trailer[24];
	size_t trailer_len;
	uint8_t first;		/* first byte of the inner packet */
	uint16_t tot_len;	/* inner total length field */
	uint32_t src;
	enum esp_verdict want;
};

static const struct trailer_case trailers[] = {
	{ "good pad 6", { 1, 2, 3, 4, 5, 6, 6, 4 }, 8, 0x45, 40, CLIENT, ESP_OK },
	{ "pad byte wrong", { 1, 2, 3, 9, 5, 6, 6, 4 }, 8, 0x45, 40, CLIENT, ESP_DROP_MALFORMED },
	{ "pad of zeros", { 0, 0, 0, 0, 0, 0, 6, 4 }, 8, 0x45, 40, CLIENT, ESP_DROP_MALFORMED },
	{ "pad length too big", { 1, 2, 3, 4, 5, 6, 200, 4 }, 8, 0x45, 40, CLIENT,
	  ESP_DROP_MALFORMED },
	{ "next header IPv6", { 1, 2, 3, 4, 5, 6, 6, 41 }, 8, 0x45, 40, CLIENT,
	  ESP_DROP_MALFORMED },
	{ "inner is IPv6", { 1, 2, 3, 4, 5, 6, 6, 4 }, 8, 0x60, 40, CLIENT, ESP_DROP_MALFORMED },
	{ "inner IHL < 5", { 1, 2, 3, 4, 5, 6, 6, 4 }, 8, 0x44, 40, CLIENT, ESP_DROP_MALFORMED },
	{ "inner longer than payload", { 1, 2, 3, 4, 5, 6, 6, 4 }, 8, 0x45, 41, CLIENT,
	  ESP_DROP_MALFORMED },
	{ "spoofed source", { 1, 2, 3, 4, 5, 6, 6, 4 }, 8, 0x45, 40, 0x0ac80006u, ESP_DROP_SPOOF },
	/* TFC-style: payload longer than the inner packet; only tot_len is passed on */
	{ "inner shorter than payload", { 1, 2, 3, 4, 5, 6, 6, 4 }, 8, 0x45, 30, CLIENT, ESP_OK },
};

static void test_trailer_and_inner_checks(void **state)
{
	struct ipc_sa_add a = mk_add(SA_IN, 0x4000, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20);
	struct esp_sa *in = esp_sa_add(tab, &a);
	uint8_t pt[64], esp[BUFSZ], back[BUFSZ];

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < sizeof trailers / sizeof trailers[0]; i++) {
		const struct trailer_case *t = &trailers[i];
		enum esp_verdict v = ESP_DROP_MAX;
		uint64_t before = in->cnt.drops[t->want], top = in->replay.top;
		size_t n;
		int r;

		mk_inner(pt, 40, t->src, LAN);
		pt[0] = t->first;
		pt[2] = (uint8_t)(t->tot_len >> 8);
		pt[3] = (uint8_t)t->tot_len;
		memcpy(pt + 40, t->trailer, t->trailer_len);
		n = forge(&a, (uint32_t)i + 1, pt, 40 + t->trailer_len, esp);
		r = esp_decrypt(in, esp, n, back, sizeof back, &v);
		print_message("case %s: %d %s\n", t->name, r, esp_verdict_name(v));
		assert_int_equal(v, t->want);
		if (t->want == ESP_OK) {
			assert_int_equal(r, t->tot_len);
			assert_memory_equal(back, pt, t->tot_len);
			assert_int_equal(in->replay.top, i + 1);
		} else {
			assert_int_equal(r, -1);
			assert_int_equal(in->cnt.drops[t->want], before + 1);
			assert_int_equal(in->replay.top, top);	/* window unchanged */
		}
	}
}

/* A spoofed packet must not burn its sequence number either. */
static void test_spoof_then_genuine_same_seq(void **state)
{
	struct ipc_sa_add a = mk_add(SA_IN, 0x4100, ESP_ENC_3DES, 24, ESP_AUTH_HMAC_SHA1, 20);
	struct esp_sa *in = esp_sa_add(tab, &a);
	uint8_t pt[48], esp[BUFSZ], back[BUFSZ];
	static const uint8_t trailer[8] = { 1, 2, 3, 4, 5, 6, 6, 4 };
	enum esp_verdict v;
	size_t n;

	(void)state;
	mk_inner(pt, 40, 0x0a000001u, LAN);
	memcpy(pt + 40, trailer, 8);
	n = forge(&a, 7, pt, 48, esp);
	assert_int_equal(esp_decrypt(in, esp, n, back, sizeof back, &v), -1);
	assert_int_equal(v, ESP_DROP_SPOOF);
	assert_int_equal(in->cnt.drops[ESP_DROP_SPOOF], 1);
	mk_inner(pt, 40, CLIENT, LAN);
	memcpy(pt + 40, trailer, 8);
	n = forge(&a, 7, pt, 48, esp);
	assert_int_equal(esp_decrypt(in, esp, n, back, sizeof back, &v), 40);
	assert_int_equal(in->cnt.packets, 1);
	assert_int_equal(in->cnt.bytes, 40);
}

static void test_ciphertext_not_block_multiple(void **state)
{
	struct ipc_sa_add a = mk_add(SA_IN, 0x4200, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20);
	struct esp_sa *in = esp_sa_add(tab, &a);
	uint8_t pt[48] = { 0 }, esp[BUFSZ], back[BUFSZ];
	enum esp_verdict v;
	size_t n = forge(&a, 1, pt, 48, esp);
	uint8_t icv[EVP_MAX_MD_SIZE];
	size_t icv_len;

	(void)state;
	/* drop 4 ciphertext bytes and re-MAC, so only the length is wrong */
	n -= 12 + 4;
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, a.auth_key, 20, esp, n, icv,
				  sizeof icv, &icv_len));
	memcpy(esp + n, icv, 12);
	assert_int_equal(esp_decrypt(in, esp, n + 12, back, sizeof back, &v), -1);
	assert_int_equal(v, ESP_DROP_MALFORMED);
	/* shorter than header + IV + ICV */
	assert_int_equal(esp_decrypt(in, esp, 20, back, sizeof back, &v), -1);
	assert_int_equal(v, ESP_DROP_MALFORMED);
	assert_int_equal(in->cnt.drops[ESP_DROP_MALFORMED], 2);
}

/* ---- known answers from scapy ---- */

static void test_scapy_vectors(void **state)
{
	struct esp_path_stats st = { 0 };
	uint8_t back[BUFSZ];

	(void)state;
	assert_int_equal(sizeof esp_kats / sizeof esp_kats[0], 33);
	for (size_t i = 0; i < sizeof esp_kats / sizeof esp_kats[0]; i++) {
		const struct esp_kat *k = &esp_kats[i];
		struct ipc_sa_add a = mk_add(SA_IN, k->spi, k->enc, k->enc_key_len, k->auth,
					     k->auth_key_len);
		struct esp_sa *in;
		int n;

		memcpy(a.enc_key, k->enc_key, sizeof k->enc_key);
		memcpy(a.auth_key, k->auth_key, sizeof k->auth_key);
		a.inner_addr = inet_addr(KAT_INNER_ADDR);
		in = esp_sa_add(tab, &a);
		assert_non_null(in);
		n = esp_in_udp(tab, &st, k->esp, k->esp_len, back, sizeof back);
		print_message("vector %s: %d\n", k->name, n);
		assert_int_equal(n, (int)k->inner_len);
		assert_memory_equal(back, k->inner, k->inner_len);
		assert_int_equal(in->replay.top, k->seq);
		esp_sa_del(tab, k->spi, 0);
	}
	assert_int_equal(st.no_sa_in + st.not_esp, 0);
}

/* The AEAD vectors again, outbound: with scapy's IV and sequence number
 * our sealing must produce scapy's packet byte for byte. */
static void test_scapy_vectors_seal_aead(void **state)
{
	uint8_t esp[BUFSZ];
	int checked = 0;

	(void)state;
	for (size_t i = 0; i < sizeof esp_kats / sizeof esp_kats[0]; i++) {
		const struct esp_kat *k = &esp_kats[i];
		struct ipc_sa_add a = mk_add(SA_OUT, k->spi, k->enc, k->enc_key_len, k->auth,
					     k->auth_key_len);
		struct esp_sa *out;
		struct rbuf r;
		uint64_t iv = 0;

		if (k->enc != ESP_ENC_AES_GCM_16 && k->enc != ESP_ENC_CHACHA20_POLY1305)
			continue;
		memcpy(a.enc_key, k->enc_key, sizeof k->enc_key);
		out = esp_sa_add(tab, &a);
		assert_non_null(out);
		rbuf_init(&r, k->esp + 8, 8);
		assert_true(rbuf_u64(&r, &iv));
		out->seq_out = k->seq - 1;
		out->iv_base = iv - k->seq;
		assert_int_equal(esp_encrypt(out, k->inner, k->inner_len, esp, sizeof esp),
				 (int)k->esp_len);
		assert_memory_equal(esp, k->esp, k->esp_len);
		esp_sa_del(tab, k->spi, 0);
		checked++;
	}
	assert_int_equal(checked, 12);
}

/* RFC 7634 appendix A: the RFC's packet opens to the RFC's inner packet,
 * and sealing that inner packet with the RFC's IV gives the RFC's packet. */
static void test_rfc7634_vector(void **state)
{
	const struct esp_kat *k = &esp_kat_rfc7634;
	struct ipc_sa_add a = mk_add(SA_IN, k->spi, k->enc, k->enc_key_len, ESP_AUTH_NONE, 0);
	struct esp_path_stats st = { 0 };
	uint8_t back[BUFSZ], esp[BUFSZ];
	struct esp_sa *in, *out;

	(void)state;
	memcpy(a.enc_key, k->enc_key, sizeof k->enc_key);
	a.inner_addr = inet_addr(KAT_RFC7634_INNER_ADDR);
	in = esp_sa_add(tab, &a);
	assert_non_null(in);
	assert_int_equal(esp_in_udp(tab, &st, k->esp, k->esp_len, back, sizeof back),
			 (int)k->inner_len);
	assert_memory_equal(back, k->inner, k->inner_len);
	assert_int_equal(in->replay.top, 5);
	a.dir = SA_OUT;
	out = esp_sa_add(tab, &a);
	assert_non_null(out);
	out->seq_out = 4;
	out->iv_base = 0x1011121314151617ull - 5;
	assert_int_equal(esp_encrypt(out, k->inner, k->inner_len, esp, sizeof esp),
			 (int)k->esp_len);
	assert_memory_equal(esp, k->esp, k->esp_len);
}

/* Every authenticated algorithm: any flipped bit after the SPI, and a
 * truncated packet, are dropped as auth; then the genuine packet passes
 * once and its copy is dropped as a replay. */
static void test_tamper_and_replay_every_alg(void **state)
{
	uint8_t inner[100], esp[BUFSZ], bad[BUFSZ], back[BUFSZ];

	(void)state;
	for (size_t i = 0; i < N_ALGOS; i++) {
		const struct algo_case *c = &algos[i];
		struct esp_sa *out, *in;
		enum esp_verdict v;
		uint64_t drops = 0;
		int n;

		if (!c->icv)
			continue;
		print_message("%s\n", c->name);
		sa_pair(0x3400 + (uint32_t)i, c->enc, c->eklen, c->auth, c->aklen, &out, &in);
		mk_inner(inner, sizeof inner, CLIENT, LAN);
		n = esp_encrypt(out, inner, sizeof inner, esp, sizeof esp);
		assert_true(n > 0);
		for (int pos = 4; pos < n; pos++) {
			memcpy(bad, esp, (size_t)n);
			bad[pos] ^= 0x80;
			assert_int_equal(esp_decrypt(in, bad, (size_t)n, back, sizeof back, &v), -1);
			assert_int_equal(v, ESP_DROP_AUTH);
			assert_int_equal(in->cnt.drops[ESP_DROP_AUTH], ++drops);
		}
		assert_int_equal(esp_decrypt(in, esp, (size_t)n - 1, back, sizeof back, &v), -1);
		assert_int_equal(v, ESP_DROP_AUTH);
		assert_int_equal(esp_decrypt(in, esp, (size_t)n, back, sizeof back, &v),
				 (int)sizeof inner);
		assert_memory_equal(back, inner, sizeof inner);
		assert_int_equal(esp_decrypt(in, esp, (size_t)n, back, sizeof back, &v), -1);
		assert_int_equal(v, ESP_DROP_REPLAY);
		assert_int_equal(in->cnt.drops[ESP_DROP_REPLAY], 1);
		assert_int_equal(in->cnt.packets, 1);
	}
}

/* AEAD explicit IVs count with the sequence number from a random base;
 * a re-install with the same keys keeps the base. */
static void test_aead_iv_counter(void **state)
{
	uint8_t inner[60], e1[BUFSZ], e2[BUFSZ];
	struct ipc_sa_add a = mk_add(SA_OUT, 0x3500, ESP_ENC_AES_GCM_16, 20, ESP_AUTH_NONE, 0);
	struct esp_sa *out = esp_sa_add(tab, &a), *again;
	uint64_t iv1 = 0, iv2 = 0, base;
	struct rbuf r;

	(void)state;
	assert_non_null(out);
	base = out->iv_base;
	mk_inner(inner, sizeof inner, LAN, CLIENT);
	assert_true(esp_encrypt(out, inner, sizeof inner, e1, sizeof e1) > 0);
	assert_true(esp_encrypt(out, inner, sizeof inner, e2, sizeof e2) > 0);
	rbuf_init(&r, e1 + 8, 8);
	rbuf_u64(&r, &iv1);
	rbuf_init(&r, e2 + 8, 8);
	rbuf_u64(&r, &iv2);
	assert_true(iv1 == base + 1 && iv2 == base + 2);
	assert_memory_not_equal(e1 + 16, e2 + 16, sizeof inner);
	again = esp_sa_add(tab, &a);
	assert_int_equal(again->iv_base, base);
	assert_int_equal(again->seq_out, 2);
	a.spi = 0x3501;			/* another SA: another base (2^-64 to collide) */
	assert_true(esp_sa_add(tab, &a)->iv_base != base);
}

/* `replay window-size 1024`: 1000 behind the top passes, 1024 and 1025
 * behind are too old; on packets as on the bare window. */
static void test_replay_window_1024(void **state)
{
	struct ipc_sa_add a = mk_add(SA_OUT, 0x3600, ESP_ENC_AES_GCM_16, 20, ESP_AUTH_NONE, 0);
	uint8_t inner[64], p2000[BUFSZ], p1000[BUFSZ], p976[BUFSZ], p975[BUFSZ], back[BUFSZ];
	struct esp_sa *out, *in;
	struct esp_replay r;
	enum esp_verdict v;
	int n2000, n1000, n976, n975;

	(void)state;
	esp_replay_init(&r, 1024);
	esp_replay_update(&r, 5000);
	assert_true(esp_replay_check(&r, 4000));	/* 1000 behind */
	assert_true(esp_replay_check(&r, 3977));	/* 1023 behind: last slot */
	assert_false(esp_replay_check(&r, 3976));	/* 1024 behind */
	assert_false(esp_replay_check(&r, 3975));	/* 1025 behind */
	a.replay_window = 1024;
	out = esp_sa_add(tab, &a);
	a.dir = SA_IN;
	in = esp_sa_add(tab, &a);
	assert_int_equal(in->replay.size, 1024);
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	out->seq_out = 1999;
	n2000 = esp_encrypt(out, inner, sizeof inner, p2000, sizeof p2000);
	out->seq_out = 999;
	n1000 = esp_encrypt(out, inner, sizeof inner, p1000, sizeof p1000);
	out->seq_out = 975;
	n976 = esp_encrypt(out, inner, sizeof inner, p976, sizeof p976);
	out->seq_out = 974;
	n975 = esp_encrypt(out, inner, sizeof inner, p975, sizeof p975);
	assert_true(esp_decrypt(in, p2000, (size_t)n2000, back, sizeof back, &v) > 0);
	assert_true(esp_decrypt(in, p1000, (size_t)n1000, back, sizeof back, &v) > 0);
	assert_int_equal(esp_decrypt(in, p976, (size_t)n976, back, sizeof back, &v), -1);
	assert_int_equal(v, ESP_DROP_REPLAY);
	assert_int_equal(esp_decrypt(in, p975, (size_t)n975, back, sizeof back, &v), -1);
	assert_int_equal(v, ESP_DROP_REPLAY);
	assert_int_equal(in->cnt.drops[ESP_DROP_REPLAY], 2);
	/* window 0 (replay disable): the same old packet is accepted twice */
	a.spi = 0x3601;
	a.replay_window = 0;
	in = esp_sa_add(tab, &a);
	a.dir = SA_OUT;
	out = esp_sa_add(tab, &a);
	n975 = esp_encrypt(out, inner, sizeof inner, p975, sizeof p975);
	assert_true(esp_decrypt(in, p975, (size_t)n975, back, sizeof back, &v) > 0);
	assert_true(esp_decrypt(in, p975, (size_t)n975, back, sizeof back, &v) > 0);
}

/* ---- the datagram classifier and the outbound path ---- */

static void test_udp_classifier(void **state)
{
	static const uint8_t ike[] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t keepalive[] = { 0xff };
	static const uint8_t runt[] = { 0, 0, 0x50, 1, 0, 0, 0 };
	static const uint8_t unknown[] = { 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 9, 9, 9, 9 };
	struct esp_path_stats st = { 0 };
	uint8_t out[BUFSZ];

	(void)state;
	assert_int_equal(esp_in_udp(tab, &st, ike, sizeof ike, out, sizeof out), -1);
	assert_int_equal(esp_in_udp(tab, &st, keepalive, sizeof keepalive, out, sizeof out), -1);
	assert_int_equal(esp_in_udp(tab, &st, runt, sizeof runt, out, sizeof out), -1);
	assert_int_equal(esp_in_udp(tab, &st, NULL, 0, out, sizeof out), -1);
	assert_int_equal(st.not_esp, 4);
	assert_int_equal(esp_in_udp(tab, &st, unknown, sizeof unknown, out, sizeof out), -1);
	assert_int_equal(st.no_sa_in, 1);
}

static void test_raw_and_tun_paths(void **state)
{
	struct esp_path_stats st = { 0 };
	struct esp_sa *out, *in, *which = NULL;
	uint8_t inner[80], pkt[BUFSZ], back[BUFSZ];
	uint8_t v6[48] = { 0x60 };
	struct wbuf w;
	int n;

	(void)state;
	sa_pair(0x5000, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20, &out, &in);
	out->encap = ENCAP_NONE;
	mk_inner(inner, sizeof inner, LAN, CLIENT);	/* towards the client */
	assert_null(esp_out_route(tab, &st, v6, sizeof v6));
	assert_int_equal(st.not_ipv4, 1);
	assert_null(esp_out_route(tab, &st, inner, 10));
	assert_int_equal(st.not_ipv4, 2);
	/* an outer IPv4 header with options (IHL 6), then the ESP packet */
	wbuf_init(&w, pkt, sizeof pkt);
	wbuf_u8(&w, 0x46);
	wbuf_zero(&w, 23);
	which = esp_out_route(tab, &st, inner, sizeof inner);
	assert_ptr_equal(which, out);
	n = esp_out_seal(which, &st, inner, sizeof inner, pkt + 24, sizeof pkt - 24);
	assert_true(n > 0);
	assert_memory_equal(pkt + 24, "\x00\x00\x50\x00", 4);
	/* the receiving end sees a packet from the client: re-address it */
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	n = esp_encrypt(out, inner, sizeof inner, pkt + 24, sizeof pkt - 24);
	assert_int_equal(esp_in_raw(tab, &st, pkt, (size_t)n + 24, back, sizeof back),
			 (int)sizeof inner);
	assert_memory_equal(back, inner, sizeof inner);
	pkt[0] = 0x65;
	assert_int_equal(esp_in_raw(tab, &st, pkt, (size_t)n + 24, back, sizeof back), -1);
	assert_int_equal(st.bad_ip, 1);
	mk_inner(inner, sizeof inner, LAN, 0x0ac80063u);
	assert_null(esp_out_route(tab, &st, inner, sizeof inner));
	assert_int_equal(st.no_sa_out, 1);
	/* a packet too big for the output buffer fails to seal, counted */
	mk_inner(inner, sizeof inner, LAN, CLIENT);
	assert_int_equal(esp_out_seal(out, &st, inner, sizeof inner, pkt, 60), -1);
	assert_int_equal(st.seal_failed, 1);
}

/* ---- the SA table ---- */

static void test_sa_refused(void **state)
{
	static const struct { uint8_t enc, eklen, auth, aklen; uint32_t spi; } bad[] = {
		{ ESP_ENC_AES_CBC, 15, ESP_AUTH_HMAC_SHA1, 20, 0x6000 },
		{ ESP_ENC_3DES, 16, ESP_AUTH_HMAC_SHA1, 20, 0x6001 },
		{ ESP_ENC_DES, 24, ESP_AUTH_HMAC_SHA1, 20, 0x6002 },
		{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 16, 0x6003 },
		{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_MD5, 20, 0x6004 },
		{ ESP_ENC_NULL, 0, ESP_AUTH_NONE, 0, 0x6005 },
		{ 99, 16, ESP_AUTH_HMAC_SHA1, 20, 0x6006 },
		{ ESP_ENC_AES_CBC, 16, 7, 20, 0x6007 },
		{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20, 255 },	/* reserved SPI */
		{ ESP_ENC_AES_GCM_16, 20, ESP_AUTH_HMAC_SHA1, 20, 0x6008 },	/* AEAD + HMAC */
		{ ESP_ENC_AES_GCM_16, 16, ESP_AUTH_NONE, 0, 0x6009 },	/* no salt */
		{ ESP_ENC_AES_GCM_16, 4, ESP_AUTH_NONE, 0, 0x600a },
		{ ESP_ENC_CHACHA20_POLY1305, 32, ESP_AUTH_NONE, 0, 0x600b },
		{ ESP_ENC_CHACHA20_POLY1305, 20, ESP_AUTH_NONE, 0, 0x600c },
		{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA256, 20, 0x600d },
		{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA384, 32, 0x600e },
		{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA512, 48, 0x600f },
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ipc_sa_add a = mk_add(SA_IN, bad[i].spi, bad[i].enc, bad[i].eklen,
					     bad[i].auth, bad[i].aklen);

		assert_null(esp_sa_add(tab, &a));
		assert_null(esp_sa_find_in(tab, bad[i].spi));
	}
	struct ipc_sa_add a = mk_add(SA_OUT, 0x6100, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20);
	a.peer_addr = 0;
	assert_null(esp_sa_add(tab, &a));
	a = mk_add(3, 0x6101, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20);
	assert_null(esp_sa_add(tab, &a));
	assert_int_equal(tab->count, 0);
}

/* DES may be missing from OpenSSL: then it is refused, else it works. */
static void test_des_if_available(void **state)
{
	uint8_t inner[50], esp[BUFSZ], back[BUFSZ];
	struct ipc_sa_add a = mk_add(SA_OUT, 0x6200, ESP_ENC_DES, 8, ESP_AUTH_HMAC_MD5, 16);
	struct esp_sa *out = esp_sa_add(tab, &a), *in;
	enum esp_verdict v;
	int n;

	(void)state;
	if (!out) {
		print_message("DES not available in this OpenSSL: refused as designed\n");
		return;
	}
	a.dir = SA_IN;
	in = esp_sa_add(tab, &a);
	assert_non_null(in);
	mk_inner(inner, sizeof inner, CLIENT, LAN);
	n = esp_encrypt(out, inner, sizeof inner, esp, sizeof esp);
	assert_int_equal((n - 8 - 8 - 12) % 8, 0);
	assert_int_equal(esp_decrypt(in, esp, (size_t)n, back, sizeof back, &v), (int)sizeof inner);
}

static void test_sa_table_ops(void **state)
{
	struct ipc_sa_add a = mk_add(SA_OUT, 0x7000, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20);
	struct esp_sa *o1, *o2, *o3, *i1;
	uint8_t inner[40], esp[BUFSZ];

	(void)state;
	o1 = esp_sa_add(tab, &a);
	a.dir = SA_IN;				/* same SPI, other direction */
	i1 = esp_sa_add(tab, &a);
	assert_ptr_equal(esp_sa_find_in(tab, 0x7000), i1);
	assert_ptr_equal(esp_sa_find_out(tab, htonl(CLIENT)), o1);
	/* re-install with the same keys keeps the sequence number */
	mk_inner(inner, sizeof inner, LAN, CLIENT);
	esp_encrypt(o1, inner, sizeof inner, esp, sizeof esp);
	esp_encrypt(o1, inner, sizeof inner, esp, sizeof esp);
	a.dir = SA_OUT;
	o2 = esp_sa_add(tab, &a);
	assert_int_equal(tab->count, 2);
	assert_ptr_equal(esp_sa_find_out(tab, htonl(CLIENT)), o2);
	assert_int_equal(o2->seq_out, 2);
	assert_int_equal(o2->cnt.packets, 2);
	/* new keys: a new SA, sequence from 1 */
	a.enc_key[0] ^= 1;
	o3 = esp_sa_add(tab, &a);
	assert_int_equal(o3->seq_out, 0);
	/* a newer SPI for the same client wins; deleting it uncovers the old */
	a.spi = 0x7001;
	o2 = esp_sa_add(tab, &a);
	assert_ptr_equal(esp_sa_find_out(tab, htonl(CLIENT)), o2);
	assert_int_equal(esp_sa_del(tab, 0x7001, 0), 1);
	assert_ptr_equal(esp_sa_find_out(tab, htonl(CLIENT)), o3);
	/* sid filter, then both directions at once */
	assert_int_equal(esp_sa_del(tab, 0x7000, 99), 0);
	assert_int_equal(esp_sa_del(tab, 0x7000, a.sid), 2);
	assert_null(esp_sa_find_in(tab, 0x7000));
	assert_null(esp_sa_find_out(tab, htonl(CLIENT)));
	assert_int_equal(tab->count, 0);
}

static void test_sa_del_ike(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 300; i++) {
		struct ipc_sa_add a = mk_add(i & 1 ? SA_IN : SA_OUT, 0x8000 + i, ESP_ENC_AES_CBC,
					     16, ESP_AUTH_HMAC_SHA1, 20);

		a.sid = (uint64_t)(i % 3) << 56 | i;
		a.inner_addr = htonl(CLIENT + i);
		assert_non_null(esp_sa_add(tab, &a));
	}
	assert_int_equal(tab->count, 300);
	assert_int_equal(esp_sa_del_ike(tab, 1), 100);
	assert_int_equal(tab->count, 200);
	for (uint32_t i = 0; i < 300; i++) {
		bool gone = i % 3 == 1;
		struct esp_sa *s = i & 1 ? esp_sa_find_in(tab, 0x8000 + i)
					 : esp_sa_find_out(tab, htonl(CLIENT + i));

		assert_true(gone ? s == NULL : s != NULL);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replay_window),
		T(test_replay_slide_clears_ring),
		T(test_replay_disabled),
		T(test_round_trip),
		T(test_iv_fresh),
		T(test_encrypt_too_small_and_seq_exhaustion),
		T(test_tamper_fails_icv),
		T(test_replay_same_packet_twice),
		T(test_replay_window_on_packets),
		T(test_trailer_and_inner_checks),
		T(test_spoof_then_genuine_same_seq),
		T(test_ciphertext_not_block_multiple),
		T(test_scapy_vectors),
		T(test_scapy_vectors_seal_aead),
		T(test_rfc7634_vector),
		T(test_tamper_and_replay_every_alg),
		T(test_aead_iv_counter),
		T(test_replay_window_1024),
		T(test_udp_classifier),
		T(test_raw_and_tun_paths),
		T(test_sa_refused),
		T(test_des_if_available),
		T(test_sa_table_ops),
		T(test_sa_del_ike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
