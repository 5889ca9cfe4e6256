/* ECP Diffie-Hellman (IKE groups 19, 20, 21: NIST P-256, P-384, P-521)
 * over OpenSSL 3 EVP "EC" keys.  RFC 5903 section 7: the KE payload is
 * x | y, each coordinate left-padded to the field size, without the
 * 0x04 point-format octet; the shared secret is the x coordinate of the
 * product point, also field-size. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "crypto_internal.h"

struct ecp {
	int group;
	size_t coord;		/* bytes per coordinate */
	const char *curve;	/* OpenSSL group name */
	int nid;
};

static const struct ecp ecp_groups[] = {
	{ 19, 32, "prime256v1", NID_X9_62_prime256v1 },
	{ 20, 48, "secp384r1", NID_secp384r1 },
	{ 21, 66, "secp521r1", NID_secp521r1 },
};

static const struct ecp *ecp_find(int group)
{
	for (size_t i = 0; i < sizeof ecp_groups / sizeof ecp_groups[0]; i++)
		if (ecp_groups[i].group == group)
			return &ecp_groups[i];
	return NULL;
}

size_t crypto_ecp_coord_len(int group)
{
	const struct ecp *e = ecp_find(group);

	return e ? e->coord : 0;
}

/* An EC key from the curve name plus an encoded public point (0x04|x|y)
 * and optionally the private scalar.  fromdata checks the point is on
 * the curve when it decodes it. */
static EVP_PKEY *ecp_pkey_build(const struct ecp *e, const uint8_t *point, size_t plen,
				const BIGNUM *priv)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int sel = priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;

	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, e->curve, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, plen) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pkey, sel, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

EVP_PKEY *crypto_ecp_generate(int group)
{
	const struct ecp *e = ecp_find(group);

	return e ? EVP_EC_gen(e->curve) : NULL;
}

/* fromdata does not derive the public point from the scalar, so compute
 * priv * G with the (non-deprecated) EC_POINT API first. */
EVP_PKEY *crypto_ecp_from_private(int group, const uint8_t *priv, size_t len)
{
	const struct ecp *e = ecp_find(group);
	EC_GROUP *g = e ? EC_GROUP_new_by_curve_name(e->nid) : NULL;
	EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
	BIGNUM *d = len ? BN_bin2bn(priv, (int)len, NULL) : NULL;
	uint8_t point[1 + 2 * 66];
	size_t plen = 1 + 2 * (e ? e->coord : 0);
	EVP_PKEY *key = NULL;

	if (pt && d && !BN_is_zero(d) && EC_POINT_mul(g, pt, d, NULL, NULL, NULL) &&
	    EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, point, plen, NULL) == plen)
		key = ecp_pkey_build(e, point, plen, d);
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return key;
}

bool crypto_ecp_public(EVP_PKEY *key, int group, uint8_t *out, size_t len)
{
	const struct ecp *e = ecp_find(group);
	uint8_t point[1 + 2 * 66];
	size_t plen = 0;

	if (!e || len != 2 * e->coord ||
	    !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
					     sizeof point, &plen) ||
	    plen != 1 + len || point[0] != POINT_CONVERSION_UNCOMPRESSED)
		return false;
	memcpy(out, point + 1, len);
	return true;
}

bool crypto_ecp_shared(EVP_PKEY *key, int group, const uint8_t *peer, size_t peer_len,
		       uint8_t *out, size_t len)
{
	const struct ecp *e = ecp_find(group);
	uint8_t point[1 + 2 * 66];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t outl = len;
	bool ok;

	if (!e || peer_len != 2 * e->coord || len != e->coord)
		return false;
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, peer, peer_len);
	/* An off-curve point fails to build; set_peer checks it again. */
	ok = (pk = ecp_pkey_build(e, point, 1 + peer_len, NULL)) &&
	     (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) &&
	     EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, pk) > 0 &&
	     EVP_PKEY_derive(ctx, out, &outl) > 0 && outl == len;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}
