/* ESP packet protection (RFC 4303) for one SA, as pure functions over
 * caller-owned buffers: no I/O, no allocation per packet.
 *
 * Algorithms are fetched once (esp_crypto_init, before the sandbox); each
 * SA keys one cipher context and one HMAC context when it is installed,
 * and a packet only resets the IV / re-initialises the MAC. */
#ifndef ESP_CRYPT_H
#define ESP_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"
#include "sa.h"

#define ESP_HDR_LEN	8	/* SPI + sequence number */
#define ESP_IV_MAX	16
#define ESP_ICV_MAX	32	/* HMAC-SHA2-512-256 */
#define ESP_AEAD_IV_LEN	8	/* explicit IV of RFC 4106 / RFC 7634 */
#define ESP_AEAD_ICV_LEN 16
#define ESP_SALT_LEN	4	/* after the AEAD key in ipc_sa_add.enc_key */
/* Most bytes ESP adds to an inner packet: header, IV, up to a block of
 * padding, pad length, next header, ICV. */
#define ESP_OVERHEAD_MAX (ESP_HDR_LEN + ESP_IV_MAX + 15 + 2 + ESP_ICV_MAX)
#define ESP_NEXT_IPV4	4

/* Fetches ciphers and HMAC, initialises libsodium; loads OpenSSL's legacy
 * provider if present (single DES lives there).  Returns false if AES,
 * AES-GCM, HMAC or libsodium is missing. */
bool esp_crypto_init(void);

/* Checks the algorithms and key lengths of a and keys sa's contexts.
 * Returns false after logging why the SA is refused. */
bool esp_crypt_sa_init(struct esp_sa *sa, const struct ipc_sa_add *a);
void esp_crypt_sa_free(struct esp_sa *sa);

/* AEAD per packet (esp_aead.c): nonce = salt | iv, AAD = SPI | sequence
 * number (no ESN).  seal encrypts buf in place and writes the 16-byte tag;
 * open verifies tag and decrypts ct into out, false on a bad tag. */
bool esp_aead_seal(struct esp_sa *sa, const uint8_t aad[ESP_HDR_LEN], const uint8_t *iv,
		   uint8_t *buf, size_t n, uint8_t *tag);
bool esp_aead_open(struct esp_sa *sa, const uint8_t aad[ESP_HDR_LEN], const uint8_t *iv,
		   const uint8_t *ct, size_t n, const uint8_t *tag, uint8_t *out);

/* Builds the ESP packet (SPI .. ICV) carrying the inner IPv4 packet into
 * out, using the SA's next sequence number.  Returns its length, or -1
 * (out too small, sequence numbers exhausted, crypto failure). */
int esp_encrypt(struct esp_sa *sa, const uint8_t *inner, size_t len, uint8_t *out, size_t cap);

/* Verifies and decrypts the ESP packet pkt (SPI .. ICV) received for
 * inbound SA sa into out: ICV, then replay window, then padding, next
 * header and the inner IPv4 header, whose source must be the SA's inner
 * address.  Only a packet that passed everything moves the replay window
 * and is counted in sa->cnt; a dropped one counts under its reason.
 * Returns the inner packet's length, or -1 with *reason set. */
int esp_decrypt(struct esp_sa *sa, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
		enum esp_verdict *reason);

#endif
