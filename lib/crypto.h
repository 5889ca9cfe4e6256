/* Crypto wrappers over OpenSSL 3 (EVP) for the control plane: IKE hashes
 * and PRFs, CBC ciphers without padding, and MODP Diffie-Hellman.
 * Algorithm numbers are IKEv1 attribute values (enum ike_hash / ike_enc
 * in conf.h) so callers can pass what they negotiated. */
#ifndef RAVPN_CRYPTO_H
#define RAVPN_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_MAX_HASH 64
#define CRYPTO_MAX_DH	1024	/* bytes of the largest public value */

/* A list of byte ranges whose concatenation is hashed, so no caller has
 * to build a temporary buffer. */
struct chunk {
	const void *p;
	size_t len;
};

/* Loads the algorithms before the sandbox closes the file system. */
void crypto_init(void);

size_t hash_len(int ike_hash);			/* 0 if unknown */
const char *hash_name(int ike_hash);		/* "SHA1", "MD5", ... */
bool hash_chunks(int ike_hash, const struct chunk *c, int n, uint8_t *out);
/* HMAC with the negotiated hash: the IKEv1 prf. */
bool prf_chunks(int ike_hash, const void *key, size_t klen,
		const struct chunk *c, int n, uint8_t *out);

/* IKEv2 prf and integrity transform ids (enum ikev2_prf / ikev2_integ in
 * conf.h) as the IKEv1 hash value they use; 0 if unknown. */
int hash_of_v2_prf(int v2_prf);
int hash_of_v2_integ(int v2_integ);
/* Bytes of an IKEv2 integrity transform's checksum (truncated HMAC). */
size_t v2_integ_icv_len(int v2_integ);

/* The IKEv2 pre-shared-key AUTH value (RFC 7296 2.15):
 * prf(prf(key, "Key Pad for IKEv2"), octets); out gets hash_len(prf). */
bool prf_v2_psk_auth(int prf, const void *key, size_t klen, const uint8_t *octets, size_t len,
		     uint8_t *out);

size_t cipher_block_len(int ike_enc);		/* 8 (DES/3DES) or 16 (AES); 0 if unknown */
size_t cipher_key_len(int ike_enc, int key_bits);	/* bytes */
const char *cipher_name(int ike_enc, int key_bits);	/* "AES256", "3DES" */
/* CBC without padding, in place; len must be a multiple of the block.
 * iv is updated to the last ciphertext block (the IKEv1 IV chaining). */
bool cbc_crypt(int ike_enc, const uint8_t *key, size_t klen, uint8_t *iv,
	       uint8_t *buf, size_t len, bool encrypt);

/* Diffie-Hellman: MODP groups 1, 2, 5, 14, 15, 16 (RFC 2409, RFC 3526) and
 * ECP groups 19, 20, 21 (RFC 5903). */
struct dh;
struct dh *dh_new(int group);			/* generates the private value */
size_t dh_pub_len(int group);			/* KE payload bytes; 0 if unsupported */
/* Bytes of g^xy: the modulus length (MODP) or one coordinate (ECP). */
size_t dh_shared_len(int group);
/* Our public value, left-padded to the modulus length (MODP), or x | y
 * each padded to the field size (ECP). */
bool dh_public(struct dh *d, uint8_t *out, size_t len);
/* The shared secret g^xy (ECP: the x coordinate), len == dh_shared_len. */
bool dh_shared(struct dh *d, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t len);
void dh_free(struct dh *d);
/* Test only: a key pair with the given private value (big-endian), for
 * known-answer tests; never use it on the wire. */
struct dh *dh_new_with_private(int group, const uint8_t *priv, size_t len);
/* The MODP group's prime p, big-endian, len == dh_pub_len(group). */
bool dh_prime(int group, uint8_t *out, size_t len);

/* Cryptographically secure random bytes. */
void random_bytes(void *p, size_t n);

#endif
