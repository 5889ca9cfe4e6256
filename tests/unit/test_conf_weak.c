/* lib/conf_weak.c: every weak algorithm an operator can configure is
 * named with the object it sits in, strong ones are not, and the count
 * is right even when the caller's array is smaller. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conf.h"

static void parse_ok(const char *text, struct conf *c)
{
	char err[CONF_ERR];

	if (!conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err))
		fail_msg("unexpected error: %s", err);
}

struct weak_case {
	const char *conf;
	const char *want;	/* the one line expected; NULL: none */
};

/* A complete static (LAN-to-LAN) crypto map entry M 10. */
#define L2L	"crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac\n" \
		"access-list A extended permit ip 10.1.0.0 255.255.0.0 10.2.0.0 255.255.0.0\n" \
		"crypto map M 10 match address A\ncrypto map M 10 set peer 10.9.9.9\n" \
		"crypto map M 10 set ikev1 transform-set T\n"

static const struct weak_case cases[] = {
	{ "crypto ikev1 policy 10\n encryption des\n", "crypto ikev1 policy 10: encryption des (56-bit key) is weak" },
	{ "crypto ikev1 policy 20\n group 1\n", "crypto ikev1 policy 20: group 1 (768-bit MODP) is weak" },
	{ "crypto ikev1 policy 30\n hash md5\n", "crypto ikev1 policy 30: hash md5 is weak" },
	{ "crypto ikev1 policy 40\n encryption aes-256\n hash sha256\n group 14\n", NULL },
	{ "crypto ikev1 policy 50\n", NULL },	/* ASA defaults: 3des, sha, group 2 */
	{ "crypto ipsec ikev1 transform-set T esp-des esp-sha-hmac\n", "transform-set T: esp-des (56-bit key) is weak" },
	{ "crypto ipsec ikev1 transform-set T esp-null esp-sha-hmac\n", "transform-set T: esp-null sends traffic unencrypted" },
	{ "crypto ipsec ikev1 transform-set T esp-aes esp-md5-hmac\n", "transform-set T: esp-md5-hmac is weak" },
	{ "crypto ipsec ikev1 transform-set T esp-aes esp-none\n", "transform-set T: esp-none leaves traffic unauthenticated" },
	{ "crypto ipsec ikev1 transform-set T esp-aes-gcm\n", NULL },
	{ "crypto ipsec ikev1 transform-set T esp-chacha20-poly1305\n", NULL },
	{ "crypto ipsec ikev1 transform-set T esp-aes-256 esp-sha256-hmac\n", NULL },
	{ "crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac\n"
	  "crypto dynamic-map D 10 set ikev1 transform-set T\n"
	  "crypto dynamic-map D 10 set pfs group1\n", "crypto dynamic-map D 10: set pfs group1 (768-bit MODP) is weak" },
	{ L2L "crypto map M 10 set pfs group1\n", "crypto map M 10: set pfs group1 (768-bit MODP) is weak" },
	{ L2L "crypto map M 10 set pfs group14\n", NULL },
	{ L2L "crypto map M 10 set pfs\n", NULL },	/* ASA default for plain pfs: group 2 */
	{ L2L "crypto dynamic-map D 10 set ikev1 transform-set T\n"	/* a dynamic entry of the map */
	  "crypto map M 65535 ipsec-isakmp dynamic D\n", NULL },
};

static void test_each_weak_algorithm_named(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[4][CONF_WEAK_LEN];
		struct conf c;
		int n;

		parse_ok(cases[i].conf, &c);
		n = conf_weak_algorithms(&c, out, 4);
		if (!cases[i].want) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 1);
			assert_string_equal(out[0], cases[i].want);
		}
		conf_free(&c);
	}
}

/* Three weak choices in one policy, an array of one: all are counted,
 * only the first is written. */
static void test_count_exceeds_array(void **state)
{
	(void)state;
	char out[1][CONF_WEAK_LEN];
	struct conf c;

	parse_ok("crypto ikev1 policy 10\n encryption des\n hash md5\n group 1\n", &c);
	assert_int_equal(conf_weak_algorithms(&c, out, 1), 3);
	assert_string_equal(out[0], "crypto ikev1 policy 10: encryption des (56-bit key) is weak");
	assert_int_equal(conf_weak_algorithms(&c, NULL, 0), 3);
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_weak_algorithm_named),
		cmocka_unit_test(test_count_exceeds_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
