/* ravpn-db's session_authz rows (db/authz.c): the Class and timers the
 * IKE worker reports are stored (and replaced by a CoA's report without
 * losing the activity time); an ESP counter report whose packet count
 * moved sets last_activity to its time, the same count again does not;
 * the row leaves with the session. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../db/db.h"
#include "ipc.h"

#define SID	((uint64_t)1 << 56 | 0x4242)

#include "db_fixture.h"

#define EVENT_AT(d, T, v, t) assert_int_equal(db_handle_event(d, T, &(v), sizeof(v), t), 0)

static void counters(struct db *d, uint8_t dir, uint32_t spi, uint64_t packets, long long t)
{
	struct ipc_db_counters c = { .sid = SID, .spi = spi, .dir = dir, .packets = packets,
				     .bytes = packets * 100 };

	EVENT_AT(d, IPC_DB_COUNTERS, c, t);
}

static void test_authz_rows(void **state)
{
	struct fx *f = *state;
	struct ipc_db_session_new n = { .sid = SID, .login_time = NOW };
	struct ipc_db_child_sa ch = { .sid = SID, .spi_in = 0x1000, .spi_out = 0x2000 };
	struct ipc_db_session_authz z = { .sid = SID, .session_deadline = NOW + 20,
					  .session_timeout = 20, .idle_timeout = 600,
					  .class_len = 8 };
	struct ipc_db_session_end e = { .sid = SID, .end_time = NOW + 60 };

	strcpy(n.user, "gina");
	memcpy(z.class_attr, "OU=GP2;\x01", 8);
	EVENT_AT(&f->d, IPC_DB_SESSION_NEW, n, NOW);
	EVENT_AT(&f->d, IPC_DB_CHILD_SA, ch, NOW);
	EVENT_AT(&f->d, IPC_DB_SESSION_AUTHZ, z, NOW + 1);
	assert_int_equal(q_int(&f->d, "SELECT idle_timeout FROM session_authz"), 600);
	assert_int_equal(q_int(&f->d, "SELECT session_deadline FROM session_authz"), NOW + 20);
	assert_int_equal(q_int(&f->d, "SELECT class = 'OU=GP2;.' FROM session_authz"), 1);
	assert_int_equal(q_int(&f->d, "SELECT last_activity FROM session_authz"), NOW + 1);

	counters(&f->d, SA_IN, 0x1000, 5, NOW + 10);
	assert_int_equal(q_int(&f->d, "SELECT last_activity FROM session_authz"), NOW + 10);
	counters(&f->d, SA_IN, 0x1000, 5, NOW + 20);	/* same count: no traffic */
	assert_int_equal(q_int(&f->d, "SELECT last_activity FROM session_authz"), NOW + 10);
	counters(&f->d, SA_OUT, 0x2000, 1, NOW + 30);
	assert_int_equal(q_int(&f->d, "SELECT last_activity FROM session_authz"), NOW + 30);

	/* a CoA's report: new deadline, activity kept */
	z.session_deadline = NOW + 35;
	z.session_timeout = 5;
	EVENT_AT(&f->d, IPC_DB_SESSION_AUTHZ, z, NOW + 30);
	assert_int_equal(q_int(&f->d, "SELECT session_deadline FROM session_authz"), NOW + 35);
	assert_int_equal(q_int(&f->d, "SELECT last_activity FROM session_authz"), NOW + 30);

	strcpy(e.cause, "session-timeout");
	EVENT_AT(&f->d, IPC_DB_SESSION_END, e, NOW + 60);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM session_authz"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_authz_rows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
