/* Hashes, the IKEv1 prf (HMAC), CBC ciphers and random bytes over
 * OpenSSL 3 EVP.  Every algorithm is fetched once in crypto_init() and
 * kept, so later calls need no provider or config file lookups (the
 * children call them after chroot and seccomp). */
#include "crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "conf.h"
#include "crypto_internal.h"
#include "log.h"

/* Index of a hash in the tables below; -1 if unknown. */
static int hash_index(int ike_hash)
{
	switch (ike_hash) {
	case IKE_HASH_MD5: return 0;
	case IKE_HASH_SHA1: return 1;
	case IKE_HASH_SHA256: return 2;
	case IKE_HASH_SHA384: return 3;
	case IKE_HASH_SHA512: return 4;
	default: return -1;
	}
}

#define NHASH 5
static const char *const hash_names[NHASH] = { "MD5", "SHA1", "SHA256", "SHA384", "SHA512" };
static const char *const hash_ossl[NHASH] = { "MD5", "SHA1", "SHA2-256", "SHA2-384",
					     "SHA2-512" };
static EVP_MD *hash_md[NHASH];
/* An HMAC context per hash with the digest already set; prf_chunks()
 * duplicates it and only sets the key. */
static EVP_MAC_CTX *hmac_tmpl[NHASH];

/* Ciphers, by key length for AES. */
enum { C_DES, C_3DES, C_AES128, C_AES192, C_AES256, NCIPHER };
static const char *const cipher_ossl[NCIPHER] = { "DES-CBC", "DES-EDE3-CBC", "AES-128-CBC",
						  "AES-192-CBC", "AES-256-CBC" };
static EVP_CIPHER *ciphers[NCIPHER];

static bool initialised;

/* Held for the life of the process. */
static OSSL_PROVIDER *prov_default, *prov_legacy;

static void load_providers(void)
{
	/* Loading any provider explicitly disables the implicit default
	 * one, so load it first; legacy (single DES) is optional. */
	if (!(prov_default = OSSL_PROVIDER_load(NULL, "default")))
		fatal("crypto: cannot load the OpenSSL default provider");
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");	/* fetch_ciphers() logs */
}

static void fetch_hashes(void)
{
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);

	if (!hmac)
		fatal("crypto: HMAC unavailable");
	for (int i = 0; i < NHASH; i++) {
		hash_md[i] = EVP_MD_fetch(NULL, hash_ossl[i], NULL);
		if (!hash_md[i]) {
			log_warn("crypto: hash %s unavailable", hash_names[i]);
			continue;
		}
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
							 (char *)hash_ossl[i], 0),
			OSSL_PARAM_construct_end(),
		};
		hmac_tmpl[i] = EVP_MAC_CTX_new(hmac);
		if (!hmac_tmpl[i] || !EVP_MAC_CTX_set_params(hmac_tmpl[i], p))
			fatal("crypto: cannot set up HMAC-%s", hash_names[i]);
	}
	EVP_MAC_free(hmac);	/* the contexts hold their own reference */
}

static void fetch_ciphers(void)
{
	for (int i = 0; i < NCIPHER; i++) {
		ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_ossl[i], NULL);
		if (!ciphers[i] && i != C_DES)
			fatal("crypto: cipher %s unavailable", cipher_ossl[i]);
	}
	if (!ciphers[C_DES])
		log_warn("crypto: DES-CBC unavailable (no legacy provider), DES disabled");
}

void crypto_init(void)
{
	uint8_t seed;

	if (initialised)
		return;
	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL))
		fatal("crypto: OpenSSL initialisation failed");
	load_providers();
	fetch_hashes();
	fetch_ciphers();
	/* Instantiates and seeds the DRBGs now, while the file system is
	 * reachable; DH keygen draws from the private one. */
	random_bytes(&seed, sizeof seed);
	if (RAND_priv_bytes(&seed, sizeof seed) != 1)
		fatal("crypto: RAND_priv_bytes failed");
	crypto_dh_preload();
	initialised = true;
}

size_t hash_len(int ike_hash)
{
	static const size_t len[NHASH] = { 16, 20, 32, 48, 64 };
	int i = hash_index(ike_hash);

	return i < 0 ? 0 : len[i];
}

const char *hash_name(int ike_hash)
{
	int i = hash_index(ike_hash);

	return i < 0 ? "?" : hash_names[i];
}

