/* The channels between children.  master makes a fresh socketpair for
 * every edge of a child when it starts, and hands one end to each side
 * (IPC_CHANNEL); a peer replaces its old channel to a restarted child. */
#include "master.h"
#include "log.h"

#include <unistd.h>

/* Which roles talk to each other (undirected). */
static const enum proc_role broker_edges[][2] = {
	{ ROLE_IKE, ROLE_AUTHD },
	{ ROLE_IKE, ROLE_POOLD },
	{ ROLE_IKE, ROLE_ESP },
	{ ROLE_IKE, ROLE_DB },
	{ ROLE_ESP, ROLE_DB },
	{ ROLE_POOLD, ROLE_DB },
	{ ROLE_AUTHD, ROLE_DB },
};

static bool broker_talk(enum proc_role a, enum proc_role b)
{
	for (size_t i = 0; i < sizeof broker_edges / sizeof broker_edges[0]; i++) {
		if ((broker_edges[i][0] == a && broker_edges[i][1] == b) ||
		    (broker_edges[i][0] == b && broker_edges[i][1] == a))
			return true;
	}
	return false;
}

static void broker_connect(struct master *m, struct mchild *a, struct mchild *b)
{
	struct ipc_channel to_b = { .peer_role = (uint8_t)b->role, .peer_index = (uint8_t)b->index };
	struct ipc_channel to_a = { .peer_role = (uint8_t)a->role, .peer_index = (uint8_t)a->index };
	int sv[2];

	if (ipc_pair(sv) < 0) {
		log_err("broker: socketpair for %s <-> %s failed", a->name, b->name);
		return;
	}
	if (master_child_send(m, a, IPC_CHANNEL, 0, &to_b, sizeof to_b, sv[0]) == 0 &&
	    master_child_send(m, b, IPC_CHANNEL, 0, &to_a, sizeof to_a, sv[1]) == 0)
		log_debug("broker: %s <-> %s", a->name, b->name);
	close(sv[0]);
	close(sv[1]);
}

void master_broker_child(struct master *m, struct mchild *k)
{
	for (int i = 0; i < m->n_kids; i++) {
		struct mchild *p = &m->kids[i];

		if (p != k && master_child_running(p) && master_child_running(k) &&
		    broker_talk(k->role, p->role))
			broker_connect(m, k, p);
	}
}

void master_broker_all(struct master *m)
{
	for (int i = 0; i < m->n_kids; i++)
		for (int j = i + 1; j < m->n_kids; j++)
			if (master_child_running(&m->kids[i]) &&
			    master_child_running(&m->kids[j]) &&
			    broker_talk(m->kids[i].role, m->kids[j].role))
				broker_connect(m, &m->kids[i], &m->kids[j]);
}
