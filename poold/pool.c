/* The pool allocator: bitmaps, first free address, owners by sid. */
#include "pool.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static bool bit_get(const uint64_t *b, uint32_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

static void bit_set(uint64_t *b, uint32_t i, bool on)
{
	if (on)
		b[i / 64] |= (uint64_t)1 << (i % 64);
	else
		b[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static int pool_init(struct pool *p, const struct conf_pool *cp)
{
	uint32_t first = ntohl(cp->first), last = ntohl(cp->last);

	memset(p, 0, sizeof *p);
	ipc_strcpy(p->name, sizeof p->name, cp->name);
	if (last < first || last - first >= POOL_MAX_ADDRS) {
		log_err("pool %s: bad range", p->name);
		return -1;
	}
	p->first = first;
	p->last = last;
	p->mask = ntohl(cp->mask);
	p->n = last - first + 1;
	p->bits = calloc((p->n + 63) / 64, sizeof *p->bits);
	p->sids = calloc(p->n, sizeof *p->sids);
	if (!p->bits || !p->sids) {
		log_err("pool %s: out of memory", p->name);
		return -1;
	}
	return 0;
}

int pool_set_init(struct pool_set *s, const struct conf *c)
{
	memset(s, 0, sizeof *s);
	s->pools = calloc(c->n_pools ? (size_t)c->n_pools : 1, sizeof *s->pools);
	if (!s->pools)
		return -1;
	for (int i = 0; i < c->n_pools; i++) {
		s->n++;		/* counted first so pool_set_free frees a half-built one */
		if (pool_init(&s->pools[i], &c->pools[i]) < 0) {
			pool_set_free(s);
			return -1;
		}
	}
	return 0;
}

void pool_set_free(struct pool_set *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->pools[i].bits);
		free(s->pools[i].sids);
	}
	free(s->pools);
	free(s->fixed);
	free(s->owners);
	free(s->sticky);
	memset(s, 0, sizeof *s);
}

struct pool *pool_find(struct pool_set *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->pools[i].name, name) == 0)
			return &s->pools[i];
	return NULL;
}

bool pool_addr_usable(const struct pool *p, uint32_t addr)
{
	uint32_t net = addr & p->mask, bcast = net | ~p->mask;

	if (addr < p->first || addr > p->last)
		return false;
	/* /31 and /32 have no network or broadcast address to avoid */
	if (p->mask >= 0xfffffffeu)
		return true;
	return addr != net && addr != bcast;
}

uint32_t pool_capacity(const struct pool *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->n; i++)
		n += pool_addr_usable(p, p->first + i);
	return n;
}

bool pool_leased(const struct pool *p, uint32_t i)
{
	return i < p->n && bit_get(p->bits, i);
}

static int find_sid(const struct pool *p, uint64_t sid)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (bit_get(p->bits, i) && p->sids[i] == sid)
			return (int)i;
	return -1;
}

void pool_take_index(struct pool *p, uint32_t i, uint64_t sid)
{
	bit_set(p->bits, i, true);
	p->sids[i] = sid;
	p->used++;
}

int pool_alloc(struct pool *p, uint64_t sid, uint32_t *addr)
{
	int held = find_sid(p, sid);

	if (held >= 0) {
		*addr = p->first + (uint32_t)held;
		return 0;
	}
	for (uint32_t w = 0; w < (p->n + 63) / 64; w++) {
		if (p->bits[w] == UINT64_MAX)
			continue;	/* a full word: skip 64 addresses at once */
		for (uint32_t i = w * 64; i < p->n && i < w * 64 + 64; i++) {
			if (bit_get(p->bits, i) || !pool_addr_usable(p, p->first + i))
				continue;
			pool_take_index(p, i, sid);
			*addr = p->first + i;
			return 0;
		}
	}
	return -1;
}

int pool_alloc_prefer(struct pool *p, uint64_t sid, uint32_t pref, uint32_t *addr)
{
	if (pref && find_sid(p, sid) < 0 && pool_addr_usable(p, pref) &&
	    !bit_get(p->bits, pref - p->first)) {
		pool_take_index(p, pref - p->first, sid);
		*addr = pref;
		return 0;
	}
	return pool_alloc(p, sid, addr);
}

bool pool_release(struct pool *p, uint32_t addr, uint64_t sid)
{
	uint32_t i;

	if (addr < p->first || addr > p->last)
		return false;
	i = addr - p->first;
	if (!bit_get(p->bits, i) || p->sids[i] != sid)
		return false;
	bit_set(p->bits, i, false);
	p->sids[i] = 0;
	p->used--;
	return true;
}

int pool_release_worker(struct pool_set *s, int ike_index, pool_visit_fn fn, void *arg)
{
	int n = 0;

	for (int k = 0; k < s->n; k++) {
		struct pool *p = &s->pools[k];

		for (uint32_t i = 0; i < p->n; i++) {
			uint64_t sid = p->sids[i];

			if (!bit_get(p->bits, i) || (int)(sid >> 56) != ike_index)
				continue;
			pool_release(p, p->first + i, sid);
			if (fn)
				fn(p, p->first + i, sid, arg);
			n++;
		}
	}
	return n;
}

static void carry_pool(struct pool_set *s, struct pool *o, pool_visit_fn fn, void *arg)
{
	struct pool *p = pool_find(s, o->name);

	for (uint32_t i = 0; i < o->n; i++) {
		uint32_t addr = o->first + i;

		if (!bit_get(o->bits, i))
			continue;
		if (p && pool_addr_usable(p, addr) && !bit_get(p->bits, addr - p->first))
			pool_take_index(p, addr - p->first, o->sids[i]);
		else if (fn)
			fn(o, addr, o->sids[i], arg);
	}
}

void pool_set_carry(struct pool_set *s, struct pool_set *old, pool_visit_fn fn, void *arg)
{
	for (int k = 0; k < old->n; k++)
		carry_pool(s, &old->pools[k], fn, arg);
}
