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

/* RADIUS Framed-IP-Address: exactly that address or a refusal.  Outside
 * every pool the mask is a host route's; the answer's pool is then empty
 * (and so is the pool of the IPC_LEASE_FREE that returns it). */
static void answer_wanted(struct pool_set *s, const struct ipc_lease *req,
			  struct ipc_lease_ans *ans)
{
	uint32_t want = ntohl(req->want_addr);
	struct pool *p;
	uint64_t holder;
	char ip[16];

	if (pool_take_addr(s, want, req->sid, &p, &holder) < 0) {
		addr_text(want, ip);
		log_warn("poold: %s (RADIUS Framed-IP-Address) for user %s is leased to user %s"
			 " (session %016llx): refused", ip, req->user, pool_owner(s, holder),
			 (unsigned long long)holder);
		ans->status = POOL_STATUS_CONFLICT;
		return;
	}
	ans->addr = req->want_addr;
	ans->mask = p ? htonl(p->mask) : 0xffffffffu;
	ipc_strcpy(ans->pool, sizeof ans->pool, p ? p->name : "");
}

void pool_answer_lease(struct pool_set *s, const struct ipc_lease *req,
		       struct ipc_lease_ans *ans)
{
	struct pool *p = pool_find(s, req->pool);
	uint32_t addr;

	memset(ans, 0, sizeof *ans);
	ans->sid = req->sid;
	ipc_strcpy(ans->pool, sizeof ans->pool, req->pool);
	if (req->want_addr) {
		answer_wanted(s, req, ans);
		return;
	}
	if (!p) {
		ans->status = -2;
		return;
	}
	if (pool_alloc_prefer(p, req->sid, pool_sticky_get(s, req->user, p->name), &addr) < 0) {
		ans->status = -1;
		return;
	}
	pool_sticky_set(s, req->user, p->name, addr);
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
	else if (ans.status == 0) {
		addr_text(ntohl(ans.addr), ip);
		log_info("poold: leased %s from %s to user %s", ip,
			 ans.pool[0] ? ans.pool : "no pool (RADIUS address)", req.user);
		pool_owner_set(s, req.sid, req.user);
		tell_db(db, ans.pool, ntohl(ans.addr), req.sid, req.user, true);
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
	p = req.pool[0] ? pool_find(s, req.pool) : pool_containing(s, ntohl(req.addr));
	addr_text(ntohl(req.addr), ip);
	if (!(p && pool_release(p, ntohl(req.addr), req.sid)) &&
	    !pool_fixed_release(s, ntohl(req.addr), req.sid)) {
		log_warn("poold: free of %s in %s that the session does not hold", ip, req.pool);
		return 0;
	}
	pool_owner_drop(s, req.sid);
	log_info("poold: %s returned to %s", ip, p ? p->name : "no pool");
	tell_db(db, req.pool, ntohl(req.addr), req.sid, "", false);
	return 0;
}

struct lost_ctx {
	struct pool_set *s;
	int db;
};

static void lost(const struct pool *p, uint32_t addr, uint64_t sid, void *arg)
{
	struct lost_ctx *x = arg;

	pool_owner_drop(x->s, sid);
	tell_db(x->db, p ? p->name : "", addr, sid, "", false);
}

void pool_worker_restarted(struct pool_set *s, int db, int ike_index)
{
	struct lost_ctx x = { s, db };
	int n = pool_release_worker(s, ike_index, lost, &x) +
		pool_fixed_release_worker(s, ike_index, lost, &x);

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
	struct lost_ctx x = { &fresh, db };

	/* the fixed addresses and owners move over; the pools' leases are
	 * carried where they still fit */
	fresh.fixed = s->fixed, fresh.n_fixed = s->n_fixed, fresh.cap_fixed = s->cap_fixed;
	fresh.owners = s->owners, fresh.n_owners = s->n_owners, fresh.cap_owners = s->cap_owners;
	fresh.sticky = s->sticky, fresh.n_sticky = s->n_sticky, fresh.cap_sticky = s->cap_sticky;
	fresh.next_sticky = s->next_sticky;
	s->fixed = NULL, s->owners = NULL, s->sticky = NULL;
	pool_set_carry(&fresh, s, lost, &x);
	pool_fixed_rehome(&fresh, lost, &x);
	pool_set_free(s);
	*s = fresh;
	return 0;
}
