/* The shared event loop of authd, poold, db and the ESP workers. */
#include "chanloop.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define CL_EVENTS	32
/* Messages read per wake-up and channel: level-triggered epoll brings us
 * back for the rest, so one busy peer cannot starve the others (or the
 * ESP worker's packets). */
#define CL_BURST	64

/* epoll tags: a peer channel is role << 8 | index (always below 0x10000). */
#define CL_TAG_MASTER	0xffffffffu
#define CL_TAG_FD	0x80000000u	/* | slot in l->fds */

static uint32_t cl_chan_tag(int role, int index)
{
	return (uint32_t)role << 8 | (uint32_t)index;
}

/* Adds fd, or updates its tag when it is already in the set. */
static void cl_add(struct chanloop *l, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (fd < 0)
		return;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0 &&
	    (errno != EEXIST || epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) < 0))
		fatal("epoll_ctl on fd %d: %s", fd, strerror(errno));
}

void chanloop_init(struct chanloop *l, struct child *c, const struct chanloop_ops *ops)
{
	memset(l, 0, sizeof *l);
	l->c = c;
	l->ops = *ops;
	for (int i = 0; i < CHANLOOP_MAX_FDS; i++)
		l->fds[i].fd = -1;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		fatal("epoll_create1: %s", strerror(errno));
	cl_add(l, c->master, CL_TAG_MASTER);
	for (int r = 0; r < ROLE_MAX; r++)
		for (int i = 0; i < MAX_WORKERS; i++)
			cl_add(l, c->chan[r][i], cl_chan_tag(r, i));
}

/* The slot already used by (fn, arg), else a free one, else -1. */
static int cl_slot(const struct chanloop *l, chanloop_fd_fn fn, void *arg)
{
	int free_slot = -1;

	for (int i = 0; i < CHANLOOP_MAX_FDS; i++) {
		if (l->fds[i].fd >= 0 && l->fds[i].fn == fn && l->fds[i].arg == arg)
			return i;
		if (l->fds[i].fd < 0 && free_slot < 0)
			free_slot = i;
	}
	return free_slot;
}

void chanloop_watch(struct chanloop *l, int fd, chanloop_fd_fn fn, void *arg)
{
	int slot = cl_slot(l, fn, arg);
	int old;

	if (fd < 0)
		return;
	if (slot < 0)
		fatal("chanloop: more than %d extra fds", CHANLOOP_MAX_FDS);
	old = l->fds[slot].fd;
	/* The replaced fd is usually closed already (which left the set);
	 * if it is still open it must stop waking us. */
	if (old >= 0 && old != fd)
		epoll_ctl(l->ep, EPOLL_CTL_DEL, old, NULL);
	l->fds[slot] = (struct chanloop_fd){ .fd = fd, .fn = fn, .arg = arg };
	cl_add(l, fd, CL_TAG_FD | (uint32_t)slot);
}

static void cl_close_channel(struct chanloop *l, int role, int index)
{
	int fd = l->c->chan[role][index];

	if (fd < 0)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	l->c->chan[role][index] = -1;
}

static _Noreturn void cl_master_gone(struct chanloop *l, int rc)
{
	if (l->ops.on_master_gone)
		l->ops.on_master_gone(l->ops.arg);
	if (rc == IPC_BROKEN)
		fatal("broken message on the master channel");
	log_info("master went away, exiting");
	exit(0);
}

static void cl_master_msg(struct chanloop *l, struct ipc_msg *m)
{
	int role = -1, index = -1;

	if (child_handle_wiring(l->c, m, &role, &index)) {
		/* child_handle_wiring closed the replaced channel, which took
		 * it out of the epoll set. */
		if (role >= 0 && index >= 0) {
			cl_add(l, l->c->chan[role][index], cl_chan_tag(role, index));
			if (l->ops.on_new_channel)
				l->ops.on_new_channel(l->ops.arg, role, index);
		} else if (m->hdr.type != IPC_CHANNEL && l->ops.on_rewired) {
			l->ops.on_rewired(l->ops.arg, m->hdr.type);
		}
		return;
	}
	if (!l->ops.on_master_msg || !l->ops.on_master_msg(l->ops.arg, m))
		log_warn("unexpected %s from master ignored", ipc_type_name(m->hdr.type));
}

