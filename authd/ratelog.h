/* Rate-limited log lines for an event a remote party can repeat at will
 * (a forged or unverifiable RADIUS answer), so it cannot fill the log:
 * per key (a server's address) the first event is logged, then at most one
 * line per interval, and that line tells how many were held back since the
 * last one.  Every event is counted.  Thread-safe: the RADIUS thread pool
 * reports into one table.  Keys are configured servers, not packet
 * sources, so the table stays small; when it is full, the key logged
 * longest ago makes room. */
#ifndef RAVPN_AUTH_RATELOG_H
#define RAVPN_AUTH_RATELOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define AUTH_RATELOG_KEYS	16
#define AUTH_RATELOG_KEY_LEN	48

struct auth_ratelog_entry {
	bool used;
	char key[AUTH_RATELOG_KEY_LEN];
	long long last_ms;		/* when a line was last written */
	uint64_t total;			/* events seen */
	uint64_t held;			/* events not logged since that line */
};

struct auth_ratelog {
	pthread_mutex_t lock;
	long long interval_ms;
	struct auth_ratelog_entry e[AUTH_RATELOG_KEYS];
};

#define AUTH_RATELOG_INIT(ms)	{ .lock = PTHREAD_MUTEX_INITIALIZER, .interval_ms = (ms) }

/* Counts one event for key at now_ms (a monotonic clock).  True when a
 * line should be written now: *held is then how many earlier events of
 * key went unlogged since its last line, *total all of key's events so
 * far (this one included).  False: held back (and counted). */
bool auth_ratelog_hit(struct auth_ratelog *r, const char *key, long long now_ms,
		      uint64_t *held, uint64_t *total);

#endif
