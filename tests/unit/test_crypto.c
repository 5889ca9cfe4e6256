/* lib/crypto: hashes and HMAC against FIPS 180 / RFC 2202 / RFC 4231
 * vectors, CBC against NIST SP 800-38A and openssl-enc vectors (with the
 * IKEv1 IV chaining), MODP DH against python3-computed g^x mod p
 * (tests/kat/ikev1_kat.sh), ECP DH against RFC 5903 section 8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/provider.h>

#include "conf.h"
#include "crypto.h"
#include "../kat/ikev1_vectors.h"
#include "hex.h"

static int setup(void **state)
{
	(void)state;
	crypto_init();
	return 0;
}

static void test_names_and_lengths(void **state)
{
	(void)state;
	static const struct { int h; size_t len; const char *name; } hashes[] = {
		{ IKE_HASH_MD5, 16, "MD5" }, { IKE_HASH_SHA1, 20, "SHA1" },
		{ IKE_HASH_SHA256, 32, "SHA256" }, { IKE_HASH_SHA384, 48, "SHA384" },
		{ IKE_HASH_SHA512, 64, "SHA512" }, { 3, 0, "?" },
	};
	static const struct { int e, bits; size_t block, key; const char *name; } ciphers[] = {
		{ IKE_ENC_DES, 0, 8, 8, "DES" }, { IKE_ENC_3DES, 0, 8, 24, "3DES" },
		{ IKE_ENC_AES, 128, 16, 16, "AES128" }, { IKE_ENC_AES, 192, 16, 24, "AES192" },
		{ IKE_ENC_AES, 256, 16, 32, "AES256" }, { IKE_ENC_AES, 64, 16, 0, "AES?" },
		{ 2, 0, 0, 0, "?" },
	};

	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		assert_int_equal(hash_len(hashes[i].h), hashes[i].len);
		assert_string_equal(hash_name(hashes[i].h), hashes[i].name);
	}
	for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++) {
		assert_int_equal(cipher_block_len(ciphers[i].e), ciphers[i].block);
		assert_int_equal(cipher_key_len(ciphers[i].e, ciphers[i].bits), ciphers[i].key);
		assert_string_equal(cipher_name(ciphers[i].e, ciphers[i].bits), ciphers[i].name);
	}
}

/* FIPS 180 "abc" digests, fed as two chunks to exercise concatenation. */
static void test_hash_chunks(void **state)
{
	(void)state;
	static const struct { int h; const char *want; } v[] = {
		{ IKE_HASH_MD5, "900150983cd24fb0d6963f7d28e17f72" },
		{ IKE_HASH_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ IKE_HASH_SHA256,
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	};
	const struct chunk c[] = { { "a", 1 }, { "bc", 2 } };
	uint8_t out[CRYPTO_MAX_HASH];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_true(hash_chunks(v[i].h, c, 2, out));
		assert_hex(out, hash_len(v[i].h), v[i].want);
	}
	assert_false(hash_chunks(3, c, 2, out));
}

/* RFC 2202 / RFC 4231 test case 2: key "Jefe". */
static void test_prf_chunks(void **state)
{
	(void)state;
	static const struct { int h; const char *want; } v[] = {
		{ IKE_HASH_MD5, "750c783e6ab0b503eaa86e310a5db738" },
		{ IKE_HASH_SHA1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ IKE_HASH_SHA256,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	};
	const struct chunk c[] = { { "what do ya want ", 16 }, { "for nothing?", 12 } };
	uint8_t out[CRYPTO_MAX_HASH];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_true(prf_chunks(v[i].h, "Jefe", 4, c, 2, out));
		assert_hex(out, hash_len(v[i].h), v[i].want);
	}
	assert_false(prf_chunks(0, "Jefe", 4, c, 2, out));
}

/* One vector both ways, in one call and in two (the second call continues
 * from the IV the first left behind, as IKEv1 chains messages). */
