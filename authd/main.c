/* ravpn-authd: checks XAUTH credentials for the IKE workers. */
#include "auth.h"
#include "buf.h"
#include "child.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define TAG_MASTER	0xffffffffu
#define TAG_DONE	0xfffffffeu

static struct child c;
static struct auth_pool pool;
static uint32_t chan_gen[MAX_WORKERS];	/* bumped when an IKE worker restarts */
static int ep = -1;

static void init_sodium(void)
{
	if (sodium_init() < 0)
		fatal("authd: sodium_init failed");
}

static void watch(int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_err("authd: epoll add: %s", strerror(errno));
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

static void on_done(void)
{
	struct auth_job *job = auth_pool_take_done(&pool);

	while (job) {
		struct auth_job *next = job->next;

		finish(job);
		job = next;
	}
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
		log_warn("authd: unexpected %s from master", ipc_type_name(m->hdr.type));
		return;
	}
	if (role < 0 || index < 0)
		return;
	if (role == ROLE_IKE)
		chan_gen[index]++;
	watch(c.chan[role][index], (uint32_t)role << 8 | (uint32_t)index);
}

static void read_master(void)
{
	for (;;) {
		int rc = ipc_recv(c.master, c.msg);

		if (rc == IPC_AGAIN)
			return;
		if (rc != IPC_OK) {
			log_info("authd: master went away, exiting");
			exit(0);
		}
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
			log_info("authd: channel to %s %d %s", role_name(role), index,
				 rc == IPC_EOF ? "closed" : "broken");
			drop_channel(role, index);
			return;
		}
		if (c.msg->fd >= 0)
			close(c.msg->fd);
		if (role == ROLE_IKE && c.msg->hdr.type == IPC_AUTH)
			on_auth(index, c.msg);
		else
			log_warn("authd: unexpected %s from %s %d",
				 ipc_type_name(c.msg->hdr.type), role_name(role), index);
	}
}

static void dispatch(uint32_t t)
{
	if (t == TAG_MASTER)
		read_master();
	else if (t == TAG_DONE)
		on_done();
	else if ((t >> 8) < ROLE_MAX && (t & 0xff) < MAX_WORKERS)
		read_channel((int)(t >> 8), (int)(t & 0xff));
}

int main(int argc, char **argv)
{
	struct epoll_event evs[16];

	child_start(&c, ROLE_AUTHD, argc, argv, init_sodium);
	if (auth_init_decoy() < 0 || auth_pool_start(&pool) < 0)
		fatal("authd: cannot start the verification threads");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fatal("authd: epoll_create1: %s", strerror(errno));
	watch(c.master, TAG_MASTER);
	watch(pool.efd, TAG_DONE);
	for (int i = 0; i < MAX_WORKERS; i++)
		watch(c.chan[ROLE_IKE][i], (uint32_t)ROLE_IKE << 8 | (uint32_t)i);
	log_info("authd: ready, %d local user(s)", c.conf.n_users);
	for (;;) {
		int n = epoll_wait(ep, evs, 16, -1);

		if (n < 0 && errno != EINTR)
			fatal("authd: epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++)
			dispatch(evs[i].data.u32);
	}
}
