/* lib/conf_ikev2.c: the IKEv2 lines of the ASA language.  A complete
 * configuration parses into the fields the IKE worker reads; each list a
 * policy or proposal leaves out gets its documented default; both IKEv2
 * keys are secrets conf_redact hides; conf_outside_addr works with only
 * `crypto ikev2 enable`; a table of bad lines, each failing with the exact
 * file:line:col; the weak choices are named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ipc.h"

static void parse_ok(const char *text, struct conf *c)
{
	char err[CONF_ERR];

	if (!conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err))
		fail_msg("unexpected error: %s\n--- in ---\n%s", err, text);
}

/* Compares list got[0..n) with want, which ends at -1. */
static void assert_list(const char *what, const int *got, int n, const int *want)
{
	int k = 0;

	for (; want[k] >= 0; k++)
		if (k >= n || got[k] != want[k])
			fail_msg("%s[%d]: got %d, want %d (n %d)", what, k, k < n ? got[k] : -1,
				 want[k], n);
	if (n != k)
		fail_msg("%s: got %d entries, want %d", what, n, k);
}

#define IFACES	"interface e0\n nameif outside\n ip address 10.0.0.1 255.255.255.0\n" \
		"interface e1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n"

static const char full_config[] =
	IFACES
	"crypto ikev2 policy 10\n"
	" encryption aes-gcm-256 aes-256 3des\n"
	" integrity sha256 sha\n"
	" prf sha384\n"
	" group 19 14 21\n"
	" lifetime seconds 43200\n"
	"crypto ikev2 policy 5\n"		/* all defaults; sorted first */
	"crypto ipsec ikev2 ipsec-proposal P-AEAD\n"
	" protocol esp encryption chacha20-poly1305 aes-gcm-256\n"
	"crypto ipsec ikev2 ipsec-proposal P-CBC\n"
	" protocol esp integrity sha-256 sha-1\n"	/* before its encryption: any order */
	" protocol esp encryption des\n"
	"crypto ipsec ikev2 ipsec-proposal P-CBC\n"	/* re-opened: the line replaces the list */
	" protocol esp encryption aes-256 aes 3des\n"
	"crypto ipsec ikev2 ipsec-proposal P-MIX\n"	/* AEAD and CBC: null for the AEAD one */
	" protocol esp encryption aes-gcm-256 aes-256\n"
	" protocol esp integrity sha-256 null\n"
	"crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac\n"
	"crypto dynamic-map DYN 10 set ikev1 transform-set TS\n"
	"crypto dynamic-map DYN 10 set ikev2 ipsec-proposal P-AEAD P-CBC\n"
	"crypto map OUT 65535 ipsec-isakmp dynamic DYN\n"
	"crypto map OUT interface outside\n"
	"crypto ikev2 enable outside\n"
	"tunnel-group TG type remote-access\n"
	"tunnel-group TG ipsec-attributes\n"
	" ikev1 pre-shared-key v1secret\n"
	" ikev2 remote-authentication pre-shared-key remotekey2\n"
	" ikev2 local-authentication pre-shared-key localkey22\n";

static void check_full_policies(const struct conf *c)
{
	const struct conf_ikev2_policy *d = &c->v2policies[0], *v = &c->v2policies[1];

	assert_int_equal(c->n_v2policies, 2);
	assert_int_equal(d->priority, 5);
	assert_list("default encs", d->encs, d->n_encs, (const int[]){ V2_ENCR_AES_CBC, -1 });
	assert_list("default bits", d->enc_bits, d->n_encs, (const int[]){ 256, -1 });
	assert_list("default integs", d->integs, d->n_integs, (const int[]){ V2_AUTH_HMAC_SHA2_256_128, -1 });
	assert_list("default prfs", d->prfs, d->n_prfs, (const int[]){ V2_PRF_HMAC_SHA2_256, -1 });
	assert_list("default groups", d->groups, d->n_groups, (const int[]){ 14, -1 });
	assert_int_equal(d->lifetime, 86400);

	assert_int_equal(v->priority, 10);
	assert_list("encs", v->encs, v->n_encs,
		    (const int[]){ V2_ENCR_AES_GCM_16, V2_ENCR_AES_CBC, V2_ENCR_3DES, -1 });
	assert_list("bits", v->enc_bits, v->n_encs, (const int[]){ 256, 256, 0, -1 });
	assert_list("integs", v->integs, v->n_integs,
		    (const int[]){ V2_AUTH_HMAC_SHA2_256_128, V2_AUTH_HMAC_SHA1_96, -1 });
	assert_list("prfs", v->prfs, v->n_prfs, (const int[]){ V2_PRF_HMAC_SHA2_384, -1 });
	assert_list("groups", v->groups, v->n_groups, (const int[]){ 19, 14, 21, -1 });
	assert_int_equal(v->lifetime, 43200);
}

