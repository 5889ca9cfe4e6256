/* fork + exec of one child: its channel to master becomes fd 3, a pipe
 * becomes its stdout/stderr, /dev/null its stdin, and nothing else of
 * master's survives the exec. */
#include "master.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char *spawn_binary(enum proc_role role)
{
	switch (role) {
	case ROLE_IKE: return "ravpn-ike";
	case ROLE_ESP: return "ravpn-esp";
	case ROLE_AUTHD: return "ravpn-authd";
	case ROLE_POOLD: return "ravpn-poold";
	case ROLE_DB: return "ravpn-db";
	default: return "?";
	}
}

/* In the forked child: only async-signal-safe calls until execv. */
static void __attribute__((noreturn)) spawn_exec(int chan, int errw, const char *path,
						  char *const argv[])
{
	static const char msg[] = "ravpnd: exec of the child binary failed\n";
	sigset_t none;
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* Move both ends above the targets first, so no dup2 is a no-op that
	 * would leave FD_CLOEXEC set. */
	int c = fcntl(chan, F_DUPFD_CLOEXEC, 10);
	int e = fcntl(errw, F_DUPFD_CLOEXEC, 10);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (nul < 0 || c < 0 || e < 0 || dup2(nul, 0) < 0 || dup2(e, 1) < 0 ||
	    dup2(e, 2) < 0 || dup2(c, CHILD_MASTER_FD) < 0)
		_exit(126);
	close_range(CHILD_MASTER_FD + 1, ~0U, 0);
	execv(path, argv);
	if (write(2, msg, sizeof msg - 1) < 0)
		_exit(127);
	_exit(127);
}

static void spawn_argv(const struct master *m, const struct mchild *k, char *path,
		       size_t plen, char *index, size_t ilen, char *argv[10])
{
	int a = 0;

	snprintf(path, plen, "%s/%s", m->o.bindir, spawn_binary(k->role));
	snprintf(index, ilen, "%d", k->index);
	argv[a++] = path;
	argv[a++] = "--index";
	argv[a++] = index;
	argv[a++] = "--user";
	argv[a++] = (char *)m->o.user;
	argv[a++] = "--root";
	argv[a++] = (char *)(k->role == ROLE_DB ? m->o.dbdir : m->res.empty_dir);
	if (m->o.no_sandbox)
		argv[a++] = "--no-sandbox";
	if (m->o.debug)
		argv[a++] = "--debug";
	argv[a] = NULL;
}

/* master writes to a child that must be reading: a stuck child must not
 * stall the daemon, so sends time out (and the child is then killed). */
static void spawn_tune_fds(int chan, int errr)
{
	struct timeval tv = { .tv_sec = 2 };

	setsockopt(chan, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	fcntl(errr, F_SETFL, fcntl(errr, F_GETFL) | O_NONBLOCK);
}

int master_spawn(struct master *m, struct mchild *k)
{
	char path[PATH_MAX + 32], index[16], *argv[10];
	int sv[2], pe[2];
	pid_t pid;

	spawn_argv(m, k, path, sizeof path, index, sizeof index, argv);
	if (ipc_pair(sv) < 0)
		return log_err("%s: socketpair: %s", k->name, strerror(errno)), -1;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		log_err("%s: pipe: %s", k->name, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		spawn_exec(sv[1], pe[1], path, argv);
	close(sv[1]);
	close(pe[1]);
	if (pid < 0) {
		log_err("%s: fork: %s", k->name, strerror(errno));
		close(sv[0]);
		close(pe[0]);
		return -1;
	}
	spawn_tune_fds(sv[0], pe[0]);
	k->pid = pid;
	k->chan = sv[0];
	k->err = pe[0];
	k->line_len = 0;
	k->started_ms = now_ms();
	master_ep_add(m, k->chan, EV_CHAN, (int)(k - m->kids));
	master_ep_add(m, k->err, EV_ERR, (int)(k - m->kids));
	log_info("%s started: %s (pid %d)", k->name, path, (int)pid);
	return 0;
}
