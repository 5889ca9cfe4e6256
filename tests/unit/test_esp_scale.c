/* Issue 5: 10,000 SAs installed in an ESP worker's table cost a packet
 * the same lookup as one SA.  Measured by the table's probe counter
 * (esp_sa_probes: SAs examined per lookup), not by wall time: with 1 and
 * with 10,000 sessions (an inbound SA found by SPI, an outbound one by the
 * client's inner address), the average probes per lookup must agree
 * within 10%.  Also: every SA is found, a missing one is not, and
 * installing and removing SAs at a constant population (churn) neither
 * grows the table nor loses an SA (LeakSanitizer checks the frees). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "../../esp-worker/esp_crypt.h"
#include "../../esp-worker/sa.h"

#define MANY		10000
#define POOL_BASE	0x0ac80000u	/* 10.200.0.0, host order */
#define CHURN_ROUNDS	20000

struct session {
	uint32_t spi_in, spi_out;
	uint32_t inner;		/* host order */
};

static struct esp_sa_table tab;
static struct session sess[MANY];
static size_t n_sess;
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rand32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A random SPI as the IKE worker picks them: >= 256, unused in the table. */
static uint32_t fresh_spi(void)
{
	uint32_t spi;

	do
		spi = rand32() | 0x100;
	while (esp_sa_find_in(&tab, spi));
	return spi;
}

static void install(uint32_t spi, uint8_t dir, uint32_t inner)
{
	struct ipc_sa_add a = {
		.sid = (uint64_t)1 << 56 | inner, .spi = spi, .dir = dir, .encap = ENCAP_UDP,
		.enc = ESP_ENC_AES_GCM_16, .enc_key_len = 16 + ESP_SALT_LEN, .peer_port = 4500,
		.peer_addr = htonl(0x0a630002u), .inner_addr = htonl(inner), .replay_window = 64,
	};

	memset(a.enc_key, (int)(spi & 0xff), sizeof a.enc_key);
	assert_non_null(esp_sa_add(&tab, &a));
}

/* Session i: a fresh inbound and outbound SA for the pool's i-th address. */
static void add_session(size_t i)
{
	sess[i].inner = POOL_BASE + 1 + (uint32_t)i;
	sess[i].spi_in = fresh_spi();
	install(sess[i].spi_in, SA_IN, sess[i].inner);
	sess[i].spi_out = fresh_spi();
	install(sess[i].spi_out, SA_OUT, sess[i].inner);
}

static void del_session(size_t i)
{
	assert_int_equal(esp_sa_del(&tab, sess[i].spi_in, 0), 1);
	assert_int_equal(esp_sa_del(&tab, sess[i].spi_out, 0), 1);
}

static void fill(size_t n)
{
	for (size_t i = 0; i < n; i++)
		add_session(i);
	n_sess = n;
	assert_int_equal(tab.count, 2 * n);
}

/* Looks up both SAs of every session (each the right one) over at least
 * 20,000 lookups; returns the average SAs examined per lookup. */
static double probes_per_lookup(void)
{
	uint64_t p0 = esp_sa_probes, lookups = 0;

	for (size_t round = 0; lookups < 20000; round++)
		for (size_t i = 0; i < n_sess; i++) {
			struct esp_sa *in = esp_sa_find_in(&tab, sess[i].spi_in);
			struct esp_sa *out = esp_sa_find_out(&tab, htonl(sess[i].inner));

			assert_non_null(in);
			assert_non_null(out);
			assert_int_equal(in->dir, SA_IN);
			assert_int_equal(in->inner_addr, htonl(sess[i].inner));
			assert_int_equal(out->spi, sess[i].spi_out);
			lookups += 2;
		}
	return (double)(esp_sa_probes - p0) / (double)lookups;
}

static int setup(void **state)
{
	(void)state;
	assert_true(esp_crypto_init());
	esp_sa_table_init(&tab);
	n_sess = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	esp_sa_table_clear(&tab);
	assert_null(tab.all);
	return 0;
}

static void test_lookup_cost_flat(void **state)
{
	double one, many;

	(void)state;
	fill(1);
	one = probes_per_lookup();
	esp_sa_table_clear(&tab);
	fill(MANY);
	many = probes_per_lookup();
	print_message("# probes per lookup: 1 SA %.3f, %d SAs %.3f\n", one, MANY, many);
	assert_true(one >= 1.0);
	assert_true(many <= one * 1.10);
}

static void test_missing_not_found(void **state)
{
	(void)state;
	fill(MANY);
	for (size_t i = 0; i < n_sess; i++) {
		/* an outbound SPI is not an inbound SA and the reverse */
		assert_null(esp_sa_find_in(&tab, sess[i].spi_out));
		assert_null(esp_sa_find_in(&tab, fresh_spi()));
	}
	assert_null(esp_sa_find_out(&tab, htonl(POOL_BASE + MANY + 1)));
	assert_null(esp_sa_find_out(&tab, htonl(POOL_BASE)));
	del_session(7);
	assert_null(esp_sa_find_in(&tab, sess[7].spi_in));
	assert_null(esp_sa_find_out(&tab, htonl(sess[7].inner)));
	assert_non_null(esp_sa_find_out(&tab, htonl(sess[8].inner)));
}

/* Rekey-like churn at a constant 10,000 sessions: the table keeps its
 * size and its lookup cost, and removing everything leaves it empty. */
static void test_churn(void **state)
{
	unsigned bits;
	double before, after;

	(void)state;
	fill(MANY);
	bits = tab.bits;
	before = probes_per_lookup();
	for (size_t r = 0; r < CHURN_ROUNDS; r++) {
		size_t i = rand32() % MANY;

		del_session(i);
		add_session(i);
		assert_int_equal(tab.count, 2 * MANY);
	}
	after = probes_per_lookup();
	print_message("# after %d re-installs: %.3f probes per lookup (%.3f before)\n",
		      CHURN_ROUNDS, after, before);
	assert_int_equal(tab.bits, bits);
	assert_true(after <= before * 1.10);
	for (size_t i = 0; i < MANY; i++)
		del_session(i);
	assert_int_equal(tab.count, 0);
	assert_null(tab.all);
	for (size_t b = 0; b < (size_t)1 << tab.bits; b++) {
		assert_null(tab.by_spi[b]);
		assert_null(tab.by_inner[b]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_cost_flat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