static void check_cbc_vector(const struct kat_cbc *v)
{
	uint8_t key[32], iv0[16], pt[64], ct[64], iv[16], buf[64];
	size_t klen = unhex(v->key, key, sizeof key), blen = unhex(v->iv, iv0, sizeof iv0);
	size_t len = unhex(v->pt, pt, sizeof pt), half;

	assert_int_equal(unhex(v->ct, ct, sizeof ct), len);
	assert_int_equal(blen, cipher_block_len(v->enc));
	half = (len / blen / 2) * blen;
	for (int enc = 0; enc < 2; enc++) {
		const uint8_t *in = enc ? pt : ct, *want = enc ? ct : pt;

		memcpy(iv, iv0, blen);
		memcpy(buf, in, len);
		assert_true(cbc_crypt(v->enc, key, klen, iv, buf, len, enc));
		assert_memory_equal(buf, want, len);
		assert_memory_equal(iv, ct + len - blen, blen);	/* last ciphertext block */

		memcpy(iv, iv0, blen);
		memcpy(buf, in, len);
		assert_true(cbc_crypt(v->enc, key, klen, iv, buf, half, enc));
		assert_memory_equal(iv, ct + half - blen, blen);
		assert_true(cbc_crypt(v->enc, key, klen, iv, buf + half, len - half, enc));
		assert_memory_equal(buf, want, len);
		assert_memory_equal(iv, ct + len - blen, blen);
	}
}

static void test_cbc_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof kat_cbc / sizeof kat_cbc[0]; i++)
		check_cbc_vector(&kat_cbc[i]);
}

static void test_cbc_des(void **state)
{
	(void)state;
	uint8_t key[8] = { 0 }, iv[8] = { 0 }, buf[16] = { 0 };

	if (!OSSL_PROVIDER_available(NULL, "legacy")) {
		/* Without the legacy provider DES must fail, not misbehave. */
		assert_false(cbc_crypt(IKE_ENC_DES, key, 8, iv, buf, 16, true));
		return;
	}
	assert_non_null(kat_cbc_des[0].key);
	for (size_t i = 0; kat_cbc_des[i].key; i++)
		check_cbc_vector(&kat_cbc_des[i]);
}

static void test_cbc_rejects(void **state)
{
	(void)state;
	uint8_t key[32] = { 0 }, iv[16] = { 0 }, buf[48] = { 0 };

	assert_false(cbc_crypt(IKE_ENC_AES, key, 16, iv, buf, 15, true));	/* not a block */
	assert_false(cbc_crypt(IKE_ENC_AES, key, 16, iv, buf, 0, true));
	assert_false(cbc_crypt(IKE_ENC_3DES, key, 16, iv, buf, 16, true));	/* key len */
	assert_false(cbc_crypt(IKE_ENC_AES, key, 20, iv, buf, 16, true));
	assert_false(cbc_crypt(2, key, 16, iv, buf, 16, true));		/* IDEA */
	assert_true(cbc_crypt(IKE_ENC_3DES, key, 24, iv, buf, 8, true));
}

/* The compiled-in primes: equal to the ones recomputed from the RFC
 * formula by the script, prime, and of the stated size. */
static void test_dh_primes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof kat_dh / sizeof kat_dh[0]; i++) {
		size_t len = dh_pub_len(kat_dh[i].group);
		uint8_t p[CRYPTO_MAX_DH];
		BIGNUM *bn;

		assert_true(dh_prime(kat_dh[i].group, p, len));
		assert_hex(p, len, kat_dh[i].p);
		bn = BN_bin2bn(p, (int)len, NULL);
		assert_non_null(bn);
		assert_int_equal(BN_num_bits(bn), (int)len * 8);
		assert_int_equal(BN_check_prime(bn, NULL, NULL), 1);
		BN_free(bn);
	}
}

