/* ravpn-poold: hands out addresses of the configured pools to IKE workers. */
#include "chanloop.h"
#include "child.h"
#include "lease.h"
#include "restore.h"
#include "log.h"

static struct child c;
static struct chanloop loop;
static struct pool_set pools;

static struct pool_wait held;
static bool table_known;		/* db's lease table has arrived */
static long long table_deadline;	/* now_ms() when we stop waiting for it */

static int db_fd(void)
{
	return c.chan[ROLE_DB][0];
}

static void serve(void *arg, int index, uint32_t id, const void *data, size_t len)
{
	(void)arg;
	if (c.chan[ROLE_IKE][index] >= 0)
		pool_on_lease(&pools, c.chan[ROLE_IKE][index], db_fd(), id, data, len);
}

static void table_done(const char *how)
{
	if (table_known)
		return;
	table_known = true;
	log_info("poold: lease table %s; serving %d held request(s)", how, held.n);
	pool_wait_flush(&held, serve, NULL);
}

static void on_lease(int index, struct ipc_msg *m)
{
	if (!table_known && pool_wait_add(&held, index, m->hdr.id, m->data, m->hdr.len))
		return;
	serve(NULL, index, m->hdr.id, m->data, m->hdr.len);
}

static bool on_peer_msg(void *arg, int role, int index, struct ipc_msg *m)
{
	(void)arg;
	if (role == ROLE_IKE && m->hdr.type == IPC_LEASE)
		on_lease(index, m);
	else if (role == ROLE_IKE && m->hdr.type == IPC_LEASE_FREE)
		pool_on_free(&pools, db_fd(), m->data, m->hdr.len);
	else if (role == ROLE_DB && m->hdr.type == IPC_DB_LEASE) {
		if (pool_restore_lease(&pools, m->data, m->hdr.len) == 1)
			table_done("received from db");
	} else
		return false;
	return true;
}

static long long due_ms(void *arg)
{
	(void)arg;
	return table_known ? -1 : table_deadline;
}

static void on_due(void *arg)
{
	(void)arg;
	log_warn("poold: no lease table from db within %d ms", POOL_TABLE_WAIT_MS);
	table_done("not received");
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
		.due_ms = due_ms,
		.on_due = on_due,
	};

	child_start(&c, ROLE_POOLD, argc, argv, NULL);
	if (pool_set_init(&pools, &c.conf) < 0)
		fatal("poold: bad pools in the config");
	table_deadline = now_ms() + POOL_TABLE_WAIT_MS;
	chanloop_init(&loop, &c, &ops);
	log_info("poold: ready, %d pool(s)", pools.n);
	chanloop_run(&loop);
}
