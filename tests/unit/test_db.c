/* ravpn-db: the events land in the right rows, counters accumulate
 * across ESP worker restarts, ended sessions move to history. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../db/db.h"
#include "ipc.h"

#define SID1	((uint64_t)1 << 56 | 0x1234)
#define SID2	((uint64_t)2 << 56 | 0x5678)

#include "db_fixture.h"

static void q_text(struct db *d, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st;

	out[0] = 0;
	assert_int_equal(sqlite3_prepare_v2(d->h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

#define EVENT(d, T, v) assert_int_equal(db_handle_event(d, T, &(v), sizeof(v), NOW + 100), 0)

static void new_session(struct db *d, uint64_t sid, const char *user, uint8_t ike)
{
	struct ipc_db_session_new m = { .sid = sid, .public_port = 4500, .ike_index = ike,
					.login_time = NOW };

	ipc_strcpy(m.user, sizeof m.user, user);
	ipc_strcpy(m.tunnel_group, sizeof m.tunnel_group, "vpngroup");
	ipc_strcpy(m.group_policy, sizeof m.group_policy, "GP");
	m.public_addr = inet_addr("10.99.0.2");
	EVENT(d, IPC_DB_SESSION_NEW, m);
}

static void add_child(struct db *d, uint64_t sid, uint32_t in, uint32_t out)
{
	struct ipc_db_child_sa m = { .sid = sid, .spi_in = in, .spi_out = out, .tunnel = 1,
				     .encap = ENCAP_UDP, .lifetime = 28800, .created = NOW };

	ipc_strcpy(m.encryption, sizeof m.encryption, "AES256");
	ipc_strcpy(m.integrity, sizeof m.integrity, "SHA1");
	EVENT(d, IPC_DB_CHILD_SA, m);
}

static void count(struct db *d, uint64_t sid, uint32_t spi, int dir, uint64_t bytes)
{
	struct ipc_db_counters m = { .sid = sid, .spi = spi, .dir = (uint8_t)dir,
				     .bytes = bytes, .packets = bytes / 100 };

	EVENT(d, IPC_DB_COUNTERS, m);
}

static void end_session(struct db *d, uint64_t sid, const char *cause)
{
	struct ipc_db_session_end m = { .sid = sid, .end_time = NOW + 60 };

	ipc_strcpy(m.cause, sizeof m.cause, cause);
	EVENT(d, IPC_DB_SESSION_END, m);
}

static void test_open_wal_and_mode(void **state)
{
	struct fx *f = *state;
	char mode[16];
	struct stat st;

	q_text(&f->d, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(q_int(&f->d, "PRAGMA user_version"), 1);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
}

static void test_session_new_and_update(void **state)
{
	struct fx *f = *state;
	struct ipc_db_session_upd u = { .sid = SID1, .assigned_addr = inet_addr("10.1.1.10") };
	char s[64];

	new_session(&f->d, SID1, "alice", 1);
	new_session(&f->d, SID1, "alice", 1);	/* a repeat is ignored */
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM sessions"), 1);
	ipc_strcpy(u.protocol, sizeof u.protocol, "IKEv1 IPsecOverNatT");
	ipc_strcpy(u.encryption, sizeof u.encryption, "AES256");
	EVENT(&f->d, IPC_DB_SESSION_UPD, u);
	q_text(&f->d, "SELECT assigned_ip FROM sessions", s, sizeof s);
	assert_string_equal(s, "10.1.1.10");
	q_text(&f->d, "SELECT public_ip || ':' || public_port FROM sessions", s, sizeof s);
	assert_string_equal(s, "10.99.0.2:4500");
	q_text(&f->d, "SELECT protocol || '/' || encryption FROM sessions", s, sizeof s);
	assert_string_equal(s, "IKEv1 IPsecOverNatT/AES256");
	/* zero / empty fields leave the values */
	memset(u.protocol, 0, sizeof u.protocol);
	u.assigned_addr = 0;
	EVENT(&f->d, IPC_DB_SESSION_UPD, u);
	q_text(&f->d, "SELECT assigned_ip || protocol FROM sessions", s, sizeof s);
	assert_string_equal(s, "10.1.1.10IKEv1 IPsecOverNatT");
	assert_int_equal(q_int(&f->d, "SELECT ike_index FROM sessions"), 1);
}

