/* IKEv1 key derivation and exchange hashes, RFC 2409 sections 5 and 5.5
 * and appendix B.  Each function is one formula of the RFC; the formula is
 * repeated above it.  "prf" is HMAC with the negotiated hash. */
#include "ikev1_keys.h"

#include <string.h>

#define CAT(...) ((const struct chunk[]){ __VA_ARGS__ })
#define NCAT(...) ((int)(sizeof((const struct chunk[]){ __VA_ARGS__ }) / sizeof(struct chunk)))
/* prf(key, a | b | ...) over chunks, without a temporary buffer. */
#define PRF(hash, key, klen, out, ...) \
	prf_chunks(hash, key, klen, CAT(__VA_ARGS__), NCAT(__VA_ARGS__), out)

static void put_be32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static bool keys_valid(const struct v1_keys *k)
{
	return k->hlen != 0 && k->hlen == hash_len(k->prf) && k->hlen <= CRYPTO_MAX_HASH;
}

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
bool v1_skeyid_psk(int prf, const void *psk, size_t psk_len, const uint8_t *ni, size_t ni_len,
		   const uint8_t *nr, size_t nr_len, uint8_t *out)
{
	if (hash_len(prf) == 0)
		return false;
	return PRF(prf, psk, psk_len, out, { ni, ni_len }, { nr, nr_len });
}

/* Appendix B: Ka = K1 | K2 | ... with K1 = prf(SKEYID_e, 0) (one zero
 * octet) and Kn = prf(SKEYID_e, Kn-1), when SKEYID_e is too short;
 * otherwise Ka is the first bytes of SKEYID_e. */
static bool v1_expand_enc_key(struct v1_keys *k)
{
	uint8_t kn[CRYPTO_MAX_HASH];
	static const uint8_t zero;
	size_t have = 0;

	if (k->enc_key_len <= k->hlen) {
		memcpy(k->enc_key, k->skeyid_e, k->enc_key_len);
		return true;
	}
	if (!PRF(k->prf, k->skeyid_e, k->hlen, kn, { &zero, 1 }))
		return false;
	for (;;) {
		size_t take = k->enc_key_len - have < k->hlen ? k->enc_key_len - have : k->hlen;

		memcpy(k->enc_key + have, kn, take);
		have += take;
		if (have == k->enc_key_len)
			return true;
		if (!PRF(k->prf, k->skeyid_e, k->hlen, kn, { kn, k->hlen }))
			return false;
	}
}

/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
bool v1_derive(struct v1_keys *k, const uint8_t *gxy, size_t gxy_len, const uint8_t cky_i[8],
	       const uint8_t cky_r[8], size_t enc_key_len)
{
	static const uint8_t n0 = 0, n1 = 1, n2 = 2;
	size_t h = k->hlen;

	if (!keys_valid(k) || enc_key_len == 0 || enc_key_len > sizeof k->enc_key)
		return false;
	k->enc_key_len = enc_key_len;
	return PRF(k->prf, k->skeyid, h, k->skeyid_d, { gxy, gxy_len }, { cky_i, 8 },
		   { cky_r, 8 }, { &n0, 1 }) &&
	       PRF(k->prf, k->skeyid, h, k->skeyid_a, { k->skeyid_d, h }, { gxy, gxy_len },
		   { cky_i, 8 }, { cky_r, 8 }, { &n1, 1 }) &&
	       PRF(k->prf, k->skeyid, h, k->skeyid_e, { k->skeyid_a, h }, { gxy, gxy_len },
		   { cky_i, 8 }, { cky_r, 8 }, { &n2, 1 }) &&
	       v1_expand_enc_key(k);
}

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
bool v1_auth_hash(const struct v1_keys *k, const uint8_t *gx1, size_t gx1_len,
		  const uint8_t *gx2, size_t gx2_len, const uint8_t c1[8], const uint8_t c2[8],
		  const uint8_t *sa_b, size_t sa_len, const uint8_t *id_b, size_t id_len,
		  uint8_t *out)
{
	if (!keys_valid(k))
		return false;
	return PRF(k->prf, k->skeyid, k->hlen, out, { gx1, gx1_len }, { gx2, gx2_len },
		   { c1, 8 }, { c2, 8 }, { sa_b, sa_len }, { id_b, id_len });
}