static void check_full_proposals(const struct conf *c)
{
	const struct conf_ipsec_proposal *a = conf_ipsec_proposal(c, "P-AEAD");
	const struct conf_ipsec_proposal *b = conf_ipsec_proposal(c, "P-CBC");

	assert_int_equal(c->n_v2props, 3);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(conf_ipsec_proposal(c, "p-cbc"));	/* case-sensitive */
	assert_list("aead encs", a->encs, a->n_encs,
		    (const int[]){ ESP_ENC_CHACHA20_POLY1305, ESP_ENC_AES_GCM_16, -1 });
	assert_list("aead bits", a->enc_bits, a->n_encs, (const int[]){ 0, 256, -1 });
	assert_list("aead integs", a->integs, a->n_integs, (const int[]){ ESP_AUTH_NONE, -1 });
	assert_list("cbc encs", b->encs, b->n_encs,
		    (const int[]){ ESP_ENC_AES_CBC, ESP_ENC_AES_CBC, ESP_ENC_3DES, -1 });
	assert_list("cbc bits", b->enc_bits, b->n_encs, (const int[]){ 256, 128, 0, -1 });
	assert_list("cbc integs", b->integs, b->n_integs,
		    (const int[]){ ESP_AUTH_HMAC_SHA256, ESP_AUTH_HMAC_SHA1, -1 });
	b = conf_ipsec_proposal(c, "P-MIX");
	assert_non_null(b);
	assert_list("mix encs", b->encs, b->n_encs, (const int[]){ ESP_ENC_AES_GCM_16, ESP_ENC_AES_CBC, -1 });
	assert_list("mix integs", b->integs, b->n_integs,
		    (const int[]){ ESP_AUTH_HMAC_SHA256, ESP_AUTH_NONE, -1 });
}

static void test_full_config(void **state)
{
	struct conf c;

	(void)state;
	parse_ok(full_config, &c);
	check_full_policies(&c);
	check_full_proposals(&c);

	const struct conf_dynamic_map *d = conf_dynamic_map(&c, "DYN", 10);
	assert_non_null(d);
	assert_int_equal(d->n_tsets, 1);		/* the same entry holds both */
	assert_string_equal(d->tsets[0], "TS");
	assert_int_equal(d->n_v2_props, 2);
	assert_string_equal(d->v2_props[0], "P-AEAD");
	assert_string_equal(d->v2_props[1], "P-CBC");

	const struct conf_tunnel_group *t = conf_tunnel_group(&c, "TG");
	assert_non_null(t);
	assert_true(t->has_psk);
	assert_string_equal(t->psk, "v1secret");
	assert_true(t->has_v2_psk_remote);
	assert_string_equal(t->v2_psk_remote, "remotekey2");
	assert_true(t->has_v2_psk_local);
	assert_string_equal(t->v2_psk_local, "localkey22");

	assert_string_equal(c.ikev2_enable, "outside");
	assert_string_equal(c.ikev1_enable, "");
	assert_int_equal(conf_outside_addr(&c), inet_addr("10.0.0.1"));
	conf_free(&c);
}

/* ---- defaults, one policy at a time ---------------------------------------- */

struct policy_case {
	const char *lines;		/* the block's sub-lines */
	int encs[CONF_V2_ALGS + 1];	/* each list ends at -1 */
	int integs[CONF_V2_ALGS + 1];
	int prfs[CONF_V2_ALGS + 1];
	int groups[CONF_V2_ALGS + 1];
};

#define GCM	V2_ENCR_AES_GCM_16
#define CBC	V2_ENCR_AES_CBC
#define I1	V2_AUTH_HMAC_SHA1_96
#define I256	V2_AUTH_HMAC_SHA2_256_128
#define I384	V2_AUTH_HMAC_SHA2_384_192
#define I512	V2_AUTH_HMAC_SHA2_512_256
#define P1	V2_PRF_HMAC_SHA1
#define P256	V2_PRF_HMAC_SHA2_256
#define P384	V2_PRF_HMAC_SHA2_384
#define P512	V2_PRF_HMAC_SHA2_512

