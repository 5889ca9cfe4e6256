/* ravpn-db: receives session events from every process and writes them
 * to SQLite, batched; chrooted into its database directory. */
#include "chanloop.h"
#include "child.h"
#include "db.h"
#include "db_schema.h"
#include "ipc.h"
#include "log.h"

#include <stdio.h>

static struct child c;
static struct chanloop loop;
static struct db d;

static void init_sqlite(void)
{
	if (sqlite3_initialize() != SQLITE_OK)
		fatal("db: sqlite3_initialize failed");
}

/* Applies a db event; false if m is not one. */
static bool apply(struct ipc_msg *m)
{
	if (m->hdr.type < IPC_DB_SESSION_NEW || m->hdr.type > IPC_DB_AAA_STATS)
		return false;
	if (!d.in_txn && db_txn_begin(&d, now_ms()) < 0)
		return true;
	db_handle_event(&d, m->hdr.type, m->data, m->hdr.len, now_wall());
	return true;
}

static bool on_peer_msg(void *arg, int role, int index, struct ipc_msg *m)
{
	(void)arg;
	(void)role;
	(void)index;
	return apply(m);
}

static bool on_master_msg(void *arg, struct ipc_msg *m)
{
	(void)arg;
	return apply(m);
}

/* A restarted ESP worker counts from zero again. */
static void on_new_channel(void *arg, int role, int index)
{
	(void)arg;
	if (role == ROLE_ESP && d.h) {
		db_txn_begin(&d, now_ms());
		db_esp_restarted(&d, index);
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

	(void)arg;
	return left < 0 ? -1 : now + left;
}

static void commit(void *arg)
{
	(void)arg;
	db_txn_commit(&d);
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
		.on_due = commit,
		.on_idle = commit,
	};
	char buf[4096];

	child_start(&c, ROLE_DB, argc, argv, init_sqlite);
	if (db_open(&d, db_path(buf, sizeof buf), now_wall()) < 0)
		fatal("db: cannot open the database");
	chanloop_init(&loop, &c, &ops);
	log_info("db: ready (%s)", db_path(buf, sizeof buf));
	chanloop_run(&loop);
}
