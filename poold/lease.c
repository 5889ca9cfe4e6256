/* Serving IPC_LEASE / IPC_LEASE_FREE and telling db about each change. */
#include "lease.h"
#include "buf.h"
#include "log.h"

#include <arpa/inet.h>
#include <string.h>

static void tell_db(int db, const char *pool, uint32_t addr, uint64_t sid, const char *user,
		    bool in_use)
{
	struct ipc_db_lease m = { .sid = sid, .addr = htonl(addr), .in_use = in_use };

	ipc_strcpy(m.pool, sizeof m.pool, pool);
	ipc_strcpy(m.user, sizeof m.user, user);
	if (db >= 0 && ipc_send(db, IPC_DB_LEASE, 0, &m, sizeof m, -1) < 0)
		log_warn("poold: cannot tell db about %s lease", pool);
}

static void addr_text(uint32_t addr, char out[16])
{
	struct in_addr a = { .s_addr = htonl(addr) };

	inet_ntop(AF_INET, &a, out, 16);
}

void pool_answer_lease(struct pool_set *s, const struct ipc_lease *req,
		       struct ipc_lease_ans *ans)
{
	struct pool *p = pool_find(s, req->pool);
	uint32_t addr;

	memset(ans, 0, sizeof *ans);
	ans->sid = req->sid;
	ipc_strcpy(ans->pool, sizeof ans->pool, req->pool);
	if (!p) {
		ans->status = -2;
		return;
	}
	if (pool_alloc(p, req->sid, &addr) < 0) {
		ans->status = -1;
		return;
	}
	ans->addr = htonl(addr);
	ans->mask = htonl(p->mask);
}

int pool_on_lease(struct pool_set *s, int chan, int db, uint32_t id, const void *data,
		  size_t len)
{
	struct ipc_lease req;
	struct ipc_lease_ans ans;
	struct rbuf r;
	char ip[16];

	rbuf_init(&r, data, len);
	if (!rbuf_copy(&r, &req, sizeof req))
		return -1;
	req.pool[sizeof req.pool - 1] = 0;
	req.user[sizeof req.user - 1] = 0;
	pool_answer_lease(s, &req, &ans);
	if (ans.status == -1)
		log_warn("poold: pool %s exhausted, no address for user %s", req.pool, req.user);
	else if (ans.status == -2)
		log_warn("poold: no pool %s (user %s)", req.pool, req.user);
	else {
		addr_text(ntohl(ans.addr), ip);
		log_info("poold: leased %s from %s to user %s", ip, req.pool, req.user);
		tell_db(db, req.pool, ntohl(ans.addr), req.sid, req.user, true);
	}
	return ipc_send(chan, IPC_LEASE_ANS, id, &ans, sizeof ans, -1);
}

int pool_on_free(struct pool_set *s, int db, const void *data, size_t len)
{
	struct ipc_lease_free req;
	struct pool *p;
	struct rbuf r;
	char ip[16];

	rbuf_init(&r, data, len);
	if (!rbuf_copy(&r, &req, sizeof req))
		return -1;
	req.pool[sizeof req.pool - 1] = 0;
	p = pool_find(s, req.pool);
	addr_text(ntohl(req.addr), ip);
	if (!p || !pool_release(p, ntohl(req.addr), req.sid)) {
		log_warn("poold: free of %s in %s that the session does not hold", ip, req.pool);
		return 0;
	}
	log_info("poold: %s returned to %s", ip, req.pool);
	tell_db(db, req.pool, ntohl(req.addr), req.sid, "", false);
	return 0;
}

static void lost(const struct pool *p, uint32_t addr, uint64_t sid, void *arg)
{
	tell_db(*(int *)arg, p->name, addr, sid, "", false);
}

void pool_worker_restarted(struct pool_set *s, int db, int ike_index)
{
	int n = pool_release_worker(s, ike_index, lost, &db);

	if (n > 0)
		log_info("poold: ike worker %d restarted, %d lease(s) freed", ike_index, n);
}

int pool_reload(struct pool_set *s, const struct conf *c, int db)
{
	struct pool_set fresh;

	if (pool_set_init(&fresh, c) < 0) {
		log_err("poold: new pools rejected, keeping the old ones");
		return -1;
	}
	pool_set_carry(&fresh, s, lost, &db);
	pool_set_free(s);
	*s = fresh;
	return 0;
}