static const struct policy_case policy_cases[] = {
	{ "", { CBC, -1 }, { I256, -1 }, { P256, -1 }, { 14, -1 } },
	/* the PRFs follow the integrity list, each hash once */
	{ " integrity sha sha512\n", { CBC, -1 }, { I1, I512, -1 }, { P1, P512, -1 }, { 14, -1 } },
	{ " integrity sha384\n", { CBC, -1 }, { I384, -1 }, { P384, -1 }, { 14, -1 } },
	/* AES-GCM only: integrity null by default, and the PRF sha256 */
	{ " encryption aes-gcm aes-gcm-256\n", { GCM, GCM, -1 }, { V2_AUTH_NONE, -1 }, { P256, -1 },
	  { 14, -1 } },
	{ " integrity null\n encryption aes-gcm-192\n", { GCM, -1 }, { V2_AUTH_NONE, -1 },
	  { P256, -1 }, { 14, -1 } },
	/* a mixed list keeps the default integrity for its CBC cipher */
	{ " encryption aes-gcm aes\n", { GCM, CBC, -1 }, { I256, -1 }, { P256, -1 }, { 14, -1 } },
	{ " prf sha512 sha\n group 1 2 5 15 16 20\n", { CBC, -1 }, { I256, -1 }, { P512, P1, -1 },
	  { 1, 2, 5, 15, 16, 20, -1 } },
	/* a repeated line replaces its list */
	{ " group 19\n group 20 21\n", { CBC, -1 }, { I256, -1 }, { P256, -1 }, { 20, 21, -1 } },
};

static void test_policy_defaults(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof policy_cases / sizeof policy_cases[0]; i++) {
		const struct policy_case *pc = &policy_cases[i];
		char text[512];
		struct conf c;

		snprintf(text, sizeof text, "crypto ikev2 policy 1\n%s", pc->lines);
		parse_ok(text, &c);
		assert_int_equal(c.n_v2policies, 1);

		const struct conf_ikev2_policy *v = &c.v2policies[0];
		char what[4][32];

		snprintf(what[0], sizeof what[0], "case %zu encs", i);
		snprintf(what[1], sizeof what[1], "case %zu integs", i);
		snprintf(what[2], sizeof what[2], "case %zu prfs", i);
		snprintf(what[3], sizeof what[3], "case %zu groups", i);
		assert_list(what[0], v->encs, v->n_encs, pc->encs);
		assert_list(what[1], v->integs, v->n_integs, pc->integs);
		assert_list(what[2], v->prfs, v->n_prfs, pc->prfs);
		assert_list(what[3], v->groups, v->n_groups, pc->groups);
		assert_int_equal(v->lifetime, 86400);
		conf_free(&c);
	}
}

/* Every ESP word, and the values it stores (an AEAD cipher with integrity
 * null besides). */
static void test_proposal_words(void **state)
{
	static const struct { const char *word; int enc, bits; } encs[] = {
		{ "des", ESP_ENC_DES, 0 }, { "3des", ESP_ENC_3DES, 0 },
		{ "aes", ESP_ENC_AES_CBC, 128 }, { "aes-192", ESP_ENC_AES_CBC, 192 },
		{ "aes-256", ESP_ENC_AES_CBC, 256 }, { "null", ESP_ENC_NULL, 0 },
		{ "aes-gcm", ESP_ENC_AES_GCM_16, 128 }, { "aes-gcm-192", ESP_ENC_AES_GCM_16, 192 },
		{ "aes-gcm-256", ESP_ENC_AES_GCM_16, 256 },
		{ "chacha20-poly1305", ESP_ENC_CHACHA20_POLY1305, 0 },
	};
	static const struct { const char *word; int auth; } integs[] = {
		{ "md5", ESP_AUTH_HMAC_MD5 }, { "sha-1", ESP_AUTH_HMAC_SHA1 },
		{ "sha-256", ESP_AUTH_HMAC_SHA256 }, { "sha-384", ESP_AUTH_HMAC_SHA384 },
		{ "sha-512", ESP_AUTH_HMAC_SHA512 },
	};

	(void)state;
	for (size_t e = 0; e < sizeof encs / sizeof encs[0]; e++) {
		for (size_t a = 0; a < sizeof integs / sizeof integs[0]; a++) {
			char text[256];
			struct conf c;

			bool aead = encs[e].enc == ESP_ENC_AES_GCM_16 ||
				    encs[e].enc == ESP_ENC_CHACHA20_POLY1305;

			snprintf(text, sizeof text, "crypto ipsec ikev2 ipsec-proposal P\n"
				 " protocol esp encryption %s\n protocol esp integrity %s%s\n",
				 encs[e].word, integs[a].word, aead ? " null" : "");
			parse_ok(text, &c);
			assert_int_equal(c.v2props[0].n_encs, 1);
			assert_int_equal(c.v2props[0].encs[0], encs[e].enc);
			assert_int_equal(c.v2props[0].enc_bits[0], encs[e].bits);
			assert_int_equal(c.v2props[0].n_integs, aead ? 2 : 1);
			assert_int_equal(c.v2props[0].integs[0], integs[a].auth);
			conf_free(&c);
		}
	}
}

