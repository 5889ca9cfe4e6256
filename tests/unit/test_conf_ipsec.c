/* lib/conf_ipsec.c's data-plane commands: AEAD transform sets (AES-GCM,
 * ChaCha20-Poly1305) and the anti-replay window, good and bad forms with
 * their exact error positions; the shipped etc/ravpn.conf keeps its
 * CBC sets first and offers the AEAD ones after them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ipc.h"

static void parse_ok(const char *text, struct conf *c)
{
	char err[CONF_ERR];

	if (!conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err))
		fail_msg("unexpected error: %s", err);
}

struct tset_case {
	const char *line;
	int enc, key_bits, auth;
};

static const struct tset_case tset_cases[] = {
	{ "esp-aes-gcm", ESP_ENC_AES_GCM_16, 128, ESP_AUTH_NONE },
	{ "esp-aes-gcm-192", ESP_ENC_AES_GCM_16, 192, ESP_AUTH_NONE },
	{ "esp-aes-gcm-256 esp-none", ESP_ENC_AES_GCM_16, 256, ESP_AUTH_NONE },
	{ "esp-none esp-aes-gcm-256", ESP_ENC_AES_GCM_16, 256, ESP_AUTH_NONE },
	{ "esp-gcm 256", ESP_ENC_AES_GCM_16, 256, ESP_AUTH_NONE },
	{ "esp-gcm", ESP_ENC_AES_GCM_16, 128, ESP_AUTH_NONE },
	{ "esp-chacha20-poly1305", ESP_ENC_CHACHA20_POLY1305, 0, ESP_AUTH_NONE },
	{ "esp-aes esp-sha256-hmac", ESP_ENC_AES_CBC, 128, ESP_AUTH_HMAC_SHA256 },
	{ "esp-aes-256 esp-sha384-hmac", ESP_ENC_AES_CBC, 256, ESP_AUTH_HMAC_SHA384 },
	{ "esp-sha512-hmac esp-aes-192", ESP_ENC_AES_CBC, 192, ESP_AUTH_HMAC_SHA512 },
};

static void test_aead_transform_sets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof tset_cases / sizeof tset_cases[0]; i++) {
		const struct tset_case *t = &tset_cases[i];
		char text[256];
		struct conf c;
		const struct conf_transform_set *ts;

		snprintf(text, sizeof text, "crypto ipsec ikev1 transform-set T %s\n", t->line);
		parse_ok(text, &c);
		ts = conf_transform_set(&c, "T");
		assert_non_null(ts);
		assert_int_equal(ts->enc, t->enc);
		assert_int_equal(ts->key_bits, t->key_bits);
		assert_int_equal(ts->auth, t->auth);
		conf_free(&c);
	}
}

struct replay_case {
	const char *text;
	int field;
	uint32_t window;
};

static const struct replay_case replay_cases[] = {
	{ "hostname h\n", 0, 64 },
	{ "crypto ipsec security-association replay window-size 1024\n", 1024, 1024 },
	{ "crypto ipsec security-association replay window-size 64\n", 64, 64 },
	{ "crypto ipsec security-association replay window-size 200\n", 200, 200 },
	{ "crypto ipsec security-association replay disable\n", -1, 0 },
	/* the last line wins, as for every global setting */
	{ "crypto ipsec security-association replay disable\n"
	  "crypto ipsec security-association replay window-size 512\n", 512, 512 },
};

static void test_replay_window(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof replay_cases / sizeof replay_cases[0]; i++) {
		struct conf c;

		parse_ok(replay_cases[i].text, &c);
		assert_int_equal(c.replay_window, replay_cases[i].field);
		assert_int_equal(conf_replay_window(&c), replay_cases[i].window);
		conf_free(&c);
	}
}

/* Phase 2 lifetimes: the map entry's own value wins over the global one,
 * which wins over the defaults; seconds and kilobytes independently. */
struct life_case {
	const char *text;
	uint32_t sec, kb;
};

#define DM "crypto dynamic-map D 1 set ikev1 transform-set T\n"
#define DMS "crypto dynamic-map D 1 set security-association lifetime "
#define GS "crypto ipsec security-association lifetime "

static const struct life_case life_cases[] = {
	{ DM, 28800, 4608000 },
	{ DM GS "seconds 3600\n", 3600, 4608000 },
	{ DM GS "kilobytes 20480\n", 28800, 20480 },
	{ DM GS "kilobytes unlimited\n", 28800, 0 },
	{ DM GS "seconds 3600\n" GS "kilobytes 20480\n", 3600, 20480 },
	{ DM GS "seconds 3600\n" DMS "seconds 60\n", 60, 4608000 },
	{ DM DMS "kilobytes 1000\n" GS "kilobytes 20480\n" GS "seconds 120\n", 120, 1000 },
	{ DM GS "kilobytes 20480\n" DMS "kilobytes unlimited\n", 28800, 0 },
};

