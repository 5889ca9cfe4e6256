/* ravpn-authd: checks XAUTH credentials for the IKE workers, against
 * local users or RADIUS servers, and reports RADIUS server counters to db. */
#include "acct.h"
#include "auth.h"
#include "buf.h"
#include "chanloop.h"
#include "dae.h"
#include "child.h"
#include "crypto.h"
#include "log.h"
#include "radius.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static struct child c;
static struct chanloop loop;
static struct auth_pool local_pool, radius_pool, acct_pool;
static uint32_t chan_gen[MAX_WORKERS];	/* bumped when an IKE worker restarts */

/* Everything that reads files happens here, before the chroot. */
static void init_libs(void)
{
	if (sodium_init() < 0)
		fatal("authd: sodium_init failed");
	crypto_init();
	if (rad_init(RAD_DICTIONARY) < 0)
		log_err("authd: RADIUS authentication will fail");
}

#define STATS_BATCH	32

/* RADIUS host counters that changed (all of them when force) go to db. */
static void send_stats(bool force)
{
	struct ipc_db_aaa_stats st[STATS_BATCH];
	int fd = c.chan[ROLE_DB][0];
	int n = rad_stats_snapshot(st, STATS_BATCH, force, now_wall());

	for (int i = 0; i < n && fd >= 0; i++)
		if (ipc_send(fd, IPC_DB_AAA_STATS, 0, &st[i], sizeof st[i], -1) < 0)
			log_warn("authd: stats to db: %s", strerror(errno));
}

static void log_result(const struct auth_job *job)
{
	struct in_addr a = { .s_addr = job->req.peer_addr };
	char ip[16];
	static const char *const what[] = { "accepted", "rejected", "error", "challenged" };
	int r = job->ans.result;

	inet_ntop(AF_INET, &a, ip, sizeof ip);
	log_info("authd: user %s from %s:%u group %s: %s%s%s%s", job->req.user, ip,
		 job->req.peer_port, job->req.tunnel_group,
		 r >= 0 && r <= AUTH_CHALLENGE ? what[r] : "?", r ? " (" : "", r ? job->ans.message : "",
		 r ? ")" : "");
}

/* Sends the answer unless the worker that asked has been replaced. */
static void finish(struct auth_job *job)
{
	int fd = c.chan[ROLE_IKE][job->ike_index];

	log_result(job);
	if (fd < 0 || chan_gen[job->ike_index] != job->chan_gen)
		log_info("authd: ike worker %d went away, answer for %s dropped",
			 job->ike_index, job->req.user);
	else if (ipc_send(fd, IPC_AUTH_ANS, job->id, &job->ans, sizeof job->ans, -1) < 0)
		log_warn("authd: answer to ike %d: %s", job->ike_index, strerror(errno));
	auth_job_free(job);
}

static void on_auth(int index, const struct ipc_msg *m)
{
	struct auth_job *job = calloc(1, sizeof *job);
	struct rbuf r;

	if (!job) {
		log_err("authd: out of memory");
		return;
	}
	rbuf_init(&r, m->data, m->hdr.len);
	if (!rbuf_copy(&r, &job->req, sizeof job->req)) {
		auth_job_free(job);
		return;
	}
	job->ike_index = index;
	job->chan_gen = chan_gen[index];
	job->id = m->hdr.id;
	const struct auth_nas nas = { c.start.outside_addr, c.conf.hostname };

	switch (auth_prepare(&c.conf, &nas, job)) {
	case AUTH_KIND_LOCAL: auth_pool_submit(&local_pool, job); break;
	case AUTH_KIND_RADIUS: auth_pool_submit(&radius_pool, job); break;
	default: finish(job); break;
	}
}

static void on_done(void *arg)
{
	struct auth_pool *p = arg;
	struct auth_job *job = auth_pool_take_done(p);

	while (job) {
		struct auth_job *next = job->next;

		if (p == &acct_pool)
			auth_acct_finished(job);
		else
			finish(job);
		job = next;
	}
	if (p == &radius_pool)
		send_stats(false);
}

static bool on_peer_msg(void *arg, int role, int index, struct ipc_msg *m)
{
	(void)arg;
	if (role == ROLE_DB && m->hdr.type == IPC_ACCT_SEND) {
		auth_acct_on_send(m);
		return true;
	}
	if (role == ROLE_IKE && m->hdr.type == IPC_LOGOFF_ANS) {
		auth_dae_logoff_answer(index, m);
		return true;
	}
	if (role != ROLE_IKE || m->hdr.type != IPC_AUTH)
		return false;
	on_auth(index, m);
	return true;
}

/* Accounting retries and Disconnect-Requests waiting for IKE workers. */
static long long due_ms(void *arg)
{
	long long a = auth_acct_due_ms(), d = auth_dae_due_ms();

	(void)arg;
	return a < 0 ? d : d < 0 ? a : a < d ? a : d;
}

static void on_due(void *arg)
{
	(void)arg;
	auth_acct_retry_due();
	auth_dae_expire();
}

/* Answers to the previous worker of that index must not reach the new
 * one; a restarted db gets every counter again. */
static void on_new_channel(void *arg, int role, int index)
{
	(void)arg;
	if (role == ROLE_IKE)
		chan_gen[index]++;
	else if (role == ROLE_DB)
		send_stats(true);
}

static void on_rewired(void *arg, uint16_t type)
{
	(void)arg;
	if (type == IPC_FD)
		auth_dae_watch(&loop, &c);
	if (type != IPC_CONFIG)
		return;
	rad_configure(&c.conf);
	send_stats(true);
}

int main(int argc, char **argv)
{
	static const struct chanloop_ops ops = {
		.on_peer_msg = on_peer_msg,
		.on_new_channel = on_new_channel,
		.on_rewired = on_rewired,
		.due_ms = due_ms,
		.on_due = on_due,
	};

	child_start(&c, ROLE_AUTHD, argc, argv, init_libs);
	if (auth_init_decoy() < 0 ||
	    auth_pool_start(&local_pool, AUTH_LOCAL_THREADS, auth_verify) < 0 ||
	    auth_pool_start(&radius_pool, AUTH_RADIUS_THREADS, rad_authenticate) < 0 ||
	    auth_pool_start(&acct_pool, AUTH_ACCT_THREADS, rad_account) < 0)
		fatal("authd: cannot start the verification threads");
	rad_configure(&c.conf);
	chanloop_init(&loop, &c, &ops);
	chanloop_watch(&loop, local_pool.efd, on_done, &local_pool);
	chanloop_watch(&loop, radius_pool.efd, on_done, &radius_pool);
	chanloop_watch(&loop, acct_pool.efd, on_done, &acct_pool);
	auth_acct_init(&acct_pool, &c);
	auth_dae_watch(&loop, &c);
	send_stats(true);
	log_info("authd: ready, %d local user(s), %d aaa-server group(s)", c.conf.n_users,
		 c.conf.n_aaa);
	chanloop_run(&loop);
}
