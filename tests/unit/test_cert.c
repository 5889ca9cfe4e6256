/* Certificates across master and the IKE worker, on a PKI the test makes
 * with OpenSSL (a CA, leaf certificates, a CRL revoking one of them):
 *  - master's FD_PKI bundle of a trustpoint's files parses back in the
 *    worker's store (master_pki_fd -> cert_store_parse);
 *  - chain checks: a good certificate, a revoked one (CRL checked, and not
 *    when revocation checking is off), a CRL missing, a foreign CA;
 *  - the signature KAT of IKEv1's RSA encoding: master signs a hash with
 *    PKCS #1 v1.5 padding and no DigestInfo (the recovered block is the
 *    hash itself), the worker verifies it, and a changed bit fails;
 *  - ID payloads against the certificate (DN, FQDN in the SAN);
 *  - certificate-to-tunnel-group mapping: rules, OU, IKE ID, peer address,
 *    default group, and `tunnel-group-map enable` limiting the methods. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../ike-worker/cert.h"
#include "../../ike-worker/ike.h"
#include "../../master/master.h"
#include "pki_fixture.h"

struct ike_ctx ike;

static int setup(void **state)
{
	(void)state;
	pki_fixture_make();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return pki_fixture_free();
}

static void parse_conf(struct conf *c, const char *extra)
{
	char text[4096], err[CONF_ERR];

	snprintf(text, sizeof text,
		 "crypto ca trustpoint TP\n"
		 " ca-certificate file %s/ca.pem\n certificate file %s/gw.pem\n"
		 " key file %s/gw.key\n crl file %s/crl.pem\n revocation-check crl\n"
		 "tunnel-group Sales type remote-access\n"
		 "tunnel-group Eng type remote-access\n"
		 "tunnel-group 10.99.0.7 type remote-access\n"
		 "tunnel-group vpn.lab type remote-access\n"
		 "tunnel-group DefaultRAGroup type remote-access\n%s",
		 dir, dir, dir, dir, extra);
	if (!conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err))
		fail_msg("config: %s", err);
}

/* master's bundle, read back as the worker reads FD_PKI */
static void load_store(struct cert_store *s)
{
	static struct master m;
	static uint8_t buf[PKI_BUNDLE_MAX];
	ssize_t n;
	int fd;

	parse_conf(&m.conf, "");
	fd = master_pki_fd(&m);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof buf);
	close(fd);
	assert_true(n > 0);
	assert_true(cert_store_parse(s, buf, (size_t)n));
	conf_free(&m.conf);
}

static void test_bundle_round_trip(void **state)
{
	struct cert_store s;
	const struct cert_tp *tp;

	(void)state;
	load_store(&s);
	assert_int_equal(s.n, 1);
	tp = cert_store_find(&s, "TP");
	assert_non_null(tp);
	assert_int_equal(sk_X509_num(tp->cas), 1);
	assert_int_equal(X509_cmp(sk_X509_value(tp->cas, 0), ca), 0);
	assert_int_equal(X509_cmp(tp->cert, gw), 0);
	assert_int_equal(sk_X509_CRL_num(tp->crls), 1);
	assert_null(cert_store_find(&s, "tp"));
	cert_store_free(&s);
	/* a record cut short is refused whole */
	static const uint8_t cut[] = { PKI_CA, 2, 'T', 'P', 0, 0, 0, 9, '-', '-' };
	assert_false(cert_store_parse(&s, cut, sizeof cut));
	assert_int_equal(s.n, 0);
}

struct chain_case {
	const char *name;
	X509 **cert;
	bool crl_check;
	bool drop_crl;
	uint16_t notify;
	const char *why;
};

static const struct chain_case chain_cases[] = {
	{ "good, CRL checked", &alice, true, false, 0, "" },
	{ "revoked, CRL checked", &mallory, true, false, N_INVALID_CERTIFICATE, "certificate revoked" },
	{ "revoked, revocation-check none", &mallory, false, false, 0, "" },
	{ "CRL checked but missing", &alice, true, true, N_INVALID_CERTIFICATE, "unable to get certificate CRL" },
	{ "foreign CA", &stranger, true, false, N_INVALID_CERT_AUTHORITY, "unable to get local issuer certificate" },
};

static void test_chain(void **state)
{
	struct cert_store s;

	(void)state;
	load_store(&s);
	for (size_t i = 0; i < sizeof chain_cases / sizeof chain_cases[0]; i++) {
		const struct chain_case *c = &chain_cases[i];
		struct cert_tp tp = *cert_store_find(&s, "TP");
		STACK_OF(X509_CRL) *none = sk_X509_CRL_new_null();
		char why[128] = "";
		uint16_t n;

		if (c->drop_crl)
			tp.crls = none;
		n = cert_check_chain(&tp, c->crl_check, *c->cert, NULL, why, sizeof why);
		if (n != c->notify || strcmp(why, c->why) != 0)
			fail_msg("%s: notify %u '%s', expected %u '%s'", c->name, n, why, c->notify,
				 c->why);
		sk_X509_CRL_free(none);
	}
	cert_store_free(&s);
}

