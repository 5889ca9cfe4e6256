/* ravpn-db: receives session events from every process and writes them
 * to SQLite, batched; chrooted into its database directory. */
#include "chanloop.h"
#include "child.h"
#include "db.h"
#include "db_schema.h"
#include "ipc.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static struct child c;
static struct chanloop loop;
static struct db d;
static long long acct_sent_upto;	/* spool ids handed to this authd */
static long long acct_next_interim = -1;	/* wall seconds, -1: none */

static void init_sqlite(void)
{
	if (sqlite3_initialize() != SQLITE_OK)
		fatal("db: sqlite3_initialize failed");
}

/* Applies a db event; false if m is not one. */
static bool apply(struct ipc_msg *m)
{
	if ((m->hdr.type < IPC_DB_SESSION_NEW || m->hdr.type > IPC_DB_WORKER_STATS) &&
	    m->hdr.type != IPC_DB_SESSION_AUTHZ)
		return false;
	if (!d.in_txn && db_txn_begin(&d, now_ms()) < 0)
		return true;
	db_handle_event(&d, m->hdr.type, m->data, m->hdr.len, now_wall());
	return true;
}

static bool acct_send_one(const struct ipc_acct_send *rec, void *arg)
{
	int fd = *(int *)arg;

	return ipc_send(fd, IPC_ACCT_SEND, 0, rec, sizeof *rec, -1) == 0;
}

/* Committed records go to authd, each once per authd channel. */
static void acct_flush(void)
{
	int fd = c.chan[ROLE_AUTHD][0];

	if (fd >= 0 && d.h && !d.in_txn)
		acct_sent_upto = db_acct_each_pending(&d, acct_sent_upto, acct_send_one, &fd);
}

static void acct_done(const struct ipc_msg *m)
{
	struct ipc_acct_done a;

	memcpy(&a, m->data, sizeof a);
	if (!d.in_txn && db_txn_begin(&d, now_ms()) < 0)
		return;
	db_acct_done(&d, a.rec_id);
}

static bool on_peer_msg(void *arg, int role, int index, struct ipc_msg *m)
{
	(void)arg;
	(void)index;
	if (role == ROLE_AUTHD && m->hdr.type == IPC_ACCT_DONE) {
		acct_done(m);
		return true;
	}
	return apply(m);
}

static bool on_master_msg(void *arg, struct ipc_msg *m)
{
	(void)arg;
	return apply(m);
}

static bool lease_send_one(const struct ipc_db_lease *m, void *arg)
{
	return ipc_send(*(int *)arg, IPC_DB_LEASE, 0, m, sizeof *m, -1) == 0;
}

/* A (re)started poold learns the live leases, then an end marker (sid 0):
 * until then it hands out no address. */
static void lease_table_to_poold(void)
{
	int fd = c.chan[ROLE_POOLD][0];
	struct ipc_db_lease end = { .sid = 0 };

	if (fd < 0 || !d.h)
		return;
	if (!d.in_txn)
		db_txn_begin(&d, now_ms());
	int n = db_leases_each(&d, lease_send_one, &fd);

	if (n > 0)
		log_info("db: %d live lease(s) sent to poold", n);
	ipc_send(fd, IPC_DB_LEASE, 0, &end, sizeof end, -1);
}

/* A restarted ESP worker counts from zero again. */
static void on_new_channel(void *arg, int role, int index)
{
	(void)arg;
	if (role == ROLE_POOLD)
		lease_table_to_poold();
	if (role == ROLE_ESP && d.h) {
		db_txn_begin(&d, now_ms());
		db_esp_restarted(&d, index);
	}
	/* a (re)started authd knows nothing: every pending record again */
	if (role == ROLE_AUTHD) {
		acct_sent_upto = 0;
		acct_flush();
	}
}

static void on_master_gone(void *arg)
{
	(void)arg;
	db_txn_commit(&d);
	db_close(&d);
}

/* Events are batched into one transaction, committed when the loop goes
 * idle or DB_TXN_MAX_MS after it began, whichever comes first. */
static long long txn_due_ms(void *arg)
{
	long long now = now_ms();
	int left = db_txn_due_in(&d, now);
	long long due = left < 0 ? -1 : now + left;

	(void)arg;
	if (acct_next_interim >= 0) {
		long long at = now + (acct_next_interim - now_wall()) * 1000;

		if (due < 0 || at < due)
			due = at < now ? now : at;
	}
	return due;
}

static void commit(void *arg)
{
	(void)arg;
	db_txn_commit(&d);
	acct_next_interim = db_acct_next_interim(&d);
	acct_flush();
}

/* The transaction is due, or Interim-Updates are. */
static void on_due(void *arg)
{
	if (acct_next_interim >= 0 && acct_next_interim <= now_wall() &&
	    (d.in_txn || db_txn_begin(&d, now_ms()) == 0))
		db_acct_interims(&d, now_wall());
	commit(arg);
}

/* A fresh start of the daemon: the RADIUS servers learn that no session
 * of a previous run is left (the Stops recovered ones got come first). */
static void acct_on(void)
{
	d.conf = &c.conf;
	if (db_txn_begin(&d, now_ms()) == 0 && db_acct_on_off(&d, true, now_wall()) == 0)
		commit(NULL);
}

static const char *db_path(char *buf, size_t len)
{
	/* Chrooted into the directory, the file is at the root. */
	if (!c.sb.disabled)
		return "/" DB_FILE;
	snprintf(buf, len, "%s/%s", c.sb.root ? c.sb.root : ".", DB_FILE);
	return buf;
}

int main(int argc, char **argv)
{
	static const struct chanloop_ops ops = {
		.on_peer_msg = on_peer_msg,
		.on_master_msg = on_master_msg,
		.on_new_channel = on_new_channel,
		.on_master_gone = on_master_gone,
		.due_ms = txn_due_ms,
		.on_due = on_due,
		.on_idle = commit,
	};
	char buf[4096];

	child_start(&c, ROLE_DB, argc, argv, init_sqlite);
	if (db_open(&d, db_path(buf, sizeof buf), now_wall()) < 0)
		fatal("db: cannot open the database");
	acct_on();
	chanloop_init(&loop, &c, &ops);
	lease_table_to_poold();	/* a poold started with us waits for it */
	log_info("db: ready (%s)", db_path(buf, sizeof buf));
	chanloop_run(&loop);
}
