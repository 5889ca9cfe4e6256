/* Diffie-Hellman for IKEv1: MODP groups 1, 2, 5, 14, 15, 16 and 24 over
 * OpenSSL 3 EVP_PKEY here, ECP groups 19, 20, 21 in crypto_ecp.c behind the
 * same API.  Groups 1..16 are built from the RFC primes with generator 2;
 * group 24 (RFC 5114 2.3, a 256-bit prime-order subgroup with its own
 * generator) is OpenSSL's named group "dh_2048_256", so q is known and
 * every peer value is checked to lie in the subgroup;
 * public values and shared secrets are always modulus-length, left-padded
 * with zeros, as RFC 2409 section 5 requires on the wire and in g^xy. */
#include "crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>	/* EVP_PKEY_CTX_set_dh_pad (not deprecated) */
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto_internal.h"
#include "log.h"

/* The primes, as printed in the RFCs (p = 2^N - 2^(N-64) - 1 +
 * 2^64 * ([2^(N-130) pi] + k)); the unit test checks each is prime, of
 * the right size, and equal to one recomputed from that formula. */
/* RFC 2409 6.1, First Oakley Group, 768 bits */
static const char modp1_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";

/* RFC 2409 6.2, Second Oakley Group, 1024 bits */
static const char modp2_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/* RFC 3526 2, 1536-bit MODP Group */
static const char modp5_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF";

/* RFC 3526 3, 2048-bit MODP Group */
static const char modp14_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

/* RFC 3526 4, 3072-bit MODP Group */
static const char modp15_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

/* RFC 3526 5, 4096-bit MODP Group */
static const char modp16_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
	"88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
	"DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
	"233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
	"93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF";

struct modp {
	int group;
	size_t len;		/* bytes */
	const char *hex;	/* the prime, generator 2; NULL: named */
	const char *named;	/* OpenSSL's name of a group with p, q, g */
};

static const struct modp modp_groups[] = {
	{ 1, 96, modp1_hex, NULL },
	{ 2, 128, modp2_hex, NULL },
	{ 5, 192, modp5_hex, NULL },
	{ 14, 256, modp14_hex, NULL },
	{ 15, 384, modp15_hex, NULL },
	{ 16, 512, modp16_hex, NULL },
	{ 24, 256, NULL, "dh_2048_256" },
};
#define NGROUPS (sizeof modp_groups / sizeof modp_groups[0])

struct dh {
	int group;
	size_t len;
	EVP_PKEY *key;
};

/* Built once, kept for the life of the process. */
static EVP_PKEY *group_params[NGROUPS];

static int group_index(int group)
{
	for (size_t i = 0; i < NGROUPS; i++)
		if (modp_groups[i].group == group)
			return (int)i;
	return -1;
}

size_t dh_pub_len(int group)
{
	int i = group_index(group);

	if (crypto_ecp_coord_len(group))
		return 2 * crypto_ecp_coord_len(group);
	return i < 0 ? 0 : modp_groups[i].len;
}

size_t dh_shared_len(int group)
{
	return crypto_ecp_coord_len(group) ? crypto_ecp_coord_len(group) : dh_pub_len(group);
}

static EVP_PKEY *dh_group_params(int gi);

/* The group's prime and generator as BIGNUMs (the caller frees them):
 * from the RFC text, or from OpenSSL's copy of a named group. */
static bool group_pg(int gi, BIGNUM **p, BIGNUM **g)
{
	const struct modp *m = &modp_groups[gi];
	EVP_PKEY *params;

	*p = *g = NULL;
	if (m->hex)
		return BN_hex2bn(p, m->hex) && (*g = BN_new()) && BN_set_word(*g, 2);
	params = dh_group_params(gi);
	return params && EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, p) &&
	       EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, g);
}

bool dh_prime(int group, uint8_t *out, size_t len)
{
	int i = group_index(group);
	BIGNUM *p = NULL, *g = NULL;
	bool ok;

	if (i < 0 || len != modp_groups[i].len)
		return false;
	ok = group_pg(i, &p, &g) && BN_bn2binpad(p, out, (int)len) == (int)len;
	BN_free(p);
	BN_free(g);
	return ok;
}

/* Pushes the domain parameters: p and g, or the group's name. */
static bool push_domain(OSSL_PARAM_BLD *bld, int gi, BIGNUM **p, BIGNUM **g)
{
	const struct modp *m = &modp_groups[gi];

	if (!m->hex)
		return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, m->named, 0);
	return BN_hex2bn(p, m->hex) && (*g = BN_new()) && BN_set_word(*g, 2) &&
	       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, *p) &&
	       OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, *g);
}

/* An EVP_PKEY "DH" from the group's domain parameters plus, optionally,
 * a public and a private value; selection says which parts fromdata takes. */
static EVP_PKEY *dh_pkey_build(int gi, const BIGNUM *pub, const BIGNUM *priv, int selection)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *p = NULL, *g = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (!bld || !push_domain(bld, gi, &p, &g) ||
	    (pub && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub)) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	return pkey;
}

/* The group's domain parameters, built once. */
static EVP_PKEY *dh_group_params(int gi)
{
	if (!group_params[gi])
		group_params[gi] = dh_pkey_build(gi, NULL, NULL, EVP_PKEY_KEY_PARAMETERS);
	return group_params[gi];
}

