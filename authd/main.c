/* ravpn-authd: checks XAUTH credentials for the IKE workers. */
#include "auth.h"
#include "buf.h"
#include "chanloop.h"
#include "child.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static struct child c;
static struct chanloop loop;
static struct auth_pool pool;
static uint32_t chan_gen[MAX_WORKERS];	/* bumped when an IKE worker restarts */

static void init_sodium(void)
{
	if (sodium_init() < 0)
		fatal("authd: sodium_init failed");
}

static void log_result(const struct auth_job *job)
{
	struct in_addr a = { .s_addr = job->req.peer_addr };
	char ip[16];
	static const char *const what[] = { "accepted", "rejected", "error" };
	int r = job->ans.result;

	inet_ntop(AF_INET, &a, ip, sizeof ip);
	log_info("authd: user %s from %s:%u group %s: %s%s%s%s", job->req.user, ip,
		 job->req.peer_port, job->req.tunnel_group,
		 r >= 0 && r <= 2 ? what[r] : "?", r ? " (" : "", r ? job->ans.message : "",
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
	if (auth_prepare(&c.conf, job))
		auth_pool_submit(&pool, job);
	else
		finish(job);
}

static void on_done(void *arg)
{
	struct auth_job *job = auth_pool_take_done(&pool);

	(void)arg;
	while (job) {
		struct auth_job *next = job->next;

		finish(job);
		job = next;
	}
}

static bool on_peer_msg(void *arg, int role, int index, struct ipc_msg *m)
{
	(void)arg;
	if (role != ROLE_IKE || m->hdr.type != IPC_AUTH)
		return false;
	on_auth(index, m);
	return true;
}

/* Answers to the previous worker of that index must not reach the new one. */
static void on_new_channel(void *arg, int role, int index)
{
	(void)arg;
	if (role == ROLE_IKE)
		chan_gen[index]++;
}

int main(int argc, char **argv)
{
	static const struct chanloop_ops ops = {
		.on_peer_msg = on_peer_msg,
		.on_new_channel = on_new_channel,
	};

	child_start(&c, ROLE_AUTHD, argc, argv, init_sodium);
	if (auth_init_decoy() < 0 || auth_pool_start(&pool) < 0)
		fatal("authd: cannot start the verification threads");
	chanloop_init(&loop, &c, &ops);
	chanloop_watch(&loop, pool.efd, on_done, NULL);
	log_info("authd: ready, %d local user(s)", c.conf.n_users);
	chanloop_run(&loop);
}