/* ---- secrets and the listening address ---------------------------------------- */

static void test_redact_v2_keys(void **state)
{
	const char *text = full_config;
	size_t len = strlen(text);
	struct conf c, r;
	char err[CONF_ERR];
	int psk = 0;

	(void)state;
	parse_ok(text, &c);
	for (int i = 0; i < c.n_secrets; i++)
		psk += c.secrets[i].kind == SECRET_PSK;
	assert_int_equal(psk, 3);	/* ikev1, ikev2 remote, ikev2 local */

	char *kept = conf_redact(text, len, &c, SECRET_AAA_KEY | SECRET_PASSWORD_HASH);
	assert_non_null(strstr(kept, "remotekey2"));	/* not the kinds asked for */
	free(kept);

	char *red = conf_redact(text, len, &c, SECRET_PSK);
	assert_non_null(red);
	assert_int_equal(strlen(red), len);
	assert_null(strstr(red, "remotekey2"));
	assert_null(strstr(red, "localkey22"));
	assert_null(strstr(red, "v1secret"));
	assert_non_null(strstr(red, " ikev2 remote-authentication pre-shared-key **********\n"));
	assert_non_null(strstr(red, " ikev2 local-authentication pre-shared-key **********\n"));
	if (!conf_parse_text(red, len, "red", &r, err, sizeof err))
		fail_msg("redacted text does not parse: %s", err);
	assert_string_equal(conf_tunnel_group(&r, "TG")->v2_psk_remote, "**********");
	assert_string_equal(conf_tunnel_group(&r, "TG")->v2_psk_local, "**********");
	conf_free(&r);
	free(red);
	conf_free(&c);
}

static void test_outside_addr(void **state)
{
	static const struct { const char *lines; const char *addr; } cases[] = {
		{ "crypto ikev2 enable inside\n", "10.1.0.1" },
		{ "crypto ikev1 enable inside\n", "10.1.0.1" },
		{ "crypto ikev1 enable outside\ncrypto ikev2 enable outside\n", "10.0.0.1" },
		{ "crypto ikev2 enable outside\ncrypto ikev1 enable outside\n", "10.0.0.1" },
		{ "hostname h\n", "0.0.0.0" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512];
		struct conf c;

		snprintf(text, sizeof text, IFACES "%s", cases[i].lines);
		parse_ok(text, &c);
		assert_int_equal(conf_outside_addr(&c), inet_addr(cases[i].addr));
		conf_free(&c);
	}
}

/* ---- bad lines --------------------------------------------------------------- */

struct bad_case {
	const char *text;
	const char *prefix;	/* exact "file:line:col:" */
	const char *words;	/* a part of the message */
};

#define POL	"crypto ikev2 policy 10\n"
#define PROP	"crypto ipsec ikev2 ipsec-proposal P\n"		/* NAME at column 35 */
#define ENC	" protocol esp encryption "			/* 25 columns */
#define INTEG	" protocol esp integrity "			/* 24 columns */
#define DYN	"crypto dynamic-map D 10 set ikev2 ipsec-proposal "	/* 49 columns */
#define TGI	"tunnel-group T type remote-access\ntunnel-group T ipsec-attributes\n"

