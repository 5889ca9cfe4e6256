/* The RADIUS accounting spool: db is the state of record.
 *
 * acct_sessions holds, per session with an accounting-server-group, what
 * its records need (Acct-Session-Id, Class, when it started, the interim
 * interval).  acct_spool holds every Accounting-Request not yet answered,
 * written in the same transaction as the event that caused it (address
 * assigned -> Start, timer -> Interim-Update, end -> Stop, daemon start /
 * shutdown -> Accounting-On / -Off).  authd sends them and reports each
 * answered one, which only then is deleted: a crash anywhere resends. */
#include "conf.h"
#include "db.h"
#include "ipc.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static void hex_text(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * n] = 0;
}

static uint32_t interim_of(const struct db *d, const char *grp)
{
	const struct conf_aaa_server *s = d->conf ? conf_aaa_server(d->conf, grp) : NULL;

	return s ? s->interim_secs : 0;
}

int db_acct_session_new(struct db *d, const struct ipc_db_session_new *m, long long now)
{
	char grp[NAME_LEN], asid[sizeof m->acct_session_id], cls[2 * sizeof m->class_attr + 1];
	size_t clen = m->class_len <= sizeof m->class_attr ? m->class_len : 0;

	(void)now;
	ipc_strcpy(grp, sizeof grp, m->acct_group);
	ipc_strcpy(asid, sizeof asid, m->acct_session_id);
	if (!grp[0])
		return 0;
	hex_text(m->class_attr, clen, cls);
	return db_run(d->h, "INSERT INTO acct_sessions (sid, grp, acct_session_id, class,"
		      " interim_secs) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(sid) DO NOTHING",
		      "ittti", (long long)m->sid, grp, asid, cls,
		      (long long)interim_of(d, grp)) < 0 ? -1 : 0;
}

/* One record of a started session from its current row. */
static int spool_session(struct db *d, uint64_t sid, int status, int cause, long long now)
{
	return db_run(d->h,
		      "INSERT INTO acct_spool (created, status, cause, grp, username,"
		      " acct_session_id, framed_ip, calling_ip, class, session_time,"
		      " in_octets, out_octets, in_pkts, out_pkts)"
		      " SELECT ?2, ?3, ?4, a.grp, s.username, a.acct_session_id, s.assigned_ip,"
		      " s.public_ip, a.class, MAX(0, ?2 - a.start_time), s.bytes_rx, s.bytes_tx,"
		      " s.pkts_rx, s.pkts_tx FROM sessions s JOIN acct_sessions a ON a.sid = s.sid"
		      " WHERE s.sid = ?1 AND a.started = 1",
		      "iiii", (long long)sid, now, (long long)status, (long long)cause);
}

int db_acct_address(struct db *d, uint64_t sid, long long now)
{
	int n = db_run(d->h, "UPDATE acct_sessions SET started = 1, start_time = ?2,"
		       " next_interim = CASE WHEN interim_secs > 0 THEN ?2 + interim_secs ELSE 0 END"
		       " WHERE sid = ?1 AND started = 0", "ii", (long long)sid, now);

	if (n <= 0)
		return n;
	log_info("db: session %016llx: accounting Start spooled", (unsigned long long)sid);
	return spool_session(d, sid, ACCT_START, 0, now);
}

int db_acct_terminate_cause(const char *cause)
{
	static const struct { const char *cause; int value; } map[] = {
		{ "user", 1 },			/* User-Request */
		{ "dpd", 2 },			/* Lost-Carrier */
		{ "idle", 4 },			/* Idle-Timeout */
		{ "idle-timeout", 4 },		/* Idle-Timeout */
		{ "session-timeout", 5 },	/* Session-Timeout */
		{ "admin", 6 },			/* Admin-Reset */
		{ "dae-disconnect", 6 },	/* Admin-Reset (RFC 5176 Disconnect) */
		{ "shutdown", 11 },		/* NAS-Reboot */
		{ "restart", 11 },		/* NAS-Reboot: the daemon died and came back */
		{ "crash", 9 },			/* NAS-Error: an IKE worker died */
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].cause, cause))
			return map[i].value;
	return 9;				/* NAS-Error: timeout, error, ... */
}

int db_acct_stop(struct db *d, uint64_t sid, const char *cause, long long now)
{
	int n = spool_session(d, sid, ACCT_STOP, db_acct_terminate_cause(cause), now);

	if (n < 0 || db_run(d->h, "DELETE FROM acct_sessions WHERE sid = ?1", "i",
			    (long long)sid) < 0)
		return -1;
	if (n > 0)
		log_info("db: session %016llx: accounting Stop spooled (%s)",
			 (unsigned long long)sid, cause);
	return 0;
}

/* The distinct accounting groups the tunnel-groups name. */
int db_acct_on_off(struct db *d, bool on, long long now)
{
	const struct conf *c = d->conf;

	for (int i = 0; c && i < c->n_tgroups; i++) {
		const char *g = c->tgroups[i].acct_server_group;
		bool seen = false;

		for (int k = 0; k < i && !seen; k++)
			seen = !strcmp(c->tgroups[k].acct_server_group, g);
		if (!g[0] || seen)
			continue;
		if (db_run(d->h, "INSERT INTO acct_spool (created, status, grp) VALUES (?1, ?2, ?3)",
			   "iit", now, (long long)(on ? ACCT_ON : ACCT_OFF), g) < 0)
			return -1;
		log_info("db: Accounting-%s spooled for aaa-server %s", on ? "On" : "Off", g);
	}
	return 0;
}

