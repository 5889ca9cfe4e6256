/* Applies the IPC_DB_* events to the tables. */
#include "buf.h"
#include "db.h"
#include "ipc.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

/* Copies a fixed-size payload out of the message (exact size required). */
static bool take(const void *p, size_t len, void *dst, size_t n)
{
	struct rbuf r;

	rbuf_init(&r, p, len);
	return len == n && rbuf_copy(&r, dst, n);
}

#define TERM(field) ((field)[sizeof(field) - 1] = 0)

static void hex8(const uint8_t b[8], char out[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int session_new(struct db *d, struct ipc_db_session_new *m, long long now)
{
	char ip[16];

	TERM(m->user);
	TERM(m->tunnel_group);
	TERM(m->group_policy);
	db_ip_text(m->public_addr, ip);
	if (db_acct_session_new(d, m, now) < 0)
		return -1;
	return db_run(d->h,
		      "INSERT INTO sessions (sid, username, tunnel_group, group_policy,"
		      " public_ip, public_port, login_time, ike_index)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(sid) DO NOTHING",
		      "ittttiii", (long long)m->sid, m->user, m->tunnel_group, m->group_policy,
		      ip, (long long)m->public_port, m->login_time ? m->login_time : now,
		      (long long)m->ike_index);
}

/* Empty strings and zero addresses mean "unchanged". */
static int session_upd(struct db *d, struct ipc_db_session_upd *m, long long now)
{
	char aip[16] = "", pip[16] = "";
	int n;

	TERM(m->protocol);
	TERM(m->encryption);
	TERM(m->hashing);
	if (m->assigned_addr)
		db_ip_text(m->assigned_addr, aip);
	if (m->public_addr)
		db_ip_text(m->public_addr, pip);
	n = db_run(d->h,
		      "UPDATE sessions SET assigned_ip = COALESCE(NULLIF(?2, ''), assigned_ip),"
		      " public_ip = COALESCE(NULLIF(?3, ''), public_ip),"
		      " public_port = COALESCE(NULLIF(?4, 0), public_port),"
		      " protocol = COALESCE(NULLIF(?5, ''), protocol),"
		      " encryption = COALESCE(NULLIF(?6, ''), encryption),"
		      " hashing = COALESCE(NULLIF(?7, ''), hashing) WHERE sid = ?1",
		      "ittittt", (long long)m->sid, aip, pip, (long long)m->public_port,
		      m->protocol, m->encryption, m->hashing);
	/* the first address makes the session start for accounting */
	if (n > 0 && m->assigned_addr)
		return db_acct_address(d, m->sid, now);
	return n;
}

static int session_end(struct db *d, struct ipc_db_session_end *m, long long now)
{
	int n;

	TERM(m->cause);
	n = db_session_end(d, m->sid, m->cause[0] ? m->cause : "unknown",
			   m->end_time ? m->end_time : now);
	if (n == 0)
		log_debug("db: end of unknown session %016llx", (unsigned long long)m->sid);
	return n < 0 ? -1 : 0;
}

static int end_all(struct db *d, struct ipc_db_end_all *m, long long now)
{
	int n;

	TERM(m->cause);
	n = db_end_all(d, m->ike_index, m->cause[0] ? m->cause : "unknown", now);
	/* the daemon stops: after every Stop, Accounting-Off */
	if (n >= 0 && m->ike_index == 0xff && !strcmp(m->cause, "shutdown") &&
	    db_acct_on_off(d, false, now) < 0)
		return -1;
	if (n >= 0 && m->ike_index == 0xff)
		log_info("db: ended %d session(s) of all workers, cause %s", n, m->cause);
	else if (n >= 0)
		log_info("db: ended %d session(s) of ike worker %u, cause %s", n,
			 m->ike_index, m->cause);
	return n < 0 ? -1 : 0;
}

/* A deleted SA is only marked; a deleted SA of a session that never came
 * up (failed XAUTH) is removed so nothing is left behind. */
static int ike_sa(struct db *d, struct ipc_db_ike_sa *m)
{
	char ic[17], rc[17], ip[16];

	hex8(m->icookie, ic);
	hex8(m->rcookie, rc);
	if (m->deleted) {
		if (db_run(d->h, "UPDATE ike_sas SET deleted = 1 WHERE icookie = ?1 AND rcookie = ?2",
			   "tt", ic, rc) < 0)
			return -1;
		return db_run(d->h, "DELETE FROM ike_sas WHERE icookie = ?1 AND rcookie = ?2 AND"
			      " sid NOT IN (SELECT sid FROM sessions)", "tt", ic, rc) < 0 ? -1 : 0;
	}
	TERM(m->encryption);
	TERM(m->hashing);
	TERM(m->auth);
	db_ip_text(m->peer_addr, ip);
	return db_run(d->h,
		      "INSERT INTO ike_sas (sid, icookie, rcookie, encryption, hashing, auth,"
		      " dh_group, lifetime, peer_ip, peer_port, created) VALUES"
		      " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
		      " ON CONFLICT(icookie, rcookie) DO UPDATE SET sid = excluded.sid, deleted = 0",
		      "itttttiitii", (long long)m->sid, ic, rc, m->encryption, m->hashing, m->auth,
		      (long long)m->dh_group, (long long)m->lifetime, ip,
		      (long long)m->peer_port, (long long)m->created) < 0 ? -1 : 0;
}

static int child_sa(struct db *d, struct ipc_db_child_sa *m, long long now)
{
	long long sid = (long long)m->sid, in = m->spi_in, out = m->spi_out;

	if (m->deleted)
		return db_run(d->h, "UPDATE child_sas SET deleted = 1 WHERE sid = ?1 AND"
			      " spi_in = ?2 AND spi_out = ?3", "iii", sid, in, out) < 0 ? -1 : 0;
	TERM(m->encryption);
	TERM(m->integrity);
	return db_run(d->h,
		      "INSERT INTO child_sas (sid, spi_in, spi_out, encryption, integrity,"
		      " tunnel, encap, lifetime, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		      " ON CONFLICT(sid, spi_in, spi_out) DO UPDATE SET deleted = 0",
		      "iiittiiii", sid, in, out, m->encryption, m->integrity, (long long)m->tunnel,
		      (long long)m->encap, (long long)m->lifetime,
		      m->created ? m->created : now) < 0 ? -1 : 0;
}

/* The per-direction counter update: the worker reports absolute values;
 * a value below the last one means the worker restarted from zero. */
#define ACCUMULATE(d)							\
	"UPDATE child_sas SET esp_index = ?3,"				\
	" " d "_bytes = " d "_bytes + CASE WHEN ?4 >= " d "_bytes_last"	\
	"   THEN ?4 - " d "_bytes_last ELSE ?4 END, " d "_bytes_last = ?4,"	\
	" " d "_pkts = " d "_pkts + CASE WHEN ?5 >= " d "_pkts_last"	\
	"   THEN ?5 - " d "_pkts_last ELSE ?5 END, " d "_pkts_last = ?5,"	\
	" drops_auth = ?6, drops_replay = ?7, drops_other = ?8"		\
	" WHERE sid = ?1 AND spi_" d " = ?2"

static const char sql_session_totals[] =
	"UPDATE sessions SET"
	" bytes_tx = (SELECT COALESCE(SUM(out_bytes), 0) FROM child_sas WHERE sid = ?1),"
	" bytes_rx = (SELECT COALESCE(SUM(in_bytes), 0) FROM child_sas WHERE sid = ?1),"
	" pkts_tx = (SELECT COALESCE(SUM(out_pkts), 0) FROM child_sas WHERE sid = ?1),"
	" pkts_rx = (SELECT COALESCE(SUM(in_pkts), 0) FROM child_sas WHERE sid = ?1)"
	" WHERE sid = ?1";

static long long clamp64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (long long)v;
}

static int counters(struct db *d, const struct ipc_db_counters *m, long long now)
{
	long long sid = (long long)m->sid;
	int n;

	if (m->dir != SA_IN && m->dir != SA_OUT) {
		log_warn("db: counters with bad direction %u", m->dir);
		return 0;
	}
	if (db_authz_activity(d, m->sid, m->spi, m->dir, m->packets, now) < 0)
		return -1;
	n = db_run(d->h, m->dir == SA_IN ? ACCUMULATE("in") : ACCUMULATE("out"), "iiiiiiii",
		   sid, (long long)m->spi, (long long)m->esp_index, clamp64(m->bytes),
		   clamp64(m->packets), clamp64(m->drops_auth), clamp64(m->drops_replay),
		   clamp64(m->drops_other));
	if (n <= 0)
		return n;	/* an SA the db does not know (yet) */
	return db_run(d->h, sql_session_totals, "i", sid) < 0 ? -1 : 0;
}

static int lease(struct db *d, struct ipc_db_lease *m, long long now)
{
	char ip[16];

	TERM(m->pool);
	TERM(m->user);
	db_ip_text(m->addr, ip);
	if (!m->in_use)
		return db_run(d->h, "DELETE FROM leases WHERE pool = ?1 AND addr = ?2",
			      "tt", m->pool, ip) < 0 ? -1 : 0;
	return db_run(d->h, "INSERT OR REPLACE INTO leases (pool, addr, sid, username, since)"
		      " VALUES (?1, ?2, ?3, ?4, ?5)", "ttiti", m->pool, ip, (long long)m->sid,
		      m->user, now) < 0 ? -1 : 0;
}

/* One row per host position: a reload that changes a host replaces it. */
static int aaa_stats(struct db *d, struct ipc_db_aaa_stats *m, long long now)
{
	char ip[16];

	TERM(m->group);
	db_ip_text(m->addr, ip);
	return db_run(d->h,
		      "INSERT OR REPLACE INTO aaa_servers (grp, host_index, addr, auth_port,"
		      " dead_until, requests, accepts, rejects, challenges, timeouts,"
		      " retransmissions, bad_responses, rtt_ms, rtt_avg_ms, updated) VALUES"
		      " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
		      "titi" "iiiiiiiiiii", m->group, (long long)m->host_index, ip,
		      (long long)m->auth_port, m->dead ? m->dead_until : 0LL,
		      clamp64(m->requests), clamp64(m->accepts), clamp64(m->rejects),
		      clamp64(m->challenges), clamp64(m->timeouts), clamp64(m->retransmissions),
		      clamp64(m->bad_responses), (long long)m->rtt_ms, (long long)m->rtt_avg_ms,
		      now) < 0 ? -1 : 0;
}

int db_esp_restarted(struct db *d, int esp_index)
{
	return db_run(d->h, "UPDATE child_sas SET in_bytes_last = 0, in_pkts_last = 0,"
		      " out_bytes_last = 0, out_pkts_last = 0 WHERE esp_index = ?1",
		      "i", (long long)esp_index) < 0 ? -1 : 0;
}

/* One union so each case copies into properly aligned storage. */
union db_event {
	struct ipc_db_session_new new;
	struct ipc_db_session_upd upd;
	struct ipc_db_session_end end;
	struct ipc_db_end_all all;
	struct ipc_db_ike_sa ike;
	struct ipc_db_child_sa child;
	struct ipc_db_counters cnt;
	struct ipc_db_lease lease;
	struct ipc_db_aaa_stats aaa;
	struct ipc_db_worker_stats wst;
	struct ipc_db_session_authz authz;
};

int db_handle_event(struct db *d, uint16_t type, const void *p, size_t len, long long now)
{
	union db_event e;

#define CASE(T, f, call) \
	case T: if (!take(p, len, &e.f, sizeof e.f)) break; return (call) < 0 ? -1 : 0
	switch (type) {
	CASE(IPC_DB_SESSION_NEW, new, session_new(d, &e.new, now));
	CASE(IPC_DB_SESSION_UPD, upd, session_upd(d, &e.upd, now));
	CASE(IPC_DB_SESSION_END, end, session_end(d, &e.end, now));
	CASE(IPC_DB_END_ALL, all, end_all(d, &e.all, now));
	CASE(IPC_DB_IKE_SA, ike, ike_sa(d, &e.ike));
	CASE(IPC_DB_CHILD_SA, child, child_sa(d, &e.child, now));
	CASE(IPC_DB_COUNTERS, cnt, counters(d, &e.cnt, now));
	CASE(IPC_DB_LEASE, lease, lease(d, &e.lease, now));
	CASE(IPC_DB_AAA_STATS, aaa, aaa_stats(d, &e.aaa, now));
	CASE(IPC_DB_WORKER_STATS, wst, db_worker_stats(d, &e.wst, now));
	CASE(IPC_DB_SESSION_AUTHZ, authz, db_authz_set(d, &e.authz, now));
	default:
		break;
	}
#undef CASE
	log_warn("db: unexpected %s (%zu bytes)", ipc_type_name(type), len);
	return -1;
}
