/* ravpn-poold: hands out addresses of the configured pools to IKE workers. */
#include "buf.h"
#include "child.h"
#include "lease.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define TAG_MASTER	0xffffffffu

static struct child c;
static struct pool_set pools;
static int ep = -1;

static void watch(int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_err("poold: epoll add: %s", strerror(errno));
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

static int db_fd(void)
{
	return c.chan[ROLE_DB][0];
}

static void on_wiring(const struct ipc_msg *m)
{
	struct ipc_channel ch;
	struct rbuf r;
	int role = -1, index = -1;

	rbuf_init(&r, m->data, m->hdr.len);
	if (m->hdr.type == IPC_CHANNEL && rbuf_copy(&r, &ch, sizeof ch) &&
	    ch.peer_role < ROLE_MAX && ch.peer_index < MAX_WORKERS)
		drop_channel(ch.peer_role, ch.peer_index);
	if (!child_handle_wiring(&c, m, &role, &index)) {
		log_warn("poold: unexpected %s from master", ipc_type_name(m->hdr.type));
		return;
	}
	if (m->hdr.type == IPC_CONFIG)
		pool_reload(&pools, &c.conf, db_fd());
	if (role < 0 || index < 0)
		return;
	watch(c.chan[role][index], (uint32_t)role << 8 | (uint32_t)index);
	if (role == ROLE_IKE)
		pool_worker_restarted(&pools, db_fd(), index);
}

static void read_master(void)
{
	for (;;) {
		int rc = ipc_recv(c.master, c.msg);

		if (rc == IPC_AGAIN)
			return;
		if (rc != IPC_OK) {
			log_info("poold: master went away, exiting");
			exit(0);
		}
		on_wiring(c.msg);
	}
}

static void handle(int role, int index, const struct ipc_msg *m)
{
	int fd = c.chan[role][index];

	if (role == ROLE_IKE && m->hdr.type == IPC_LEASE)
		pool_on_lease(&pools, fd, db_fd(), m->hdr.id, m->data, m->hdr.len);
	else if (role == ROLE_IKE && m->hdr.type == IPC_LEASE_FREE)
		pool_on_free(&pools, db_fd(), m->data, m->hdr.len);
	else
		log_warn("poold: unexpected %s from %s %d", ipc_type_name(m->hdr.type),
			 role_name(role), index);
}

static void read_channel(int role, int index)
{
	for (;;) {
		int fd = c.chan[role][index];
		int rc = fd >= 0 ? ipc_recv(fd, c.msg) : IPC_EOF;

		if (rc == IPC_AGAIN)
			return;
		if (rc != IPC_OK) {
			log_info("poold: channel to %s %d %s", role_name(role), index,
				 rc == IPC_EOF ? "closed" : "broken");
			drop_channel(role, index);
			return;
		}
		if (c.msg->fd >= 0)
			close(c.msg->fd);
		handle(role, index, c.msg);
	}
}

int main(int argc, char **argv)
{
	struct epoll_event evs[16];

	child_start(&c, ROLE_POOLD, argc, argv, NULL);
	if (pool_set_init(&pools, &c.conf) < 0)
		fatal("poold: bad pools in the config");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fatal("poold: epoll_create1: %s", strerror(errno));
	watch(c.master, TAG_MASTER);
	for (int i = 0; i < MAX_WORKERS; i++)
		watch(c.chan[ROLE_IKE][i], (uint32_t)ROLE_IKE << 8 | (uint32_t)i);
	watch(db_fd(), (uint32_t)ROLE_DB << 8);	/* to notice it closing */
	log_info("poold: ready, %d pool(s)", pools.n);
	for (;;) {
		int n = epoll_wait(ep, evs, 16, -1);

		if (n < 0 && errno != EINTR)
			fatal("poold: epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			uint32_t t = evs[i].data.u32;

			if (t == TAG_MASTER)
				read_master();
			else if ((t >> 8) < ROLE_MAX && (t & 0xff) < MAX_WORKERS)
				read_channel((int)(t >> 8), (int)(t & 0xff));
		}
	}
}
