/* ESP algorithms: fetching them once, and keying one SA's contexts. */
#include "esp_crypt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <sodium.h>

#include "log.h"

enum { C_AES128, C_AES192, C_AES256, C_3DES, C_DES, C_GCM128, C_GCM192, C_GCM256, C_MAX };

static const char *const cipher_names[C_MAX] = {
	"AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "DES-EDE3-CBC", "DES-CBC",
	"AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
};

static EVP_CIPHER *ciphers[C_MAX];
static EVP_MAC *hmac;
static bool fetched;

bool esp_crypto_init(void)
{
	uint8_t seed;

	if (fetched)
		return true;
	/* Single DES is only in the legacy provider; keep the default one. */
	if (!OSSL_PROVIDER_try_load(NULL, "legacy", 1))
		log_info("esp: OpenSSL legacy provider not available, DES SAs will be refused");
	for (int i = 0; i < C_MAX; i++)
		ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	/* Seeds the DRBG and libsodium now, while the file system is still there. */
	if (RAND_bytes(&seed, 1) != 1 || !hmac || !ciphers[C_AES128] || !ciphers[C_3DES] ||
	    !ciphers[C_GCM128] || !ciphers[C_GCM256] || sodium_init() < 0)
		return false;
	fetched = true;
	return true;
}

/* The cipher for (enc, key length), or NULL with *why set. */
static EVP_CIPHER *pick_cipher(uint8_t enc, size_t klen, const char **why)
{
	int idx = -1;

	*why = "bad key length";
	if (enc == ESP_ENC_AES_CBC)
		idx = klen == 16 ? C_AES128 : klen == 24 ? C_AES192 : klen == 32 ? C_AES256 : -1;
	else if (enc == ESP_ENC_3DES)
		idx = klen == 24 ? C_3DES : -1;
	else if (enc == ESP_ENC_DES)
		idx = klen == 8 ? C_DES : -1;
	else if (enc == ESP_ENC_AES_GCM_16)	/* klen without the salt */
		idx = klen == 16 ? C_GCM128 : klen == 24 ? C_GCM192 : klen == 32 ? C_GCM256 : -1;
	else
		*why = "unknown encryption algorithm";
	if (idx < 0)
		return NULL;
	if (!ciphers[idx])
		*why = "cipher not available in this OpenSSL";
	return ciphers[idx];
}

/* AEAD: the key, then the 4-byte salt (RFC 4106 section 8.1, RFC 7634
 * section 2); the outbound IV counter starts at a random point so a
 * re-install with the same keys by a restarted worker (whose sequence
 * numbers may repeat) cannot repeat a nonce. */
static bool key_aead(struct esp_sa *sa, const struct ipc_sa_add *a, const char **why)
{
	size_t klen = a->enc_key_len - ESP_SALT_LEN;
	EVP_CIPHER *c = NULL;

	*why = "AEAD with a separate authentication algorithm";
	if (a->auth != ESP_AUTH_NONE)
		return false;
	*why = "bad key length";
	if (a->enc_key_len <= ESP_SALT_LEN)
		return false;
	memcpy(sa->salt, a->enc_key + klen, ESP_SALT_LEN);
	sa->iv_len = ESP_AEAD_IV_LEN;
	sa->icv_len = ESP_AEAD_ICV_LEN;
	sa->align = 4;
	if (RAND_bytes((uint8_t *)&sa->iv_base, sizeof sa->iv_base) != 1)
		return false;
	if (a->enc == ESP_ENC_CHACHA20_POLY1305) {
		sa->aead = ESP_AEAD_CHACHA;
		if (klen != sizeof sa->aead_key)
			return false;
		memcpy(sa->aead_key, a->enc_key, klen);
		return true;
	}
	sa->aead = ESP_AEAD_GCM;
	if (!(c = pick_cipher(a->enc, klen, why)))
		return false;
	sa->cipher = EVP_CIPHER_CTX_new();
	*why = "cipher set-up failed";
	return sa->cipher &&
	       EVP_CipherInit_ex2(sa->cipher, c, a->enc_key, NULL, a->dir == SA_OUT, NULL);
}

static bool is_aead(uint8_t enc)
{
	return enc == ESP_ENC_AES_GCM_16 || enc == ESP_ENC_CHACHA20_POLY1305;
}