int db_acct_interims(struct db *d, long long now)
{
	int n = db_run(d->h,
		       "INSERT INTO acct_spool (created, status, cause, grp, username,"
		       " acct_session_id, framed_ip, calling_ip, class, session_time,"
		       " in_octets, out_octets, in_pkts, out_pkts)"
		       " SELECT ?1, ?2, 0, a.grp, s.username, a.acct_session_id, s.assigned_ip,"
		       " s.public_ip, a.class, MAX(0, ?1 - a.start_time), s.bytes_rx, s.bytes_tx,"
		       " s.pkts_rx, s.pkts_tx FROM sessions s JOIN acct_sessions a ON a.sid = s.sid"
		       " WHERE a.started = 1 AND a.interim_secs > 0 AND a.next_interim <= ?1"
		       " ORDER BY s.sid", "ii", now, (long long)ACCT_INTERIM);

	if (n < 0 || db_run(d->h, "UPDATE acct_sessions SET next_interim = ?1 + interim_secs"
			    " WHERE started = 1 AND interim_secs > 0 AND next_interim <= ?1",
			    "i", now) < 0)
		return -1;
	if (n > 0)
		log_debug("db: %d Interim-Update(s) spooled", n);
	return n;
}

static long long query_int(sqlite3 *h, const char *sql, long long dflt)
{
	sqlite3_stmt *st;
	long long v = dflt;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

long long db_acct_next_interim(struct db *d)
{
	return query_int(d->h, "SELECT MIN(next_interim) FROM acct_sessions"
			 " WHERE started = 1 AND interim_secs > 0", -1);
}

static uint32_t ip_of(const unsigned char *text)
{
	struct in_addr a = { 0 };

	if (text && inet_pton(AF_INET, (const char *)text, &a) != 1)
		a.s_addr = 0;
	return a.s_addr;
}

static unsigned hex_val(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* Class was stored as lowercase hex by db_acct_session_new. */
static void class_of(const unsigned char *hex, struct ipc_acct_send *r)
{
	size_t n = hex ? strlen((const char *)hex) / 2 : 0;

	if (n > sizeof r->class_attr)
		n = sizeof r->class_attr;
	for (size_t i = 0; i < n; i++)
		r->class_attr[i] = (uint8_t)(hex_val((char)hex[2 * i]) << 4 | hex_val((char)hex[2 * i + 1]));
	r->class_len = (uint16_t)n;
}

static uint64_t col_u64(sqlite3_stmt *st, int i)
{
	long long v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : (uint64_t)v;
}

static void row_to_record(sqlite3_stmt *st, struct ipc_acct_send *r)
{
	memset(r, 0, sizeof *r);
	r->rec_id = col_u64(st, 0);
	r->created = sqlite3_column_int64(st, 1);
	r->status_type = (uint32_t)sqlite3_column_int(st, 2);
	r->terminate_cause = (uint32_t)sqlite3_column_int(st, 3);
	ipc_strcpy(r->group, sizeof r->group, (const char *)sqlite3_column_text(st, 4));
	ipc_strcpy(r->user, sizeof r->user, (const char *)sqlite3_column_text(st, 5));
	ipc_strcpy(r->acct_session_id, sizeof r->acct_session_id,
		   (const char *)sqlite3_column_text(st, 6));
	r->framed_addr = ip_of(sqlite3_column_text(st, 7));
	r->calling_addr = ip_of(sqlite3_column_text(st, 8));
	class_of(sqlite3_column_text(st, 9), r);
	r->session_time = (uint32_t)sqlite3_column_int64(st, 10);
	r->in_octets = col_u64(st, 11);
	r->out_octets = col_u64(st, 12);
	r->in_packets = col_u64(st, 13);
	r->out_packets = col_u64(st, 14);
}

long long db_acct_each_pending(struct db *d, long long after, db_acct_send_fn send, void *arg)
{
	sqlite3_stmt *st;
	struct ipc_acct_send r;
	long long last = after;

	if (sqlite3_prepare_v2(d->h, "SELECT id, created, status, cause, grp, username,"
			       " acct_session_id, framed_ip, calling_ip, class, session_time,"
			       " in_octets, out_octets, in_pkts, out_pkts FROM acct_spool"
			       " WHERE id > ?1 ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		log_err("db: acct spool: %s", sqlite3_errmsg(d->h));
		return after;
	}
	sqlite3_bind_int64(st, 1, after);
	while (sqlite3_step(st) == SQLITE_ROW) {
		row_to_record(st, &r);
		if (!send(&r, arg))
			break;
		last = (long long)r.rec_id;
	}
	sqlite3_finalize(st);
	return last;
}

int db_acct_done(struct db *d, uint64_t id)
{
	return db_run(d->h, "DELETE FROM acct_spool WHERE id = ?1", "i", (long long)id) < 0 ? -1 : 0;
}