static void test_signature_kat(void **state)
{
	uint8_t hash[20], sig[512], rec[512];
	size_t sig_len = sizeof sig, rec_len = sizeof rec;
	char key[128];
	EVP_PKEY_CTX *ctx;

	(void)state;
	for (size_t i = 0; i < sizeof hash; i++)
		hash[i] = (uint8_t)(0xa0 + i);
	snprintf(key, sizeof key, "%s/gw.key", dir);
	assert_true(master_sign_file(key, hash, sizeof hash, sig, &sig_len));
	assert_int_equal(sig_len, 256);
	assert_true(cert_check_sig(gw, hash, sizeof hash, sig, sig_len));
	/* the block under the padding is the hash itself: no DigestInfo */
	ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(gw), NULL);
	assert_true(EVP_PKEY_verify_recover_init(ctx) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	assert_true(EVP_PKEY_verify_recover(ctx, rec, &rec_len, sig, sig_len) > 0);
	EVP_PKEY_CTX_free(ctx);
	assert_int_equal(rec_len, sizeof hash);
	assert_memory_equal(rec, hash, sizeof hash);
	sig[100] ^= 1;
	assert_false(cert_check_sig(gw, hash, sizeof hash, sig, sig_len));
	sig[100] ^= 1;
	hash[0] ^= 1;
	assert_false(cert_check_sig(gw, hash, sizeof hash, sig, sig_len));
	assert_false(cert_check_sig(stranger, hash, sizeof hash, sig, sig_len));
}

static size_t id_dn(X509 *x, uint8_t *out, size_t cap)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(x), &der);

	assert_true(len > 0 && (size_t)len + 4 <= cap);
	out[0] = ID_DER_ASN1_DN;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, der, (size_t)len);
	OPENSSL_free(der);
	return (size_t)len + 4;
}

static size_t id_str(uint8_t type, const char *s, uint8_t *out)
{
	out[0] = type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, s, strlen(s));
	return strlen(s) + 4;
}

static void test_id(void **state)
{
	uint8_t id[300];
	size_t n;

	(void)state;
	n = id_dn(alice, id, sizeof id);
	assert_true(cert_check_id(alice, id, n));
	assert_false(cert_check_id(bob, id, n));
	assert_false(cert_check_id(alice, id, n - 1));		/* DER cut short */
	n = id_str(ID_FQDN, "alice.ravpn.lab", id);
	assert_true(cert_check_id(alice, id, n));
	n = id_str(ID_FQDN, "bob.ravpn.lab", id);
	assert_false(cert_check_id(alice, id, n));
	n = id_str(ID_KEY_ID, "alice", id);
	assert_false(cert_check_id(alice, id, n));
	assert_false(cert_check_id(alice, id, 3));
}

struct map_case {
	const char *name;
	const char *conf;	/* added to the base config */
	X509 **cert;
	uint8_t id_type;	/* 0: the certificate's DN */
	const char *id;
	const char *peer;
	const char *want;	/* NULL: no group */
};

#define CM_BOB "crypto ca certificate map CM 10\n subject-name attr cn eq BOB\n" \
	       "tunnel-group-map CM 10 Eng\n"
#define CM_ISSUER "crypto ca certificate map CM 20\n issuer-name attr o eq ravpn\n" \
		  " subject-name nc mallory\ntunnel-group-map CM 20 Eng\n"

static const struct map_case map_cases[] = {
	{ "OU names the group", "", &alice, 0, NULL, "10.99.0.2", "Sales" },
	{ "rule (CN eq, case-insensitive)", CM_BOB, &bob, 0, NULL, "10.99.0.2", "Eng" },
	{ "rule wins over OU", CM_ISSUER, &alice, 0, NULL, "10.99.0.2", "Eng" },
	{ "rule with nc fails, OU next", CM_ISSUER, &mallory, 0, NULL, "10.99.0.2", "Sales" },
	{ "IKE ID names the group", "", &bob, ID_FQDN, "vpn.lab", "10.99.0.2", "vpn.lab" },
	{ "peer address names the group", "", &bob, 0, NULL, "10.99.0.7", "10.99.0.7" },
	{ "default-group", "tunnel-group-map default-group Eng\n", &bob, 0, NULL, "10.99.0.2", "Eng" },
	{ "DefaultRAGroup last", "", &bob, 0, NULL, "10.99.0.2", "DefaultRAGroup" },
	{ "enable rules only: OU not used", "tunnel-group-map enable rules\n", &alice, 0, NULL,
	  "10.99.0.2", "DefaultRAGroup" },
	{ "enable ou: the rule not used", CM_BOB "tunnel-group-map enable ou\n", &bob, 0, NULL,
	  "10.99.0.7", "DefaultRAGroup" },
};

static void test_map(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof map_cases / sizeof map_cases[0]; i++) {
		const struct map_case *m = &map_cases[i];
		struct conf c;
		uint8_t id[300];
		size_t n;
		const char *g;

		parse_conf(&c, m->conf);
		n = m->id_type ? id_str(m->id_type, m->id, id) : id_dn(*m->cert, id, sizeof id);
		g = cert_map_group(&c, *m->cert, id, n, m->peer);
		if (!g || strcmp(g, m->want) != 0)
			fail_msg("%s: got %s, expected %s", m->name, g ? g : "(none)", m->want);
		conf_free(&c);
	}
}

static void test_map_entry(void **state)
{
	struct conf c;

	(void)state;
	parse_conf(&c, "crypto ca certificate map E 1\n"
		       "crypto ca certificate map M 5\n subject-name co rav\n subject-name attr ou ne sales\n");
	assert_false(cert_map_entry_matches(&c, "E", 1, alice));	/* no criteria */
	assert_false(cert_map_entry_matches(&c, "M", 5, alice));	/* OU is Sales */
	assert_true(cert_map_entry_matches(&c, "M", 5, bob));
	assert_false(cert_map_entry_matches(&c, "M", 5, stranger));	/* DN has no "rav" */
	assert_false(cert_map_entry_matches(&c, "M", 6, bob));
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_round_trip),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_signature_kat),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_map_entry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
