/* Opening the database, running statements, batching transactions. */
#include "db.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int db_exec(sqlite3 *h, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	log_err("db: %s: %s", sql, err ? err : sqlite3_errmsg(h));
	sqlite3_free(err);
	return -1;
}

static int bind_args(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 1; *fmt && rc == SQLITE_OK; fmt++, i++) {
		if (*fmt == 'i')
			rc = sqlite3_bind_int64(st, i, va_arg(ap, long long));
		else
			rc = sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	}
	return rc;
}

int db_run(sqlite3 *h, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		log_err("db: prepare: %s", sqlite3_errmsg(h));
		return -1;
	}
	va_start(ap, fmt);
	rc = bind_args(st, fmt, ap);
	va_end(ap);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_err("db: %s", sqlite3_errmsg(h));
		return -1;
	}
	return sqlite3_changes(h);
}

void db_ip_text(uint32_t addr, char out[16])
{
	struct in_addr a = { .s_addr = addr };

	if (!inet_ntop(AF_INET, &a, out, 16))
		out[0] = 0;
}

static int set_pragmas(sqlite3 *h)
{
	int persist = 1;

	sqlite3_busy_timeout(h, 2000);
	/* Keep -wal and -shm after close: ravpnctl opens the file read-only
	 * and cannot create them in a directory it may not write. */
	sqlite3_file_control(h, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	return db_exec(h, "PRAGMA journal_mode=WAL;"
			  "PRAGMA synchronous=NORMAL;"
			  "PRAGMA temp_store=MEMORY;"
			  "PRAGMA journal_size_limit=4194304;");
}

/* Sessions of a previous run (a crash: a clean stop ended them) go to
 * history; SAs and leases of that run are gone with its processes. */
static int recover(struct db *d, long long now)
{
	int n = db_end_all(d, 0xff, "restart", now);

	if (n < 0)
		return -1;
	if (n > 0)
		log_notice("db: %d session(s) of a previous run moved to history (restart)", n);
	return db_exec(d->h, "DELETE FROM ike_sas; DELETE FROM child_sas; DELETE FROM leases;"
			  " DELETE FROM acct_sessions; DELETE FROM session_authz;");
}

/* The file is 0640 so group ravpn (ravpnctl) can read it; SQLite gives
 * -wal and -shm the mode of the database file.  Done with open+fchmod
 * rather than umask(), which the db's seccomp filter does not allow. */
static void make_group_readable(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);

	if (fd < 0) {
		log_warn("db: %s: %s", path, strerror(errno));
		return;
	}
	if (fchmod(fd, 0640) < 0)
		log_warn("db: chmod %s: %s", path, strerror(errno));
	close(fd);
}

int db_open(struct db *d, const char *path, long long now)
{
	int rc;

	memset(d, 0, sizeof *d);
	make_group_readable(path);
	rc = sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_err("db: open %s: %s", path, d->h ? sqlite3_errmsg(d->h) : "out of memory");
		db_close(d);
		return -1;
	}
	if (set_pragmas(d->h) < 0 || db_schema_apply(d->h) < 0 ||
	    db_exec(d->h, "BEGIN") < 0) {
		db_close(d);
		return -1;
	}
	d->in_txn = true;
	if (recover(d, now) < 0 || db_txn_commit(d) < 0) {
		db_close(d);
		return -1;
	}
	return 0;
}

void db_close(struct db *d)
{
	if (d->h && d->in_txn)
		db_txn_commit(d);
	sqlite3_close(d->h);
	d->h = NULL;
}

int db_txn_begin(struct db *d, long long now_ms)
{
	if (d->in_txn)
		return 0;
	if (db_exec(d->h, "BEGIN") < 0)
		return -1;
	d->in_txn = true;
	d->txn_start_ms = now_ms;
	return 0;
}

int db_txn_commit(struct db *d)
{
	if (!d->in_txn)
		return 0;
	d->in_txn = false;
	if (db_exec(d->h, "COMMIT") == 0)
		return 0;
	/* A failed COMMIT may leave the transaction open: roll it back so the
	 * next batch starts clean (its events are lost, and logged above). */
	if (!sqlite3_get_autocommit(d->h))
		db_exec(d->h, "ROLLBACK");
	return -1;
}

int db_txn_due_in(const struct db *d, long long now_ms)
{
	long long left;

	if (!d->in_txn)
		return -1;
	left = d->txn_start_ms + DB_TXN_MAX_MS - now_ms;
	return left > 0 ? (int)left : 0;
}
