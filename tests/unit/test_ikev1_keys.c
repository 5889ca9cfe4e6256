/* ike-worker/ikev1_keys: every formula against the vectors that
 * tests/kat/ikev1_kat.sh computed with the openssl command-line tool, for
 * prf HMAC-MD5, HMAC-SHA1 and HMAC-SHA256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "crypto.h"
#include "../../ike-worker/ikev1_keys.h"
#include "../kat/ikev1_vectors.h"
#include "hex.h"

#define NVEC (sizeof kat_ikev1 / sizeof kat_ikev1[0])

/* The shared inputs, decoded once. */
struct inputs {
	uint8_t psk[32], ni[32], nr[32], cky_i[8], cky_r[8], sa[128], idii[32], idir[32];
	uint8_t gxi[128], gxr[128], gxy[128], qm_gxy[128], last[16], h1[64], h2[64], spi[4];
	size_t psk_len, ni_len, nr_len, sa_len, idii_len, idir_len, gx_len, h1_len, h2_len;
};

static struct inputs in;

static int setup(void **state)
{
	(void)state;
	crypto_init();
	in.psk_len = unhex(KAT_PSK, in.psk, sizeof in.psk);
	in.ni_len = unhex(KAT_NI, in.ni, sizeof in.ni);
	in.nr_len = unhex(KAT_NR, in.nr, sizeof in.nr);
	unhex(KAT_CKY_I, in.cky_i, 8);
	unhex(KAT_CKY_R, in.cky_r, 8);
	in.sa_len = unhex(KAT_SA_B, in.sa, sizeof in.sa);
	in.idii_len = unhex(KAT_IDII_B, in.idii, sizeof in.idii);
	in.idir_len = unhex(KAT_IDIR_B, in.idir, sizeof in.idir);
	in.gx_len = unhex(KAT_GXI, in.gxi, sizeof in.gxi);
	unhex(KAT_GXR, in.gxr, sizeof in.gxr);
	unhex(KAT_GXY, in.gxy, sizeof in.gxy);
	unhex(KAT_QM_GXY, in.qm_gxy, sizeof in.qm_gxy);
	unhex(KAT_LAST_BLOCK, in.last, sizeof in.last);
	in.h1_len = unhex(KAT_QM_HASH1_DATA, in.h1, sizeof in.h1);
	in.h2_len = unhex(KAT_QM_HASH2_DATA, in.h2, sizeof in.h2);
	unhex(KAT_SPI, in.spi, sizeof in.spi);
	return 0;
}

/* Phase 1 keys of vector v with an encryption key of enc_len bytes. */
static void derive(const struct kat_ikev1 *v, size_t enc_len, struct v1_keys *k)
{
	memset(k, 0, sizeof *k);
	k->prf = v->prf;
	k->hlen = hash_len(v->prf);
	assert_true(v1_skeyid_psk(v->prf, in.psk, in.psk_len, in.ni, in.ni_len, in.nr, in.nr_len,
				  k->skeyid));
	assert_true(v1_derive(k, in.gxy, in.gx_len, in.cky_i, in.cky_r, enc_len));
}

static void test_skeyids(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct kat_ikev1 *v = &kat_ikev1[i];
		struct v1_keys k;

		derive(v, 16, &k);
		assert_hex(k.skeyid, k.hlen, v->skeyid);
		assert_hex(k.skeyid_d, k.hlen, v->skeyid_d);
		assert_hex(k.skeyid_a, k.hlen, v->skeyid_a);
		assert_hex(k.skeyid_e, k.hlen, v->skeyid_e);
	}
}

/* Appendix B: truncation (AES-128 from every prf, 3DES/AES-256 from
 * SHA-256) and expansion (3DES and AES-256 from MD5 and SHA-1). */
static void test_enc_key(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct kat_ikev1 *v = &kat_ikev1[i];
		const struct { size_t len; const char *want; } ka[] = {
			{ 16, v->ka16 }, { 24, v->ka24 }, { 32, v->ka32 },
		};
		struct v1_keys k;

		for (size_t j = 0; j < 3; j++) {
			derive(v, ka[j].len, &k);
			assert_int_equal(k.enc_key_len, ka[j].len);
			assert_hex(k.enc_key, k.enc_key_len, ka[j].want);
		}
	}
}

