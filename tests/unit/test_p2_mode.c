/* Quick mode ENCAPSULATION-MODE against the transform sets' `mode`
 * (ike-worker/proposal.c): tunnel (1), UDP-Tunnel (3, 61443) only with a
 * tunnel-mode set, transport (2), UDP-Transport (4, 61444) only with a
 * `mode transport` set, unknown values never; the choice says which. */
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

static const char TUNNEL_ONLY[] =
	"crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac\n"
	"crypto dynamic-map D 1 set ikev1 transform-set T\n";
static const char TRANSPORT_ONLY[] =
	"crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac\n mode transport\n"
	"crypto dynamic-map D 1 set ikev1 transform-set T\n";
static const char BOTH[] =
	"crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac\n"
	"crypto ipsec ikev1 transform-set X esp-aes esp-sha-hmac\n"
	"crypto ipsec ikev1 transform-set X mode transport\n"
	"crypto dynamic-map D 1 set ikev1 transform-set T X\n";

struct mode_case {
	const char *conf;
	uint16_t encap;
	bool chosen, transport;
};

static const struct mode_case cases[] = {
	{ TUNNEL_ONLY, 1, true, false },
	{ TUNNEL_ONLY, 3, true, false },
	{ TUNNEL_ONLY, 61443, true, false },
	{ TUNNEL_ONLY, 2, false, false },
	{ TUNNEL_ONLY, 4, false, false },
	{ TUNNEL_ONLY, 61444, false, false },
	{ TRANSPORT_ONLY, 2, true, true },
	{ TRANSPORT_ONLY, 4, true, true },
	{ TRANSPORT_ONLY, 61444, true, true },
	{ TRANSPORT_ONLY, 1, false, false },
	{ TRANSPORT_ONLY, 3, false, false },
	{ BOTH, 1, true, false },
	{ BOTH, 2, true, true },
	{ BOTH, 4, true, true },
	{ BOTH, 5, false, false },
	{ BOTH, 0, false, false },
};

/* One ESP proposal, one AES-128-CBC/HMAC-SHA1 transform in mode encap. */
static size_t build_sa(uint8_t *buf, size_t cap, uint16_t encap)
{
	struct wbuf w;
	size_t prop, tf;

	wbuf_init(&w, buf, cap);
	wbuf_u32(&w, 1);		/* DOI IPsec */
	wbuf_u32(&w, 1);		/* SIT_IDENTITY_ONLY */
	prop = w.len;
	wbuf_u32(&w, 0);
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
	if (encap) {
		wbuf_u16(&w, 0x8000 | 4);
		wbuf_u16(&w, encap);
	}
	wbuf_u16(&w, 0x8000 | 5);	/* HMAC-SHA1 */
	wbuf_u16(&w, 2);
	wbuf_u16(&w, 0x8000 | 6);
	wbuf_u16(&w, 128);
	wbuf_put_u16_at(&w, tf + 2, (uint16_t)(w.len - tf));
	wbuf_put_u16_at(&w, prop + 2, (uint16_t)(w.len - prop));
	assert_true(wbuf_ok(&w));
	return w.len;
}

static void test_p2_modes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct mode_case *c = &cases[i];
		char err[CONF_ERR];
		uint8_t sa[256];
		size_t len = build_sa(sa, sizeof sa, c->encap);
		struct p2_choice ch;
		struct conf conf;
		bool got;

		if (!conf_parse_text(c->conf, strlen(c->conf), "t.conf", &conf, err, sizeof err))
			fail_msg("case %zu: %s", i, err);
		got = prop_select_p2(sa, len, &conf, &ch);
		if (got != c->chosen || (got && ch.transport != c->transport))
			fail_msg("case %zu (mode %u): chosen %d transport %d, want %d %d", i, c->encap,
				 got, got && ch.transport, c->chosen, c->transport);
		if (got)
			assert_int_equal(ch.encap_mode, c->encap);
		conf_free(&conf);
	}
}

static void test_transport_mode_values(void **state)
{
	(void)state;
	assert_true(prop_transport_mode(2));
	assert_true(prop_transport_mode(4));
	assert_true(prop_transport_mode(61444));
	assert_false(prop_transport_mode(1));
	assert_false(prop_transport_mode(3));
	assert_false(prop_transport_mode(61443));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p2_modes),
		cmocka_unit_test(test_transport_mode_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