/* g^x, g^y and g^xy with fixed private values, both sides. */
static void test_dh_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof kat_dh / sizeof kat_dh[0]; i++) {
		const struct kat_dh *v = &kat_dh[i];
		size_t len = dh_pub_len(v->group);
		uint8_t x[32], y[32], gx[CRYPTO_MAX_DH], gy[CRYPTO_MAX_DH], s[CRYPTO_MAX_DH];
		struct dh *a, *b;

		a = dh_new_with_private(v->group, x, unhex(v->x, x, sizeof x));
		b = dh_new_with_private(v->group, y, unhex(v->y, y, sizeof y));
		assert_non_null(a);
		assert_non_null(b);
		assert_true(dh_public(a, gx, len));
		assert_hex(gx, len, v->gx);	/* the script picks x so g^x has a 00 octet */
		assert_true(dh_public(b, gy, len));
		assert_hex(gy, len, v->gy);
		assert_true(dh_shared(a, gy, len, s, len));
		assert_hex(s, len, v->gxy);	/* ... and g^xy too: padding kept */
		assert_true(dh_shared(b, gx, len, s, len));
		assert_hex(s, len, v->gxy);
		dh_free(a);
		dh_free(b);
	}
}

/* RFC 5903 section 8: i, r, g^i = (gix, giy), g^r = (grx, gry) and
 * g^ir's x coordinate, for the 256-, 384- and 521-bit ECP groups. */
static const struct kat_ecp {
	int group;
	const char *i, *r, *gi, *gr, *girx;
} kat_ecp[] = {
	{ 19,
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ 20,
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	  "E35B538041E649EE3FAEF896783AB194",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	  "E0308312916B8ED2960E4BD55A7448FC",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	  "DE3AC808ACB4BDB4C88732AEE95F41AA9482ED1FC0EEB9CAFC4984625CCFC23F"
	  "65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	  "0D1AC43A0336DEF96FDA41D0774A3571DCFBEC7AACF3196472169E838430367F"
	  "66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	  "D603135569B9E9D09CF5D4A270F59746" },
	{ 21,
	  "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
	  "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D"
	  "4A52",
	  "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
	  "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB15168"
	  "5EB9",
	  "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE"
	  "E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176C"
	  "ED3E017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4"
	  "A10AD8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3"
	  "926F9582",
	  "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21"
	  "9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9"
	  "460F015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D985207"
	  "7B87220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD1"
	  "7F0FC56A",
	  "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
	  "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3"
	  "DDEA" },
};

/* Both sides of each RFC 5903 exchange: public values with their
 * leading zero octets (P-521) and the x-only shared secret. */
static void test_ecp_known_answers(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof kat_ecp / sizeof kat_ecp[0]; k++) {
		const struct kat_ecp *v = &kat_ecp[k];
		size_t len = dh_pub_len(v->group), slen = dh_shared_len(v->group);
		uint8_t i[66], r[66], gi[132], gr[132], s[66];
		struct dh *a, *b;

		assert_int_equal(len, strlen(v->gi) / 2);
		assert_int_equal(slen, strlen(v->girx) / 2);
		a = dh_new_with_private(v->group, i, unhex(v->i, i, sizeof i));
		b = dh_new_with_private(v->group, r, unhex(v->r, r, sizeof r));
		assert_non_null(a);
		assert_non_null(b);
		assert_true(dh_public(a, gi, len));
		assert_hex(gi, len, v->gi);
		assert_true(dh_public(b, gr, len));
		assert_hex(gr, len, v->gr);
		assert_true(dh_shared(a, gr, len, s, slen));
		assert_hex(s, slen, v->girx);
		memset(s, 0, sizeof s);
		assert_true(dh_shared(b, gi, len, s, slen));
		assert_hex(s, slen, v->girx);
		assert_false(dh_shared(a, gr, len, s, len));	/* x only, not x | y */
		assert_false(dh_shared(a, gr, len - 1, s, slen));
		dh_free(a);
		dh_free(b);
	}
}