static void test_counters_accumulate(void **state)
{
	struct fx *f = *state;

	new_session(&f->d, SID1, "alice", 1);
	add_child(&f->d, SID1, 0x1000, 0x2000);
	count(&f->d, SID1, 0x2000, SA_OUT, 1000);
	count(&f->d, SID1, 0x1000, SA_IN, 500);
	count(&f->d, SID1, 0x2000, SA_OUT, 1500);
	assert_int_equal(q_int(&f->d, "SELECT bytes_tx FROM sessions"), 1500);
	assert_int_equal(q_int(&f->d, "SELECT bytes_rx FROM sessions"), 500);
	/* the worker restarted and reports from zero: nothing is lost */
	count(&f->d, SID1, 0x2000, SA_OUT, 200);
	assert_int_equal(q_int(&f->d, "SELECT bytes_tx FROM sessions"), 1700);
	/* explicit restart notice: the next value counts in full even if it
	 * is above the last one the old worker sent */
	assert_int_equal(db_esp_restarted(&f->d, 0), 0);
	count(&f->d, SID1, 0x1000, SA_IN, 800);
	assert_int_equal(q_int(&f->d, "SELECT bytes_rx FROM sessions"), 1300);
	/* a rekeyed child SA adds to the same session */
	add_child(&f->d, SID1, 0x1001, 0x2001);
	count(&f->d, SID1, 0x2001, SA_OUT, 300);
	assert_int_equal(q_int(&f->d, "SELECT bytes_tx FROM sessions"), 2000);
	assert_int_equal(q_int(&f->d, "SELECT pkts_tx FROM sessions"), 15 + 2 + 3);
	/* counters of an unknown SA are ignored */
	count(&f->d, SID1, 0x9999, SA_OUT, 300);
	assert_int_equal(q_int(&f->d, "SELECT bytes_tx FROM sessions"), 2000);
}

static void test_session_end_moves_to_history(void **state)
{
	struct fx *f = *state;
	struct ipc_db_ike_sa ike = { .sid = SID1, .icookie = { 1 }, .rcookie = { 2 } };
	char s[64];

	new_session(&f->d, SID1, "alice", 1);
	EVENT(&f->d, IPC_DB_IKE_SA, ike);
	add_child(&f->d, SID1, 0x1000, 0x2000);
	count(&f->d, SID1, 0x2000, SA_OUT, 4242);
	end_session(&f->d, SID1, "admin");
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM sessions"), 0);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM child_sas"), 0);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM ike_sas"), 0);
	q_text(&f->d, "SELECT username || ',' || cause FROM history", s, sizeof s);
	assert_string_equal(s, "alice,admin");
	assert_int_equal(q_int(&f->d, "SELECT duration FROM history"), 60);
	assert_int_equal(q_int(&f->d, "SELECT bytes_tx FROM history"), 4242);
	assert_int_equal(q_int(&f->d, "SELECT idx FROM history"), 1);
}

static void test_end_all_by_worker(void **state)
{
	struct fx *f = *state;
	struct ipc_db_end_all a = { .ike_index = 2 };

	new_session(&f->d, SID1, "alice", 1);
	new_session(&f->d, SID2, "bob", 2);
	ipc_strcpy(a.cause, sizeof a.cause, "ike-crash");
	EVENT(&f->d, IPC_DB_END_ALL, a);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM sessions"), 1);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM history WHERE username = 'bob'"
				       " AND cause = 'ike-crash'"), 1);
	a.ike_index = 0xff;
	ipc_strcpy(a.cause, sizeof a.cause, "shutdown");
	EVENT(&f->d, IPC_DB_END_ALL, a);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM sessions"), 0);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM history WHERE cause = 'shutdown'"), 1);
}

static void test_restart_recovers_sessions(void **state)
{
	struct fx *f = *state;
	struct ipc_db_lease l = { .sid = SID1, .addr = inet_addr("10.1.1.10"), .in_use = 1 };

	new_session(&f->d, SID1, "alice", 1);
	ipc_strcpy(l.pool, sizeof l.pool, "POOL");
	EVENT(&f->d, IPC_DB_LEASE, l);
	db_close(&f->d);	/* as if the process died with sessions open */
	assert_int_equal(db_open(&f->d, f->path, NOW + 500), 0);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM sessions"), 0);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM leases"), 0);
	assert_int_equal(q_int(&f->d, "SELECT duration FROM history WHERE cause = 'restart'"), 500);
	/* the index keeps counting: a new session does not reuse index 1 */
	new_session(&f->d, SID2, "bob", 2);
	assert_int_equal(q_int(&f->d, "SELECT idx FROM sessions"), 2);
}

static void test_leases(void **state)
{
	struct fx *f = *state;
	struct ipc_db_lease l = { .sid = SID1, .addr = inet_addr("10.1.1.10"), .in_use = 1 };
	char s[64];

	ipc_strcpy(l.pool, sizeof l.pool, "POOL");
	ipc_strcpy(l.user, sizeof l.user, "alice");
	EVENT(&f->d, IPC_DB_LEASE, l);
	q_text(&f->d, "SELECT pool || ' ' || addr || ' ' || username FROM leases", s, sizeof s);
	assert_string_equal(s, "POOL 10.1.1.10 alice");
	l.in_use = 0;
	EVENT(&f->d, IPC_DB_LEASE, l);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM leases"), 0);
}

