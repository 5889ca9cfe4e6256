/* Shared between the crypto*.c files only; not part of the crypto API. */
#ifndef RAVPN_CRYPTO_INTERNAL_H
#define RAVPN_CRYPTO_INTERNAL_H

/* Builds the DH group parameters and runs one exchange, so dh_* works
 * after the sandbox closes the file system. */
void crypto_dh_preload(void);

/* ECP groups (crypto_ecp.c), used by crypto_dh.c behind the dh_* API. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

size_t crypto_ecp_coord_len(int group);		/* 0 if not an ECP group */
EVP_PKEY *crypto_ecp_generate(int group);
EVP_PKEY *crypto_ecp_from_private(int group, const uint8_t *priv, size_t len);
/* x | y, len == 2 * coordinate length. */
bool crypto_ecp_public(EVP_PKEY *key, int group, uint8_t *out, size_t len);
/* The x coordinate of key * peer, len == coordinate length. */
bool crypto_ecp_shared(EVP_PKEY *key, int group, const uint8_t *peer, size_t peer_len,
		       uint8_t *out, size_t len);

#endif
