/* poold: the allocator hands out the first free usable address, skips
 * network and broadcast addresses, reuses freed ones, and the handlers
 * answer with the request id and tell db. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../poold/lease.h"

#define SID(w, n)	((uint64_t)(w) << 56 | (n))

static uint32_t h(const char *dotted)
{
	return ntohl(inet_addr(dotted));
}

/* Builds a one- or two-pool set from (name, first, last, mask) rows. */
static void make_set(struct pool_set *s, const char *rows[][4], int n)
{
	struct conf_pool cp[4];
	struct conf c = { .pools = cp, .n_pools = n };

	memset(cp, 0, sizeof cp);
	for (int i = 0; i < n; i++) {
		strcpy(cp[i].name, rows[i][0]);
		cp[i].first = inet_addr(rows[i][1]);
		cp[i].last = inet_addr(rows[i][2]);
		cp[i].mask = inet_addr(rows[i][3]);
	}
	assert_int_equal(pool_set_init(s, &c), 0);
}

static void one_pool(struct pool_set *s, const char *first, const char *last, const char *mask)
{
	const char *rows[1][4] = { { "P", first, last, mask } };

	make_set(s, rows, 1);
}

static void test_first_free_and_exhaustion(void **state)
{
	struct pool_set s;
	uint32_t a;

	(void)state;
	one_pool(&s, "10.1.1.10", "10.1.1.12", "255.255.255.0");
	struct pool *p = pool_find(&s, "P");
	assert_non_null(p);
	assert_int_equal(pool_alloc(p, SID(0, 1), &a), 0);
	assert_int_equal(a, h("10.1.1.10"));
	assert_int_equal(pool_alloc(p, SID(0, 2), &a), 0);
	assert_int_equal(a, h("10.1.1.11"));
	assert_int_equal(pool_alloc(p, SID(0, 3), &a), 0);
	assert_int_equal(a, h("10.1.1.12"));
	assert_int_equal(pool_alloc(p, SID(0, 4), &a), -1);
	/* asking again for the same session returns its address */
	assert_int_equal(pool_alloc(p, SID(0, 2), &a), 0);
	assert_int_equal(a, h("10.1.1.11"));
	assert_int_equal(p->used, 3);
	pool_set_free(&s);
}

static void test_free_and_reuse(void **state)
{
	struct pool_set s;
	uint32_t a;

	(void)state;
	one_pool(&s, "10.1.1.10", "10.1.1.12", "255.255.255.0");
	struct pool *p = pool_find(&s, "P");
	for (int i = 1; i <= 3; i++)
		assert_int_equal(pool_alloc(p, SID(0, i), &a), 0);
	/* only the holder can free it */
	assert_false(pool_release(p, h("10.1.1.11"), SID(0, 9)));
	assert_false(pool_release(p, h("10.1.2.11"), SID(0, 2)));
	assert_true(pool_release(p, h("10.1.1.11"), SID(0, 2)));
	assert_false(pool_release(p, h("10.1.1.11"), SID(0, 2)));
	assert_int_equal(pool_alloc(p, SID(0, 5), &a), 0);
	assert_int_equal(a, h("10.1.1.11"));
	pool_set_free(&s);
}

static const struct skip_case {
	const char *first, *last, *mask;
	uint32_t capacity;
	const char *expect[3];	/* the first addresses handed out */
} skip_cases[] = {
	{ "10.1.1.0", "10.1.1.255", "255.255.255.0", 254, { "10.1.1.1", "10.1.1.2", "10.1.1.3" } },
	{ "10.1.1.254", "10.1.2.1", "255.255.255.0", 2, { "10.1.1.254", "10.1.2.1", NULL } },
	{ "10.1.1.0", "10.1.1.3", "255.255.255.252", 2, { "10.1.1.1", "10.1.1.2", NULL } },
	/* a /31 has no network or broadcast address */
	{ "10.1.1.0", "10.1.1.1", "255.255.255.254", 2, { "10.1.1.0", "10.1.1.1", NULL } },
	{ "10.1.1.5", "10.1.1.5", "255.255.255.255", 1, { "10.1.1.5", NULL, NULL } },
};

