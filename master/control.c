/* The control socket: ravpnctl sends one IPC_CTL per request and gets one
 * IPC_CTL_ANS with the same id.  Logoffs go to the IKE workers, whose
 * answers are summed (or timed out) before the client is answered. */
#include "master.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CTL_LOGOFF_TIMEOUT_MS	3000

static void ctl_answer(int fd, uint32_t id, int32_t status, uint32_t count, const char *text)
{
	struct ipc_ctl_ans a = { .status = status, .count = count };

	ipc_strcpy(a.text, sizeof a.text, text);
	if (ipc_send(fd, IPC_CTL_ANS, id, &a, sizeof a, -1) < 0)
		log_warn("control: answer lost: %s", strerror(errno));
}

static void ctl_pending_finish(struct master_pending *p, bool timed_out)
{
	char text[128];

	snprintf(text, sizeof text, "%u session%s logged off%s", p->count,
		 p->count == 1 ? "" : "s", timed_out ? " (an IKE worker did not answer)" : "");
	log_notice("control: logoff done: %s", text);
	ctl_answer(p->client_fd, p->ctl_id, 0, p->count, text);
	p->used = false;
}

static bool ctl_pending_idle(const struct master_pending *p)
{
	for (int i = 0; i < MAX_WORKERS; i++)
		if (p->waiting[i])
			return false;
	return true;
}

static struct master_pending *ctl_pending_new(struct master *m, int fd, uint32_t ctl_id)
{
	for (int i = 0; i < MASTER_MAX_PENDING; i++) {
		struct master_pending *p = &m->pend[i];

		if (p->used)
			continue;
		memset(p, 0, sizeof *p);
		p->used = true;
		p->id = ++m->next_id;
		p->client_fd = fd;
		p->ctl_id = ctl_id;
		p->deadline_ms = now_ms() + CTL_LOGOFF_TIMEOUT_MS;
		return p;
	}
	return NULL;
}

static void ctl_fill_logoff(struct ipc_logoff *lo, const struct ipc_ctl *c)
{
	memset(lo, 0, sizeof *lo);
	lo->by = c->cmd == CTL_LOGOFF_NAME ? LOGOFF_NAME :
		 c->cmd == CTL_LOGOFF_SID ? LOGOFF_SID :
		 c->cmd == CTL_LOGOFF_ADDR ? LOGOFF_ADDR :
		 c->cmd == CTL_CLEAR_IPSEC_PEER ? LOGOFF_PEER_IPSEC :
		 c->cmd == CTL_CLEAR_ISAKMP ? LOGOFF_PEER_ISAKMP : LOGOFF_ALL;
	if (c->cmd == CTL_LOGOFF_ADDR && inet_pton(AF_INET, c->arg, &lo->addr) != 1)
		lo->addr = 0;		/* matches no session */
	/* clear crypto ...: an empty address means every peer */
	if ((c->cmd == CTL_CLEAR_IPSEC_PEER || c->cmd == CTL_CLEAR_ISAKMP) && c->arg[0] &&
	    inet_pton(AF_INET, c->arg, &lo->addr) != 1)
		lo->addr = 0xffffffffu;	/* matches no peer */
	lo->sid = c->sid;
	ipc_strcpy(lo->user, sizeof lo->user, c->arg);
	ipc_strcpy(lo->cause, sizeof lo->cause, "admin");
}

/* A session id names its IKE worker in its top byte; name and "all"
 * logoffs go to every worker. */
static void ctl_logoff(struct master *m, int fd, uint32_t ctl_id, const struct ipc_ctl *c)
{
	struct master_pending *p = ctl_pending_new(m, fd, ctl_id);
	struct ipc_logoff lo;

	if (!p) {
		ctl_answer(fd, ctl_id, -1, 0, "too many requests in progress");
		return;
	}
	ctl_fill_logoff(&lo, c);
	if (c->cmd == CTL_LOGOFF_NAME)
		log_notice("control: logoff name %s", c->arg);
	else if (c->cmd == CTL_LOGOFF_SID)
		log_notice("control: logoff sid %016llx", (unsigned long long)c->sid);
	else if (c->cmd == CTL_LOGOFF_ADDR)
		log_notice("control: logoff ipaddress %s", c->arg);
	else if (c->cmd == CTL_CLEAR_IPSEC_PEER || c->cmd == CTL_CLEAR_ISAKMP)
		log_notice("control: clear crypto %s %s", c->cmd == CTL_CLEAR_ISAKMP ? "isakmp sa" :
			   "sa peer", c->arg[0] ? c->arg : "(all)");
	else
		log_notice("control: logoff all");
	for (int i = 0; i < m->n_kids; i++) {
		struct mchild *k = &m->kids[i];

		if (k->role != ROLE_IKE || !master_child_running(k))
			continue;
		if (lo.by == LOGOFF_SID && (int)(lo.sid >> 56) != k->index)
			continue;
		if (master_child_send(m, k, IPC_LOGOFF, p->id, &lo, sizeof lo, -1) == 0)
			p->waiting[k->index] = true;
	}
	if (ctl_pending_idle(p))
		ctl_pending_finish(p, false);
}

