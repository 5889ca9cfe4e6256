/* lib/conf_l2l.c: extended ACLs, static crypto map entries, ipsec-l2l
 * tunnel-groups, and the lookups by peer, by traffic and by proxy IDs
 * (a subset of an ACL line is covered, a superset is not). */
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
	"crypto map M 20 match address L2L\n"		/* incomplete: no peer */
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

struct bad_case {
	const char *text;
	const char *err;
};

static void test_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "access-list A extended permit tcp any any\n", "t.conf:1:31: invalid value 'tcp', expected ip" },
		{ "access-list A extended permit ip 10.0.0.1 255.255.255.0 any\n", "host bits" },
		{ "access-list A extended permit ip any\n", "t.conf:1:38: missing argument" },
		{ "crypto map M 10 match address NOPE\n", "access-list 'NOPE' is not defined" },
		{ "crypto map M 10 set peer 10.1.2\n", "t.conf:1:26: invalid IPv4 address" },
		{ "crypto map M 10 set ikev1 transform-set NOPE\n", "transform-set 'NOPE'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conf c;
		char err[CONF_ERR];

		assert_false(conf_parse_text(cases[i].text, strlen(cases[i].text), "t.conf", &c, err,
					     sizeof err));
		if (!strstr(err, cases[i].err))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_entry),
		cmocka_unit_test(test_by_traffic),
		cmocka_unit_test(test_proxy_ids),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