static void test_network_broadcast_skipped(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof skip_cases / sizeof skip_cases[0]; k++) {
		const struct skip_case *t = &skip_cases[k];
		struct pool_set s;
		uint32_t a;
		int i;

		one_pool(&s, t->first, t->last, t->mask);
		struct pool *p = pool_find(&s, "P");
		assert_int_equal(pool_capacity(p), t->capacity);
		for (i = 0; i < 3 && t->expect[i]; i++) {
			assert_int_equal(pool_alloc(p, SID(0, i + 1), &a), 0);
			assert_int_equal(a, h(t->expect[i]));
		}
		if (i < 3)	/* the list was the whole capacity */
			assert_int_equal(pool_alloc(p, SID(0, 99), &a), -1);
		pool_set_free(&s);
	}
}

static void test_big_pool_word_skip(void **state)
{
	struct pool_set s;
	uint32_t a = 0;

	(void)state;
	one_pool(&s, "10.2.0.1", "10.2.3.254", "255.255.252.0");
	struct pool *p = pool_find(&s, "P");
	for (uint32_t i = 0; i < 200; i++)
		assert_int_equal(pool_alloc(p, SID(1, i), &a), 0);
	assert_int_equal(a, h("10.2.0.200"));
	assert_true(pool_release(p, h("10.2.0.130"), SID(1, 129)));
	assert_int_equal(pool_alloc(p, SID(1, 1000), &a), 0);
	assert_int_equal(a, h("10.2.0.130"));
	pool_set_free(&s);
}

static int visited;
static void count_visit(const struct pool *p, uint32_t addr, uint64_t sid, void *arg)
{
	(void)p;
	(void)addr;
	assert_int_equal(sid >> 56, *(int *)arg);
	visited++;
}

static void test_release_worker(void **state)
{
	struct pool_set s;
	uint32_t a;
	int w = 2;

	(void)state;
	one_pool(&s, "10.1.1.1", "10.1.1.10", "255.255.255.0");
	struct pool *p = pool_find(&s, "P");
	assert_int_equal(pool_alloc(p, SID(1, 1), &a), 0);
	assert_int_equal(pool_alloc(p, SID(2, 1), &a), 0);
	assert_int_equal(pool_alloc(p, SID(2, 2), &a), 0);
	assert_int_equal(pool_alloc(p, SID(1, 2), &a), 0);
	visited = 0;
	assert_int_equal(pool_release_worker(&s, 2, count_visit, &w), 2);
	assert_int_equal(visited, 2);
	assert_int_equal(p->used, 2);
	/* worker 2's first address (.2) is free again */
	assert_int_equal(pool_alloc(p, SID(3, 1), &a), 0);
	assert_int_equal(a, h("10.1.1.2"));
	pool_set_free(&s);
}

static void test_answer_statuses(void **state)
{
	struct pool_set s;
	struct ipc_lease req = { .sid = SID(0, 1) };
	struct ipc_lease_ans ans;

	(void)state;
	one_pool(&s, "10.1.1.10", "10.1.1.10", "255.255.255.0");
	strcpy(req.pool, "P");
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, 0);
	assert_int_equal(ans.addr, inet_addr("10.1.1.10"));
	assert_int_equal(ans.mask, inet_addr("255.255.255.0"));
	assert_int_equal(ans.sid, SID(0, 1));
	req.sid = SID(0, 2);
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, -1);
	strcpy(req.pool, "NOPE");
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, -2);
	pool_set_free(&s);
}