/* IV = hash(g^xi | g^xr), the first `block` bytes. */
bool v1_phase1_iv(int hash, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
		  size_t gxr_len, size_t block, uint8_t *iv)
{
	const struct chunk c[] = { { gxi, gxi_len }, { gxr, gxr_len } };
	uint8_t h[CRYPTO_MAX_HASH];

	if (block == 0 || block > hash_len(hash) || !hash_chunks(hash, c, 2, h))
		return false;
	memcpy(iv, h, block);
	return true;
}

/* IV = hash(last phase 1 CBC block | M-ID), the first `block` bytes. */
bool v1_phase2_iv(int hash, const uint8_t *last_block, size_t block, uint32_t msgid,
		  uint8_t *iv)
{
	uint8_t mid[4], h[CRYPTO_MAX_HASH];
	const struct chunk c[] = { { last_block, block }, { mid, 4 } };

	put_be32(mid, msgid);
	if (block == 0 || block > hash_len(hash) || !hash_chunks(hash, c, 2, h))
		return false;
	memcpy(iv, h, block);
	return true;
}

/* HASH(1) = prf(SKEYID_a, M-ID | payloads) */
bool v1_hash_msgid(const struct v1_keys *k, uint32_t msgid, const uint8_t *data, size_t len,
		   uint8_t *out)
{
	uint8_t mid[4];

	if (!keys_valid(k))
		return false;
	put_be32(mid, msgid);
	return PRF(k->prf, k->skeyid_a, k->hlen, out, { mid, 4 }, { data, len });
}

/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | payloads) */
bool v1_qm_hash2(const struct v1_keys *k, uint32_t msgid, const uint8_t *ni, size_t ni_len,
		 const uint8_t *data, size_t len, uint8_t *out)
{
	uint8_t mid[4];

	if (!keys_valid(k))
		return false;
	put_be32(mid, msgid);
	return PRF(k->prf, k->skeyid_a, k->hlen, out, { mid, 4 }, { ni, ni_len }, { data, len });
}

/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
bool v1_qm_hash3(const struct v1_keys *k, uint32_t msgid, const uint8_t *ni, size_t ni_len,
		 const uint8_t *nr, size_t nr_len, uint8_t *out)
{
	static const uint8_t zero;
	uint8_t mid[4];

	if (!keys_valid(k))
		return false;
	put_be32(mid, msgid);
	return PRF(k->prf, k->skeyid_a, k->hlen, out, { &zero, 1 }, { mid, 4 }, { ni, ni_len },
		   { nr, nr_len });
}

/* KEYMAT = K1 | K2 | ... with
 * K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) */
bool v1_keymat(const struct v1_keys *k, const uint8_t *gxy, size_t gxy_len, uint8_t protocol,
	       const uint8_t spi[4], const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	       size_t nr_len, uint8_t *out, size_t out_len)
{
	uint8_t kn[CRYPTO_MAX_HASH];
	size_t prev_len = 0, have = 0;

	if (!keys_valid(k) || out_len == 0)
		return false;
	if (!gxy)
		gxy_len = 0;
	while (have < out_len) {
		size_t take = out_len - have < k->hlen ? out_len - have : k->hlen;

		/* prev_len is 0 for K1, so the Kn-1 chunk is empty. */
		if (!PRF(k->prf, k->skeyid_d, k->hlen, kn, { kn, prev_len }, { gxy, gxy_len },
			 { &protocol, 1 }, { spi, 4 }, { ni, ni_len }, { nr, nr_len }))
			return false;
		memcpy(out + have, kn, take);
		have += take;
		prev_len = k->hlen;
	}
	return true;
}
