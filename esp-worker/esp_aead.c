/* AEAD packet protection: AES-GCM-16 (RFC 4106) through the SA's EVP
 * context, keyed once at install, and ChaCha20-Poly1305 (RFC 7634)
 * through libsodium.  Both build the 12-byte nonce from the SA's 4-byte
 * salt and the packet's 8-byte explicit IV, and authenticate SPI and
 * sequence number as AAD (32-bit sequence numbers: no ESN yet). */
#include "esp_crypt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>

#define NONCE_LEN	(ESP_SALT_LEN + ESP_AEAD_IV_LEN)

static void make_nonce(const struct esp_sa *sa, const uint8_t *iv, uint8_t nonce[NONCE_LEN])
{
	memcpy(nonce, sa->salt, ESP_SALT_LEN);
	memcpy(nonce + ESP_SALT_LEN, iv, ESP_AEAD_IV_LEN);
}

/* One GCM pass: a new nonce on the keyed context, AAD, then the data. */
static bool gcm_start(EVP_CIPHER_CTX *c, const uint8_t *nonce, const uint8_t *aad,
		      const uint8_t *in, size_t n, uint8_t *out, int *outl)
{
	int aadl = 0;

	return n <= INT32_MAX && EVP_CipherInit_ex2(c, NULL, NULL, nonce, -1, NULL) &&
	       EVP_CipherUpdate(c, NULL, &aadl, aad, ESP_HDR_LEN) &&
	       EVP_CipherUpdate(c, out, outl, in, (int)n) && (size_t)*outl == n;
}

static bool gcm_seal(EVP_CIPHER_CTX *c, const uint8_t *nonce, const uint8_t *aad, uint8_t *buf,
		     size_t n, uint8_t *tag)
{
	OSSL_PARAM p[2];
	int outl = 0, fin = 0;

	p[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, ESP_AEAD_ICV_LEN);
	p[1] = OSSL_PARAM_construct_end();
	return gcm_start(c, nonce, aad, buf, n, buf, &outl) &&
	       EVP_CipherFinal_ex(c, buf + outl, &fin) && EVP_CIPHER_CTX_get_params(c, p);
}

static bool gcm_open(EVP_CIPHER_CTX *c, const uint8_t *nonce, const uint8_t *aad,
		     const uint8_t *ct, size_t n, const uint8_t *tag, uint8_t *out)
{
	OSSL_PARAM p[2];
	int outl = 0, fin = 0;

	/* OpenSSL only reads the expected tag; the cast is for OSSL_PARAM. */
	p[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, (void *)tag,
						 ESP_AEAD_ICV_LEN);
	p[1] = OSSL_PARAM_construct_end();
	return gcm_start(c, nonce, aad, ct, n, out, &outl) && EVP_CIPHER_CTX_set_params(c, p) &&
	       EVP_CipherFinal_ex(c, out + outl, &fin) == 1;
}

bool esp_aead_seal(struct esp_sa *sa, const uint8_t aad[ESP_HDR_LEN], const uint8_t *iv,
		   uint8_t *buf, size_t n, uint8_t *tag)
{
	uint8_t nonce[NONCE_LEN];

	make_nonce(sa, iv, nonce);
	if (sa->aead == ESP_AEAD_GCM)
		return gcm_seal(sa->cipher, nonce, aad, buf, n, tag);
	if (sa->aead != ESP_AEAD_CHACHA)
		return false;
	/* libsodium allows the ciphertext to overwrite the plaintext */
	return crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf, tag, NULL, buf, n, aad,
								   ESP_HDR_LEN, NULL, nonce,
								   sa->aead_key) == 0;
}

bool esp_aead_open(struct esp_sa *sa, const uint8_t aad[ESP_HDR_LEN], const uint8_t *iv,
		   const uint8_t *ct, size_t n, const uint8_t *tag, uint8_t *out)
{
	uint8_t nonce[NONCE_LEN];

	make_nonce(sa, iv, nonce);
	if (sa->aead == ESP_AEAD_GCM)
		return gcm_open(sa->cipher, nonce, aad, ct, n, tag, out);
	if (sa->aead != ESP_AEAD_CHACHA)
		return false;
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, NULL, ct, n, tag, aad,
								   ESP_HDR_LEN, nonce,
								   sa->aead_key) == 0;
}