/* One exchange in the group, so every method it needs (key management,
 * key exchange, the private DRBG) is fetched and cached by OpenSSL
 * before the sandbox closes. */
static bool dh_self_test(int group)
{
	struct dh *a = dh_new(group), *b = dh_new(group);
	size_t pl = dh_pub_len(group), sl = dh_shared_len(group);
	uint8_t pa[CRYPTO_MAX_DH], pb[CRYPTO_MAX_DH], sa[CRYPTO_MAX_DH], sb[CRYPTO_MAX_DH];
	bool ok = a && b && dh_public(a, pa, pl) && dh_public(b, pb, pl) &&
		  dh_shared(a, pb, pl, sa, sl) && dh_shared(b, pa, pl, sb, sl) &&
		  memcmp(sa, sb, sl) == 0;

	dh_free(a);
	dh_free(b);
	return ok;
}

void crypto_dh_preload(void)
{
	for (size_t i = 0; i < NGROUPS; i++)
		if (!dh_group_params((int)i))
			fatal("crypto: cannot build DH group %d", modp_groups[i].group);
	/* The smallest MODP group, the named one and every ECP curve (each has
	 * its own code). */
	if (!dh_self_test(1) || !dh_self_test(24) || !dh_self_test(19) || !dh_self_test(20) || !dh_self_test(21))
		fatal("crypto: DH self-test failed");
}

static struct dh *dh_wrap(int group, EVP_PKEY *key)
{
	struct dh *d;

	if (!key)
		return NULL;
	d = calloc(1, sizeof *d);
	if (!d) {
		EVP_PKEY_free(key);
		return NULL;
	}
	d->group = group;
	d->len = dh_pub_len(group);
	d->key = key;
	return d;
}

struct dh *dh_new(int group)
{
	int gi = group_index(group);
	EVP_PKEY *params, *key = NULL;
	EVP_PKEY_CTX *ctx;

	if (crypto_ecp_coord_len(group))
		return dh_wrap(group, crypto_ecp_generate(group));
	if (gi < 0 || !(params = dh_group_params(gi)))
		return NULL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return dh_wrap(group, key);
}

static struct dh *modp_new_with_private(int group, const uint8_t *priv, size_t len)
{
	int gi = group_index(group);
	BIGNUM *x, *p = NULL, *g = NULL, *y = BN_new();
	BN_CTX *bnctx = BN_CTX_new();
	EVP_PKEY *key = NULL;

	x = gi < 0 || len == 0 ? NULL : BN_bin2bn(priv, (int)len, NULL);
	/* fromdata does not derive the public value: compute g^x mod p. */
	if (x && y && bnctx && group_pg(gi, &p, &g) && BN_mod_exp(y, g, x, p, bnctx))
		key = dh_pkey_build(gi, y, x, EVP_PKEY_KEYPAIR);
	BN_CTX_free(bnctx);
	BN_clear_free(x);
	BN_free(p);
	BN_free(g);
	BN_free(y);
	return gi < 0 ? NULL : dh_wrap(group, key);
}

struct dh *dh_new_with_private(int group, const uint8_t *priv, size_t len)
{
	if (crypto_ecp_coord_len(group))
		return dh_wrap(group, crypto_ecp_from_private(group, priv, len));
	return modp_new_with_private(group, priv, len);
}

bool dh_public(struct dh *d, uint8_t *out, size_t len)
{
	BIGNUM *pub = NULL;
	bool ok;

	if (d && crypto_ecp_coord_len(d->group))
		return crypto_ecp_public(d->key, d->group, out, len);
	if (!d || len != d->len || !EVP_PKEY_get_bn_param(d->key, OSSL_PKEY_PARAM_PUB_KEY, &pub))
		return false;
	ok = BN_bn2binpad(pub, out, (int)len) == (int)len;
	BN_free(pub);
	return ok;
}

/* The peer's public value as a key of our group; NULL if out of range. */
static EVP_PKEY *dh_peer_key(int gi, const uint8_t *peer, size_t len)
{
	BIGNUM *y = BN_bin2bn(peer, (int)len, NULL);
	EVP_PKEY *key = y ? dh_pkey_build(gi, y, NULL, EVP_PKEY_PUBLIC_KEY) : NULL;

	BN_free(y);
	return key;
}

bool dh_shared(struct dh *d, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t len)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk;
	size_t outl = len;
	bool ok;

	if (d && crypto_ecp_coord_len(d->group))
		return crypto_ecp_shared(d->key, d->group, peer, peer_len, out, len);
	/* RFC 2409 section 5: KE data MUST be the length of the prime. */
	if (!d || peer_len != d->len || len != d->len)
		return false;
	pk = dh_peer_key(group_index(d->group), peer, peer_len);
	/* set_peer validates the value (1 < y < p-1, and the subgroup
	 * when OpenSSL knows q); dh_pad keeps leading zero octets. */
	ok = pk && (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, d->key, NULL)) &&
	     EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0 &&
	     EVP_PKEY_derive_set_peer(ctx, pk) > 0 && EVP_PKEY_derive(ctx, out, &outl) > 0 &&
	     outl == len;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

void dh_free(struct dh *d)
{
	if (!d)
		return;
	EVP_PKEY_free(d->key);
	free(d);
}
