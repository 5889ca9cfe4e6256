/* poold: sticky addresses (a user gets back the address last held while
 * it is free), the lease table from db marks addresses leased before any
 * is handed out, and requests held meanwhile are served in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "../../poold/lease.h"
#include "../../poold/restore.h"

#define SID(w, n)	((uint64_t)(w) << 56 | (n))

static void small_pool(struct pool_set *s)
{
	struct conf_pool cp = { .first = inet_addr("10.9.0.1"), .last = inet_addr("10.9.0.4"),
				.mask = inet_addr("255.255.255.0") };
	struct conf c = { .pools = &cp, .n_pools = 1 };

	strcpy(cp.name, "SMALL");
	assert_int_equal(pool_set_init(s, &c), 0);
}

/* Leases for user u as IPC_LEASE would; returns the dotted address or "". */
static const char *lease(struct pool_set *s, uint64_t sid, const char *u)
{
	static char out[16];
	struct ipc_lease q = { .sid = sid };
	struct ipc_lease_ans a;
	struct in_addr in;

	strcpy(q.pool, "SMALL");
	strcpy(q.user, u);
	pool_answer_lease(s, &q, &a);
	if (a.status != 0)
		return "";
	in.s_addr = a.addr;
	return strcpy(out, inet_ntoa(in));
}

static void give_back(struct pool_set *s, uint64_t sid, const char *dotted)
{
	assert_true(pool_release(pool_find(s, "SMALL"), ntohl(inet_addr(dotted)), sid));
}

static void test_sticky_returns_previous_address(void **state)
{
	struct pool_set s;

	(void)state;
	small_pool(&s);
	assert_string_equal(lease(&s, SID(0, 1), "ann"), "10.9.0.1");
	assert_string_equal(lease(&s, SID(0, 2), "bob"), "10.9.0.2");
	give_back(&s, SID(0, 1), "10.9.0.1");
	give_back(&s, SID(0, 2), "10.9.0.2");
	/* first free would be .1: bob gets his .2 back, ann her .1 */
	assert_string_equal(lease(&s, SID(0, 3), "bob"), "10.9.0.2");
	assert_string_equal(lease(&s, SID(0, 4), "ann"), "10.9.0.1");
	pool_set_free(&s);
}

static void test_sticky_address_taken_gives_another(void **state)
{
	struct pool_set s;

	(void)state;
	small_pool(&s);
	assert_string_equal(lease(&s, SID(0, 1), "ann"), "10.9.0.1");
	give_back(&s, SID(0, 1), "10.9.0.1");
	assert_string_equal(lease(&s, SID(0, 2), "bob"), "10.9.0.1");
	assert_string_equal(lease(&s, SID(0, 3), "ann"), "10.9.0.2");
	pool_set_free(&s);
}

static void restore(struct pool_set *s, uint64_t sid, const char *dotted, const char *user,
		    int want)
{
	struct ipc_db_lease m = { .sid = sid, .addr = inet_addr(dotted), .in_use = 1 };

	strcpy(m.pool, "SMALL");
	strcpy(m.user, user);
	assert_int_equal(pool_restore_lease(s, &m, sizeof m), want);
}

static void test_table_from_db_marks_leases(void **state)
{
	struct pool_set s;
	struct ipc_db_lease end = { .sid = 0 };

	(void)state;
	small_pool(&s);
	restore(&s, SID(1, 7), "10.9.0.1", "ann", 0);
	restore(&s, SID(1, 8), "10.9.0.3", "bob", 0);
	restore(&s, SID(2, 9), "10.9.0.3", "eve", 0);	/* conflict: logged, not taken */
	assert_int_equal(pool_restore_lease(&s, &end, sizeof end), 1);
	assert_int_equal(pool_restore_lease(&s, &end, 3), -1);
	assert_int_equal(pool_find(&s, "SMALL")->used, 2);
	assert_string_equal(lease(&s, SID(0, 1), "carl"), "10.9.0.2");
	assert_string_equal(lease(&s, SID(0, 2), "dan"), "10.9.0.4");
	assert_string_equal(lease(&s, SID(0, 3), "fay"), "");	/* full */
	/* the owner and the sticky address came with the table */
	assert_string_equal(pool_owner(&s, SID(1, 8)), "bob");
	give_back(&s, SID(1, 8), "10.9.0.3");
	give_back(&s, SID(0, 2), "10.9.0.4");
	assert_string_equal(lease(&s, SID(0, 4), "bob"), "10.9.0.3");
	pool_set_free(&s);
}

static int served[8], n_served;

static void serve(void *arg, int index, uint32_t id, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	assert_int_equal(len, sizeof(struct ipc_lease));
	served[n_served++] = index * 100 + (int)id;
}

static void test_held_requests_served_in_order(void **state)
{
	struct pool_wait w = { 0 };
	struct ipc_lease q = { .sid = 1 };

	(void)state;
	n_served = 0;
	assert_true(pool_wait_add(&w, 0, 5, &q, sizeof q));
	assert_true(pool_wait_add(&w, 1, 6, &q, sizeof q));
	assert_false(pool_wait_add(&w, 1, 7, &q, sizeof q - 1));	/* malformed: not held */
	pool_wait_flush(&w, serve, NULL);
	assert_int_equal(n_served, 2);
	assert_int_equal(served[0], 5);
	assert_int_equal(served[1], 106);
	assert_int_equal(w.n, 0);
	pool_wait_flush(&w, serve, NULL);
	assert_int_equal(n_served, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sticky_returns_previous_address),
		cmocka_unit_test(test_sticky_address_taken_gives_another),
		cmocka_unit_test(test_table_from_db_marks_leases),
		cmocka_unit_test(test_held_requests_served_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
