/* ravpn-db: receives session events from every process and writes them
 * to SQLite, batched; chrooted into its database directory. */
#include "buf.h"
#include "child.h"
#include "db.h"
#include "db_schema.h"
#include "ipc.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define TAG_MASTER	0xffffffffu

static struct child c;
static struct db d;
static int ep = -1;

static void init_sqlite(void)
{
	if (sqlite3_initialize() != SQLITE_OK)
		fatal("db: sqlite3_initialize failed");
}

static void watch(int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_err("db: epoll add: %s", strerror(errno));
}

static uint32_t chan_tag(int role, int index)
{
	return (uint32_t)role << 8 | (uint32_t)index;
}

static void drop_channel(int role, int index)
{
	int fd = c.chan[role][index];

	if (fd < 0)
		return;
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	c.chan[role][index] = -1;
}

static void watch_all_channels(void)
{
	for (int r = 0; r < ROLE_MAX; r++)
		for (int i = 0; i < MAX_WORKERS; i++)
			watch(c.chan[r][i], chan_tag(r, i));
}

static void commit_and_exit(void)
{
	db_txn_commit(&d);
	db_close(&d);
	log_info("db: master went away, exiting");
	exit(0);
}

static void apply(const struct ipc_msg *m)
{
	if (!d.in_txn && db_txn_begin(&d, now_ms()) < 0)
		return;
	db_handle_event(&d, m->hdr.type, m->data, m->hdr.len, now_wall());
}

/* A peer was (re)started: master sends the new channel end. */
static void on_wiring(const struct ipc_msg *m)
{
	struct ipc_channel ch;
	struct rbuf r;
	int role = -1, index = -1;

	rbuf_init(&r, m->data, m->hdr.len);
	if (m->hdr.type == IPC_CHANNEL && rbuf_copy(&r, &ch, sizeof ch)) {
		if (ch.peer_role < ROLE_MAX && ch.peer_index < MAX_WORKERS)
			drop_channel(ch.peer_role, ch.peer_index);
	}
	if (!child_handle_wiring(&c, m, &role, &index)) {
		log_warn("db: unexpected %s from master", ipc_type_name(m->hdr.type));
		return;
	}
	if (role < 0 || index < 0)
		return;
	watch(c.chan[role][index], chan_tag(role, index));
	if (role == ROLE_ESP && d.h) {
		db_txn_begin(&d, now_ms());
		db_esp_restarted(&d, index);
	}
}

static void read_master(void)
{
	for (;;) {
		int rc = ipc_recv(c.master, c.msg);

		if (rc == IPC_AGAIN)
			return;
		if (rc != IPC_OK)
			commit_and_exit();
		if (c.msg->hdr.type >= IPC_DB_SESSION_NEW && c.msg->hdr.type <= IPC_DB_LEASE)
			apply(c.msg);
		else
			on_wiring(c.msg);
	}
}

static void read_channel(int role, int index)
{
	for (;;) {
		int fd = c.chan[role][index];
		int rc = fd >= 0 ? ipc_recv(fd, c.msg) : IPC_EOF;

		if (rc == IPC_AGAIN)
			return;
		if (rc != IPC_OK) {
			log_info("db: channel to %s %d %s", role_name(role), index,
				 rc == IPC_EOF ? "closed" : "broken");
			drop_channel(role, index);
			return;
		}
		if (c.msg->fd >= 0)
			close(c.msg->fd);
		apply(c.msg);
	}
}

static void dispatch(uint32_t tag)
{
	if (tag == TAG_MASTER)
		read_master();
	else if ((tag >> 8) < ROLE_MAX && (tag & 0xff) < MAX_WORKERS)
		read_channel((int)(tag >> 8), (int)(tag & 0xff));
}

static const char *db_path(char *buf, size_t len)
{
	/* Chrooted into the directory, the file is at the root. */
	if (!c.sb.disabled)
		return "/" DB_FILE;
	snprintf(buf, len, "%s/%s", c.sb.root ? c.sb.root : ".", DB_FILE);
	return buf;
}

static void loop(void)
{
	struct epoll_event evs[32];

	for (;;) {
		/* Timeout 0 while a transaction is open: no pending event means
		 * idle, and idle means commit. */
		int n = epoll_wait(ep, evs, 32, d.in_txn ? 0 : -1);

		if (n < 0 && errno != EINTR)
			fatal("db: epoll_wait: %s", strerror(errno));
		if (n <= 0 || db_txn_due_in(&d, now_ms()) == 0) {
			db_txn_commit(&d);
			if (n <= 0)
				continue;
		}
		for (int i = 0; i < n; i++)
			dispatch(evs[i].data.u32);
	}
}

int main(int argc, char **argv)
{
	char buf[4096];

	child_start(&c, ROLE_DB, argc, argv, init_sqlite);
	if (db_open(&d, db_path(buf, sizeof buf), now_wall()) < 0)
		fatal("db: cannot open the database");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fatal("db: epoll_create1: %s", strerror(errno));
	watch(c.master, TAG_MASTER);
	watch_all_channels();
	log_info("db: ready (%s)", db_path(buf, sizeof buf));
	loop();
}
