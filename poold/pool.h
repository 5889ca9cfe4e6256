/* Address pools: one bitmap per pool, the first free address wins. */
#ifndef RAVPN_POOL_H
#define RAVPN_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include "conf.h"
#include "ipc.h"

/* A pool larger than this is refused (a /12 of addresses). */
#define POOL_MAX_ADDRS	(1u << 20)

struct pool;
/* A visitor of leases; p is NULL for a fixed address outside the pools. */
typedef void (*pool_visit_fn)(const struct pool *p, uint32_t addr, uint64_t sid, void *arg);

struct pool {
	char name[POOL_LEN];
	uint32_t first, last, mask;	/* host byte order */
	uint32_t n;			/* last - first + 1 */
	uint32_t used;
	uint64_t *bits;			/* bit i: first + i is leased */
	uint64_t *sids;			/* owner of each leased address */
};

/* An address RADIUS assigned (Framed-IP-Address) outside every pool. */
struct pool_fixed {
	uint32_t addr;			/* host order */
	uint64_t sid;
};

/* Who holds a lease, for the log line of a conflict. */
struct pool_owner {
	uint64_t sid;
	char user[NAME_LEN];
};

/* The address a user last had in a pool: handed out again while free. */
struct pool_sticky {
	char user[NAME_LEN];
	char pool[POOL_LEN];
	uint32_t addr;			/* host order */
};

/* Remembered users; beyond this the oldest entries are overwritten. */
#define POOL_STICKY_MAX	65536

struct pool_set {
	struct pool *pools;
	int n;
	struct pool_fixed *fixed;	/* leases outside the pools */
	int n_fixed, cap_fixed;
	struct pool_owner *owners;	/* user of every live lease's sid */
	int n_owners, cap_owners;
	struct pool_sticky *sticky;	/* user -> last address, per pool */
	int n_sticky, cap_sticky, next_sticky;
};

/* ipc_lease_ans.status: the wanted address is leased to another session. */
#define POOL_STATUS_CONFLICT	(-3)

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
/* Like pool_alloc, but pref (host order, 0 = none) first if it is free. */
int pool_alloc_prefer(struct pool *p, uint64_t sid, uint32_t pref, uint32_t *addr);
/* Index i (address first + i) of p: leased?  And marks it leased to sid. */
bool pool_leased(const struct pool *p, uint32_t i);
void pool_take_index(struct pool *p, uint32_t i, uint64_t sid);
/* Returns addr (host order) to the pool if sid holds it.  True if freed. */
bool pool_release(struct pool *p, uint32_t addr, uint64_t sid);

/* The pool in which addr (host order) can be handed out, or NULL. */
struct pool *pool_containing(struct pool_set *s, uint32_t addr);
/* Leases exactly addr (host order) to sid, inside a pool (*in set) or as a
 * fixed address (*in NULL).  Returns 0 (also when sid already holds it),
 * or -1 when another session holds it (*holder set). */
int pool_take_addr(struct pool_set *s, uint32_t addr, uint64_t sid, struct pool **in,
		   uint64_t *holder);
/* Returns a fixed address (host order) if sid holds it.  True if freed. */
bool pool_fixed_release(struct pool_set *s, uint32_t addr, uint64_t sid);
/* Frees the fixed addresses of IKE worker ike_index; fn gets p == NULL. */
int pool_fixed_release_worker(struct pool_set *s, int ike_index, pool_visit_fn fn, void *arg);
/* After a reload: fixed addresses that now fall in a pool move into it, so
 * the pool cannot hand them out twice; fn is called for one that is taken
 * there already (its lease is lost). */
void pool_fixed_rehome(struct pool_set *s, pool_visit_fn fn, void *arg);

/* The user of sid's lease ("" if unknown); set when a lease is given,
 * dropped when the sid holds none any more. */
void pool_owner_set(struct pool_set *s, uint64_t sid, const char *user);
const char *pool_owner(const struct pool_set *s, uint64_t sid);
void pool_owner_drop(struct pool_set *s, uint64_t sid);

/* Sticky addresses (sticky.c): remember user's address in pool; the
 * address user last had in pool (host order), 0 if none is known. */
void pool_sticky_set(struct pool_set *s, const char *user, const char *pool, uint32_t addr);
uint32_t pool_sticky_get(const struct pool_set *s, const char *user, const char *pool);

/* Calls fn for, and frees, every lease whose sid >> 56 == ike_index. */
int pool_release_worker(struct pool_set *s, int ike_index, pool_visit_fn fn, void *arg);

/* Moves the leases of old into matching pools (same name, address still in
 * range) of s after a reload; fn is called for each lease that is lost. */
void pool_set_carry(struct pool_set *s, struct pool_set *old, pool_visit_fn fn, void *arg);

#endif
