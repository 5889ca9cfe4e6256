/* ravpn-poold: hands out addresses of the configured pools to IKE workers. */
#include "chanloop.h"
#include "child.h"
#include "lease.h"
#include "log.h"

static struct child c;
static struct chanloop loop;
static struct pool_set pools;

static int db_fd(void)
{
	return c.chan[ROLE_DB][0];
}

static bool on_peer_msg(void *arg, int role, int index, struct ipc_msg *m)
{
	int fd = c.chan[role][index];

	(void)arg;
	if (role == ROLE_IKE && m->hdr.type == IPC_LEASE)
		pool_on_lease(&pools, fd, db_fd(), m->hdr.id, m->data, m->hdr.len);
	else if (role == ROLE_IKE && m->hdr.type == IPC_LEASE_FREE)
		pool_on_free(&pools, db_fd(), m->data, m->hdr.len);
	else
		return false;
	return true;
}

/* A restarted IKE worker has forgotten its sessions: free their leases. */
static void on_new_channel(void *arg, int role, int index)
{
	(void)arg;
	if (role == ROLE_IKE)
		pool_worker_restarted(&pools, db_fd(), index);
}

static void on_rewired(void *arg, uint16_t type)
{
	(void)arg;
	if (type == IPC_CONFIG)
		pool_reload(&pools, &c.conf, db_fd());
}

int main(int argc, char **argv)
{
	static const struct chanloop_ops ops = {
		.on_peer_msg = on_peer_msg,
		.on_new_channel = on_new_channel,
		.on_rewired = on_rewired,
	};

	child_start(&c, ROLE_POOLD, argc, argv, NULL);
	if (pool_set_init(&pools, &c.conf) < 0)
		fatal("poold: bad pools in the config");
	chanloop_init(&loop, &c, &ops);
	log_info("poold: ready, %d pool(s)", pools.n);
	chanloop_run(&loop);
}
