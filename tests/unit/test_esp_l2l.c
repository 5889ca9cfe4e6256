/* LAN-to-LAN SAs in the ESP worker (esp-worker/l2l.c): outbound lookup of
 * a destination inside a remote network (longest prefix, newest SA of a
 * prefix, /32 SAs first, gone after delete), and the inbound rule that
 * the decrypted source lies inside the SA's remote network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "buf.h"
#include "../../esp-worker/esp_crypt.h"
#include "../../esp-worker/l2l.h"
#include "../../esp-worker/sa.h"

#include "esp_table_fixture.h"

/* net and mask as dotted strings; mask NULL: a /32 remote-access SA */
static struct esp_sa *add(uint8_t dir, uint32_t spi, const char *net, const char *mask)
{
	struct ipc_sa_add a = {
		.sid = 0x42, .spi = spi, .dir = dir, .encap = ENCAP_NONE,
		.enc = ESP_ENC_AES_CBC, .auth = ESP_AUTH_HMAC_SHA1, .enc_key_len = 16,
		.auth_key_len = 20, .peer_addr = inet_addr("10.99.0.2"), .replay_window = 64,
	};

	a.inner_addr = inet_addr(net);
	a.inner_mask = mask ? inet_addr(mask) : 0;
	for (int i = 0; i < 64; i++)
		a.enc_key[i] = a.auth_key[i] = (uint8_t)(i * 5 + 1);
	return esp_sa_add(tab, &a);
}

static uint32_t spi_for(const char *dst)
{
	struct esp_sa *s = esp_sa_find_out(tab, inet_addr(dst));

	return s ? s->spi : 0;
}

struct route_case {
	const char *dst;
	uint32_t spi;		/* 0: no SA */
};

static void test_outbound_prefixes(void **state)
{
	static const struct route_case cases[] = {
		{ "10.201.0.1", 0x1000 },	/* inside the /24 */
		{ "10.201.0.254", 0x1000 },
		{ "10.201.7.9", 0x2000 },	/* only the /16 holds it */
		{ "10.201.0.77", 0x3000 },	/* a /32 remote-access SA wins */
		{ "10.202.0.1", 0 },
		{ "192.168.1.1", 0 },
	};

	(void)state;
	assert_non_null(add(SA_OUT, 0x2000, "10.201.0.0", "255.255.0.0"));
	assert_non_null(add(SA_OUT, 0x1000, "10.201.0.0", "255.255.255.0"));
	assert_non_null(add(SA_OUT, 0x3000, "10.201.0.77", NULL));
	assert_int_equal(tab->n_l2l, 2);	/* the /32 is not a network SA */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(spi_for(cases[i].dst), cases[i].spi);
}

static void test_newest_wins_and_delete(void **state)
{
	(void)state;
	assert_non_null(add(SA_OUT, 0x1000, "10.201.0.0", "255.255.255.0"));
	assert_non_null(add(SA_OUT, 0x1001, "10.201.0.0", "255.255.255.0"));	/* a rekey */
	assert_int_equal(spi_for("10.201.0.9"), 0x1001);
	assert_int_equal(esp_sa_del(tab, 0x1001, 0), 1);
	assert_int_equal(spi_for("10.201.0.9"), 0x1000);
	assert_int_equal(esp_sa_del(tab, 0x1000, 0), 1);
	assert_int_equal(spi_for("10.201.0.9"), 0);
	assert_int_equal(tab->n_l2l, 0);
}

static size_t mk_inner(uint8_t *buf, size_t len, const char *src, const char *dst)
{
	struct wbuf w;

	wbuf_init(&w, buf, len);
	wbuf_u8(&w, 0x45);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)len);
	wbuf_u32(&w, 0x00010000);
	wbuf_u32(&w, 0x40110000);
	wbuf_u32(&w, ntohl(inet_addr(src)));
	wbuf_u32(&w, ntohl(inet_addr(dst)));
	for (size_t i = 20; i < len; i++)
		wbuf_u8(&w, (uint8_t)i);
	assert_true(wbuf_ok(&w));
	return len;
}

struct spoof_case {
	const char *src;
	bool ok;
};

/* Inbound: a source inside 10.201.0.0/24 opens; one outside is a spoof. */
static void test_inbound_source_in_network(void **state)
{
	static const struct spoof_case cases[] = {
		{ "10.201.0.1", true }, { "10.201.0.200", true },
		{ "10.201.1.1", false }, { "10.100.0.1", false },
	};
	uint8_t inner[100], esp[256], back[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct esp_sa *out = add(SA_OUT, 0x5000 + (uint32_t)i, "10.201.0.0", "255.255.255.0");
		struct esp_sa *in = add(SA_IN, 0x5000 + (uint32_t)i, "10.201.0.0", "255.255.255.0");
		enum esp_verdict v = ESP_OK;
		size_t n = mk_inner(inner, sizeof inner, cases[i].src, "10.100.0.1");
		int elen = esp_encrypt(out, inner, n, esp, sizeof esp);

		assert_true(elen > 0);
		if (cases[i].ok) {
			assert_int_equal(esp_decrypt(in, esp, (size_t)elen, back, sizeof back, &v), (int)n);
		} else {
			assert_int_equal(esp_decrypt(in, esp, (size_t)elen, back, sizeof back, &v), -1);
			assert_int_equal(v, ESP_DROP_SPOOF);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outbound_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_wins_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbound_source_in_network, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
