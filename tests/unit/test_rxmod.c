/* esp-worker/rxmod.c: a round of drains waits only while packets stream
 * in (it is the second round in a row to begin less than four waits after
 * the one before: a ping's answer, close after its request, is not
 * delayed) and the previous round took fewer than ESP_RXMOD_ENOUGH
 * packets; never with moderation off or on the first wake-up.
 * esp_rxmod_wake really waits and counts the wait. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "../../esp-worker/rxmod.h"

#define US	1000u

static void test_should_wait_table(void **state)
{
	static const struct {
		unsigned usecs;
		uint64_t last, now;
		unsigned got, close;
		bool want;
		const char *why;
	} cases[] = {
		{ 100, 1000 * US, 1010 * US, 1, 1, true, "streaming: 10 us since the last round" },
		{ 100, 1000 * US, 1399 * US, 1, 1, true, "just under four waits" },
		{ 100, 1000 * US, 1400 * US, 1, 1, false, "four waits: a quiet spell" },
		{ 100, 1000 * US, 2000 * US, 1, 1, false, "1 ms quiet: a ping goes at once" },
		{ 100, 1000 * US, 1010 * US, ESP_RXMOD_ENOUGH - 1, 1, true, "a small batch" },
		{ 100, 1000 * US, 1010 * US, ESP_RXMOD_ENOUGH, 1, false, "batched well already" },
		{ 100, 1000 * US, 1010 * US, 500, 1, false, "a backed-up queue" },
		{ 0, 1000 * US, 1010 * US, 1, 1, false, "rx-usecs 0: off" },
		{ 100, 0, 1010 * US, 1, 1, false, "first wake-up" },
		{ 100, 2000 * US, 1000 * US, 1, 1, false, "clock went back" },
		{ 20, 1000 * US, 1079 * US, 1, 1, true, "20 us: within 80 us" },
		{ 20, 1000 * US, 1080 * US, 1, 1, false, "20 us: 80 us is quiet" },
		{ 100, 1000 * US, 1010 * US, 1, 0, false, "close, but the first close round: a ping's answer" },
		{ 100, 1000 * US, 1010 * US, 1, 5, true, "a long streak" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct esp_rxmod m = { .last_wake = cases[i].last, .got = cases[i].got,
					.close_rounds = cases[i].close };

		esp_rxmod_set(&m, cases[i].usecs);
		if (esp_rxmod_should_wait(&m, cases[i].now) != cases[i].want)
			fail_msg("case %zu (%s): want %d", i, cases[i].why, cases[i].want);
	}
}

/* The drains of a round add up; the next wake-up starts a new count. */
static void test_drained_adds_up(void **state)
{
	struct esp_rxmod m = { 0 };

	(void)state;
	esp_rxmod_set(&m, 100);
	esp_rxmod_drained(&m, 10);
	esp_rxmod_drained(&m, 5);
	assert_int_equal(m.got, 15);
	esp_rxmod_drained(&m, 1);
	assert_int_equal(m.got, ESP_RXMOD_ENOUGH);
	assert_false(esp_rxmod_wake(&m));	/* first wake-up: no wait */
	assert_int_equal(m.got, 0);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Three wake-ups back to back: the third waits (at least the wait) and is
 * counted; after a round that took enough packets the next one does not
 * wait. */
static void test_wake_waits(void **state)
{
	struct esp_rxmod m = { 0 };
	uint64_t t0;

	(void)state;
	esp_rxmod_set(&m, 200);
	assert_false(esp_rxmod_wake(&m));
	assert_false(esp_rxmod_wake(&m));	/* the first close round: not yet */
	t0 = now_ns();
	assert_true(esp_rxmod_wake(&m));
	assert_true(now_ns() - t0 >= 200 * US);
	assert_int_equal(m.waits, 1);
	esp_rxmod_drained(&m, ESP_RXMOD_ENOUGH);
	assert_false(esp_rxmod_wake(&m));
	assert_int_equal(m.waits, 1);
	esp_rxmod_set(&m, 0);
	assert_false(esp_rxmod_wake(&m));
	assert_int_equal(m.waits, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_should_wait_table),
		cmocka_unit_test(test_drained_adds_up),
		cmocka_unit_test(test_wake_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