static bool key_cipher(struct esp_sa *sa, const struct ipc_sa_add *a, const char **why)
{
	EVP_CIPHER *c;

	if (is_aead(a->enc))
		return key_aead(sa, a, why);
	if (a->enc == ESP_ENC_NULL) {
		sa->iv_len = 0;
		sa->align = 4;
		return true;
	}
	c = pick_cipher(a->enc, a->enc_key_len, why);
	if (!c)
		return false;
	sa->cipher = EVP_CIPHER_CTX_new();
	*why = "cipher set-up failed";
	if (!sa->cipher ||
	    !EVP_CipherInit_ex2(sa->cipher, c, a->enc_key, NULL, a->dir == SA_OUT, NULL))
		return false;
	EVP_CIPHER_CTX_set_padding(sa->cipher, 0);	/* ESP pads itself */
	sa->iv_len = (uint8_t)EVP_CIPHER_get_iv_length(c);
	sa->align = (uint8_t)EVP_CIPHER_get_block_size(c);
	return sa->iv_len <= ESP_IV_MAX && sa->align == sa->iv_len;
}

/* HMAC algorithms: key length, digest, ICV length (RFC 2403/2404 96 bits;
 * RFC 4868 half the digest). */
static const struct mac_alg {
	uint8_t auth, key_len, icv_len;
	const char *digest;
} mac_algs[] = {
	{ ESP_AUTH_HMAC_MD5, 16, 12, "MD5" },
	{ ESP_AUTH_HMAC_SHA1, 20, 12, "SHA1" },
	{ ESP_AUTH_HMAC_SHA256, 32, 16, "SHA2-256" },
	{ ESP_AUTH_HMAC_SHA384, 48, 24, "SHA2-384" },
	{ ESP_AUTH_HMAC_SHA512, 64, 32, "SHA2-512" },
};

static bool key_mac(struct esp_sa *sa, const struct ipc_sa_add *a, const char **why)
{
	const struct mac_alg *m = NULL;
	OSSL_PARAM params[2];

	if (a->auth == ESP_AUTH_NONE || sa->aead)
		return true;
	for (size_t i = 0; i < sizeof mac_algs / sizeof mac_algs[0]; i++)
		if (mac_algs[i].auth == a->auth && mac_algs[i].key_len == a->auth_key_len)
			m = &mac_algs[i];
	*why = "bad authentication algorithm or key length";
	if (!m)
		return false;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)m->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	sa->mac = EVP_MAC_CTX_new(hmac);
	*why = "HMAC set-up failed";
	if (!sa->mac || !EVP_MAC_init(sa->mac, a->auth_key, a->auth_key_len, params))
		return false;
	sa->icv_len = m->icv_len;
	return true;
}

/* A fingerprint of the keys, so a re-install with the same keys can keep
 * the SA's sequence state. */
static void fingerprint(struct esp_sa *sa, const struct ipc_sa_add *a)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;

	memset(sa->key_digest, 0, sizeof sa->key_digest);
	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(md, &a->enc, 2) &&
	    EVP_DigestUpdate(md, a->enc_key, sizeof a->enc_key) &&
	    EVP_DigestUpdate(md, a->auth_key, sizeof a->auth_key))
		EVP_DigestFinal_ex(md, sa->key_digest, &n);
	EVP_MD_CTX_free(md);
}

bool esp_crypt_sa_init(struct esp_sa *sa, const struct ipc_sa_add *a)
{
	const char *why = "encryption and authentication both NULL";

	if (!esp_crypto_init()) {
		log_err("esp: crypto algorithms unavailable");
		return false;
	}
	if (a->enc_key_len > sizeof a->enc_key || a->auth_key_len > sizeof a->auth_key)
		why = "key too long";
	else if ((a->enc != ESP_ENC_NULL || a->auth != ESP_AUTH_NONE) &&
		 key_cipher(sa, a, &why) && key_mac(sa, a, &why)) {
		fingerprint(sa, a);
		return true;
	}
	log_warn("esp: refusing SA spi 0x%08x enc %u/%u bytes auth %u/%u bytes: %s",
		 a->spi, a->enc, a->enc_key_len, a->auth, a->auth_key_len, why);
	esp_crypt_sa_free(sa);
	return false;
}

void esp_crypt_sa_free(struct esp_sa *sa)
{
	EVP_CIPHER_CTX_free(sa->cipher);
	EVP_MAC_CTX_free(sa->mac);
	sa->cipher = NULL;
	sa->mac = NULL;
	sodium_memzero(sa->aead_key, sizeof sa->aead_key);
	sodium_memzero(sa->salt, sizeof sa->salt);
}
