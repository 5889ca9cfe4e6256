/* A live session's authorization and timers (table session_authz): the
 * RADIUS Class, the session-timeout deadline and the idle-timeout the IKE
 * worker reports (IPC_DB_SESSION_AUTHZ), and the last second its ESP
 * counters moved, so `show vpn-sessiondb detail` can show the time left
 * and the idle time.  The row leaves with the session. */
#include "db.h"
#include "ipc.h"

#include <string.h>

/* Class as text for the operator: printable bytes kept, others '.'. */
static void class_text(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	out[n] = 0;
}

int db_authz_set(struct db *d, const struct ipc_db_session_authz *m, long long now)
{
	char cls[sizeof m->class_attr + 1];
	size_t clen = m->class_len <= sizeof m->class_attr ? m->class_len : 0;

	class_text(m->class_attr, clen, cls);
	return db_run(d->h,
		      "INSERT INTO session_authz (sid, class, session_timeout, session_deadline,"
		      " idle_timeout, last_activity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		      " ON CONFLICT(sid) DO UPDATE SET class = excluded.class,"
		      " session_timeout = excluded.session_timeout,"
		      " session_deadline = excluded.session_deadline,"
		      " idle_timeout = excluded.idle_timeout",
		      "itiiii", (long long)m->sid, cls, (long long)m->session_timeout,
		      (long long)m->session_deadline, (long long)m->idle_timeout, now) < 0 ? -1 : 0;
}

/* Before the counters of (sid, spi, dir) are applied: a packet count that
 * differs from the last one stored is data traffic now. */
int db_authz_activity(struct db *d, uint64_t sid, uint32_t spi, int dir, uint64_t packets,
		      long long now)
{
	static const char sql_in[] =
		"UPDATE session_authz SET last_activity = ?4 WHERE sid = ?1 AND EXISTS"
		" (SELECT 1 FROM child_sas WHERE sid = ?1 AND spi_in = ?2 AND in_pkts_last != ?3)";
	static const char sql_out[] =
		"UPDATE session_authz SET last_activity = ?4 WHERE sid = ?1 AND EXISTS"
		" (SELECT 1 FROM child_sas WHERE sid = ?1 AND spi_out = ?2 AND out_pkts_last != ?3)";
	long long p = packets > INT64_MAX ? INT64_MAX : (long long)packets;

	return db_run(d->h, dir == SA_IN ? sql_in : sql_out, "iiii", (long long)sid,
		      (long long)spi, p, now) < 0 ? -1 : 0;
}

int db_authz_end(struct db *d, uint64_t sid)
{
	return db_run(d->h, "DELETE FROM session_authz WHERE sid = ?1", "i",
		      (long long)sid) < 0 ? -1 : 0;
}