static const struct bad_case bad_cases[] = {
	/* crypto ikev2 policy */
	{ POL " encryption aes-512\n", "t.conf:2:13:", "unknown encryption algorithm 'aes-512'" },
	{ POL " encryption aes des\n", "t.conf:2:17:", "des is not supported for IKEv2" },
	{ POL " encryption\n", "t.conf:2:", "missing argument" },
	{ POL " encryption 3des aes aes-192 aes-256 aes-gcm aes-gcm-192 aes-gcm-256\n",
	  "t.conf:2:58:", "too many encryption algorithm values" },
	{ POL " encryption aes aes\n", "t.conf:2:17:", "listed twice" },
	{ POL " integrity md5\n", "t.conf:2:12:", "unknown integrity algorithm 'md5'" },
	{ POL " prf sha224\n", "t.conf:2:6:", "unknown prf 'sha224'" },
	{ POL " group 14 31\n", "t.conf:2:11:", "unknown DH group '31', expected 1, 2, 5, 14, 15, 16, 19, 20 or 21" },
	{ POL " group 24\n", "t.conf:2:8:", "unknown DH group '24'" },
	{ POL " group 1 2 5 14 15 16 19\n", "t.conf:2:23:", "too many DH group values" },
	{ POL " lifetime seconds 60\n", "t.conf:2:19:", "out of range" },
	{ POL " lifetime 86400\n", "t.conf:2:11:", "seconds" },
	{ POL " lifetime seconds 3600 x\n", "t.conf:2:24:", "end of line" },
	{ POL " hash sha\n", "t.conf:2:2:", "not a sub-command of crypto ikev2 policy" },
	{ "crypto ikev2 policy 0\n", "t.conf:1:21:", "out of range" },
	{ "crypto ikev2 policy 10 encryption aes\n", "t.conf:1:24:", "end of line" },
	{ "crypto ikev2 frob\n", "t.conf:1:14:", "policy or enable" },
	{ "integrity sha\n", "t.conf:1:1:", "indented under crypto ikev2 policy" },
	/* integrity null: the whole block decides, in either order */
	{ POL " encryption aes-256\n integrity null\n", "t.conf:3:12:", "integrity null needs every encryption to be aes-gcm" },
	{ POL " integrity null\n encryption aes-gcm aes\n", "t.conf:2:12:", "aes-gcm" },
	{ POL " integrity null\n", "t.conf:2:12:", "crypto ikev2 policy 10" },	/* default aes-256 */
	/* crypto ikev2 enable */
	{ IFACES "crypto ikev2 enable dmz\n", "t.conf:7:21:", "no interface has nameif 'dmz'" },
	{ IFACES "crypto ikev2 enable outside port 443\n", "t.conf:7:29:", "end of line" },
	{ IFACES "crypto ikev1 enable outside\ncrypto ikev2 enable inside\n", "t.conf:8:21:",
	  "same interface" },
	/* crypto ipsec ikev2 ipsec-proposal */
	{ PROP ENC "aes-512\n", "t.conf:2:26:", "unknown ESP encryption algorithm 'aes-512'" },
	{ PROP INTEG "sha\n", "t.conf:2:25:", "unknown ESP integrity algorithm 'sha'" },
	{ PROP " protocol ah encryption aes\n", "t.conf:2:11:", "esp" },
	{ PROP " protocol esp hash sha-1\n", "t.conf:2:15:", "encryption or integrity" },
	{ PROP ENC "aes-gcm-256 aes-256\n", "t.conf:2:38:", "needs protocol esp integrity" },
	{ PROP ENC "aes\n" INTEG "null\n", "t.conf:2:26:", "integrity null only" },
	{ PROP ENC "null\n" INTEG "null\n", "t.conf:2:26:", "protects nothing" },
	{ PROP ENC "aes-256 aes-gcm\n" INTEG "sha-256\n", "t.conf:2:34:", "only with integrity null" },
	{ PROP INTEG "sha-1\n" ENC "chacha20-poly1305\n", "t.conf:3:26:", "only with integrity null" },
	{ PROP INTEG "sha-1\n", "t.conf:1:35:", "has no encryption" },
	{ PROP, "t.conf:1:35:", "has no encryption" },
	{ PROP ENC "des 3des aes aes-192 aes-256 aes-gcm null\n", "t.conf:2:63:", "too many" },
	{ PROP INTEG "sha-1 sha-1\n", "t.conf:2:31:", "listed twice" },
	{ "crypto ipsec ikev2 transform-set T\n", "t.conf:1:20:", "ipsec-proposal" },
	{ "protocol esp encryption aes\n", "t.conf:1:1:", "indented under crypto ipsec ikev2 ipsec-proposal" },
	/* set ikev2 ipsec-proposal */
	{ DYN "NOPE\n", "t.conf:1:50:", "ipsec-proposal 'NOPE' is not defined" },
	{ PROP ENC "aes-gcm\n" DYN "P NOPE\n", "t.conf:3:52:", "ipsec-proposal 'NOPE' is not defined" },
	{ PROP ENC "aes-gcm\n" DYN "P P P P P P P\n", "t.conf:3:62:", "too many ipsec-proposals" },
	{ DYN "\n", "t.conf:1:", "an ipsec-proposal name" },
	{ "crypto dynamic-map D 10 set ikev2 transform-set T\n", "t.conf:1:35:", "ipsec-proposal" },
	/* tunnel-group ipsec-attributes */
	{ TGI " ikev2 remote-authentication certificate\n", "t.conf:3:30:", "not supported" },
	{ TGI " ikev2 local-authentication certificate TP\n", "t.conf:3:29:", "not supported" },
	{ TGI " ikev2 remote-authentication eap\n", "t.conf:3:30:", "not supported" },
	{ TGI " ikev2 remote-authentication pre-shared-key\n", "t.conf:3:", "a pre-shared key" },
	{ TGI " ikev2 local-authentication pre-shared-key k x\n", "t.conf:3:46:", "end of line" },
	{ TGI " ikev2 authentication pre-shared-key k\n", "t.conf:3:8:", "remote-authentication or local-authentication" },
};

