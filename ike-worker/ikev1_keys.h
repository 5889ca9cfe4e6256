/* IKEv1 key derivation and exchange hashes (RFC 2409 sections 5, 5.5, 
 * appendix B; IV rules of section 5 and appendix B).  Pure functions over
 * byte strings, so known-answer tests can check each one. */
#ifndef RAVPN_IKEV1_KEYS_H
#define RAVPN_IKEV1_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "crypto.h"

struct v1_keys {
	int prf;			/* enum ike_hash */
	size_t hlen;			/* prf output length */
	uint8_t skeyid[CRYPTO_MAX_HASH];
	uint8_t skeyid_d[CRYPTO_MAX_HASH];
	uint8_t skeyid_a[CRYPTO_MAX_HASH];
	uint8_t skeyid_e[CRYPTO_MAX_HASH];
	uint8_t enc_key[64];		/* Ka, expanded per appendix B if needed */
	size_t enc_key_len;
};

/* SKEYID = prf(PSK, Ni_b | Nr_b) (master computes this one; the IKE worker
 * never sees the PSK).  out gets hash_len(prf) bytes. */
bool v1_skeyid_psk(int prf, const void *psk, size_t psk_len,
		   const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		   uint8_t *out);

/* From SKEYID (already in k->skeyid, k->prf/hlen set): SKEYID_d, _a, _e and
 * the encryption key of enc_key_len bytes. */
bool v1_derive(struct v1_keys *k, const uint8_t *gxy, size_t gxy_len,
	       const uint8_t cky_i[8], const uint8_t cky_r[8], size_t enc_key_len);

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * The caller passes the values in the order of the formula: for HASH_I
 * (gx1 = g^xi, gx2 = g^xr, c1 = CKY-I, c2 = CKY-R, id = IDii_b); for HASH_R
 * the swapped ones.  sa_b is the initiator's SA payload body, id the ID
 * payload body (without the generic header). */
bool v1_auth_hash(const struct v1_keys *k, const uint8_t *gx1, size_t gx1_len,
		  const uint8_t *gx2, size_t gx2_len, const uint8_t c1[8], const uint8_t c2[8],
		  const uint8_t *sa_b, size_t sa_len, const uint8_t *id_b, size_t id_len,
		  uint8_t *out);

/* Phase 1 IV = hash(g^xi | g^xr), truncated to the block length. */
bool v1_phase1_iv(int hash, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
		  size_t gxr_len, size_t block, uint8_t *iv);
/* IV of a new phase 2 / informational / transaction exchange:
 * hash(last phase 1 CBC block | M-ID), truncated to the block length. */
bool v1_phase2_iv(int hash, const uint8_t *last_block, size_t block, uint32_t msgid,
		  uint8_t *iv);

/* HASH(1) style: prf(SKEYID_a, M-ID | payloads), used by quick mode
 * HASH(1), informational and transaction (mode-config / XAUTH) hashes. */
bool v1_hash_msgid(const struct v1_keys *k, uint32_t msgid, const uint8_t *data,
		   size_t len, uint8_t *out);
/* Quick mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | payloads after HASH). */
bool v1_qm_hash2(const struct v1_keys *k, uint32_t msgid, const uint8_t *ni, size_t ni_len,
		 const uint8_t *data, size_t len, uint8_t *out);
/* Quick mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
bool v1_qm_hash3(const struct v1_keys *k, uint32_t msgid, const uint8_t *ni, size_t ni_len,
		 const uint8_t *nr, size_t nr_len, uint8_t *out);

/* KEYMAT = K1 | K2 | ... with K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * and Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b);
 * gxy may be NULL (no PFS).  spi in network byte order as on the wire. */
bool v1_keymat(const struct v1_keys *k, const uint8_t *gxy, size_t gxy_len, uint8_t protocol,
	       const uint8_t spi[4], const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	       size_t nr_len, uint8_t *out, size_t out_len);

#endif
