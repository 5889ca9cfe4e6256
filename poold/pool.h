/* Address pools: one bitmap per pool, the first free address wins. */
#ifndef RAVPN_POOL_H
#define RAVPN_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include "conf.h"
#include "ipc.h"

/* A pool larger than this is refused (a /12 of addresses). */
#define POOL_MAX_ADDRS	(1u << 20)

struct pool {
	char name[POOL_LEN];
	uint32_t first, last, mask;	/* host byte order */
	uint32_t n;			/* last - first + 1 */
	uint32_t used;
	uint64_t *bits;			/* bit i: first + i is leased */
	uint64_t *sids;			/* owner of each leased address */
};

struct pool_set {
	struct pool *pools;
	int n;
};

/* Builds the pools of a config.  Returns 0, or -1 (logged) for a pool that
 * is empty, reversed or too large. */
int pool_set_init(struct pool_set *s, const struct conf *c);
void pool_set_free(struct pool_set *s);
struct pool *pool_find(struct pool_set *s, const char *name);

/* True when addr (host order) may be handed out: inside the range and not
 * the network or broadcast address of the pool's mask. */
bool pool_addr_usable(const struct pool *p, uint32_t addr);
/* How many addresses of the pool can be handed out at all. */
uint32_t pool_capacity(const struct pool *p);

/* Leases the first free usable address to sid (host order into *addr).
 * A sid that already holds an address of this pool gets the same one.
 * Returns 0, or -1 when the pool is exhausted. */
int pool_alloc(struct pool *p, uint64_t sid, uint32_t *addr);
/* Returns addr (host order) to the pool if sid holds it.  True if freed. */
bool pool_release(struct pool *p, uint32_t addr, uint64_t sid);

/* Calls fn for, and frees, every lease whose sid >> 56 == ike_index. */
typedef void (*pool_visit_fn)(const struct pool *p, uint32_t addr, uint64_t sid, void *arg);
int pool_release_worker(struct pool_set *s, int ike_index, pool_visit_fn fn, void *arg);

/* Moves the leases of old into matching pools (same name, address still in
 * range) of s after a reload; fn is called for each lease that is lost. */
void pool_set_carry(struct pool_set *s, struct pool_set *old, pool_visit_fn fn, void *arg);

#endif