static void test_handlers_answer_and_tell_db(void **state)
{
	struct pool_set s;
	struct ipc_lease req = { .sid = SID(1, 7) };
	struct ipc_lease_free fr = { .sid = SID(1, 7) };
	struct ipc_msg *m = malloc(sizeof *m);
	struct ipc_db_lease dl;
	int ike[2], db[2];

	(void)state;
	assert_int_equal(ipc_pair(ike), 0);
	assert_int_equal(ipc_pair(db), 0);
	one_pool(&s, "10.1.1.10", "10.1.1.20", "255.255.255.0");
	strcpy(req.pool, "P");
	strcpy(req.user, "alice");
	assert_int_equal(pool_on_lease(&s, ike[0], db[0], 4711, &req, sizeof req), 0);
	assert_int_equal(ipc_recv(ike[1], m), IPC_OK);
	assert_int_equal(m->hdr.type, IPC_LEASE_ANS);
	assert_int_equal(m->hdr.id, 4711);
	assert_int_equal(ipc_recv(db[1], m), IPC_OK);
	assert_int_equal(m->hdr.type, IPC_DB_LEASE);
	memcpy(&dl, m->data, sizeof dl);
	assert_int_equal(dl.in_use, 1);
	assert_int_equal(dl.addr, inet_addr("10.1.1.10"));
	assert_string_equal(dl.user, "alice");
	fr.addr = inet_addr("10.1.1.10");
	strcpy(fr.pool, "P");
	assert_int_equal(pool_on_free(&s, db[0], &fr, sizeof fr), 0);
	assert_int_equal(ipc_recv(db[1], m), IPC_OK);
	memcpy(&dl, m->data, sizeof dl);
	assert_int_equal(dl.in_use, 0);
	assert_int_equal(pool_find(&s, "P")->used, 0);
	/* a mis-sized request is refused without an answer */
	assert_int_equal(pool_on_lease(&s, ike[0], db[0], 1, &req, 5), -1);
	assert_int_equal(ipc_recv(ike[1], m), IPC_AGAIN);
	close(ike[0]), close(ike[1]), close(db[0]), close(db[1]);
	free(m);
	pool_set_free(&s);
}

/* RADIUS Framed-IP-Address: exactly that address, in a pool (marked used
 * there, so the pool never hands it out) or outside every pool; a second
 * session wanting it is refused while the first holds it. */
static void test_wanted_address(void **state)
{
	struct pool_set s;
	struct ipc_lease req = { .sid = SID(0, 1), .want_addr = inet_addr("10.1.1.11") };
	struct ipc_lease_ans ans;
	struct ipc_lease_free fr = { .sid = SID(0, 1) };
	uint32_t a;

	(void)state;
	one_pool(&s, "10.1.1.10", "10.1.1.12", "255.255.255.0");
	strcpy(req.pool, "P");
	strcpy(req.user, "bob");
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, 0);
	assert_int_equal(ans.addr, inet_addr("10.1.1.11"));
	assert_int_equal(ans.mask, inet_addr("255.255.255.0"));
	assert_string_equal(ans.pool, "P");
	assert_int_equal(pool_find(&s, "P")->used, 1);
	/* the pool skips it */
	assert_int_equal(pool_alloc(pool_find(&s, "P"), SID(0, 2), &a), 0);
	assert_int_equal(a, h("10.1.1.10"));
	assert_int_equal(pool_alloc(pool_find(&s, "P"), SID(0, 3), &a), 0);
	assert_int_equal(a, h("10.1.1.12"));
	/* the same session asking again gets it again; another one is refused */
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, 0);
	req.sid = SID(0, 9);
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, POOL_STATUS_CONFLICT);
	/* an address leased by the pool is refused too */
	req.want_addr = inet_addr("10.1.1.10");
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, POOL_STATUS_CONFLICT);
	/* freed, it can be wanted by someone else */
	fr.addr = inet_addr("10.1.1.11");
	strcpy(fr.pool, "P");
	assert_int_equal(pool_on_free(&s, -1, &fr, sizeof fr), 0);
	req.want_addr = inet_addr("10.1.1.11");
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, 0);
	pool_set_free(&s);
}

static void test_wanted_address_outside_pools(void **state)
{
	struct pool_set s;
	struct ipc_lease req = { .sid = SID(1, 1), .want_addr = inet_addr("10.9.9.9") };
	struct ipc_lease_ans ans;
	struct ipc_lease_free fr = { .sid = SID(1, 1), .addr = inet_addr("10.9.9.9") };

	(void)state;
	one_pool(&s, "10.1.1.10", "10.1.1.12", "255.255.255.0");
	strcpy(req.pool, "P");
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, 0);
	assert_int_equal(ans.addr, inet_addr("10.9.9.9"));
	assert_int_equal(ans.mask, 0xffffffffu);
	assert_string_equal(ans.pool, "");
	assert_int_equal(pool_find(&s, "P")->used, 0);
	req.sid = SID(2, 1);
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, POOL_STATUS_CONFLICT);
	/* IKE worker 1 restarts: its fixed address is free again */
	pool_worker_restarted(&s, -1, 1);
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, 0);
	/* the free of the old session does nothing; the holder's works */
	assert_int_equal(pool_on_free(&s, -1, &fr, sizeof fr), 0);
	assert_int_equal(s.n_fixed, 1);
	fr.sid = SID(2, 1);
	assert_int_equal(pool_on_free(&s, -1, &fr, sizeof fr), 0);
	assert_int_equal(s.n_fixed, 0);
	pool_set_free(&s);
}

