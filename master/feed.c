/* What every child gets from master before it runs: its config (secrets
 * redacted for its role), its privileged fds, its channels (broker.c),
 * then IPC_START. */
#include "master.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

static int feed_fd(struct master *m, struct mchild *k, uint32_t kind, int fd)
{
	struct ipc_fd f = { .kind = kind };

	if (fd < 0)
		return 0;
	return master_child_send(m, k, IPC_FD, 0, &f, sizeof f, fd);
}

static int feed_fds(struct master *m, struct mchild *k)
{
	const struct master_res *r = &m->res;

	switch (k->role) {
	case ROLE_IKE:
		if (feed_fd(m, k, FD_KEYLOG, r->keylog) < 0 || master_pki_feed(m, k) < 0)
			return -1;
		if (k->index != 0)	/* one 4500 slot for IKE in the reuseport group */
			return feed_fd(m, k, FD_UDP500, r->udp500);
		if (feed_fd(m, k, FD_UDP500, r->udp500) < 0)
			return -1;
		return feed_fd(m, k, FD_UDP4500, r->udp4500[0]);
	case ROLE_ESP:
		if (feed_fd(m, k, FD_UDP4500, r->udp4500[1 + k->index]) < 0 ||
		    feed_fd(m, k, FD_TUN, r->tun[k->index]) < 0)
			return -1;
		return feed_fd(m, k, FD_RAW_ESP, r->raw_esp[k->index]);
	case ROLE_AUTHD:
		return feed_fd(m, k, FD_DAE, r->dae);
	default:
		return 0;
	}
}

int master_feed_setup(struct master *m, struct mchild *k)
{
	char *text = master_config_for(m, k->role);
	int rc;

	if (!text) {
		master_child_kill(m, k, "could not redact the config for it");
		return -1;
	}
	rc = master_child_send(m, k, IPC_CONFIG, 0, text, m->conf_len, -1);
	explicit_bzero(text, m->conf_len);
	free(text);
	if (rc < 0)
		return -1;
	master_pin_esp(k);
	return feed_fds(m, k);
}

int master_feed_start(struct master *m, struct mchild *k)
{
	struct ipc_start st = {
		.index = (uint8_t)k->index,
		.n_ike = (uint8_t)m->n_ike,
		.n_esp = (uint8_t)m->n_esp,
		.outside_addr = m->res.outside,
	};

	return master_child_send(m, k, IPC_START, 0, &st, sizeof st, -1);
}

/* A (re)start of one child: the peers get their new channel at run time. */
int master_start_child(struct master *m, struct mchild *k)
{
	if (master_spawn(m, k) < 0 || master_feed_setup(m, k) < 0)
		return -1;
	master_broker_child(m, k);
	return master_feed_start(m, k);
}

/* The first start: every child is wired to every peer before any of
 * them gets IPC_START, so none starts with a peer missing. */
void master_start_all(struct master *m)
{
	for (int i = 0; i < m->n_kids; i++) {
		if (master_spawn(m, &m->kids[i]) == 0)
			master_feed_setup(m, &m->kids[i]);
		else
			master_schedule_restart(&m->kids[i]);
	}
	master_broker_all(m);
	for (int i = 0; i < m->n_kids; i++)
		if (master_child_running(&m->kids[i]))
			master_feed_start(m, &m->kids[i]);
}