static void test_auth_hashes(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct kat_ikev1 *v = &kat_ikev1[i];
		uint8_t out[CRYPTO_MAX_HASH];
		struct v1_keys k;

		derive(v, 24, &k);
		assert_true(v1_auth_hash(&k, in.gxi, in.gx_len, in.gxr, in.gx_len, in.cky_i,
					 in.cky_r, in.sa, in.sa_len, in.idii, in.idii_len, out));
		assert_hex(out, k.hlen, v->hash_i);
		assert_true(v1_auth_hash(&k, in.gxr, in.gx_len, in.gxi, in.gx_len, in.cky_r,
					 in.cky_i, in.sa, in.sa_len, in.idir, in.idir_len, out));
		assert_hex(out, k.hlen, v->hash_r);
	}
}

static void test_ivs(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct kat_ikev1 *v = &kat_ikev1[i];
		uint8_t iv[16];

		assert_true(v1_phase1_iv(v->prf, in.gxi, in.gx_len, in.gxr, in.gx_len, 8, iv));
		assert_hex(iv, 8, v->iv1_8);
		assert_true(v1_phase1_iv(v->prf, in.gxi, in.gx_len, in.gxr, in.gx_len, 16, iv));
		assert_hex(iv, 16, v->iv1_16);
		assert_true(v1_phase2_iv(v->prf, in.last, 16, KAT_MSGID, iv));
		assert_hex(iv, 16, v->iv2_16);
		assert_true(v1_phase2_iv(v->prf, in.last, 8, KAT_MSGID2, iv));
		assert_hex(iv, 8, v->iv2_8);
	}
}

static void test_quick_mode_hashes(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct kat_ikev1 *v = &kat_ikev1[i];
		uint8_t out[CRYPTO_MAX_HASH];
		struct v1_keys k;

		derive(v, 16, &k);
		assert_true(v1_hash_msgid(&k, KAT_MSGID, in.h1, in.h1_len, out));
		assert_hex(out, k.hlen, v->hash1);
		assert_true(v1_qm_hash2(&k, KAT_MSGID, in.ni, in.ni_len, in.h2, in.h2_len, out));
		assert_hex(out, k.hlen, v->hash2);
		assert_true(v1_qm_hash3(&k, KAT_MSGID, in.ni, in.ni_len, in.nr, in.nr_len, out));
		assert_hex(out, k.hlen, v->hash3);
	}
}

static void test_keymat(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct kat_ikev1 *v = &kat_ikev1[i];
		uint8_t km[40], part[13];
		struct v1_keys k;

		derive(v, 16, &k);
		assert_true(v1_keymat(&k, NULL, 0, KAT_PROTO, in.spi, in.ni, in.ni_len, in.nr,
				      in.nr_len, km, sizeof km));
		assert_hex(km, sizeof km, v->keymat);
		/* A shorter request is a prefix of the longer one. */
		assert_true(v1_keymat(&k, NULL, 0, KAT_PROTO, in.spi, in.ni, in.ni_len, in.nr,
				      in.nr_len, part, sizeof part));
		assert_memory_equal(part, km, sizeof part);
		assert_true(v1_keymat(&k, in.qm_gxy, sizeof in.qm_gxy, KAT_PROTO, in.spi, in.ni,
				      in.ni_len, in.nr, in.nr_len, km, sizeof km));
		assert_hex(km, sizeof km, v->keymat_pfs);
	}
}

static void test_rejects(void **state)
{
	(void)state;
	uint8_t out[CRYPTO_MAX_HASH], iv[16];
	struct v1_keys k;

	derive(&kat_ikev1[0], 16, &k);			/* MD5: 16-byte output */
	assert_false(v1_derive(&k, in.gxy, in.gx_len, in.cky_i, in.cky_r, 65));
	assert_false(v1_derive(&k, in.gxy, in.gx_len, in.cky_i, in.cky_r, 0));
	assert_false(v1_phase1_iv(IKE_HASH_MD5, in.gxi, 1, in.gxr, 1, 32, iv));
	assert_false(v1_phase2_iv(3, in.last, 16, 1, iv));
	assert_false(v1_skeyid_psk(3, in.psk, in.psk_len, in.ni, in.ni_len, in.nr, in.nr_len,
				   out));
	k.hlen = 20;					/* inconsistent with MD5 */
	assert_false(v1_qm_hash3(&k, 1, in.ni, in.ni_len, in.nr, in.nr_len, out));
	assert_false(v1_keymat(&k, NULL, 0, 3, in.spi, in.ni, in.ni_len, in.nr, in.nr_len, out,
			       16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skeyids),
		cmocka_unit_test(test_enc_key),
		cmocka_unit_test(test_auth_hashes),
		cmocka_unit_test(test_ivs),
		cmocka_unit_test(test_quick_mode_hashes),
		cmocka_unit_test(test_keymat),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
