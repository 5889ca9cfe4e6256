/* Per-key rate limit for log lines (see ratelog.h). */
#include "ratelog.h"

#include <string.h>

/* key's entry, or a fresh one: a free slot, else the one logged longest ago. */
static struct auth_ratelog_entry *entry_for(struct auth_ratelog *r, const char *key)
{
	struct auth_ratelog_entry *victim = &r->e[0];

	for (int i = 0; i < AUTH_RATELOG_KEYS; i++) {
		struct auth_ratelog_entry *e = &r->e[i];

		if (e->used && strncmp(e->key, key, sizeof e->key - 1) == 0)
			return e;
		if (victim->used && (!e->used || e->last_ms < victim->last_ms))
			victim = e;
	}
	memset(victim, 0, sizeof *victim);
	victim->used = true;
	strncpy(victim->key, key, sizeof victim->key - 1);
	return victim;
}

bool auth_ratelog_hit(struct auth_ratelog *r, const char *key, long long now_ms,
		      uint64_t *held, uint64_t *total)
{
	struct auth_ratelog_entry *e;
	bool log;

	pthread_mutex_lock(&r->lock);
	e = entry_for(r, key);
	e->total++;
	log = e->total == 1 || now_ms - e->last_ms >= r->interval_ms;
	*held = e->held;
	*total = e->total;
	if (log) {
		e->last_ms = now_ms;
		e->held = 0;
	} else {
		e->held++;
	}
	pthread_mutex_unlock(&r->lock);
	return log;
}
