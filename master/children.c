/* The child table: one slot per supervised process, and what master does
 * with the messages a child sends it. */
#include "master.h"
#include "log.h"
#include "transport_route.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void kids_add(struct master *m, enum proc_role role, int index)
{
	struct mchild *k = &m->kids[m->n_kids++];

	memset(k, 0, sizeof *k);
	k->role = role;
	k->index = index;
	k->chan = -1;
	k->err = -1;
	k->backoff_ms = 200;
	snprintf(k->name, sizeof k->name, "%s[%d]", role_name(role), index);
}

/* The table order is the start order: db first (everyone reports to it),
 * the IKE workers last (they need every other service). */
void master_children_init(struct master *m)
{
	m->n_kids = 0;
	kids_add(m, ROLE_DB, 0);
	kids_add(m, ROLE_POOLD, 0);
	kids_add(m, ROLE_AUTHD, 0);
	for (int i = 0; i < m->n_esp; i++)
		kids_add(m, ROLE_ESP, i);
	for (int i = 0; i < m->n_ike; i++)
		kids_add(m, ROLE_IKE, i);
}

struct mchild *master_child_by_pid(struct master *m, pid_t pid)
{
	for (int i = 0; i < m->n_kids; i++)
		if (m->kids[i].pid == pid)
			return &m->kids[i];
	return NULL;
}

struct mchild *master_child_find(struct master *m, enum proc_role role, int index)
{
	for (int i = 0; i < m->n_kids; i++)
		if (m->kids[i].role == role && m->kids[i].index == index)
			return &m->kids[i];
	return NULL;
}

bool master_child_running(const struct mchild *k)
{
	return k->pid > 0 && k->chan >= 0;
}

void master_child_close_chan(struct master *m, struct mchild *k)
{
	if (k->chan < 0)
		return;
	master_ep_del(m, k->chan);
	close(k->chan);
	k->chan = -1;
}

/* A child that broke the protocol is killed; supervision restarts it. */
void master_child_kill(struct master *m, struct mchild *k, const char *why)
{
	log_err("%s: %s; killing it (pid %d)", k->name, why, (int)k->pid);
	master_child_close_chan(m, k);
	if (k->pid > 0)
		kill(k->pid, SIGKILL);
}

int master_child_send(struct master *m, struct mchild *k, uint16_t type, uint32_t id,
		      const void *p, size_t len, int fd)
{
	char why[96];

	if (k->chan < 0)
		return -1;
	if (ipc_send(k->chan, type, id, p, len, fd) == 0)
		return 0;
	snprintf(why, sizeof why, "sending %s failed: %s", ipc_type_name(type), strerror(errno));
	master_child_kill(m, k, why);
	return -1;
}

/* Which messages each role may send master. */
static bool kids_msg_allowed(const struct mchild *k, uint16_t type)
{
	if (type == IPC_PEER_BROKEN)
		return true;
	if (k->role == ROLE_ESP)
		return type == IPC_TRANSPORT_ROUTE;
	if (k->role != ROLE_IKE)
		return false;
	return type == IPC_SKEYID || type == IPC_SIGN || type == IPC_V2_AUTH || type == IPC_LOGOFF_ANS ||
	       type == IPC_SHUTDOWN_ANS;
}

/* A child got an unknown or mis-sized message from a peer and dropped the
 * channel: the sender is broken, so it is restarted like a crashed one. */
static void kids_peer_broken(struct master *m, const struct mchild *from,
			     const struct ipc_peer *p)
{
	struct mchild *bad = p->role < ROLE_MAX ? master_child_find(m, p->role, p->index) : NULL;
	char why[96];

	if (!bad || !master_child_running(bad))
		return;
	snprintf(why, sizeof why, "sent a broken message to %s", from->name);
	master_child_kill(m, bad, why);
}

static void kids_dispatch(struct master *m, struct mchild *k)
{
	char why[96];

	if (!kids_msg_allowed(k, m->msg->hdr.type)) {
		snprintf(why, sizeof why, "sent unexpected %s", ipc_type_name(m->msg->hdr.type));
		master_child_kill(m, k, why);
		return;
	}
	switch (m->msg->hdr.type) {
	case IPC_SKEYID:
		master_on_skeyid(m, k, m->msg);
		break;
	case IPC_SIGN:
		master_on_sign(m, k, m->msg);
		break;
	case IPC_V2_AUTH:
		master_on_v2_auth(m, k, m->msg);
		break;
	case IPC_LOGOFF_ANS:
		master_on_logoff_ans(m, k, m->msg);
		break;
	case IPC_SHUTDOWN_ANS:
		master_on_shutdown_ans(m, k);
		break;
	case IPC_PEER_BROKEN:
		kids_peer_broken(m, k, (const struct ipc_peer *)m->msg->data);
		break;
	case IPC_TRANSPORT_ROUTE:
		master_on_transport_route(m, k, m->msg);
		break;
	}
}

void master_on_child_msg(struct master *m, struct mchild *k)
{
	for (int n = 0; n < 64 && k->chan >= 0; n++) {
		int rc;

		errno = 0;
		rc = ipc_recv(k->chan, m->msg);
		if (rc == IPC_AGAIN)
			return;
		/* A child that dies with unread messages resets the connection:
		 * that is its exit, not a protocol error. */
		if (rc == IPC_EOF || (rc == IPC_BROKEN && errno == ECONNRESET)) {
			log_debug("%s closed its channel", k->name);
			master_child_close_chan(m, k);
			return;
		}
		if (rc == IPC_BROKEN) {
			master_child_kill(m, k, "sent a broken message");
			return;
		}
		kids_dispatch(m, k);
	}
}
