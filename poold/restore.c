/* A (re)started poold learns the live leases from db (IPC_DB_LEASE rows,
 * then one with sid 0) before it hands out any address; IPC_LEASE requests
 * that arrive meanwhile wait here.  So a kill -9 of poold never leads to an
 * address given to two live sessions. */
#include "restore.h"
#include "buf.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void addr_text(uint32_t addr, char out[16])
{
	struct in_addr a = { .s_addr = htonl(addr) };

	inet_ntop(AF_INET, &a, out, 16);
}

int pool_restore_lease(struct pool_set *s, const void *data, size_t len)
{
	struct ipc_db_lease m;
	struct pool *p;
	uint64_t holder;
	struct rbuf r;
	char ip[16];

	rbuf_init(&r, data, len);
	if (!rbuf_copy(&r, &m, sizeof m))
		return -1;
	if (m.sid == 0)
		return 1;
	m.user[sizeof m.user - 1] = 0;
	addr_text(ntohl(m.addr), ip);
	if (pool_take_addr(s, ntohl(m.addr), m.sid, &p, &holder) < 0) {
		log_warn("poold: lease of %s to user %s from the database conflicts with session "
			 "%016llx", ip, m.user, (unsigned long long)holder);
		return 0;
	}
	pool_owner_set(s, m.sid, m.user);
	pool_sticky_set(s, m.user, p ? p->name : "", ntohl(m.addr));
	log_debug("poold: %s in %s still leased to user %s", ip, p ? p->name : "no pool", m.user);
	return 0;
}

bool pool_wait_add(struct pool_wait *w, int index, uint32_t id, const void *data, size_t len)
{
	struct pool_waiting *v;

	if (len != sizeof v->req)
		return false;
	if (w->n == w->cap) {
		int cap = w->cap ? w->cap * 2 : 16;

		if (cap > POOL_WAIT_MAX || !(v = realloc(w->q, (size_t)cap * sizeof *v)))
			return false;
		w->q = v;
		w->cap = cap;
	}
	v = &w->q[w->n++];
	v->index = index;
	v->id = id;
	memcpy(&v->req, data, sizeof v->req);
	return true;
}

void pool_wait_flush(struct pool_wait *w, pool_wait_fn fn, void *arg)
{
	for (int i = 0; i < w->n; i++)
		fn(arg, w->q[i].index, w->q[i].id, &w->q[i].req, sizeof w->q[i].req);
	free(w->q);
	w->q = NULL;
	w->n = w->cap = 0;
}
