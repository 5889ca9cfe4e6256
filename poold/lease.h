/* poold's message handlers on top of the allocator. */
#ifndef RAVPN_LEASE_H
#define RAVPN_LEASE_H

#include <stddef.h>
#include "pool.h"

/* Fills ans for req (status 0, -1 exhausted, -2 no such pool, -3 the
 * wanted address (req->want_addr, RADIUS) is leased to another session). */
void pool_answer_lease(struct pool_set *s, const struct ipc_lease *req,
		       struct ipc_lease_ans *ans);
/* IPC_LEASE from an IKE worker on chan: answers with the request id and
 * tells db (fd db, -1 if none) about a new lease.  -1 on a send error. */
int pool_on_lease(struct pool_set *s, int chan, int db, uint32_t id, const void *data,
		  size_t len);
/* IPC_LEASE_FREE: returns the address and tells db. */
int pool_on_free(struct pool_set *s, int db, const void *data, size_t len);
/* IKE worker ike_index restarted: its sessions are gone, so are their leases. */
void pool_worker_restarted(struct pool_set *s, int db, int ike_index);
/* Config reload: rebuild the pools, keeping the leases that still fit. */
int pool_reload(struct pool_set *s, const struct conf *c, int db);

#endif
