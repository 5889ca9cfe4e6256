/* ike-worker/ikev2_keys and lib/crypto's IKEv2 AUTH: every formula of
 * RFC 7296 2.13-2.17 against tests/kat/ikev2_vectors.h, which
 * tests/kat/ikev2_vectors.py computed with Python's hmac module. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "crypto.h"
#include "../../ike-worker/ikev2_keys.h"
#include "../kat/ikev2_vectors.h"

static const uint8_t ni[32] = { [0 ... 31] = 0x11 }, nr[32] = { [0 ... 31] = 0x22 };
static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t spi_r[8] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };

static int setup(void **state)
{
	(void)state;
	crypto_init();
	return 0;
}

static void test_prf_plus(void **state)
{
	static const uint8_t key[32] = { [0 ... 31] = 0x0b };
	struct chunk s = { "seed", 4 };
	uint8_t out[100];

	(void)state;
	/* 100 bytes: three whole HMAC-SHA-256 blocks and a cut fourth */
	assert_true(v2_prf_plus(IKE_HASH_SHA256, key, sizeof key, &s, 1, out, sizeof out));
	assert_memory_equal(out, kat_v2_prf_plus, sizeof out);
	/* more than 255 blocks cannot be made (2.13) */
	assert_false(v2_prf_plus(IKE_HASH_SHA256, key, sizeof key, &s, 1, out, 256 * 32));
}

static void derive(struct v2_keys *k)
{
	static const uint8_t gir[256] = { [0 ... 255] = 0x33 };

	memset(k, 0, sizeof *k);
	k->prf = IKE_HASH_SHA256;
	k->prf_len = 32;
	k->integ_len = 32;
	k->enc_len = 16;
	assert_true(v2_derive(k, ni, sizeof ni, nr, sizeof nr, gir, sizeof gir, spi_i, spi_r));
}

static void test_derive(void **state)
{
	struct v2_keys k;

	(void)state;
	derive(&k);
	assert_memory_equal(k.sk_d, kat_v2_sk_d, 32);
	assert_memory_equal(k.sk_ai, kat_v2_sk_ai, 32);
	assert_memory_equal(k.sk_ar, kat_v2_sk_ar, 32);
	assert_memory_equal(k.sk_ei, kat_v2_sk_ei, 16);
	assert_memory_equal(k.sk_er, kat_v2_sk_er, 16);
	assert_memory_equal(k.sk_pi, kat_v2_sk_pi, 32);
	assert_memory_equal(k.sk_pr, kat_v2_sk_pr, 32);
}

static void test_derive_rekey(void **state)
{
	static const uint8_t gir[256] = { [0 ... 255] = 0x77 };
	static const uint8_t ni2[32] = { [0 ... 31] = 0x55 }, nr2[32] = { [0 ... 31] = 0x66 };
	static const uint8_t si[8] = { 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28 };
	static const uint8_t sr[8] = { 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38 };
	struct v2_keys old, k = { .prf = IKE_HASH_SHA256, .prf_len = 32, .integ_len = 32,
				  .enc_len = 16 };

	(void)state;
	derive(&old);
	assert_true(v2_derive_rekey(&k, &old, gir, sizeof gir, ni2, sizeof ni2, nr2, sizeof nr2,
				    si, sr));
	assert_memory_equal(k.sk_d, kat_v2_rekey_sk_d, 32);
	assert_memory_equal(k.sk_er, kat_v2_rekey_sk_er, 16);
	assert_memory_equal(k.sk_pr, kat_v2_rekey_sk_pr, 32);
}

static void test_psk_auth(void **state)
{
	static const char id[] = "\x03\0\0\0client1@lab";
	static const char key[] = "v2secret-0123456789";
	uint8_t msg[100], nonce[32], octets[200], auth[32];
	struct v2_keys k;
	size_t n;

	(void)state;
	derive(&k);
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	memset(nonce, 0x44, sizeof nonce);
	n = v2_signed_octets(k.prf, k.sk_pi, k.prf_len, msg, sizeof msg, nonce, sizeof nonce,
			     (const uint8_t *)id, sizeof id - 1, octets, sizeof octets);
	assert_int_equal(n, sizeof msg + sizeof nonce + 32);
	assert_memory_equal(octets + sizeof msg + sizeof nonce, kat_v2_maced_id, 32);
	assert_true(prf_v2_psk_auth(k.prf, key, strlen(key), octets, n, auth));
	assert_memory_equal(auth, kat_v2_auth, sizeof auth);
	/* octets that do not fit are refused, not cut */
	assert_int_equal(v2_signed_octets(k.prf, k.sk_pi, k.prf_len, msg, sizeof msg, nonce,
					  sizeof nonce, (const uint8_t *)id, sizeof id - 1, octets,
					  n - 1), 0);
}

static void test_child_keymat(void **state)
{
	struct v2_keys k = { .prf = IKE_HASH_SHA1, .prf_len = 20 };
	uint8_t i2r[36], r2i[36];

	(void)state;
	for (int i = 0; i < 20; i++)
		k.sk_d[i] = (uint8_t)(0x40 + i);
	assert_true(v2_child_keymat(&k, NULL, 0, ni, sizeof ni, nr, sizeof nr, i2r, r2i, 36));
	assert_memory_equal(i2r, kat_v2_keymat_i2r, 36);
	assert_memory_equal(r2i, kat_v2_keymat_r2i, 36);
}

static void test_transform_maps(void **state)
{
	static const struct { int id, prf_hash, integ_hash; size_t icv; } t[] = {
		{ V2_PRF_HMAC_SHA1, IKE_HASH_SHA1, IKE_HASH_SHA1, 12 },
		{ V2_PRF_HMAC_SHA2_256, IKE_HASH_SHA256, 0, 0 },
		{ V2_AUTH_HMAC_SHA2_256_128, 0, IKE_HASH_SHA256, 16 },
		{ V2_AUTH_HMAC_SHA2_384_192, 0, IKE_HASH_SHA384, 24 },
		{ V2_AUTH_HMAC_SHA2_512_256, 0, IKE_HASH_SHA512, 32 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (t[i].prf_hash)
			assert_int_equal(hash_of_v2_prf(t[i].id), t[i].prf_hash);
		if (t[i].integ_hash) {
			assert_int_equal(hash_of_v2_integ(t[i].id), t[i].integ_hash);
			assert_int_equal(v2_integ_icv_len(t[i].id), t[i].icv);
		}
	}
	assert_int_equal(hash_of_v2_prf(1), 0);		/* HMAC-MD5: not offered */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_plus),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_derive_rekey),
		cmocka_unit_test(test_psk_auth),
		cmocka_unit_test(test_child_keymat),
		cmocka_unit_test(test_transform_maps),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
