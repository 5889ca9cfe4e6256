/* A small PKI for the certificate tests, made with OpenSSL at set-up: a
 * CA, an unrelated CA, ravpn's certificate (gw), clients alice (OU=Sales,
 * SAN alice.ravpn.lab), bob, mallory (revoked by the CRL) and stranger
 * (issued by the other CA), and PEM files of the CA, gw, its key and the
 * CRL in a temporary directory.  Included by test_cert.c and
 * test_ike_cert_protocol.c. */
#ifndef RAVPN_TEST_PKI_FIXTURE_H
#define RAVPN_TEST_PKI_FIXTURE_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static EVP_PKEY *ca_key, *leaf_key, *other_key;
static X509 *ca, *other_ca, *gw, *alice, *bob, *mallory, *stranger;
static X509_CRL *crl;
static char dir[64];

static void add_name(X509_NAME *n, const char *dn)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof buf, "%s", dn);
	for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(part, '=');

		while (*part == ' ')
			part++;
		*eq = 0;
		X509_NAME_add_entry_by_txt(n, part, MBSTRING_ASC, (unsigned char *)eq + 1, -1, -1, 0);
	}
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static X509 *make_cert(const char *dn, long serial, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, const char *san)
{
	X509 *x = X509_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	add_name(X509_get_subject_name(x), dn);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
	if (!issuer)
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	if (san)
		add_ext(x, issuer ? issuer : x, NID_subject_alt_name, san);
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

static X509_CRL *make_crl(long revoked_serial)
{
	X509_CRL *c = X509_CRL_new();
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_TIME *t = ASN1_TIME_adj(NULL, time(NULL), 0, -60);
	ASN1_TIME *next = ASN1_TIME_adj(NULL, time(NULL), 1, 0);
	ASN1_INTEGER *sn = ASN1_INTEGER_new();

	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(ca));
	X509_CRL_set1_lastUpdate(c, t);
	X509_CRL_set1_nextUpdate(c, next);
	ASN1_INTEGER_set(sn, revoked_serial);
	X509_REVOKED_set_serialNumber(r, sn);
	X509_REVOKED_set_revocationDate(r, t);
	X509_CRL_add0_revoked(c, r);
	X509_CRL_sort(c);
	assert_true(X509_CRL_sign(c, ca_key, EVP_sha256()) > 0);
	ASN1_TIME_free(t);
	ASN1_TIME_free(next);
	ASN1_INTEGER_free(sn);
	return c;
}

static void write_pem(const char *name, X509 *x, X509_CRL *c, EVP_PKEY *k)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	if (x)
		PEM_write_X509(f, x);
	if (c)
		PEM_write_X509_CRL(f, c);
	if (k)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

/* The CA, the leaves (all with leaf_key), the CRL revoking mallory (serial
 * 12), and dir/ca.pem, gw.pem, gw.key, crl.pem. */
static void pki_fixture_make(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_cert.XXXXXX");
	assert_non_null(mkdtemp(dir));
	ca_key = EVP_RSA_gen(2048);
	leaf_key = EVP_RSA_gen(2048);
	other_key = EVP_RSA_gen(2048);
	ca = make_cert("C=CH, O=ravpn, CN=Test CA", 1, ca_key, NULL, ca_key, NULL);
	other_ca = make_cert("C=CH, O=elsewhere, CN=Other CA", 1, other_key, NULL, other_key, NULL);
	alice = make_cert("C=CH, O=ravpn, OU=Sales, CN=alice", 10, leaf_key, ca, ca_key,
			  "DNS:alice.ravpn.lab");
	bob = make_cert("C=CH, O=ravpn, OU=Nowhere, CN=bob", 11, leaf_key, ca, ca_key, NULL);
	mallory = make_cert("C=CH, O=ravpn, OU=Sales, CN=mallory", 12, leaf_key, ca, ca_key, NULL);
	stranger = make_cert("C=CH, O=elsewhere, OU=Sales, CN=eve", 13, leaf_key, other_ca,
			     other_key, NULL);
	gw = make_cert("C=CH, O=ravpn, CN=gw.ravpn.lab", 20, leaf_key, ca, ca_key,
		       "DNS:gw.ravpn.lab");
	crl = make_crl(12);
	write_pem("ca.pem", ca, NULL, NULL);
	write_pem("gw.pem", gw, NULL, NULL);
	write_pem("gw.key", NULL, NULL, leaf_key);
	write_pem("crl.pem", NULL, crl, NULL);
}

static int pki_fixture_free(void)
{
	char cmd[128];

	X509_free(ca); X509_free(other_ca); X509_free(gw); X509_free(alice); X509_free(bob);
	X509_free(mallory); X509_free(stranger); X509_CRL_free(crl);
	EVP_PKEY_free(ca_key); EVP_PKEY_free(leaf_key); EVP_PKEY_free(other_key);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

#endif
