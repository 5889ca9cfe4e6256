/* ravpn-db: the only writer of the session database. */
#ifndef RAVPN_DB_H
#define RAVPN_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* Events are batched: a transaction begins with the first event and is
 * committed when the loop goes idle or after this many milliseconds. */
#define DB_TXN_MAX_MS	200

struct conf;
struct ipc_db_session_new;
struct ipc_acct_send;

struct db {
	sqlite3 *h;
	bool in_txn;
	long long txn_start_ms;
	const struct conf *conf;	/* interim intervals, accounting groups; may be NULL */
};

/* Opens (creating if needed) the database at path: WAL, synchronous=NORMAL,
 * the schema, and moves sessions left from a previous run to history with
 * cause "restart" (now = unix seconds).  Returns 0 or -1 (logged). */
int db_open(struct db *d, const char *path, long long now);
void db_close(struct db *d);

/* Applies one IPC_DB_* event (payload already size-checked by ipc_recv).
 * now: unix seconds, used when the event carries no time.  Returns 0, or
 * -1 on an SQL error or a type that is not a db event (logged). */
int db_handle_event(struct db *d, uint16_t type, const void *payload, size_t len,
		    long long now);

/* An ESP worker restarted: its next counters start from zero again. */
int db_esp_restarted(struct db *d, int esp_index);

/* Transactions: begin lazily, commit when idle or due. */
int db_txn_begin(struct db *d, long long now_ms);
int db_txn_commit(struct db *d);
/* Milliseconds until the open transaction must be committed (0 = now),
 * or -1 when none is open. */
int db_txn_due_in(const struct db *d, long long now_ms);

/* Helpers shared by the db files. */
int db_schema_apply(sqlite3 *h);
int db_exec(sqlite3 *h, const char *sql);
/* Runs one statement.  fmt names each bound parameter in order (?1, ?2...):
 * 'i' long long, 't' const char *.  Returns sqlite3_changes() or -1. */
int db_run(sqlite3 *h, const char *sql, const char *fmt, ...);
/* Moves one session to history and removes its SAs. */
int db_session_end(struct db *d, uint64_t sid, const char *cause, long long end_time);
/* Ends every session of IKE worker ike_index (0xff: all). Returns how many. */
int db_end_all(struct db *d, int ike_index, const char *cause, long long end_time);
/* RADIUS accounting (acct.c).  Every record is written to the spool in
 * the transaction of the event that caused it; authd gets it after the
 * commit and db deletes it only when authd reports it answered. */
/* Remembers what a session's records need (nothing if no acct group). */
int db_acct_session_new(struct db *d, const struct ipc_db_session_new *m, long long now);
/* The first address given to a session spools its Start. */
int db_acct_address(struct db *d, uint64_t sid, long long now);
/* Spools the Stop of a started session (before its row leaves). */
int db_acct_stop(struct db *d, uint64_t sid, const char *cause, long long now);
/* Spools Accounting-On (on) or -Off for every accounting group in the config. */
int db_acct_on_off(struct db *d, bool on, long long now);
/* Spools the Interim-Updates that are due; returns how many or -1. */
int db_acct_interims(struct db *d, long long now);
/* Wall second of the next Interim-Update, or -1 for none. */
long long db_acct_next_interim(struct db *d);
/* The RFC 2866 Acct-Terminate-Cause for an end cause. */
int db_acct_terminate_cause(const char *cause);
/* Calls send(rec, arg) for every spooled record with id > after, in
 * order; returns the last id handed over (after when none). */
/* The live leases (lease_table.c), after dropping those of sessions that
 * are no longer live; fn returns false to stop.  Returns how many or -1. */
struct ipc_db_lease;
typedef bool (*db_lease_fn)(const struct ipc_db_lease *m, void *arg);
int db_leases_each(struct db *d, db_lease_fn fn, void *arg);
typedef bool (*db_acct_send_fn)(const struct ipc_acct_send *rec, void *arg);
long long db_acct_each_pending(struct db *d, long long after, db_acct_send_fn send, void *arg);
/* authd reports record id answered: it leaves the spool. */
int db_acct_done(struct db *d, uint64_t id);

/* workers.c: an ESP worker's totals replace its esp_workers row. */
struct ipc_db_worker_stats;
int db_worker_stats(struct db *d, const struct ipc_db_worker_stats *m, long long now);

/* authz.c: a live session's Class and timers for `show vpn-sessiondb
 * detail`; its last data traffic, seen in its ESP counters. */
struct ipc_db_session_authz;
int db_authz_set(struct db *d, const struct ipc_db_session_authz *m, long long now);
int db_authz_activity(struct db *d, uint64_t sid, uint32_t spi, int dir, uint64_t packets,
		      long long now);
int db_authz_end(struct db *d, uint64_t sid);

/* Dotted quad of a network-order address. */
void db_ip_text(uint32_t addr, char out[16]);

#endif
