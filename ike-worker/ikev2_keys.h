/* IKEv2 key derivation (RFC 7296 sections 2.13, 2.14, 2.15, 2.17): pure
 * functions over byte strings, so known-answer tests can check each one.
 * prf is an IKEv1 hash value (enum ike_hash): the prf transform mapped
 * by hash_of_v2_prf(). */
#ifndef RAVPN_IKEV2_KEYS_H
#define RAVPN_IKEV2_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "crypto.h"

#define V2_MAX_KEY	64

struct v2_keys {
	int prf;			/* enum ike_hash */
	size_t prf_len;			/* SK_d, SK_pi, SK_pr bytes */
	size_t integ_len;		/* SK_ai, SK_ar */
	size_t enc_len;			/* SK_ei, SK_er */
	uint8_t sk_d[V2_MAX_KEY], sk_ai[V2_MAX_KEY], sk_ar[V2_MAX_KEY];
	uint8_t sk_ei[V2_MAX_KEY], sk_er[V2_MAX_KEY], sk_pi[V2_MAX_KEY], sk_pr[V2_MAX_KEY];
};

/* prf+ (K, S) = T1 | T2 | ... with T1 = prf(K, S | 0x01) and
 * Tn = prf(K, Tn-1 | S | n), cut to out_len (at most 255 blocks).  S is
 * the concatenation of the n chunks. */
bool v2_prf_plus(int prf, const uint8_t *key, size_t klen, const struct chunk *s, int n,
		 uint8_t *out, size_t out_len);

/* SKEYSEED = prf(Ni | Nr, g^ir), then {SK_d | SK_ai | SK_ar | SK_ei | SK_er
 * | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).  k->prf and the
 * three lengths must be set. */
bool v2_derive(struct v2_keys *k, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	       size_t nr_len, const uint8_t *gir, size_t gir_len, const uint8_t spi_i[8],
	       const uint8_t spi_r[8]);

/* The keys of an IKE SA rekeyed by CREATE_CHILD_SA (2.18):
 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's prf
 * (as strongSwan computes it), then SK_* as v2_derive with the new SPIs
 * and the new SA's prf and lengths (set in k). */
bool v2_derive_rekey(struct v2_keys *k, const struct v2_keys *old, const uint8_t *gir,
		     size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		     size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8]);

/* The octets an AUTH payload signs (2.15): msg | nonce | prf(SK_p, ID'),
 * where ID' is the ID payload body (type, reserved, data).  Writes them to
 * out (cap bytes); returns their length, 0 if they do not fit. */
size_t v2_signed_octets(int prf, const uint8_t *sk_p, size_t sk_len, const uint8_t *msg,
			size_t msg_len, const uint8_t *nonce, size_t nonce_len,
			const uint8_t *id_body, size_t id_len, uint8_t *out, size_t cap);

/* Child SA keys (2.17): KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr); the
 * initiator-to-responder SA takes the first n bytes (encryption key, then
 * integrity key), the other direction the next n.  gir may be NULL. */
bool v2_child_keymat(const struct v2_keys *k, const uint8_t *gir, size_t gir_len,
		     const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		     uint8_t *i_to_r, uint8_t *r_to_i, size_t n);

#endif
