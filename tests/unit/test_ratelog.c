/* Rate-limited log lines (authd/ratelog.c), used for RADIUS answers that
 * authd drops as forged or unverifiable:
 *  - per key, the first event is logged, then at most one per interval;
 *    the next logged event carries how many were held back, every event
 *    is counted (table-driven, two servers interleaved);
 *  - keys do not share a budget; a full table makes room by dropping the
 *    key logged longest ago, which then starts afresh;
 *  - threads hitting one key concurrently: every event counted, one line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../../authd/ratelog.h"

static void test_sequence(void **state)
{
	static const struct {
		const char *key;
		long long t;
		bool log;
		uint64_t held, total;
	} t[] = {
		{ "10.0.0.1", 1000, true, 0, 1 },	/* the first is logged */
		{ "10.0.0.1", 1001, false, 0, 2 },	/* then held back */
		{ "10.0.0.1", 5000, false, 1, 3 },
		{ "10.0.0.2", 5000, true, 0, 1 },	/* another server: its own budget */
		{ "10.0.0.1", 10999, false, 2, 4 },	/* 1 ms short of the interval */
		{ "10.0.0.1", 11000, true, 3, 5 },	/* logged, with 3 held back */
		{ "10.0.0.2", 6000, false, 0, 2 },
		{ "10.0.0.1", 11001, false, 0, 6 },
		{ "10.0.0.1", 60000, true, 1, 7 },	/* after a quiet spell */
		{ "10.0.0.2", 60000, true, 1, 3 },
		{ "10.0.0.2", 70000, true, 0, 4 },	/* once per interval, nothing held */
	};
	struct auth_ratelog r = AUTH_RATELOG_INIT(10000);

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t held = 99, total = 99;
		bool log = auth_ratelog_hit(&r, t[i].key, t[i].t, &held, &total);

		if (log != t[i].log || total != t[i].total || (log && held != t[i].held))
			fail_msg("step %zu (%s at %lld): log %d held %llu total %llu, want %d %llu %llu",
				 i, t[i].key, t[i].t, log, (unsigned long long)held,
				 (unsigned long long)total, t[i].log, (unsigned long long)t[i].held,
				 (unsigned long long)t[i].total);
	}
}

static void test_full_table(void **state)
{
	struct auth_ratelog r = AUTH_RATELOG_INIT(10000);
	uint64_t held, total;
	char key[32];

	(void)state;
	for (int i = 0; i < AUTH_RATELOG_KEYS; i++) {
		snprintf(key, sizeof key, "10.0.1.%d", i);
		assert_true(auth_ratelog_hit(&r, key, 1000 + i, &held, &total));
	}
	/* every key is known: a second event of each is held back */
	for (int i = 0; i < AUTH_RATELOG_KEYS; i++) {
		snprintf(key, sizeof key, "10.0.1.%d", i);
		assert_false(auth_ratelog_hit(&r, key, 2000, &held, &total));
		assert_int_equal(total, 2);
	}
	/* one more key evicts 10.0.1.0 (logged longest ago) and is logged */
	assert_true(auth_ratelog_hit(&r, "10.0.2.1", 2000, &held, &total));
	assert_int_equal(total, 1);
	assert_false(auth_ratelog_hit(&r, "10.0.1.1", 2001, &held, &total));
	assert_int_equal(total, 3);				/* kept */
	assert_true(auth_ratelog_hit(&r, "10.0.1.0", 2001, &held, &total));
	assert_int_equal(total, 1);				/* started afresh */
}

#define THREADS		4
#define PER_THREAD	5000

static struct auth_ratelog shared = AUTH_RATELOG_INIT(3600 * 1000);
static int logged[THREADS];

static void *hammer(void *arg)
{
	int *n = arg;
	uint64_t held, total;

	for (int i = 0; i < PER_THREAD; i++)
		if (auth_ratelog_hit(&shared, "10.0.0.9", 5000, &held, &total))
			(*n)++;
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[THREADS];
	uint64_t held, total;
	int lines = 0;

	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &logged[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		lines += logged[i];
	}
	assert_int_equal(lines, 1);
	assert_true(auth_ratelog_hit(&shared, "10.0.0.9", 5000 + 3600 * 1000, &held, &total));
	assert_int_equal(total, THREADS * PER_THREAD + 1);
	assert_int_equal(held, THREADS * PER_THREAD - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