static void test_p2_lifetimes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof life_cases / sizeof life_cases[0]; i++) {
		struct conf c;
		char text[512];

		snprintf(text, sizeof text, "crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac\n%s",
			 life_cases[i].text);
		parse_ok(text, &c);
		assert_int_equal(c.n_dynmaps, 1);
		if (conf_p2_lifetime_sec(&c, &c.dynmaps[0]) != life_cases[i].sec ||
		    conf_p2_lifetime_kb(&c, &c.dynmaps[0]) != life_cases[i].kb)
			fail_msg("case %zu: got %u s / %u KB, want %u / %u", i,
				 conf_p2_lifetime_sec(&c, &c.dynmaps[0]),
				 conf_p2_lifetime_kb(&c, &c.dynmaps[0]), life_cases[i].sec,
				 life_cases[i].kb);
		/* no map entry matched: the global value or the default */
		assert_int_equal(conf_p2_lifetime_sec(&c, NULL),
				 (c.ipsec_lifetime_set & CONF_LIFE_SEC) ? c.ipsec_lifetime_sec : 28800);
		conf_free(&c);
	}
}

struct bad_case {
	const char *text;
	const char *prefix;	/* exact "file:line:col:" */
	const char *words;	/* a part of the message */
};

#define TS "crypto ipsec ikev1 transform-set T "	/* 35 columns */
#define SA "crypto ipsec security-association "	/* 34 columns */

static const struct bad_case bad_cases[] = {
	{ TS "esp-aes-gcm esp-sha-hmac\n", "t.conf:1:48:", "combined-mode (AEAD)" },
	{ TS "esp-sha256-hmac esp-aes-gcm-256\n", "t.conf:1:52:", "combined-mode (AEAD)" },
	{ TS "esp-chacha20-poly1305 esp-md5-hmac\n", "t.conf:1:58:", "esp-none" },
	{ TS "esp-aes-gcm esp-aes\n", "t.conf:1:48:", "second encryption" },
	{ TS "esp-gcm 512\n", "t.conf:1:44:", "invalid value '512'" },
	{ TS "esp-aes-gcm-128\n", "t.conf:1:36:", "esp-aes-gcm" },
	{ SA "replay window-size 32\n", "t.conf:1:54:", "out of range" },
	{ SA "replay window-size 2048\n", "t.conf:1:54:", "out of range" },
	{ SA "replay window-size\n", "t.conf:1:", "window size" },
	{ SA "replay window-size 128 now\n", "t.conf:1:58:", "end of line" },
	{ SA "replay enable\n", "t.conf:1:42:", "window-size" },
	{ SA "replay disable now\n", "t.conf:1:50:", "end of line" },
	{ SA "frobnicate\n", "t.conf:1:35:", "replay" },
	{ SA "lifetime seconds 30\n", "t.conf:1:52:", "out of range" },
	{ SA "lifetime hours 1\n", "t.conf:1:44:", "seconds" },
	{ SA "lifetime kilobytes 5\n", "t.conf:1:54:", "out of range" },
	{ SA "lifetime kilobytes 100 now\n", "t.conf:1:58:", "end of line" },
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

/* The shipped config: vpnc's AES-256/SHA1 set stays first; the AEAD sets
 * the strongSwan client proposes are offered too. */
static void test_shipped_config_sets(void **state)
{
	static const struct { const char *name; int enc, bits, auth; } want[] = {
		{ "TS-AES256-SHA", ESP_ENC_AES_CBC, 256, ESP_AUTH_HMAC_SHA1 },
		{ "TS-AES128-GCM", ESP_ENC_AES_GCM_16, 128, ESP_AUTH_NONE },
		{ "TS-AES256-GCM", ESP_ENC_AES_GCM_16, 256, ESP_AUTH_NONE },
		{ "TS-CHACHA20-POLY1305", ESP_ENC_CHACHA20_POLY1305, 0, ESP_AUTH_NONE },
		{ "TS-AES-SHA256", ESP_ENC_AES_CBC, 128, ESP_AUTH_HMAC_SHA256 },
	};
	const char *path = "etc/ravpn.conf";
	char err[CONF_ERR];
	struct conf c;

	(void)state;
	if (!conf_parse_file(path, &c, err, sizeof err))
		fail_msg("%s: %s (run from the repository root)", path, err);
	assert_true(c.n_dynmaps >= 2);
	assert_int_equal(c.dynmaps[0].seq, 10);
	assert_string_equal(c.dynmaps[0].tsets[0], "TS-AES256-SHA");
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct conf_transform_set *ts = conf_transform_set(&c, want[i].name);
		bool in_map = false;

		assert_non_null(ts);
		assert_int_equal(ts->enc, want[i].enc);
		assert_int_equal(ts->key_bits, want[i].bits);
		assert_int_equal(ts->auth, want[i].auth);
		for (int m = 0; m < c.n_dynmaps; m++)
			for (int j = 0; j < c.dynmaps[m].n_tsets; j++)
				in_map |= strcmp(c.dynmaps[m].tsets[j], want[i].name) == 0;
		assert_true(in_map);
	}
	assert_int_equal(c.replay_window, 64);
	assert_int_equal(conf_replay_window(&c), 64);
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aead_transform_sets),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_p2_lifetimes),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_shipped_config_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