/* A point off the curve (y changed) or the all-zero "point" is refused. */
static void test_ecp_rejects_bad_peer(void **state)
{
	(void)state;
	uint8_t peer[64], s[32];
	struct dh *d = dh_new(19), *e = dh_new(19);

	assert_non_null(d);
	assert_non_null(e);
	assert_int_equal(dh_pub_len(19), 64);
	assert_true(dh_public(e, peer, 64));
	assert_true(dh_shared(d, peer, 64, s, 32));
	peer[63] ^= 1;
	assert_false(dh_shared(d, peer, 64, s, 32));
	memset(peer, 0, sizeof peer);
	assert_false(dh_shared(d, peer, 64, s, 32));
	assert_false(dh_prime(19, peer, 64));
	dh_free(d);
	dh_free(e);
}

/* The RFC 3526 primes 15 and 16: prime, full length, and of the form
 * 2^N - 2^(N-64) - 1 + 2^64 * (...): the top and bottom 64 bits all ones. */
static void test_dh_primes_3526(void **state)
{
	(void)state;
	static const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const struct { int group; size_t len; const char *tail; } g[] = {
		{ 15, 384, "E0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF" },
		{ 16, 512, "90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF" },
	};

	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		uint8_t p[CRYPTO_MAX_DH];
		BIGNUM *bn;

		assert_int_equal(dh_pub_len(g[i].group), g[i].len);
		assert_true(dh_prime(g[i].group, p, g[i].len));
		assert_memory_equal(p, ones, 8);
		assert_hex(p + g[i].len - 20, 20, g[i].tail);	/* as printed in RFC 3526 */
		bn = BN_bin2bn(p, (int)g[i].len, NULL);
		assert_non_null(bn);
		assert_int_equal(BN_num_bits(bn), (int)g[i].len * 8);
		assert_int_equal(BN_check_prime(bn, NULL, NULL), 1);
		BN_free(bn);
	}
}

static void test_dh_random_parties(void **state)
{
	(void)state;
	static const struct { int group; size_t len, slen; } g[] = {
		{ 1, 96, 96 }, { 2, 128, 128 }, { 5, 192, 192 }, { 14, 256, 256 },
		{ 15, 384, 384 }, { 16, 512, 512 }, { 19, 64, 32 }, { 20, 96, 48 },
		{ 21, 132, 66 }, { 24, 256, 256 },
	};

	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		uint8_t pa[CRYPTO_MAX_DH], pb[CRYPTO_MAX_DH], sa[CRYPTO_MAX_DH], sb[CRYPTO_MAX_DH];
		struct dh *a = dh_new(g[i].group), *b = dh_new(g[i].group);
		size_t len = dh_pub_len(g[i].group), slen = dh_shared_len(g[i].group);

		assert_int_equal(len, g[i].len);
		assert_int_equal(slen, g[i].slen);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(dh_public(a, pa, len));
		assert_true(dh_public(b, pb, len));
		assert_memory_not_equal(pa, pb, len);
		assert_false(dh_public(a, pa, len - 1));
		assert_true(dh_shared(a, pb, len, sa, slen));
		assert_true(dh_shared(b, pa, len, sb, slen));
		assert_memory_equal(sa, sb, slen);
		dh_free(a);
		dh_free(b);
	}
	assert_null(dh_new(3));
	assert_int_equal(dh_pub_len(3), 0);
	assert_int_equal(dh_shared_len(3), 0);
	assert_null(dh_new(23));	/* RFC 5114 2.2: not offered */
	assert_int_equal(dh_pub_len(23), 0);
}

/* Group 24 has a prime-order subgroup: a value in range but outside it
 * (2, whose order is not q) is refused, a value inside is taken. */
static void test_dh24_rejects_outside_subgroup(void **state)
{
	(void)state;
	uint8_t peer[256], s[256];
	struct dh *d = dh_new(24), *e = dh_new(24);

	assert_non_null(d);
	assert_non_null(e);
	memset(peer, 0, sizeof peer);
	peer[255] = 2;
	assert_false(dh_shared(d, peer, 256, s, 256));
	assert_true(dh_public(e, peer, 256));
	assert_true(dh_shared(d, peer, 256, s, 256));
	dh_free(d);
	dh_free(e);
}