static void ctl_reload(struct master *m, int fd, uint32_t ctl_id)
{
	char err[CONF_ERR];

	if (master_reload(m, err, sizeof err))
		ctl_answer(fd, ctl_id, 0, 0, "configuration reloaded");
	else
		ctl_answer(fd, ctl_id, -1, 0, err);
}

static void ctl_ping(struct master *m, int fd, uint32_t ctl_id)
{
	char text[64];
	uint32_t n = 0;

	for (int i = 0; i < m->n_kids; i++)
		n += master_child_running(&m->kids[i]);
	snprintf(text, sizeof text, "ravpnd %d: %u of %d children running", (int)getpid(), n,
		 m->n_kids);
	ctl_answer(fd, ctl_id, 0, n, text);
}

static void ctl_command(struct master *m, int fd, uint32_t ctl_id, struct ipc_ctl *c)
{
	c->arg[sizeof c->arg - 1] = 0;
	switch (c->cmd) {
	case CTL_LOGOFF_NAME:
	case CTL_LOGOFF_ADDR:
	case CTL_LOGOFF_SID:
	case CTL_LOGOFF_ALL:
	case CTL_CLEAR_IPSEC_PEER:
	case CTL_CLEAR_ISAKMP:
		ctl_logoff(m, fd, ctl_id, c);
		break;
	case CTL_RELOAD:
		ctl_reload(m, fd, ctl_id);
		break;
	case CTL_PING:
		ctl_ping(m, fd, ctl_id);
		break;
	default:
		ctl_answer(fd, ctl_id, -1, 0, "unknown command");
	}
}

static void ctl_close_client(struct master *m, int slot)
{
	int fd = m->clients[slot];

	for (int i = 0; i < MASTER_MAX_PENDING; i++)
		if (m->pend[i].used && m->pend[i].client_fd == fd)
			m->pend[i].used = false;	/* nobody left to answer */
	master_ep_del(m, fd);
	close(fd);
	m->clients[slot] = -1;
}

void master_on_ctl_accept(struct master *m)
{
	int fd;

	while ((fd = accept4(m->res.ctl, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		int slot = -1;

		for (int i = 0; i < MASTER_MAX_CLIENTS && slot < 0; i++)
			if (m->clients[i] < 0)
				slot = i;
		if (slot < 0) {
			log_warn("control: too many clients, connection refused");
			close(fd);
			continue;
		}
		m->clients[slot] = fd;
		master_ep_add(m, fd, EV_CLIENT, slot);
	}
}

void master_on_ctl_client(struct master *m, int slot)
{
	int fd = m->clients[slot];
	int rc = IPC_AGAIN;

	while (fd >= 0 && (rc = ipc_recv(fd, m->msg)) == IPC_OK) {
		struct ipc_ctl c;

		if (m->msg->hdr.type != IPC_CTL) {
			log_warn("control: client sent %s; closing it", ipc_type_name(m->msg->hdr.type));
			ctl_close_client(m, slot);
			return;
		}
		memcpy(&c, m->msg->data, sizeof c);
		ctl_command(m, fd, m->msg->hdr.id, &c);
	}
	if (fd >= 0 && rc != IPC_AGAIN)
		ctl_close_client(m, slot);
}

void master_on_logoff_ans(struct master *m, struct mchild *k, const struct ipc_msg *msg)
{
	struct ipc_logoff_ans a;

	memcpy(&a, msg->data, sizeof a);
	for (int i = 0; i < MASTER_MAX_PENDING; i++) {
		struct master_pending *p = &m->pend[i];

		if (!p->used || p->id != msg->hdr.id || !p->waiting[k->index])
			continue;
		p->count += a.count;
		p->waiting[k->index] = false;
		if (ctl_pending_idle(p))
			ctl_pending_finish(p, false);
		return;
	}
	log_debug("%s: IPC_LOGOFF_ANS %u matches no request", k->name, msg->hdr.id);
}

/* A dead IKE worker will not answer: stop waiting for it. */
void master_pending_drop_worker(struct master *m, int ike_index)
{
	for (int i = 0; i < MASTER_MAX_PENDING; i++) {
		struct master_pending *p = &m->pend[i];

		if (!p->used || !p->waiting[ike_index])
			continue;
		p->waiting[ike_index] = false;
		if (ctl_pending_idle(p))
			ctl_pending_finish(p, true);
	}
}

void master_pending_expire(struct master *m, long long now)
{
	for (int i = 0; i < MASTER_MAX_PENDING; i++)
		if (m->pend[i].used && m->pend[i].deadline_ms <= now)
			ctl_pending_finish(&m->pend[i], true);
}

long long master_next_pending(const struct master *m)
{
	long long next = 0;

	for (int i = 0; i < MASTER_MAX_PENDING; i++)
		if (m->pend[i].used && (!next || m->pend[i].deadline_ms < next))
			next = m->pend[i].deadline_ms;
	return next;
}
