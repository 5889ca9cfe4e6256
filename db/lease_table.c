/* The live lease table handed to a (re)started poold: it learns which
 * addresses are taken before it hands any out, so a kill -9 of poold never
 * leads to an address given to two live sessions.  Leases of sessions that
 * are no longer live (ended while poold was down, so its free was lost)
 * are dropped here instead. */
#include "db.h"
#include "ipc.h"
#include "log.h"

#include <arpa/inet.h>
#include <string.h>

static void lease_row(sqlite3_stmt *st, struct ipc_db_lease *m)
{
	const char *pool = (const char *)sqlite3_column_text(st, 0);
	const char *addr = (const char *)sqlite3_column_text(st, 1);
	const char *user = (const char *)sqlite3_column_text(st, 3);
	struct in_addr a = { 0 };

	memset(m, 0, sizeof *m);
	ipc_strcpy(m->pool, sizeof m->pool, pool ? pool : "");
	ipc_strcpy(m->user, sizeof m->user, user ? user : "");
	if (addr)
		inet_pton(AF_INET, addr, &a);
	m->addr = a.s_addr;
	m->sid = (uint64_t)sqlite3_column_int64(st, 2);
	m->in_use = 1;
}

int db_leases_each(struct db *d, db_lease_fn fn, void *arg)
{
	sqlite3_stmt *st;
	struct ipc_db_lease m;
	int n = 0, dropped;

	dropped = db_run(d->h, "DELETE FROM leases WHERE sid NOT IN (SELECT sid FROM sessions)",
			 "");
	if (dropped > 0)
		log_notice("db: %d lease(s) of ended sessions released", dropped);
	if (sqlite3_prepare_v2(d->h, "SELECT pool, addr, sid, username FROM leases", -1, &st,
			       NULL) != SQLITE_OK) {
		log_err("db: lease table: %s", sqlite3_errmsg(d->h));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		lease_row(st, &m);
		if (!fn(&m, arg))
			break;
		n++;
	}
	sqlite3_finalize(st);
	return n;
}