/* Peer values outside 1 < y < p-1 and short values are refused. */
static void test_dh_rejects_bad_peer(void **state)
{
	(void)state;
	uint8_t peer[128], s[128];
	struct dh *d = dh_new(2);

	assert_non_null(d);
	memset(peer, 0, sizeof peer);
	assert_false(dh_shared(d, peer, 128, s, 128));		/* 0 */
	peer[127] = 1;
	assert_false(dh_shared(d, peer, 128, s, 128));		/* 1 */
	assert_true(dh_prime(2, peer, 128));
	assert_false(dh_shared(d, peer, 128, s, 128));		/* p */
	peer[127] -= 1;
	assert_false(dh_shared(d, peer, 128, s, 128));		/* p - 1 */
	peer[127] -= 1;
	assert_true(dh_shared(d, peer, 128, s, 128));		/* p - 2 is in range */
	assert_false(dh_shared(d, peer + 1, 127, s, 128));	/* not padded */
	assert_false(dh_shared(d, peer, 128, s, 96));
	dh_free(d);
	dh_free(NULL);
}

static void test_random_bytes(void **state)
{
	(void)state;
	uint8_t a[32], b[32], zero[32] = { 0 };

	random_bytes(a, sizeof a);
	random_bytes(b, sizeof b);
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, zero, sizeof a);
}

/* Everything still works once the file system is gone (the children call
 * crypto after chroot): run each operation in a chrooted child. */
static int use_everything(void)
{
	uint8_t key[32] = { 1 }, iv[16] = { 0 }, buf[32] = { 0 }, out[CRYPTO_MAX_HASH];
	uint8_t pa[256], pb[256], sa[256], sb[256];
	const struct chunk c[] = { { "x", 1 } };
	struct dh *a = dh_new(14), *b = dh_new(14);

	random_bytes(buf, sizeof buf);
	for (int h = IKE_HASH_MD5; h <= IKE_HASH_SHA512; h++)
		if (hash_len(h) && (!hash_chunks(h, c, 1, out) || !prf_chunks(h, key, 20, c, 1, out)))
			return 1;
	if (!cbc_crypt(IKE_ENC_AES, key, 32, iv, buf, 32, true) ||
	    !cbc_crypt(IKE_ENC_3DES, key, 24, iv, buf, 32, false) ||
	    (OSSL_PROVIDER_available(NULL, "legacy") &&
	     !cbc_crypt(IKE_ENC_DES, key, 8, iv, buf, 32, true)))
		return 2;
	if (!a || !b || !dh_public(a, pa, 256) || !dh_public(b, pb, 256) ||
	    !dh_shared(a, pb, 256, sa, 256) || !dh_shared(b, pa, 256, sb, 256) ||
	    memcmp(sa, sb, 256) != 0)
		return 3;
	dh_free(a);
	dh_free(b);
	return 0;
}

static void test_works_after_chroot(void **state)
{
	(void)state;
	char dir[] = "/tmp/ravpn-crypto-XXXXXX";
	int status;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chroot(dir) != 0 || chdir("/") != 0)
			_exit(9);
		_exit(use_everything());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_lengths),
		cmocka_unit_test(test_hash_chunks),
		cmocka_unit_test(test_prf_chunks),
		cmocka_unit_test(test_cbc_vectors),
		cmocka_unit_test(test_cbc_des),
		cmocka_unit_test(test_cbc_rejects),
		cmocka_unit_test(test_dh_primes),
		cmocka_unit_test(test_dh_known_answers),
		cmocka_unit_test(test_dh_random_parties),
		cmocka_unit_test(test_dh_rejects_bad_peer),
		cmocka_unit_test(test_dh_primes_3526),
		cmocka_unit_test(test_dh24_rejects_outside_subgroup),
		cmocka_unit_test(test_ecp_known_answers),
		cmocka_unit_test(test_ecp_rejects_bad_peer),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_works_after_chroot),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
