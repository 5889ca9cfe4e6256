/* Sticky addresses: the address a user last had in a pool, so that a
 * reconnecting user gets the same one again while nobody else holds it. */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

static int find_sticky(const struct pool_set *s, const char *user, const char *pool)
{
	for (int i = 0; i < s->n_sticky; i++)
		if (strcmp(s->sticky[i].user, user) == 0 && strcmp(s->sticky[i].pool, pool) == 0)
			return i;
	return -1;
}

/* A free slot: grows the table up to POOL_STICKY_MAX, then reuses the
 * entries in turn (the oldest first). -1 when out of memory. */
static int new_sticky(struct pool_set *s)
{
	if (s->n_sticky < s->cap_sticky)
		return s->n_sticky++;
	if (s->cap_sticky < POOL_STICKY_MAX) {
		int cap = s->cap_sticky ? s->cap_sticky * 2 : 64;
		struct pool_sticky *v = realloc(s->sticky, (size_t)cap * sizeof *v);

		if (!v)
			return -1;
		s->sticky = v;
		s->cap_sticky = cap;
		return s->n_sticky++;
	}
	s->next_sticky %= s->n_sticky;
	return s->next_sticky++;
}

void pool_sticky_set(struct pool_set *s, const char *user, const char *pool, uint32_t addr)
{
	int i;

	if (!user[0] || !pool[0])
		return;		/* no user to remember, or a RADIUS address */
	i = find_sticky(s, user, pool);
	if (i < 0)
		i = new_sticky(s);
	if (i < 0)
		return;
	ipc_strcpy(s->sticky[i].user, sizeof s->sticky[i].user, user);
	ipc_strcpy(s->sticky[i].pool, sizeof s->sticky[i].pool, pool);
	s->sticky[i].addr = addr;
}

uint32_t pool_sticky_get(const struct pool_set *s, const char *user, const char *pool)
{
	int i = user[0] ? find_sticky(s, user, pool) : -1;

	return i < 0 ? 0 : s->sticky[i].addr;
}
