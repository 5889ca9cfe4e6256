/* poold's start-up: the live leases from db, requests held until then. */
#ifndef RAVPN_POOLD_RESTORE_H
#define RAVPN_POOLD_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include "pool.h"

/* How long a new poold waits for db's lease table before it serves
 * anyway (db down as well: it will clear its leases when it starts). */
#define POOL_TABLE_WAIT_MS	3000
/* Requests held meanwhile; beyond this they are served at once. */
#define POOL_WAIT_MAX		4096

/* One IPC_DB_LEASE from db: marks the address leased.  Returns 1 for the
 * end marker (sid 0), 0 for a row, -1 for a malformed message. */
int pool_restore_lease(struct pool_set *s, const void *data, size_t len);

struct pool_waiting {
	int index;			/* IKE worker */
	uint32_t id;			/* request id */
	struct ipc_lease req;
};

struct pool_wait {
	struct pool_waiting *q;
	int n, cap;
};

typedef void (*pool_wait_fn)(void *arg, int index, uint32_t id, const void *data, size_t len);
/* Holds an IPC_LEASE; false if it cannot be held (serve it now). */
bool pool_wait_add(struct pool_wait *w, int index, uint32_t id, const void *data, size_t len);
/* Serves every held request through fn, in arrival order, and empties w. */
void pool_wait_flush(struct pool_wait *w, pool_wait_fn fn, void *arg);

#endif
