/* Supervision: reap children (SIGCHLD through the signalfd), log how they
 * ended, restart them with backoff: 0.2 s doubling to 30 s, back to 0.2 s
 * once a child had run for a minute. */
#include "master.h"
#include "log.h"

#include <signal.h>
#include <sys/wait.h>

#define SUP_BACKOFF_MIN_MS	200
#define SUP_BACKOFF_MAX_MS	30000
#define SUP_STABLE_MS		60000

/* An exit during shutdown is expected; any other is worth a warning. */
static void sup_log_exit(const struct master *m, const struct mchild *k, int status)
{
	int prio = m->shut == SHUT_NONE ? LOG_WARNING : LOG_INFO;

	if (WIFEXITED(status))
		log_msg(prio, "%s exited with status %d", k->name, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_msg(prio, "%s killed by signal %d%s", k->name, WTERMSIG(status),
			WTERMSIG(status) == SIGSYS ? " (SIGSYS: seccomp denied a syscall)" : "");
	else
		log_msg(prio, "%s ended with wait status 0x%x", k->name, status);
}

static void sup_schedule(struct mchild *k, long long now)
{
	if (now - k->started_ms >= SUP_STABLE_MS)
		k->backoff_ms = SUP_BACKOFF_MIN_MS;
	k->restart_at_ms = now + k->backoff_ms;
	log_info("%s: restart in %d ms", k->name, k->backoff_ms);
	k->backoff_ms *= 2;
	if (k->backoff_ms > SUP_BACKOFF_MAX_MS)
		k->backoff_ms = SUP_BACKOFF_MAX_MS;
}

/* For a child that could not even be forked (no SIGCHLD will come). */
void master_schedule_restart(struct mchild *k)
{
	sup_schedule(k, now_ms());
}

/* The sessions of a dead IKE worker are gone with it: db closes them. */
static void sup_ike_died(struct master *m, const struct mchild *k)
{
	struct mchild *db = master_child_find(m, ROLE_DB, 0);
	struct ipc_db_end_all e = { .ike_index = (uint8_t)k->index };

	ipc_strcpy(e.cause, sizeof e.cause, "crash");
	if (db && master_child_running(db))
		master_child_send(m, db, IPC_DB_END_ALL, 0, &e, sizeof e, -1);
	master_pending_drop_worker(m, k->index);
}

static void sup_reaped(struct master *m, struct mchild *k, int status)
{
	sup_log_exit(m, k, status);
	master_child_close_chan(m, k);
	master_child_drain_stderr(m, k);
	k->pid = 0;
	if (m->shut != SHUT_NONE) {
		master_shutdown_on_exit(m, k);
		return;
	}
	if (k->role == ROLE_IKE)
		sup_ike_died(m, k);
	sup_schedule(k, now_ms());
}

void master_on_sigchld(struct master *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct mchild *k = master_child_by_pid(m, pid);

		if (k)
			sup_reaped(m, k, status);
	}
}

void master_restart_due(struct master *m, long long now)
{
	if (m->shut != SHUT_NONE)
		return;
	for (int i = 0; i < m->n_kids; i++) {
		struct mchild *k = &m->kids[i];

		if (!k->restart_at_ms || k->restart_at_ms > now || k->pid > 0)
			continue;
		k->restart_at_ms = 0;
		if (master_start_child(m, k) < 0 && k->pid == 0)
			master_schedule_restart(k);	/* not even forked: try later */
	}
}

long long master_next_restart(const struct master *m)
{
	long long next = 0;

	for (int i = 0; i < m->n_kids; i++) {
		long long t = m->kids[i].restart_at_ms;

		if (t && (!next || t < next))
			next = t;
	}
	return next;
}
