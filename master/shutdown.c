/* Orderly shutdown (SIGTERM/SIGINT), one phase after the other:
 *   IKE:  every IKE worker deletes its clients' SAs and answers
 *         IPC_SHUTDOWN_ANS (up to 3 s);
 *   DB:   db ends every session with cause "shutdown", then its master
 *         channel is closed, which tells it to exit (up to 3 s);
 *   REST: SIGTERM to everyone left (SIGKILL after 3 s), reap, exit. */
#include "master.h"
#include "log.h"

#include <signal.h>
#include <string.h>

#define SHUT_PHASE_MS	3000

static bool shut_ike_pending(const struct master *m)
{
	for (int i = 0; i < m->n_kids; i++) {
		const struct mchild *k = &m->kids[i];

		if (k->role == ROLE_IKE && k->pid > 0 && !m->shut_acked[k->index])
			return true;
	}
	return false;
}

static bool shut_any_alive(const struct master *m)
{
	for (int i = 0; i < m->n_kids; i++)
		if (m->kids[i].pid > 0)
			return true;
	return false;
}

static void shut_signal_all(struct master *m, int sig)
{
	for (int i = 0; i < m->n_kids; i++)
		if (m->kids[i].pid > 0)
			kill(m->kids[i].pid, sig);
}

static void shut_phase_db(struct master *m, long long now)
{
	struct mchild *db = master_child_find(m, ROLE_DB, 0);
	struct ipc_db_end_all e = { .ike_index = 0xff };

	m->shut = SHUT_DB;
	m->shut_deadline_ms = now + SHUT_PHASE_MS;
	ipc_strcpy(e.cause, sizeof e.cause, "shutdown");
	if (db && master_child_running(db) &&
	    master_child_send(m, db, IPC_DB_END_ALL, 0, &e, sizeof e, -1) == 0)
		log_info("shutdown: db ends every session");
	if (db)
		master_child_close_chan(m, db);
}

static void shut_phase_rest(struct master *m, long long now)
{
	m->shut = SHUT_REST;
	m->shut_deadline_ms = now + SHUT_PHASE_MS;
	shut_signal_all(m, SIGTERM);
}

void master_shutdown_tick(struct master *m, long long now)
{
	struct mchild *db = master_child_find(m, ROLE_DB, 0);
	bool late = now >= m->shut_deadline_ms;

	if (m->shut == SHUT_IKE && (!shut_ike_pending(m) || late)) {
		if (late)
			log_warn("shutdown: an IKE worker did not confirm within 3 s");
		shut_phase_db(m, now);
	}
	if (m->shut == SHUT_DB && (!db || db->pid == 0 || now >= m->shut_deadline_ms)) {
		if (db && db->pid > 0)
			log_warn("shutdown: db did not exit within 3 s");
		shut_phase_rest(m, now);
	}
	if (m->shut == SHUT_REST && !shut_any_alive(m)) {
		m->done = true;
	} else if (m->shut == SHUT_REST && now >= m->shut_deadline_ms) {
		log_warn("shutdown: killing the children that ignored SIGTERM");
		shut_signal_all(m, SIGKILL);
		m->shut_deadline_ms = now + SHUT_PHASE_MS;
	}
}

void master_shutdown_begin(struct master *m)
{
	struct ipc_shutdown s;

	if (m->shut != SHUT_NONE)
		return;
	log_notice("shutting down: ending every session");
	m->shut = SHUT_IKE;
	m->shut_deadline_ms = now_ms() + SHUT_PHASE_MS;
	memset(m->shut_acked, 0, sizeof m->shut_acked);
	ipc_strcpy(s.cause, sizeof s.cause, "shutdown");
	for (int i = 0; i < m->n_kids; i++) {
		struct mchild *k = &m->kids[i];

		k->restart_at_ms = 0;
		if (k->role == ROLE_IKE && master_child_running(k) &&
		    master_child_send(m, k, IPC_SHUTDOWN, 0, &s, sizeof s, -1) < 0)
			m->shut_acked[k->index] = true;
		else if (k->role == ROLE_IKE && !master_child_running(k))
			m->shut_acked[k->index] = true;
	}
	master_shutdown_tick(m, now_ms());
}

void master_on_shutdown_ans(struct master *m, struct mchild *k)
{
	if (m->shut == SHUT_NONE) {
		log_debug("%s: IPC_SHUTDOWN_ANS outside a shutdown", k->name);
		return;
	}
	m->shut_acked[k->index] = true;
	log_info("shutdown: %s confirmed", k->name);
	master_shutdown_tick(m, now_ms());
}

void master_shutdown_on_exit(struct master *m, struct mchild *k)
{
	if (k->role == ROLE_IKE)
		m->shut_acked[k->index] = true;
	master_shutdown_tick(m, now_ms());
}
