/* The RADIUS accounting spool in ravpn-db: Start on the first address,
 * Interim-Updates on their timer with fresh counters, Stop with the mapped
 * Acct-Terminate-Cause, Accounting-On/Off, records kept until answered and
 * handed over again after an authd restart, Stops for the sessions of a
 * crashed run, nothing for sessions without an accounting group. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../db/db.h"
#include "conf.h"
#include "ipc.h"

#define SID1	((uint64_t)1 << 56 | 0x1234)
#define SID2	((uint64_t)1 << 56 | 0x5678)
#define NOW	1700000000LL

static const char conf_text[] =
	"aaa-server RAD protocol radius\n"
	" interim-accounting-update seconds 30\n"
	"aaa-server RAD2 protocol radius\n"
	"tunnel-group A type remote-access\ntunnel-group A general-attributes\n"
	" accounting-server-group RAD\n"
	"tunnel-group B type remote-access\ntunnel-group B general-attributes\n"
	" accounting-server-group RAD\n"
	"tunnel-group C type remote-access\n";

struct fx {
	char dir[64], path[96];
	struct conf conf;
	struct db d;
	struct ipc_acct_send got[16];
	int n_got;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char err[CONF_ERR];

	strcpy(f->dir, "/tmp/test_db_acct.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/ravpn.db", f->dir);
	if (!conf_parse_text(conf_text, strlen(conf_text), "t.conf", &f->conf, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(db_open(&f->d, f->path, NOW), 0);
	f->d.conf = &f->conf;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	db_close(&f->d);
	conf_free(&f->conf);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static bool collect(const struct ipc_acct_send *r, void *arg)
{
	struct fx *f = arg;

	if (f->n_got == 16)
		return false;
	f->got[f->n_got++] = *r;
	return true;
}

static long long pending(struct fx *f, long long after)
{
	f->n_got = 0;
	return db_acct_each_pending(&f->d, after, collect, f);
}

#define EVENT(d, T, v, t) assert_int_equal(db_handle_event(d, T, &(v), sizeof(v), t), 0)

static void new_session(struct fx *f, uint64_t sid, const char *group, const char *acct)
{
	struct ipc_db_session_new m = { .sid = sid, .public_port = 4500, .login_time = NOW,
					.class_len = 7 };

	ipc_strcpy(m.user, sizeof m.user, "alice");
	ipc_strcpy(m.tunnel_group, sizeof m.tunnel_group, group);
	ipc_strcpy(m.acct_group, sizeof m.acct_group, acct);
	snprintf(m.acct_session_id, sizeof m.acct_session_id, "%016llX", (unsigned long long)sid);
	memcpy(m.class_attr, "OU=GP2;", 7);
	m.public_addr = inet_addr("10.99.0.2");
	EVENT(&f->d, IPC_DB_SESSION_NEW, m, NOW);
}

static void address(struct fx *f, uint64_t sid, const char *ip, long long t)
{
	struct ipc_db_session_upd m = { .sid = sid, .assigned_addr = inet_addr(ip) };

	EVENT(&f->d, IPC_DB_SESSION_UPD, m, t);
}

static void traffic(struct fx *f, uint64_t sid, uint64_t in, uint64_t out)
{
	struct ipc_db_child_sa ch = { .sid = sid, .spi_in = 1, .spi_out = 2, .created = NOW };
	struct ipc_db_counters c = { .sid = sid, .spi = 1, .dir = SA_IN, .bytes = in,
				     .packets = in / 100 };

	EVENT(&f->d, IPC_DB_CHILD_SA, ch, NOW);
	EVENT(&f->d, IPC_DB_COUNTERS, c, NOW);
	c.spi = 2;
	c.dir = SA_OUT;
	c.bytes = out;
	c.packets = out / 100;
	EVENT(&f->d, IPC_DB_COUNTERS, c, NOW);
}

static void end_session(struct fx *f, uint64_t sid, const char *cause, long long t)
{
	struct ipc_db_session_end m = { .sid = sid, .end_time = t };

	ipc_strcpy(m.cause, sizeof m.cause, cause);
	EVENT(&f->d, IPC_DB_SESSION_END, m, t);
}

static void test_start_interim_stop(void **state)
{
	struct fx *f = *state;

	new_session(f, SID1, "A", "RAD");
	pending(f, 0);
	assert_int_equal(f->n_got, 0);		/* no address yet: no Start */
	address(f, SID1, "10.200.0.5", NOW + 2);
	address(f, SID1, "10.200.0.5", NOW + 3);	/* a second update: no second Start */
	pending(f, 0);
	assert_int_equal(f->n_got, 1);
	assert_int_equal(f->got[0].status_type, ACCT_START);
	assert_string_equal(f->got[0].group, "RAD");
	assert_string_equal(f->got[0].user, "alice");
	assert_string_equal(f->got[0].acct_session_id, "0100000000001234");
	assert_int_equal(f->got[0].framed_addr, inet_addr("10.200.0.5"));
	assert_int_equal(f->got[0].calling_addr, inet_addr("10.99.0.2"));
	assert_int_equal(f->got[0].class_len, 7);
	assert_memory_equal(f->got[0].class_attr, "OU=GP2;", 7);
	assert_int_equal(f->got[0].created, NOW + 2);

	assert_int_equal(db_acct_next_interim(&f->d), NOW + 32);
	assert_int_equal(db_acct_interims(&f->d, NOW + 31), 0);	/* not yet */
	traffic(f, SID1, 5000000000ULL, 1234);
	assert_int_equal(db_acct_interims(&f->d, NOW + 32), 1);
	assert_int_equal(db_acct_next_interim(&f->d), NOW + 62);
	pending(f, (long long)f->got[0].rec_id);
	assert_int_equal(f->n_got, 1);
	assert_int_equal(f->got[0].status_type, ACCT_INTERIM);
	assert_int_equal(f->got[0].session_time, 30);
	assert_true(f->got[0].in_octets == 5000000000ULL);	/* > 2^32: Gigawords */
	assert_int_equal(f->got[0].out_octets, 1234);
	assert_int_equal(f->got[0].in_packets, 50000000);

	end_session(f, SID1, "dpd", NOW + 50);
	pending(f, 0);
	assert_int_equal(f->n_got, 3);
	assert_int_equal(f->got[2].status_type, ACCT_STOP);
	assert_int_equal(f->got[2].terminate_cause, 2);	/* Lost-Carrier */
	assert_int_equal(f->got[2].session_time, 48);
	assert_int_equal(f->got[2].out_octets, 1234);
	assert_int_equal(db_acct_next_interim(&f->d), -1);
}