/* RADIUS host counters: one row per group position, replaced by the next
 * report; the dead time is kept only while the host is dead. */
static void test_aaa_stats(void **state)
{
	struct fx *f = *state;
	struct ipc_db_aaa_stats m = { .addr = inet_addr("127.0.0.2"), .auth_port = 1812,
				      .dead = 1, .dead_until = NOW + 600, .requests = 3,
				      .timeouts = 3, .retransmissions = 3, .rtt_ms = 0 };
	char s[96];

	ipc_strcpy(m.group, sizeof m.group, "RAD");
	EVENT(&f->d, IPC_DB_AAA_STATS, m);
	m.host_index = 1;
	m.addr = inet_addr("127.0.0.1");
	m.dead = 0;
	m.requests = 5;
	m.accepts = 4;
	m.rejects = 1;
	m.rtt_ms = 3;
	EVENT(&f->d, IPC_DB_AAA_STATS, m);
	q_text(&f->d, "SELECT grp || ' ' || addr || ' ' || dead_until || ' ' || timeouts"
		      " FROM aaa_servers WHERE host_index = 0", s, sizeof s);
	assert_string_equal(s, "RAD 127.0.0.2 1700000600 3");
	assert_int_equal(q_int(&f->d, "SELECT dead_until FROM aaa_servers WHERE host_index = 1"), 0);
	assert_int_equal(q_int(&f->d, "SELECT accepts FROM aaa_servers WHERE host_index = 1"), 4);
	m.accepts = 5;
	EVENT(&f->d, IPC_DB_AAA_STATS, m);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM aaa_servers"), 2);
	assert_int_equal(q_int(&f->d, "SELECT accepts FROM aaa_servers WHERE host_index = 1"), 5);
}

static void test_sa_delete_marks_or_removes(void **state)
{
	struct fx *f = *state;
	struct ipc_db_ike_sa ike = { .sid = SID1, .icookie = { 1 }, .rcookie = { 2 } };
	struct ipc_db_child_sa ch = { .sid = SID1, .spi_in = 1, .spi_out = 2, .deleted = 1 };

	/* no session (XAUTH failed): the deleted IKE SA leaves nothing */
	EVENT(&f->d, IPC_DB_IKE_SA, ike);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM ike_sas"), 1);
	ike.deleted = 1;
	EVENT(&f->d, IPC_DB_IKE_SA, ike);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM ike_sas"), 0);
	/* with a session, it is only marked */
	new_session(&f->d, SID1, "alice", 1);
	ike.deleted = 0;
	EVENT(&f->d, IPC_DB_IKE_SA, ike);
	ike.deleted = 1;
	EVENT(&f->d, IPC_DB_IKE_SA, ike);
	assert_int_equal(q_int(&f->d, "SELECT deleted FROM ike_sas"), 1);
	add_child(&f->d, SID1, 1, 2);
	EVENT(&f->d, IPC_DB_CHILD_SA, ch);
	assert_int_equal(q_int(&f->d, "SELECT deleted FROM child_sas"), 1);
}

static void test_rejects_non_db_message(void **state)
{
	struct fx *f = *state;
	struct ipc_lease l = { 0 };

	assert_int_equal(db_handle_event(&f->d, IPC_LEASE, &l, sizeof l, NOW), -1);
	/* a mis-sized db event is refused too */
	assert_int_equal(db_handle_event(&f->d, IPC_DB_LEASE, &l, 3, NOW), -1);
}

static void test_txn_batching(void **state)
{
	struct fx *f = *state;

	assert_int_equal(db_txn_due_in(&f->d, 1000), -1);
	assert_int_equal(db_txn_begin(&f->d, 1000), 0);
	new_session(&f->d, SID1, "alice", 1);
	assert_int_equal(db_txn_due_in(&f->d, 1050), DB_TXN_MAX_MS - 50);
	assert_int_equal(db_txn_due_in(&f->d, 1000 + DB_TXN_MAX_MS + 5), 0);
	assert_int_equal(db_txn_commit(&f->d), 0);
	assert_int_equal(db_txn_due_in(&f->d, 2000), -1);
	assert_int_equal(q_int(&f->d, "SELECT COUNT(*) FROM sessions"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_open_wal_and_mode),
		T(test_session_new_and_update),
		T(test_counters_accumulate),
		T(test_session_end_moves_to_history),
		T(test_end_all_by_worker),
		T(test_restart_recovers_sessions),
		T(test_leases),
		T(test_aaa_stats),
		T(test_sa_delete_marks_or_removes),
		T(test_rejects_non_db_message),
		T(test_txn_batching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