bool hash_chunks(int ike_hash, const struct chunk *c, int n, uint8_t *out)
{
	int i = hash_index(ike_hash);
	EVP_MD_CTX *ctx;
	bool ok;

	if (i < 0 || !hash_md[i] || !(ctx = EVP_MD_CTX_new()))
		return false;
	ok = EVP_DigestInit_ex2(ctx, hash_md[i], NULL);
	for (int k = 0; ok && k < n; k++)
		ok = EVP_DigestUpdate(ctx, c[k].p, c[k].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok;
}

bool prf_chunks(int ike_hash, const void *key, size_t klen, const struct chunk *c, int n,
		uint8_t *out)
{
	int i = hash_index(ike_hash);
	EVP_MAC_CTX *ctx;
	size_t outl = 0;
	bool ok;

	if (i < 0 || !hmac_tmpl[i] || !(ctx = EVP_MAC_CTX_dup(hmac_tmpl[i])))
		return false;
	ok = EVP_MAC_init(ctx, key, klen, NULL);
	for (int k = 0; ok && k < n; k++)
		ok = EVP_MAC_update(ctx, c[k].p, c[k].len);
	ok = ok && EVP_MAC_final(ctx, out, &outl, hash_len(ike_hash));
	EVP_MAC_CTX_free(ctx);
	return ok && outl == hash_len(ike_hash);
}

size_t cipher_block_len(int ike_enc)
{
	switch (ike_enc) {
	case IKE_ENC_DES:
	case IKE_ENC_3DES: return 8;
	case IKE_ENC_AES: return 16;
	default: return 0;
	}
}

size_t cipher_key_len(int ike_enc, int key_bits)
{
	switch (ike_enc) {
	case IKE_ENC_DES: return 8;
	case IKE_ENC_3DES: return 24;
	case IKE_ENC_AES:
		return key_bits == 128 || key_bits == 192 || key_bits == 256 ? key_bits / 8 : 0;
	default: return 0;
	}
}

const char *cipher_name(int ike_enc, int key_bits)
{
	switch (ike_enc) {
	case IKE_ENC_DES: return "DES";
	case IKE_ENC_3DES: return "3DES";
	case IKE_ENC_AES:
		switch (key_bits) {
		case 128: return "AES128";
		case 192: return "AES192";
		case 256: return "AES256";
		default: return "AES?";
		}
	default: return "?";
	}
}

/* The fetched cipher for an IKE algorithm and key length; NULL if none. */
static const EVP_CIPHER *cipher_for(int ike_enc, size_t klen)
{
	switch (ike_enc) {
	case IKE_ENC_DES: return klen == 8 ? ciphers[C_DES] : NULL;
	case IKE_ENC_3DES: return klen == 24 ? ciphers[C_3DES] : NULL;
	case IKE_ENC_AES:
		return klen == 16 ? ciphers[C_AES128] : klen == 24 ? ciphers[C_AES192] :
		       klen == 32 ? ciphers[C_AES256] : NULL;
	default: return NULL;
	}
}

static bool cbc_run(const EVP_CIPHER *ciph, const uint8_t *key, const uint8_t *iv,
		    uint8_t *buf, size_t len, bool encrypt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	bool ok;

	if (!ctx)
		return false;
	ok = EVP_CipherInit_ex2(ctx, ciph, key, iv, encrypt ? 1 : 0, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) && (size_t)outl == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool cbc_crypt(int ike_enc, const uint8_t *key, size_t klen, uint8_t *iv, uint8_t *buf,
	       size_t len, bool encrypt)
{
	static bool des_warned;
	const EVP_CIPHER *ciph = cipher_for(ike_enc, klen);
	size_t block = cipher_block_len(ike_enc);
	uint8_t next_iv[16];

	if (!ciph) {
		if (ike_enc == IKE_ENC_DES && klen == 8 && !des_warned) {
			des_warned = true;
			log_warn("crypto: DES requested but unavailable");
		}
		return false;
	}
	if (len == 0 || len % block != 0 || len > INT32_MAX)
		return false;
	/* The next IV is the last ciphertext block: the input when
	 * decrypting, the output when encrypting. */
	if (!encrypt)
		memcpy(next_iv, buf + len - block, block);
	if (!cbc_run(ciph, key, iv, buf, len, encrypt))
		return false;
	memcpy(iv, encrypt ? buf + len - block : next_iv, block);
	return true;
}

void random_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n > 0) {
		int chunk = n > 1 << 20 ? 1 << 20 : (int)n;

		if (RAND_bytes(b, chunk) != 1) {
			log_err("crypto: RAND_bytes failed");
			abort();
		}
		b += chunk;
		n -= (size_t)chunk;
	}
}

/* IANA IKEv2 transform ids: PRF 2 HMAC_SHA1, 5/6/7 HMAC_SHA2_256/384/512;
 * integrity 2 HMAC_SHA1_96, 12/13/14 HMAC_SHA2_256_128/384_192/512_256. */
int hash_of_v2_prf(int v2_prf)
{
	switch (v2_prf) {
	case 2: return IKE_HASH_SHA1;
	case 5: return IKE_HASH_SHA256;
	case 6: return IKE_HASH_SHA384;
	case 7: return IKE_HASH_SHA512;
	default: return 0;
	}
}

int hash_of_v2_integ(int v2_integ)
{
	switch (v2_integ) {
	case 2: return IKE_HASH_SHA1;
	case 12: return IKE_HASH_SHA256;
	case 13: return IKE_HASH_SHA384;
	case 14: return IKE_HASH_SHA512;
	default: return 0;
	}
}

/* RFC 4868: half the hash; RFC 2404: 96 bits of SHA-1. */
size_t v2_integ_icv_len(int v2_integ)
{
	int h = hash_of_v2_integ(v2_integ);

	return h == IKE_HASH_SHA1 ? 12 : hash_len(h) / 2;
}

bool prf_v2_psk_auth(int prf, const void *key, size_t klen, const uint8_t *octets, size_t len,
		     uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";	/* 17 octets, no NUL */
	struct chunk c = { pad, sizeof pad - 1 }, o = { octets, len };
	uint8_t inner[CRYPTO_MAX_HASH];
	bool ok;

	ok = prf_chunks(prf, key, klen, &c, 1, inner) &&
	     prf_chunks(prf, inner, hash_len(prf), &o, 1, out);
	OPENSSL_cleanse(inner, sizeof inner);
	return ok;
}
