/* lib/conf_l2l.c: extended ACLs, static crypto map entries, ipsec-l2l
 * tunnel-groups, and the lookups by peer, by traffic and by proxy IDs
 * (a subset of an ACL line is covered, a superset is not); configs that
 * would silently do nothing (an incomplete static entry, a standard ACL
 * as crypto ACL, an ACL of both types, a SEQ both static and dynamic)
 * fail with the exact file:line:col. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "ipc.h"

static const char base[] =
	"crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac\n"
	"access-list L2L extended permit ip 10.100.0.0 255.255.255.0 10.201.0.0 255.255.255.0\n"
	"access-list L2L extended permit ip host 10.100.1.5 any\n"
	"crypto map M 10 match address L2L\n"
	"crypto map M 10 set peer 10.99.0.2\n"
	"crypto map M 10 set ikev1 transform-set TS\n"
	"crypto map M 10 set pfs group14\n"
	"crypto map M 10 set security-association lifetime seconds 3600\n"
	"tunnel-group 10.99.0.2 type ipsec-l2l\n"
	"tunnel-group 10.99.0.2 ipsec-attributes\n"
	" ikev1 pre-shared-key k\n";

static void parse(const char *text, struct conf *c)
{
	char err[CONF_ERR];

	if (!conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err))
		fail_msg("unexpected error: %s", err);
}

static void test_static_entry(void **state)
{
	struct conf c;
	const struct conf_crypto_map *m;

	(void)state;
	parse(base, &c);
	m = conf_l2l_by_peer(&c, inet_addr("10.99.0.2"));
	assert_non_null(m);
	assert_int_equal(m->seq, 10);
	assert_string_equal(m->acl, "L2L");
	assert_int_equal(m->p2.n_tsets, 1);
	assert_string_equal(m->p2.tsets[0], "TS");
	assert_int_equal(m->p2.pfs_group, 14);
	assert_int_equal(m->p2.sa_lifetime_sec, 3600);
	assert_null(conf_l2l_by_peer(&c, inet_addr("10.99.0.3")));
	assert_true(conf_tunnel_group(&c, "10.99.0.2")->l2l);
	conf_free(&c);
}

struct traffic_case {
	const char *src, *dst;
	bool match;
};

static void test_by_traffic(void **state)
{
	static const struct traffic_case cases[] = {
		{ "10.100.0.1", "10.201.0.1", true },
		{ "0.0.0.0", "10.201.0.9", true },		/* source unknown */
		{ "10.100.0.1", "10.202.0.1", false },
		{ "10.100.2.1", "10.201.0.1", false },		/* source outside */
		{ "10.100.1.5", "8.8.8.8", true },		/* host ... any */
	};
	struct conf c;

	(void)state;
	parse(base, &c);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct conf_acl *acl = NULL;
		const struct conf_crypto_map *m = conf_l2l_by_traffic(&c, inet_addr(cases[i].src),
								      inet_addr(cases[i].dst), &acl);

		assert_int_equal(m != NULL, cases[i].match);
		if (m)
			assert_non_null(acl);
	}
	conf_free(&c);
}

struct id_case {
	const char *ln, *lm, *rn, *rm;
	bool covered;
};

static void test_proxy_ids(void **state)
{
	static const struct id_case cases[] = {
		{ "10.100.0.0", "255.255.255.0", "10.201.0.0", "255.255.255.0", true },
		{ "10.100.0.1", "255.255.255.255", "10.201.0.1", "255.255.255.255", true },
		{ "10.100.0.128", "255.255.255.128", "10.201.0.0", "255.255.255.0", true },
		{ "10.100.0.0", "255.255.0.0", "10.201.0.0", "255.255.255.0", false },	/* superset */
		{ "10.100.0.0", "255.255.255.0", "10.201.0.0", "255.255.0.0", false },
		{ "10.100.0.0", "255.255.255.0", "10.202.0.0", "255.255.255.0", false },
	};
	struct conf c;
	const struct conf_crypto_map *m;

	(void)state;
	parse(base, &c);
	m = conf_l2l_by_peer(&c, inet_addr("10.99.0.2"));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct id_case *t = &cases[i];

		assert_int_equal(conf_l2l_acl_covering(&c, m, inet_addr(t->ln), inet_addr(t->lm),
						       inet_addr(t->rn), inet_addr(t->rm)) != NULL,
				 t->covered);
	}
	conf_free(&c);
}

/* Good configs: entry lines in any order, a static and a dynamic entry
 * on one map, remarks in an extended ACL. */
#define TS	"crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac\n"
#define EXT	"access-list L2L extended permit ip 10.1.0.0 255.255.0.0 10.2.0.0 255.255.0.0\n"
#define STD	"access-list SPLIT standard permit 10.1.0.0 255.255.0.0\n"
#define M10	"crypto map M 10 match address L2L\ncrypto map M 10 set peer 10.9.9.9\n" \
		"crypto map M 10 set ikev1 transform-set TS\n"
#define DYN	"crypto dynamic-map D 10 set ikev1 transform-set TS\n"

