/* esp-worker/rxmod.c: a round of drains waits only while packets stream
 * in (the previous round began less than four waits ago) and the previous
 * round emptied its queues without hitting a batch limit; never with
 * moderation off or on the first wake-up.  esp_rxmod_wake really waits
 * and counts the wait. */
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
		bool backlog, want;
		const char *why;
	} cases[] = {
		{ 100, 1000 * US, 1010 * US, false, true, "streaming: 10 us since the last round" },
		{ 100, 1000 * US, 1399 * US, false, true, "just under four waits" },
		{ 100, 1000 * US, 1400 * US, false, false, "four waits: a quiet spell" },
		{ 100, 1000 * US, 2000 * US, false, false, "1 ms quiet: a ping goes at once" },
		{ 100, 1000 * US, 1010 * US, true, false, "backlog: batches already full" },
		{ 0, 1000 * US, 1010 * US, false, false, "rx-usecs 0: off" },
		{ 100, 0, 1010 * US, false, false, "first wake-up" },
		{ 100, 2000 * US, 1000 * US, false, false, "clock went back" },
		{ 20, 1000 * US, 1079 * US, false, true, "20 us: within 80 us" },
		{ 20, 1000 * US, 1080 * US, false, false, "20 us: 80 us is quiet" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct esp_rxmod m = { .last_wake = cases[i].last, .backlog = cases[i].backlog };

		esp_rxmod_set(&m, cases[i].usecs);
		if (esp_rxmod_should_wait(&m, cases[i].now) != cases[i].want)
			fail_msg("case %zu (%s): want %d", i, cases[i].why, cases[i].want);
	}
}

/* A drain that fills its batch marks a backlog; the next wake-up clears it. */
static void test_drained_marks_backlog(void **state)
{
	struct esp_rxmod m = { 0 };

	(void)state;
	esp_rxmod_set(&m, 100);
	esp_rxmod_drained(&m, 31, 32);
	assert_false(m.backlog);
	esp_rxmod_drained(&m, 32, 32);
	assert_true(m.backlog);
	esp_rxmod_drained(&m, 1, 64);
	assert_true(m.backlog);		/* one full drain in the round is enough */
	assert_false(esp_rxmod_wake(&m));	/* first wake-up: no wait */
	assert_false(m.backlog);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Two wake-ups back to back: the second waits (at least the wait) and is
 * counted; after a backlog the next one does not wait. */
static void test_wake_waits(void **state)
{
	struct esp_rxmod m = { 0 };
	uint64_t t0;

	(void)state;
	esp_rxmod_set(&m, 200);
	assert_false(esp_rxmod_wake(&m));
	t0 = now_ns();
	assert_true(esp_rxmod_wake(&m));
	assert_true(now_ns() - t0 >= 200 * US);
	assert_int_equal(m.waits, 1);
	esp_rxmod_drained(&m, 32, 32);
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
		cmocka_unit_test(test_drained_marks_backlog),
		cmocka_unit_test(test_wake_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
