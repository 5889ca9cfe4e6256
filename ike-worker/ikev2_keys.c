/* IKEv2 key derivation: see ikev2_keys.h. */
#include "ikev2_keys.h"

#include <string.h>

#include <sodium.h>

bool v2_prf_plus(int prf, const uint8_t *key, size_t klen, const struct chunk *s, int n,
		 uint8_t *out, size_t out_len)
{
	struct chunk c[10];
	uint8_t t[CRYPTO_MAX_HASH];
	size_t hlen = hash_len(prf), done = 0;
	uint8_t counter = 1;

	if (!hlen || n < 1 || n > 8 || out_len > 255 * hlen)
		return false;
	while (done < out_len) {
		int k = 0;

		if (counter > 1)
			c[k++] = (struct chunk){ t, hlen };
		memcpy(&c[k], s, sizeof *s * (size_t)n);
		k += n;
		c[k++] = (struct chunk){ &counter, 1 };
		if (!prf_chunks(prf, key, klen, c, k, t))
			return false;
		memcpy(out + done, t, out_len - done < hlen ? out_len - done : hlen);
		done += hlen;
		counter++;
	}
	sodium_memzero(t, sizeof t);
	return true;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static bool split_keys(struct v2_keys *k, const uint8_t *seed, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
		       const uint8_t spi_r[8])
{
	uint8_t all[7 * V2_MAX_KEY];
	struct chunk s[4] = { { ni, ni_len }, { nr, nr_len }, { spi_i, 8 }, { spi_r, 8 } };
	size_t p = k->prf_len, a = k->integ_len, e = k->enc_len, off = 0;
	uint8_t *dst[7] = { k->sk_d, k->sk_ai, k->sk_ar, k->sk_ei, k->sk_er, k->sk_pi, k->sk_pr };
	size_t len[7] = { p, a, a, e, e, p, p };
	bool ok;

	if (p > V2_MAX_KEY || a > V2_MAX_KEY || e > V2_MAX_KEY)
		return false;
	ok = v2_prf_plus(k->prf, seed, p, s, 4, all, 3 * p + 2 * a + 2 * e);
	for (int i = 0; ok && i < 7; off += len[i], i++)
		memcpy(dst[i], all + off, len[i]);
	sodium_memzero(all, sizeof all);
	return ok;
}

bool v2_derive(struct v2_keys *k, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	       size_t nr_len, const uint8_t *gir, size_t gir_len, const uint8_t spi_i[8],
	       const uint8_t spi_r[8])
{
	uint8_t key[512], seed[CRYPTO_MAX_HASH];
	struct chunk g = { gir, gir_len };
	bool ok;

	if (ni_len + nr_len > sizeof key)
		return false;
	memcpy(key, ni, ni_len);	/* the prf key is Ni | Nr (HMAC prfs) */
	memcpy(key + ni_len, nr, nr_len);
	ok = prf_chunks(k->prf, key, ni_len + nr_len, &g, 1, seed) &&
	     split_keys(k, seed, ni, ni_len, nr, nr_len, spi_i, spi_r);
	sodium_memzero(seed, sizeof seed);
	return ok;
}

bool v2_derive_rekey(struct v2_keys *k, const struct v2_keys *old, const uint8_t *gir,
		     size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		     size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	struct chunk c[3] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len } };
	uint8_t seed[CRYPTO_MAX_HASH];
	bool ok;

	ok = prf_chunks(old->prf, old->sk_d, old->prf_len, c, 3, seed) &&
	     hash_len(old->prf) >= k->prf_len &&
	     split_keys(k, seed, ni, ni_len, nr, nr_len, spi_i, spi_r);
	sodium_memzero(seed, sizeof seed);
	return ok;
}

size_t v2_signed_octets(int prf, const uint8_t *sk_p, size_t sk_len, const uint8_t *msg,
			size_t msg_len, const uint8_t *nonce, size_t nonce_len,
			const uint8_t *id_body, size_t id_len, uint8_t *out, size_t cap)
{
	struct chunk id = { id_body, id_len };
	size_t hlen = hash_len(prf);

	if (!hlen || msg_len + nonce_len + hlen > cap)
		return 0;
	memcpy(out, msg, msg_len);
	memcpy(out + msg_len, nonce, nonce_len);
	if (!prf_chunks(prf, sk_p, sk_len, &id, 1, out + msg_len + nonce_len))
		return 0;
	return msg_len + nonce_len + hlen;
}

bool v2_child_keymat(const struct v2_keys *k, const uint8_t *gir, size_t gir_len,
		     const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		     uint8_t *i_to_r, uint8_t *r_to_i, size_t n)
{
	uint8_t km[2 * 256];
	struct chunk s[3];
	int c = 0;
	bool ok;

	if (2 * n > sizeof km)
		return false;
	if (gir)
		s[c++] = (struct chunk){ gir, gir_len };
	s[c++] = (struct chunk){ ni, ni_len };
	s[c++] = (struct chunk){ nr, nr_len };
	ok = v2_prf_plus(k->prf, k->sk_d, k->prf_len, s, c, km, 2 * n);
	if (ok) {
		memcpy(i_to_r, km, n);
		memcpy(r_to_i, km + n, n);
	}
	sodium_memzero(km, sizeof km);
	return ok;
}
