/* Checks of a peer's certificate: its chain to the trustpoint's CA (and
 * the CRL when revocation-check crl), the SIG payload over HASH_I, and
 * that the ID payload names the certificate. */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "isakmp.h"

static X509_STORE *trust_store(const struct cert_tp *tp, bool crl_check)
{
	X509_STORE *st = X509_STORE_new();
	bool ok = st != NULL;

	for (int i = 0; ok && i < sk_X509_num(tp->cas); i++)
		ok = X509_STORE_add_cert(st, sk_X509_value(tp->cas, i)) == 1;
	for (int i = 0; ok && crl_check && i < sk_X509_CRL_num(tp->crls); i++)
		ok = X509_STORE_add_crl(st, sk_X509_CRL_value(tp->crls, i)) == 1;
	if (ok && crl_check)
		ok = X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK) == 1;
	if (!ok) {
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

uint16_t cert_check_chain(const struct cert_tp *tp, bool crl_check, X509 *peer,
			  STACK_OF(X509) *chain, char *why, size_t why_len)
{
	X509_STORE *st = trust_store(tp, crl_check);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int err = X509_V_ERR_UNSPECIFIED;
	uint16_t notify = 0;

	if (st && ctx && X509_STORE_CTX_init(ctx, st, peer, chain) == 1) {
		if (X509_verify_cert(ctx) != 1)
			err = X509_STORE_CTX_get_error(ctx);
		else
			err = X509_V_OK;
	}
	if (err != X509_V_OK) {
		snprintf(why, why_len, "%s", X509_verify_cert_error_string(err));
		notify = err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
				 err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
				 err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
				 err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
			 ? N_INVALID_CERT_AUTHORITY : N_INVALID_CERTIFICATE;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	ERR_clear_error();
	return notify;
}

bool cert_check_sig(X509 *peer, const uint8_t *hash, size_t hash_len, const uint8_t *sig,
		    size_t sig_len)
{
	EVP_PKEY *key = X509_get0_pubkey(peer);
	EVP_PKEY_CTX *ctx;
	bool ok;

	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return false;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_verify(ctx, sig, sig_len, hash, hash_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static bool id_dn_matches(X509 *peer, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
	bool ok = n && p == der + len && X509_NAME_cmp(n, X509_get_subject_name(peer)) == 0;

	X509_NAME_free(n);
	return ok;
}

static bool id_string_matches(X509 *peer, uint8_t type, const uint8_t *data, size_t len)
{
	char s[256];

	if (len == 0 || len >= sizeof s || memchr(data, 0, len))
		return false;
	memcpy(s, data, len);
	s[len] = 0;
	if (type == ID_FQDN)
		return X509_check_host(peer, s, len, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1;
	return X509_check_email(peer, s, len, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT) == 1;
}

bool cert_check_id(X509 *peer, const uint8_t *id, size_t id_len)
{
	struct rbuf r;
	uint8_t type, proto;
	uint16_t port;
	const uint8_t *data;
	size_t len;
	bool ok;

	rbuf_init(&r, id, id_len);
	if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &proto) || !rbuf_u16(&r, &port))
		return false;
	len = rbuf_left(&r);
	if (!rbuf_ptr(&r, &data, len))
		return false;
	switch (type) {
	case ID_DER_ASN1_DN:
		ok = id_dn_matches(peer, data, len);
		break;
	case ID_IPV4_ADDR:
		ok = len == 4 && X509_check_ip(peer, data, 4, 0) == 1;
		break;
	case ID_FQDN:
	case ID_USER_FQDN:
		ok = id_string_matches(peer, type, data, len);
		break;
	default:
		ok = false;
	}
	ERR_clear_error();
	return ok;
}

void cert_dn_str(const X509_NAME *n, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	out[0] = 0;
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) >= 0) {
		len = BIO_read(b, out, (int)size - 1);
		out[len > 0 ? len : 0] = 0;
	}
	BIO_free(b);
}
