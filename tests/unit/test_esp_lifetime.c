/* esp-worker/lifetime.c: which volume or sequence-number limit an SA has
 * reached and not yet reported - soft before hard, each once, sequence
 * numbers of outbound SAs only - and the limits taken from IPC_SA_ADD. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "ipc.h"
#include "../../esp-worker/lifetime.h"
#include "../../esp-worker/sa.h"
#include "../../esp-worker/worker.h"

struct due_case {
	const char *name;
	uint8_t dir;
	uint64_t bytes, soft, hard, seq_out;
	uint8_t sent;		/* expire_sent before */
	int event;		/* 0 none, 1 soft, 2 hard */
	uint8_t why;
};

static const struct due_case due_cases[] = {
	{ "no limits", SA_IN, 1u << 30, 0, 0, 0, 0, 0, 0 },
	{ "below soft", SA_IN, 799, 800, 1000, 0, 0, 0, 0 },
	{ "at soft", SA_IN, 800, 800, 1000, 0, 0, 1, EXPIRE_BYTES },
	{ "soft already sent", SA_IN, 900, 800, 1000, 0, 1, 0, 0 },
	{ "at hard", SA_OUT, 1000, 800, 1000, 5, 1, 2, EXPIRE_BYTES },
	{ "hard before soft was sent", SA_OUT, 5000, 800, 1000, 5, 0, 2, EXPIRE_BYTES },
	{ "hard sent: nothing more", SA_OUT, 5000, 800, 1000, 5, 3, 0, 0 },
	{ "seq far from 2^32", SA_OUT, 0, 0, 0, 0xfe000000u, 0, 0, 0 },
	{ "seq near 2^32: soft", SA_OUT, 0, 0, 0, 0xff000000u, 0, 1, EXPIRE_SEQ },
	{ "seq exhausted: hard", SA_OUT, 0, 0, 0, 0xffffffffu, 1, 2, EXPIRE_SEQ },
	{ "inbound seq is the peer's", SA_IN, 0, 0, 0, 0xffffffffu, 0, 0, 0 },
};

static void test_due_events(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof due_cases / sizeof due_cases[0]; i++) {
		const struct due_case *c = &due_cases[i];
		struct esp_sa sa;
		uint8_t why = 0;
		int ev;

		memset(&sa, 0, sizeof sa);
		sa.dir = c->dir;
		sa.cnt.bytes = c->bytes;
		sa.soft_bytes = c->soft;
		sa.hard_bytes = c->hard;
		sa.seq_out = c->seq_out;
		sa.expire_sent = c->sent;
		ev = esp_lifetime_due_event(&sa, &why);
		if (ev != c->event || (ev && why != c->why))
			fail_msg("%s: event %d why %u, want %d why %u", c->name, ev, why, c->event,
				 c->why);
	}
}

static void test_limits_from_add(void **state)
{
	struct esp_sa sa;

	(void)state;
	memset(&sa, 0, sizeof sa);
	esp_lifetime_set(&sa, 800, 1000);
	assert_int_equal(sa.soft_bytes, 800);
	assert_int_equal(sa.hard_bytes, 1000);
	esp_lifetime_set(&sa, 0, 1000);		/* no soft: the hard limit asks for the rekey */
	assert_int_equal(sa.soft_bytes, 1000);
	esp_lifetime_set(&sa, 2000, 1000);	/* soft above hard is pulled down */
	assert_int_equal(sa.soft_bytes, 1000);
	esp_lifetime_set(&sa, 0, 0);
	assert_int_equal(sa.soft_bytes, 0);
	assert_int_equal(sa.hard_bytes, 0);
}

/* The periodic check sends each limit once, to the IKE worker that owns
 * the SA (sid >> 56), as IPC_SA_EXPIRE. */
static bool read_expire(int fd, struct ipc_sa_expire *e)
{
	static struct ipc_msg m;

	if (ipc_recv(fd, &m) != IPC_OK || m.hdr.type != IPC_SA_EXPIRE)
		return false;
	memcpy(e, m.data, sizeof *e);
	return true;
}

static void test_check_reports_once(void **state)
{
	static struct child c;
	static struct esp_worker w;
	struct ipc_sa_expire e;
	struct esp_sa *sa = calloc(1, sizeof *sa);
	int sv[2];

	(void)state;
	assert_non_null(sa);
	assert_int_equal(ipc_pair(sv), 0);
	memset(c.chan, -1, sizeof c.chan);
	c.chan[ROLE_IKE][3] = sv[0];
	w.c = &c;
	sa->sid = (uint64_t)3 << 56 | 42;
	sa->spi = 0x1234;
	sa->dir = SA_IN;
	esp_lifetime_set(sa, 900, 1000);
	w.sas.all = sa;
	sa->cnt.bytes = 950;
	esp_lifetime_check(&w);
	assert_true(read_expire(sv[1], &e));
	assert_true(e.sid == sa->sid && e.spi == 0x1234 && e.dir == SA_IN && !e.hard &&
		    e.why == EXPIRE_BYTES);
	assert_true(esp_lifetime_due() > 0);
	sa->cnt.bytes = 990;
	w.sas.all = sa;
	usleep((ESP_LIFETIME_CHECK_MS + 10) * 1000);
	esp_lifetime_check(&w);			/* soft again: nothing */
	sa->cnt.bytes = 1000;
	usleep((ESP_LIFETIME_CHECK_MS + 10) * 1000);
	esp_lifetime_check(&w);
	assert_true(read_expire(sv[1], &e));
	assert_true(e.hard && e.why == EXPIRE_BYTES);
	close(sv[0]);
	close(sv[1]);
	free(sa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_events),
		cmocka_unit_test(test_limits_from_add),
		cmocka_unit_test(test_check_reports_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
