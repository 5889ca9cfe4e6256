/* Quick mode lifetimes (ike-worker/proposal.c): the client's seconds and
 * kilobytes (SA life type 1 and 2, basic or variable-length durations)
 * against the map entry's or the global `security-association lifetime`:
 * the shorter wins, and a lowered value is flagged for RESPONDER-LIFETIME.
 * A client without a kilobyte lifetime gets ours, without the notify. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "ipc.h"
#include "../../ike-worker/proposal.h"

struct life_case {
	const char *conf_lines;		/* after the transform set and map entry */
	uint32_t c_sec, c_kb;		/* client's proposal; 0 = attribute absent */
	bool kb_var;			/* kilobytes as a variable-length attribute */
	uint32_t sec, kb;		/* chosen */
	bool sec_low, kb_low;
};

#define G "crypto ipsec security-association lifetime "
#define M "crypto dynamic-map D 1 set security-association lifetime "

static const struct life_case cases[] = {
	{ "", 28800, 0, false, 28800, 4608000, false, false },
	{ "", 0, 0, false, 28800, 4608000, false, false },
	{ "", 28800, 5000000, true, 28800, 4608000, false, true },
	{ G "seconds 60\n" G "kilobytes 20480\n", 60, 1000, false, 60, 1000, false, false },
	{ G "seconds 60\n" G "kilobytes 20480\n", 3600, 50000, true, 60, 20480, true, true },
	{ G "kilobytes 20480\n" M "kilobytes 10000\n", 3600, 50000, true, 3600, 10000, false, true },
	{ M "kilobytes unlimited\n", 3600, 0, false, 3600, 0, false, false },
	{ M "kilobytes unlimited\n", 3600, 100, false, 3600, 100, false, false },
	{ M "seconds 120\n", 86400, 4608000, true, 120, 4608000, true, false },
};

static void attr_basic(struct wbuf *w, uint16_t type, uint16_t v)
{
	wbuf_u16(w, 0x8000 | type);
	wbuf_u16(w, v);
}

static void attr_var32(struct wbuf *w, uint16_t type, uint32_t v)
{
	wbuf_u16(w, type);
	wbuf_u16(w, 4);
	wbuf_u32(w, v);
}

/* One ESP proposal with one AES-128-CBC/HMAC-SHA1 tunnel transform. */
static size_t build_sa(uint8_t *buf, size_t cap, const struct life_case *c)
{
	struct wbuf w;
	size_t prop, tf;

	wbuf_init(&w, buf, cap);
	wbuf_u32(&w, 1);		/* DOI IPsec */
	wbuf_u32(&w, 1);		/* SIT_IDENTITY_ONLY */
	prop = w.len;
	wbuf_u32(&w, 0);		/* next, reserved, length (below) */
	wbuf_u8(&w, 1);
	wbuf_u8(&w, 3);			/* PROTO_IPSEC_ESP */
	wbuf_u8(&w, 4);
	wbuf_u8(&w, 1);
	wbuf_u32(&w, 0x12345678);
	tf = w.len;
	wbuf_u32(&w, 0);
	wbuf_u8(&w, 1);
	wbuf_u8(&w, 12);		/* ESP_AES */
	wbuf_u16(&w, 0);
	if (c->c_sec) {
		attr_basic(&w, 1, 1);
		attr_var32(&w, 2, c->c_sec);
	}
	if (c->c_kb) {
		attr_basic(&w, 1, 2);
		if (c->kb_var || c->c_kb > 0xffff)
			attr_var32(&w, 2, c->c_kb);
		else
			attr_basic(&w, 2, (uint16_t)c->c_kb);
	}
	attr_basic(&w, 4, 1);		/* tunnel */
	attr_basic(&w, 5, 2);		/* HMAC-SHA1 */
	attr_basic(&w, 6, 128);
	wbuf_put_u16_at(&w, tf + 2, (uint16_t)(w.len - tf));
	wbuf_put_u16_at(&w, prop + 2, (uint16_t)(w.len - prop));
	assert_true(wbuf_ok(&w));
	return w.len;
}

static void test_p2_lifetimes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct life_case *c = &cases[i];
		char text[1024], err[CONF_ERR];
		uint8_t sa[256];
		size_t len = build_sa(sa, sizeof sa, c);
		struct p2_choice ch;
		struct conf conf;

		snprintf(text, sizeof text, "crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac\n"
			 "crypto dynamic-map D 1 set ikev1 transform-set T\n%s", c->conf_lines);
		if (!conf_parse_text(text, strlen(text), "t.conf", &conf, err, sizeof err))
			fail_msg("case %zu: %s", i, err);
		if (!prop_select_p2(sa, len, &conf, &ch))
			fail_msg("case %zu: no proposal chosen", i);
		if (ch.lifetime != c->sec || ch.lifetime_kb != c->kb ||
		    ch.lifetime_lowered != c->sec_low || ch.lifetime_kb_lowered != c->kb_low)
			fail_msg("case %zu: got %u s%s / %u KB%s, want %u s%s / %u KB%s", i,
				 ch.lifetime, ch.lifetime_lowered ? " (lowered)" : "", ch.lifetime_kb,
				 ch.lifetime_kb_lowered ? " (lowered)" : "", c->sec,
				 c->sec_low ? " (lowered)" : "", c->kb, c->kb_low ? " (lowered)" : "");
		conf_free(&conf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p2_lifetimes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