static void test_done_and_resend(void **state)
{
	struct fx *f = *state;
	long long last;

	new_session(f, SID1, "A", "RAD");
	address(f, SID1, "10.200.0.5", NOW);
	end_session(f, SID1, "user", NOW + 10);
	last = pending(f, 0);
	assert_int_equal(f->n_got, 2);
	pending(f, last);
	assert_int_equal(f->n_got, 0);		/* handed over once per authd */
	assert_int_equal(db_acct_done(&f->d, f->got[0].rec_id), 0);
	pending(f, 0);				/* a new authd: what is left */
	assert_int_equal(f->n_got, 1);
	assert_int_equal(f->got[0].status_type, ACCT_STOP);
	assert_int_equal(f->got[0].terminate_cause, 1);	/* User-Request */
	assert_int_equal(db_acct_done(&f->d, f->got[0].rec_id), 0);
	pending(f, 0);
	assert_int_equal(f->n_got, 0);
}

static void test_no_group_no_records(void **state)
{
	struct fx *f = *state;

	new_session(f, SID2, "C", "");
	address(f, SID2, "10.200.0.6", NOW);
	end_session(f, SID2, "user", NOW + 10);
	pending(f, 0);
	assert_int_equal(f->n_got, 0);
}

static void test_never_started_no_stop(void **state)
{
	struct fx *f = *state;

	new_session(f, SID1, "A", "RAD");
	end_session(f, SID1, "error", NOW + 1);
	pending(f, 0);
	assert_int_equal(f->n_got, 0);
}

static void test_on_off_and_shutdown(void **state)
{
	struct fx *f = *state;
	struct ipc_db_end_all all = { .ike_index = 0xff };

	assert_int_equal(db_acct_on_off(&f->d, true, NOW), 0);
	pending(f, 0);
	assert_int_equal(f->n_got, 1);		/* A and B share RAD; RAD2 unused */
	assert_int_equal(f->got[0].status_type, ACCT_ON);
	new_session(f, SID1, "A", "RAD");
	address(f, SID1, "10.200.0.5", NOW);
	ipc_strcpy(all.cause, sizeof all.cause, "shutdown");
	EVENT(&f->d, IPC_DB_END_ALL, all, NOW + 5);
	pending(f, 0);
	assert_int_equal(f->n_got, 4);
	assert_int_equal(f->got[2].status_type, ACCT_STOP);
	assert_int_equal(f->got[2].terminate_cause, 11);	/* NAS-Reboot */
	assert_int_equal(f->got[3].status_type, ACCT_OFF);
}

/* A crash of the whole daemon: the reopened db spools the Stops, and the
 * unanswered records of the previous run are still there. */
static void test_crash_recovery(void **state)
{
	struct fx *f = *state;

	new_session(f, SID1, "A", "RAD");
	address(f, SID1, "10.200.0.5", NOW);
	db_close(&f->d);
	assert_int_equal(db_open(&f->d, f->path, NOW + 100), 0);
	f->d.conf = &f->conf;
	pending(f, 0);
	assert_int_equal(f->n_got, 2);
	assert_int_equal(f->got[0].status_type, ACCT_START);
	assert_int_equal(f->got[1].status_type, ACCT_STOP);
	assert_int_equal(f->got[1].terminate_cause, 11);
	assert_int_equal(f->got[1].session_time, 100);
}

struct cause_case {
	const char *cause;
	int value;
};

static void test_terminate_causes(void **state)
{
	static const struct cause_case cases[] = {
		{ "user", 1 }, { "idle", 4 }, { "session-timeout", 5 }, { "admin", 6 },
		{ "dae-disconnect", 6 }, { "dpd", 2 }, { "shutdown", 11 }, { "restart", 11 },
		{ "crash", 9 }, { "timeout", 9 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(db_acct_terminate_cause(cases[i].cause), cases[i].value);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_interim_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_and_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_group_no_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_started_no_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_off_and_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup, teardown),
		cmocka_unit_test(test_terminate_causes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
