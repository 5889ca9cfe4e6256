/* lib/conf_pki.c: crypto ca trustpoint (PEM files), crypto ca certificate
 * map criteria, tunnel-group-map rules / enable / default-group and a
 * tunnel-group's ikev1 trust-point; bad forms fail at the right place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

static const char base[] =
	"crypto ca trustpoint TP\n"
	" ca-certificate file /etc/ravpn/ca.pem\n"
	" certificate file /etc/ravpn/gw.pem\n"
	" key file /etc/ravpn/gw.key\n"
	" revocation-check crl\n"
	" crl file /etc/ravpn/crl.pem\n"
	"crypto ca certificate map CM 10\n"
	" subject-name attr ou eq Sales\n"
	" issuer-name attr cn co Lab CA\n"
	"crypto ca certificate map CM 20\n"
	" subject-name co engineering\n"
	"tunnel-group Sales type remote-access\n"
	"tunnel-group Eng type remote-access\n"
	"tunnel-group Eng ipsec-attributes\n"
	" ikev1 trust-point TP\n"
	"tunnel-group-map CM 10 Sales\n"
	"tunnel-group-map CM 20 Eng\n"
	"tunnel-group-map enable rules\n"
	"tunnel-group-map enable ou\n"
	"tunnel-group-map default-group Eng\n";

static void parse_ok(const char *text, struct conf *c)
{
	char err[CONF_ERR];

	if (!conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err))
		fail_msg("unexpected error: %s", err);
}

static void test_trustpoint(void **state)
{
	struct conf c;
	const struct conf_trustpoint *tp;

	(void)state;
	parse_ok(base, &c);
	tp = conf_trustpoint(&c, "TP");
	assert_non_null(tp);
	assert_string_equal(tp->ca_file, "/etc/ravpn/ca.pem");
	assert_string_equal(tp->cert_file, "/etc/ravpn/gw.pem");
	assert_string_equal(tp->key_file, "/etc/ravpn/gw.key");
	assert_string_equal(tp->crl_file, "/etc/ravpn/crl.pem");
	assert_int_equal(tp->revocation, CONF_REVOKE_CRL);
	assert_null(conf_trustpoint(&c, "tp"));
	assert_string_equal(conf_tunnel_group(&c, "Eng")->trustpoint, "TP");
	assert_string_equal(conf_tunnel_group(&c, "Sales")->trustpoint, "");
	conf_free(&c);
}

static void test_certmap_rules(void **state)
{
	struct conf c;
	const struct conf_certmap_rule *r;

	(void)state;
	parse_ok(base, &c);
	/* header CM 10, two criteria, header CM 20, one criterion */
	assert_int_equal(c.n_cm_rules, 5);
	assert_int_equal(c.cm_rules[0].field, CM_HEADER);
	r = &c.cm_rules[1];
	assert_string_equal(r->map, "CM");
	assert_int_equal(r->seq, 10);
	assert_int_equal(r->field, CM_SUBJECT);
	assert_string_equal(r->attr, "ou");
	assert_int_equal(r->op, CM_EQ);
	assert_string_equal(r->value, "Sales");
	r = &c.cm_rules[2];
	assert_int_equal(r->field, CM_ISSUER);
	assert_int_equal(r->op, CM_CO);
	assert_string_equal(r->value, "Lab CA");	/* blanks inside the value kept */
	r = &c.cm_rules[4];
	assert_int_equal(r->seq, 20);
	assert_string_equal(r->attr, "");
	assert_string_equal(r->value, "engineering");
	conf_free(&c);
}

static void test_tunnel_group_map(void **state)
{
	struct conf c;

	(void)state;
	parse_ok(base, &c);
	assert_int_equal(c.n_tg_maps, 2);
	assert_string_equal(c.tg_maps[0].map, "CM");
	assert_int_equal(c.tg_maps[0].seq, 10);
	assert_string_equal(c.tg_maps[0].tunnel_group, "Sales");
	assert_string_equal(c.tg_maps[1].tunnel_group, "Eng");
	assert_int_equal(c.tgm_enable, TGM_RULES | TGM_OU);
	assert_string_equal(c.tgm_default, "Eng");
	conf_free(&c);
}

static void test_defaults(void **state)
{
	struct conf c;

	(void)state;
	parse_ok("crypto ca trustpoint T2\n fqdn none\n revocation-check none\n"
		 "tunnel-group-map 5 default-group G\ntunnel-group G type remote-access\n", &c);
	assert_int_equal(conf_trustpoint(&c, "T2")->revocation, CONF_REVOKE_NONE);
	assert_string_equal(conf_trustpoint(&c, "T2")->key_file, "");
	assert_int_equal(c.tgm_enable, 0);
	assert_string_equal(c.tgm_default, "G");
	conf_free(&c);
}

struct bad_case {
	const char *text;
	const char *err;	/* expected substring, with its position */
};

static const struct bad_case bad_cases[] = {
	{ "crypto ca trustpoint TP\n key file gw.key\n", "t.conf:2:11: 'gw.key' is a relative path" },
	{ "crypto ca trustpoint TP\n key gw.key\n", "t.conf:2:6: invalid value 'gw.key', expected file" },
	{ "crypto ca trustpoint TP\n revocation-check ocsp\n", "t.conf:2:19: invalid value 'ocsp'" },
	{ "crypto ca trustpoint TP\n enrollment terminal\n", "t.conf:2:2: 'enrollment' is not a sub-command of crypto ca trustpoint" },
	{ "crypto ca certificate map CM 0\n", "t.conf:1:30: " },
	{ "crypto ca certificate map CM 10\n subject-name attr xx eq A\n", "t.conf:2:20: invalid value 'xx'" },
	{ "crypto ca certificate map CM 10\n subject-name attr cn is A\n", "t.conf:2:23: invalid value 'is'" },
	{ "crypto ca certificate map CM 10\n subject-name eq\n", "t.conf:2:18: missing argument, expected a value to compare with" },
	{ "tunnel-group-map CM 10 G\n", "t.conf:1:18: certificate map 'CM' 10 is not defined" },
	{ "crypto ca certificate map CM 10\n subject-name eq x\ntunnel-group-map CM 10 G\n",
	  "t.conf:3:24: tunnel-group 'G' is not defined" },
	{ "crypto ca certificate map CM 10\n subject-name eq x\ntunnel-group G type remote-access\n"
	  "tunnel-group-map CM 10 G\ntunnel-group-map CM 10 G\n", "t.conf:5:21: certificate map 'CM' 10 is already mapped" },
	{ "tunnel-group-map enable all\n", "t.conf:1:25: invalid value 'all'" },
	{ "tunnel-group-map default-group NOPE\n", "t.conf:1:32: tunnel-group 'NOPE' is not defined" },
	{ "tunnel-group G type remote-access\ntunnel-group G ipsec-attributes\n ikev1 trust-point NOPE\n",
	  "t.conf:3:20: trustpoint 'NOPE' is not defined" },
	{ "crypto ca keypair X\n", "t.conf:1:11: invalid value 'keypair'" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char err[CONF_ERR];
		struct conf c;
		const struct bad_case *b = &bad_cases[i];

		if (conf_parse_text(b->text, strlen(b->text), "t.conf", &c, err, sizeof err))
			fail_msg("case %zu parsed but should fail: %s", i, b->text);
		if (!strstr(err, b->err))
			fail_msg("case %zu: got '%s', expected '%s'", i, err, b->err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trustpoint),
		cmocka_unit_test(test_certmap_rules),
		cmocka_unit_test(test_tunnel_group_map),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