/* A reload that grows a pool over a fixed address moves it into the pool. */
static void test_reload_rehomes_fixed(void **state)
{
	struct pool_set s;
	struct ipc_lease req = { .sid = SID(0, 5), .want_addr = inet_addr("10.1.1.20") };
	struct ipc_lease_ans ans;
	struct conf_pool cp = { .name = "P" };
	struct conf c = { .pools = &cp, .n_pools = 1 };

	(void)state;
	one_pool(&s, "10.1.1.10", "10.1.1.12", "255.255.255.0");
	pool_answer_lease(&s, &req, &ans);
	assert_int_equal(ans.status, 0);
	assert_int_equal(s.n_fixed, 1);
	cp.first = inet_addr("10.1.1.10");
	cp.last = inet_addr("10.1.1.30");
	cp.mask = inet_addr("255.255.255.0");
	assert_int_equal(pool_reload(&s, &c, -1), 0);
	assert_int_equal(s.n_fixed, 0);
	struct pool *p = pool_find(&s, "P");
	assert_int_equal(p->used, 1);
	assert_true(pool_leased(p, h("10.1.1.20") - p->first));
	pool_set_free(&s);
}

static void test_conflict_names_both_users(void **state)
{
	struct pool_set s;

	(void)state;
	one_pool(&s, "10.1.1.10", "10.1.1.12", "255.255.255.0");
	pool_owner_set(&s, SID(0, 1), "bob");
	pool_owner_set(&s, SID(0, 2), "carol");
	assert_string_equal(pool_owner(&s, SID(0, 1)), "bob");
	pool_owner_drop(&s, SID(0, 1));
	assert_string_equal(pool_owner(&s, SID(0, 1)), "");
	assert_string_equal(pool_owner(&s, SID(0, 2)), "carol");
	pool_set_free(&s);
}

static void test_reload_keeps_fitting_leases(void **state)
{
	struct pool_set s;
	const char *rows[2][4] = { { "P", "10.1.1.10", "10.1.1.11", "255.255.255.0" },
				   { "Q", "10.1.2.10", "10.1.2.11", "255.255.255.0" } };
	struct conf_pool cp = { .name = "P" };
	struct conf c = { .pools = &cp, .n_pools = 1 };
	uint32_t a;

	(void)state;
	make_set(&s, rows, 2);
	assert_int_equal(pool_alloc(pool_find(&s, "P"), SID(0, 1), &a), 0);
	assert_int_equal(pool_alloc(pool_find(&s, "P"), SID(0, 2), &a), 0);
	assert_int_equal(pool_alloc(pool_find(&s, "Q"), SID(0, 3), &a), 0);
	/* P shrinks to .11 only; Q disappears */
	cp.first = inet_addr("10.1.1.11");
	cp.last = inet_addr("10.1.1.11");
	cp.mask = inet_addr("255.255.255.0");
	assert_int_equal(pool_reload(&s, &c, -1), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(pool_find(&s, "P")->used, 1);
	assert_int_equal(pool_alloc(pool_find(&s, "P"), SID(0, 2), &a), 0);
	assert_int_equal(a, h("10.1.1.11"));
	pool_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_free_and_exhaustion),
		cmocka_unit_test(test_free_and_reuse),
		cmocka_unit_test(test_network_broadcast_skipped),
		cmocka_unit_test(test_big_pool_word_skip),
		cmocka_unit_test(test_release_worker),
		cmocka_unit_test(test_answer_statuses),
		cmocka_unit_test(test_handlers_answer_and_tell_db),
		cmocka_unit_test(test_reload_keeps_fitting_leases),
		cmocka_unit_test(test_wanted_address),
		cmocka_unit_test(test_wanted_address_outside_pools),
		cmocka_unit_test(test_reload_rehomes_fixed),
		cmocka_unit_test(test_conflict_names_both_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