static const char *const good_cases[] = {
	TS EXT M10,
	TS EXT "crypto map M 10 set pfs group14\ncrypto map M 10 set transform-set TS\n"
	       "crypto map M 10 set peer 10.9.9.9\ncrypto map M 10 match address L2L\n",
	TS EXT DYN M10 "crypto map M 65535 ipsec-isakmp dynamic D\n",
	TS DYN "crypto map M 65535 ipsec-isakmp dynamic D\n" M10 EXT,	/* ACL after its use */
	TS "access-list L2L remark to site B\n" EXT "access-list L2L remark end\n" M10,
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		struct conf c;
		char err[CONF_ERR];

		if (!conf_parse_text(good_cases[i], strlen(good_cases[i]), "t.conf", &c, err,
				     sizeof err))
			fail_msg("case %zu: %s", i, err);
		assert_non_null(conf_l2l_by_peer(&c, inet_addr("10.9.9.9")));
		conf_free(&c);
	}
}

struct bad_case {
	const char *text;
	const char *prefix;	/* exact "file:line:col:" */
	const char *err;	/* a part of the message */
};

static const struct bad_case bad_cases[] = {
	{ "access-list A extended permit tcp any any\n", "t.conf:1:31:", "invalid value 'tcp', expected ip" },
	{ "access-list A extended permit ip 10.0.0.1 255.255.255.0 any\n", "t.conf:1:34:", "host bits" },
	{ "access-list A extended permit ip any\n", "t.conf:1:38:", "missing argument" },
	{ "crypto map M 10 set peer 10.1.2\n", "t.conf:1:26:", "invalid IPv4 address" },
	{ TS EXT "crypto map M 10 match address L2L\ncrypto map M 10 set peer 10.9.9.9\n"
	  "crypto map M 10 set ikev1 transform-set NOPE\n", "t.conf:5:41:", "transform-set 'NOPE'" },
	/* an incomplete static entry: the error points at its first line's SEQ */
	{ TS EXT "crypto map M 10 set peer 10.9.9.9\ncrypto map M 10 set ikev1 transform-set TS\n",
	  "t.conf:3:14:", "crypto map M 10 has no `match address` line, expected a `crypto map M 10 match address ACL` line" },
	{ TS EXT "crypto map M 10 match address L2L\ncrypto map M 10 set ikev1 transform-set TS\n",
	  "t.conf:3:14:", "has no `set peer` line, expected a `crypto map M 10 set peer A` line" },
	{ TS EXT "crypto map M 10 set pfs group14\ncrypto map M 10 match address L2L\n"
	  "crypto map M 10 set peer 10.9.9.9\n",
	  "t.conf:3:14:", "has no `set ikev1 transform-set` line" },
	{ TS EXT M10 "crypto map LONGNAME 20 set peer 10.9.9.8\n",
	  "t.conf:6:21:", "crypto map LONGNAME 20 has no `match address` line" },
	/* match address: the ACL exists (that error first) and is extended */
	{ "crypto map M 10 match address NOPE\n", "t.conf:1:31:",
	  "access-list 'NOPE' is not defined, expected an `access-list NOPE extended permit ip SRC DST` line" },
	{ TS STD "crypto map M 10 match address SPLIT\ncrypto map M 10 set peer 10.9.9.9\n"
	  "crypto map M 10 set ikev1 transform-set TS\n", "t.conf:3:31:",
	  "access-list 'SPLIT' is standard, expected an extended access-list" },
	/* one type per access-list name */
	{ EXT "access-list L2L standard permit any\n", "t.conf:2:17:",
	  "access-list L2L has extended lines, expected extended here too" },
	{ STD "access-list SPLIT remark x\naccess-list SPLIT extended permit ip any any\n", "t.conf:3:19:",
	  "access-list SPLIT has standard lines, expected standard here too" },
	/* a SEQ is static or dynamic, in either order: the same error at SEQ */
	{ TS EXT DYN M10 "crypto map M 10 ipsec-isakmp dynamic D\n", "t.conf:7:14:",
	  "crypto map M 10 has both a dynamic entry and static entry lines, expected a sequence number of its own for each" },
	{ TS EXT DYN "crypto map M 10 ipsec-isakmp dynamic D\ncrypto map M 10 match address L2L\n",
	  "t.conf:5:14:",
	  "crypto map M 10 has both a dynamic entry and static entry lines, expected a sequence number of its own for each" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *b = &bad_cases[i];
		struct conf c;
		char err[CONF_ERR];

		if (conf_parse_text(b->text, strlen(b->text), "t.conf", &c, err, sizeof err))
			fail_msg("case %zu parsed but should fail", i);
		if (strncmp(err, b->prefix, strlen(b->prefix)) != 0 || !strstr(err, b->err))
			fail_msg("case %zu: got \"%s\", want prefix \"%s\" and \"%s\"", i, err, b->prefix,
				 b->err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_entry),
		cmocka_unit_test(test_by_traffic),
		cmocka_unit_test(test_proxy_ids),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
