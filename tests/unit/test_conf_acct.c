/* RADIUS accounting and dynamic authorization in the config:
 * interim-accounting-update (ASA hours and ravpn's seconds form),
 * dynamic-authorization [port N] and a tunnel-group's
 * accounting-server-group, good and bad forms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define AAA "aaa-server R protocol radius\n"

struct interim_case {
	const char *line;
	uint32_t secs;
	bool dae;
	uint16_t port;
};

static const struct interim_case good[] = {
	{ "", 0, false, 0 },
	{ " interim-accounting-update\n", 0, false, 0 },
	{ " interim-accounting-update periodic\n", 24 * 3600, false, 0 },
	{ " interim-accounting-update periodic 2\n", 2 * 3600, false, 0 },
	{ " interim-accounting-update seconds 5\n", 5, false, 0 },
	{ " dynamic-authorization\n", 0, true, 3799 },
	{ " dynamic-authorization port 1700\n interim-accounting-update seconds 60\n", 60, true, 1700 },
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[512], err[CONF_ERR];
		struct conf c;

		snprintf(text, sizeof text, AAA "%s", good[i].line);
		if (!conf_parse_text(text, strlen(text), "t.conf", &c, err, sizeof err))
			fail_msg("case %zu: %s", i, err);
		const struct conf_aaa_server *a = conf_aaa_server(&c, "R");

		assert_non_null(a);
		assert_int_equal(a->interim_secs, good[i].secs);
		assert_int_equal(a->dae, good[i].dae);
		assert_int_equal(a->dae_port, good[i].port);
		conf_free(&c);
	}
}

struct bad_case {
	const char *text, *where, *what;
};

static const struct bad_case bad[] = {
	{ AAA " interim-accounting-update periodic 0\n", "t.conf:2:37:", "out of range" },
	{ AAA " interim-accounting-update hourly\n", "t.conf:2:28:", "expected periodic or seconds" },
	{ AAA " interim-accounting-update seconds\n", "t.conf:2:", "interval in seconds" },
	{ AAA " dynamic-authorization port 0\n", "t.conf:2:29:", "out of range" },
	{ AAA " dynamic-authorization 3799\n", "t.conf:2:24:", "expected port" },
	{ AAA "aaa-server R host 1.2.3.4\n dynamic-authorization\n", "t.conf:3:2:",
	  "server-group setting" },
	{ "ip local pool P 10.0.0.1-10.0.0.9 mask 255.255.255.0\n"
	  "tunnel-group G type remote-access\ntunnel-group G general-attributes\n"
	  " accounting-server-group NOPE\n", "t.conf:4:26:", "aaa-server group 'NOPE'" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[CONF_ERR];
		struct conf c;

		if (conf_parse_text(bad[i].text, strlen(bad[i].text), "t.conf", &c, err, sizeof err))
			fail_msg("case %zu parsed", i);
		if (!strstr(err, bad[i].where) || !strstr(err, bad[i].what))
			fail_msg("case %zu: %s", i, err);
	}
}

static void test_tunnel_group_acct(void **state)
{
	static const char text[] = AAA
		"tunnel-group G type remote-access\ntunnel-group G general-attributes\n"
		" accounting-server-group R\n";
	char err[CONF_ERR];
	struct conf c;

	(void)state;
	if (!conf_parse_text(text, strlen(text), "t.conf", &c, err, sizeof err))
		fail_msg("%s", err);
	assert_string_equal(conf_tunnel_group(&c, "G")->acct_server_group, "R");
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_tunnel_group_acct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
