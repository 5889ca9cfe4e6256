/* Leases of an exact address (RADIUS Framed-IP-Address): inside a pool it
 * is marked there, outside every pool it is kept in the fixed list, so no
 * address is ever handed to two live sessions either way.  Also: who holds
 * each lease, for the log line of a conflict. */
#include "pool.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

struct pool *pool_containing(struct pool_set *s, uint32_t addr)
{
	for (int i = 0; i < s->n; i++)
		if (pool_addr_usable(&s->pools[i], addr))
			return &s->pools[i];
	return NULL;
}

static int find_fixed(const struct pool_set *s, uint32_t addr)
{
	for (int i = 0; i < s->n_fixed; i++)
		if (s->fixed[i].addr == addr)
			return i;
	return -1;
}

static int add_fixed(struct pool_set *s, uint32_t addr, uint64_t sid)
{
	if (s->n_fixed == s->cap_fixed) {
		int cap = s->cap_fixed ? s->cap_fixed * 2 : 16;
		struct pool_fixed *v = realloc(s->fixed, (size_t)cap * sizeof *v);

		if (!v)
			return -1;
		s->fixed = v;
		s->cap_fixed = cap;
	}
	s->fixed[s->n_fixed++] = (struct pool_fixed){ .addr = addr, .sid = sid };
	return 0;
}

static void remove_fixed(struct pool_set *s, int i)
{
	s->fixed[i] = s->fixed[--s->n_fixed];
}

static int take_in_pool(struct pool *p, uint32_t addr, uint64_t sid, uint64_t *holder)
{
	uint32_t i = addr - p->first;

	if (pool_leased(p, i)) {
		*holder = p->sids[i];
		return p->sids[i] == sid ? 0 : -1;
	}
	pool_take_index(p, i, sid);
	return 0;
}

int pool_take_addr(struct pool_set *s, uint32_t addr, uint64_t sid, struct pool **in,
		   uint64_t *holder)
{
	int k;

	*in = pool_containing(s, addr);
	*holder = 0;
	if (*in)
		return take_in_pool(*in, addr, sid, holder);
	k = find_fixed(s, addr);
	if (k >= 0) {
		*holder = s->fixed[k].sid;
		return s->fixed[k].sid == sid ? 0 : -1;
	}
	if (add_fixed(s, addr, sid) < 0) {
		log_err("poold: out of memory for a fixed address");
		*holder = 0;
		return -1;
	}
	return 0;
}

bool pool_fixed_release(struct pool_set *s, uint32_t addr, uint64_t sid)
{
	int k = find_fixed(s, addr);

	if (k < 0 || s->fixed[k].sid != sid)
		return false;
	remove_fixed(s, k);
	return true;
}

int pool_fixed_release_worker(struct pool_set *s, int ike_index, pool_visit_fn fn, void *arg)
{
	int n = 0;

	for (int k = 0; k < s->n_fixed;) {
		struct pool_fixed f = s->fixed[k];

		if ((int)(f.sid >> 56) != ike_index) {
			k++;
			continue;
		}
		remove_fixed(s, k);
		if (fn)
			fn(NULL, f.addr, f.sid, arg);
		n++;
	}
	return n;
}

void pool_fixed_rehome(struct pool_set *s, pool_visit_fn fn, void *arg)
{
	for (int k = 0; k < s->n_fixed;) {
		struct pool_fixed f = s->fixed[k];
		struct pool *p = pool_containing(s, f.addr);
		uint64_t holder;

		if (!p) {
			k++;
			continue;
		}
		remove_fixed(s, k);
		if (take_in_pool(p, f.addr, f.sid, &holder) < 0 && fn)
			fn(NULL, f.addr, f.sid, arg);
	}
}

static int find_owner(const struct pool_set *s, uint64_t sid)
{
	for (int i = 0; i < s->n_owners; i++)
		if (s->owners[i].sid == sid)
			return i;
	return -1;
}

void pool_owner_set(struct pool_set *s, uint64_t sid, const char *user)
{
	int i = find_owner(s, sid);

	if (i < 0 && s->n_owners == s->cap_owners) {
		int cap = s->cap_owners ? s->cap_owners * 2 : 16;
		struct pool_owner *v = realloc(s->owners, (size_t)cap * sizeof *v);

		if (!v)
			return;		/* only the log line loses the name */
		s->owners = v;
		s->cap_owners = cap;
	}
	if (i < 0)
		i = s->n_owners++;
	s->owners[i].sid = sid;
	ipc_strcpy(s->owners[i].user, sizeof s->owners[i].user, user);
}

const char *pool_owner(const struct pool_set *s, uint64_t sid)
{
	int i = find_owner(s, sid);

	return i < 0 ? "" : s->owners[i].user;
}

void pool_owner_drop(struct pool_set *s, uint64_t sid)
{
	int i = find_owner(s, sid);

	if (i >= 0)
		s->owners[i] = s->owners[--s->n_owners];
}
