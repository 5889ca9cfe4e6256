/* Ending sessions: a session row moves to history with its cause. */
#include "db.h"
#include "log.h"

#include <stdlib.h>

#define SESSION_COPY_COLS \
	"idx, sid, username, tunnel_group, group_policy, assigned_ip, public_ip," \
	" public_port, protocol, encryption, hashing, login_time, bytes_tx, bytes_rx," \
	" pkts_tx, pkts_rx, ike_index"

static const char sql_to_history[] =
	"INSERT INTO history (" SESSION_COPY_COLS ", end_time, duration, cause)"
	" SELECT " SESSION_COPY_COLS ", ?2, MAX(0, ?2 - login_time), ?3"
	" FROM sessions WHERE sid = ?1";

int db_session_end(struct db *d, uint64_t sid, const char *cause, long long end_time)
{
	long long s = (long long)sid;
	int n;

	if (db_acct_stop(d, sid, cause, end_time) < 0)
		return -1;
	n = db_run(d->h, sql_to_history, "iit", s, end_time, cause);
	if (n < 0)
		return -1;
	if (db_authz_end(d, sid) < 0 ||
	    db_run(d->h, "DELETE FROM child_sas WHERE sid = ?1", "i", s) < 0 ||
	    db_run(d->h, "DELETE FROM ike_sas WHERE sid = ?1", "i", s) < 0 ||
	    db_run(d->h, "DELETE FROM sessions WHERE sid = ?1", "i", s) < 0)
		return -1;
	return n;
}

/* The sids to end, collected first so rows are not deleted under a
 * running SELECT. */
static int collect_sids(struct db *d, int ike_index, uint64_t **out)
{
	sqlite3_stmt *st;
	uint64_t *v = NULL;
	int n = 0, cap = 0, rc;

	if (sqlite3_prepare_v2(d->h, "SELECT sid FROM sessions WHERE ?1 = 255 OR ike_index = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, ike_index);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			uint64_t *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 16) * sizeof *v);

			if (!nv)
				break;
			v = nv;
		}
		v[n++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		log_err("db: listing sessions: %s", sqlite3_errmsg(d->h));
		return -1;
	}
	*out = v;
	return n;
}

int db_end_all(struct db *d, int ike_index, const char *cause, long long end_time)
{
	uint64_t *sids = NULL;
	int n = collect_sids(d, ike_index, &sids);

	for (int i = 0; i < n; i++)
		if (db_session_end(d, sids[i], cause, end_time) < 0) {
			n = -1;
			break;
		}
	free(sids);
	return n;
}
