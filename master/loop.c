/* master's event loop: one epoll over the signalfd, every child's channel
 * and stderr pipe, the control socket and its clients; timers (restarts,
 * pending logoffs, shutdown phases) set the epoll timeout. */
#include "master.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

uint64_t master_ev(enum master_ev kind, int slot)
{
	return (uint64_t)kind << 32 | (uint32_t)slot;
}

int master_ep_add(struct master *m, int fd, enum master_ev kind, int slot)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = master_ev(kind, slot) };

	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_err("epoll_ctl add fd %d: %s", fd, strerror(errno));
		return -1;
	}
	return 0;
}

void master_ep_del(struct master *m, int fd)
{
	epoll_ctl(m->ep, EPOLL_CTL_DEL, fd, NULL);
}

int master_setup_loop(struct master *m)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	if (m->sigfd < 0 || m->ep < 0) {
		log_err("signalfd/epoll: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < MASTER_MAX_CLIENTS; i++)
		m->clients[i] = -1;
	if (master_ep_add(m, m->sigfd, EV_SIGNAL, 0) < 0 ||
	    master_ep_add(m, m->res.ctl, EV_CTL, 0) < 0)
		return -1;
	return 0;
}

static void loop_on_signal(struct master *m)
{
	struct signalfd_siginfo si;
	char err[CONF_ERR];

	while (read(m->sigfd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			master_on_sigchld(m);
			break;
		case SIGHUP:
			log_notice("SIGHUP: reloading %s", m->o.conf_path);
			master_reload(m, err, sizeof err);
			break;
		case SIGTERM:
		case SIGINT:
			log_notice("signal %d: shutting down", (int)si.ssi_signo);
			master_shutdown_begin(m);
			break;
		}
	}
}

static void loop_dispatch(struct master *m, uint64_t data)
{
	int slot = (int)(uint32_t)data;

	switch ((enum master_ev)(data >> 32)) {
	case EV_SIGNAL:
		loop_on_signal(m);
		break;
	case EV_CHAN:
		master_on_child_msg(m, &m->kids[slot]);
		break;
	case EV_ERR:
		master_on_child_stderr(m, &m->kids[slot]);
		break;
	case EV_CTL:
		master_on_ctl_accept(m);
		break;
	case EV_CLIENT:
		master_on_ctl_client(m, slot);
		break;
	}
}

static long long loop_min(long long a, long long b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

static int loop_timeout(const struct master *m, long long now)
{
	long long next = loop_min(master_next_restart(m), master_next_pending(m));

	if (m->shut != SHUT_NONE)
		next = loop_min(next, m->shut_deadline_ms);
	if (!next)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void loop_timers(struct master *m)
{
	long long now = now_ms();

	master_restart_due(m, now);
	master_pending_expire(m, now);
	if (m->shut != SHUT_NONE)
		master_shutdown_tick(m, now);
}

/* An fd of an event may be closed by an earlier event of the same batch;
 * its handler then finds the slot's fd at -1 and does nothing. */
void master_run(struct master *m)
{
	struct epoll_event ev[32];

	while (!m->done) {
		int n = epoll_wait(m->ep, ev, 32, loop_timeout(m, now_ms()));

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			loop_dispatch(m, ev[i].data.u64);
		loop_timers(m);
	}
}