static void cl_read_master(struct chanloop *l)
{
	for (int i = 0; i < CL_BURST; i++) {
		int rc = ipc_recv(l->c->master, l->c->msg);

		if (rc == IPC_AGAIN)
			return;
		if (rc != IPC_OK)
			cl_master_gone(l, rc);
		cl_master_msg(l, l->c->msg);
	}
}

/* The peer sent garbage or a message it has no business sending: master
 * restarts it, and hands us a new channel then. */
static void cl_drop_broken(struct chanloop *l, int role, int index)
{
	cl_close_channel(l, role, index);
	child_report_broken(l->c, role, index);
}

/* Returns false when the channel has been closed. */
static bool cl_peer_msg(struct chanloop *l, int role, int index, struct ipc_msg *m)
{
	if (m->fd >= 0) {	/* no message a peer may send carries an fd */
		close(m->fd);
		m->fd = -1;
	}
	if (l->ops.on_peer_msg(l->ops.arg, role, index, m))
		return true;
	log_err("unexpected %s from %s[%d]", ipc_type_name(m->hdr.type),
		role_name((enum proc_role)role), index);
	cl_drop_broken(l, role, index);
	return false;
}

static void cl_read_peer(struct chanloop *l, int role, int index)
{
	for (int i = 0; i < CL_BURST && l->c->chan[role][index] >= 0; i++) {
		int rc = ipc_recv(l->c->chan[role][index], l->c->msg);

		if (rc == IPC_AGAIN)
			return;
		if (rc == IPC_EOF) {
			log_info("channel to %s[%d] closed", role_name((enum proc_role)role), index);
			cl_close_channel(l, role, index);
			return;
		}
		if (rc == IPC_BROKEN) {
			cl_drop_broken(l, role, index);
			return;
		}
		if (!cl_peer_msg(l, role, index, l->c->msg))
			return;
	}
}

static void cl_dispatch(struct chanloop *l, uint32_t tag)
{
	uint32_t slot = tag & ~CL_TAG_FD;

	if (tag == CL_TAG_MASTER)
		cl_read_master(l);
	else if (tag & CL_TAG_FD) {
		if (slot < CHANLOOP_MAX_FDS && l->fds[slot].fd >= 0)
			l->fds[slot].fn(l->fds[slot].arg);
	} else if ((tag >> 8) < ROLE_MAX && (tag & 0xff) < MAX_WORKERS)
		cl_read_peer(l, (int)(tag >> 8), (int)(tag & 0xff));
}

/* Milliseconds epoll_wait may sleep. */
static int cl_timeout(const struct chanloop *l)
{
	long long due, left;

	if (l->idle_pending)
		return 0;	/* just look whether more is pending */
	if (!l->ops.due_ms || (due = l->ops.due_ms(l->ops.arg)) < 0)
		return -1;
	left = due - now_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

static void cl_run_due(struct chanloop *l)
{
	long long due;

	if (!l->ops.due_ms || !l->ops.on_due)
		return;
	due = l->ops.due_ms(l->ops.arg);
	if (due >= 0 && now_ms() >= due)
		l->ops.on_due(l->ops.arg);
}

void chanloop_step(struct chanloop *l)
{
	struct epoll_event evs[CL_EVENTS];
	int n = epoll_wait(l->ep, evs, CL_EVENTS, cl_timeout(l));

	if (n < 0 && errno != EINTR)
		fatal("epoll_wait: %s", strerror(errno));
	if (n <= 0 && l->idle_pending) {
		l->idle_pending = false;
		l->ops.on_idle(l->ops.arg);
	}
	cl_run_due(l);
	if (n > 0 && l->ops.on_wake)
		l->ops.on_wake(l->ops.arg);
	for (int i = 0; i < n; i++)
		cl_dispatch(l, evs[i].data.u32);
	if (n > 0 && l->ops.on_idle)
		l->idle_pending = true;
}

void chanloop_run(struct chanloop *l)
{
	for (;;)
		chanloop_step(l);
}