static void test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *b = &bad_cases[i];
		struct conf c;
		char err[CONF_ERR];

		if (conf_parse_text(b->text, strlen(b->text), "t.conf", &c, err, sizeof err))
			fail_msg("case %zu parsed but should fail: %s", i, b->text);
		if (strncmp(err, b->prefix, strlen(b->prefix)) != 0 || !strstr(err, b->words) ||
		    !strstr(err, "expected"))
			fail_msg("case %zu: got \"%s\", want prefix \"%s\" and \"%s\"", i, err,
				 b->prefix, b->words);
	}
}

/* At most CONF_MAX_POLICIES (20) ikev2 policies; re-opening one does not count. */
static void test_too_many_policies(void **state)
{
	char text[2048];
	size_t n = 0;
	struct conf c;
	char err[CONF_ERR];

	(void)state;
	for (int i = 1; i <= CONF_MAX_POLICIES; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "crypto ikev2 policy %d\n", i);
	n += (size_t)snprintf(text + n, sizeof text - n, "crypto ikev2 policy 1\n");
	parse_ok(text, &c);
	assert_int_equal(c.n_v2policies, CONF_MAX_POLICIES);
	conf_free(&c);
	snprintf(text + n, sizeof text - n, "crypto ikev2 policy 99\n");
	assert_false(conf_parse_text(text, strlen(text), "t.conf", &c, err, sizeof err));
	assert_non_null(strstr(err, "t.conf:22:21: too many ikev2 policies, expected at most 20"));
}

/* ---- weak choices -------------------------------------------------------------- */

static void test_weak(void **state)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ POL " group 14 2\n", "crypto ikev2 policy 10: group 2 (1024-bit MODP) is weak" },
		{ POL " group 5\n", "crypto ikev2 policy 10: group 5 (1536-bit MODP) is weak" },
		{ POL " group 1\n", "crypto ikev2 policy 10: group 1 (768-bit MODP) is weak" },
		{ POL " encryption aes 3des\n", "crypto ikev2 policy 10: encryption 3des (64-bit block) is weak" },
		{ PROP ENC "des\n" INTEG "sha-1\n", "ipsec-proposal P: encryption des (56-bit key) is weak" },
		{ PROP ENC "3des\n" INTEG "sha-1\n", "ipsec-proposal P: encryption 3des (64-bit block) is weak" },
		{ PROP ENC "null\n" INTEG "sha-1\n", "ipsec-proposal P: encryption null sends traffic unencrypted" },
		{ PROP ENC "aes\n" INTEG "md5\n", "ipsec-proposal P: integrity md5 is weak" },
		{ POL, NULL },	/* the defaults are strong */
		{ POL " encryption aes-gcm-256\n group 19 20 21 14 15 16\n", NULL },
		{ PROP ENC "aes-gcm chacha20-poly1305\n", NULL },
		{ PROP ENC "aes-256\n" INTEG "sha-512 null\n", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[4][CONF_WEAK_LEN];
		struct conf c;
		int n;

		parse_ok(cases[i].text, &c);
		n = conf_weak_algorithms(&c, out, 4);
		if (!cases[i].want) {
			if (n != 0)
				fail_msg("case %zu: %d weak, first \"%s\"", i, n, out[0]);
		} else {
			assert_int_equal(n, 1);
			assert_string_equal(out[0], cases[i].want);
		}
		conf_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_policy_defaults),
		cmocka_unit_test(test_proposal_words),
		cmocka_unit_test(test_redact_v2_keys),
		cmocka_unit_test(test_outside_addr),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_too_many_policies),
		cmocka_unit_test(test_weak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
