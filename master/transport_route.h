/* Policy routing for ESP transport mode (transport_route.c). */
#ifndef MASTER_TRANSPORT_ROUTE_H
#define MASTER_TRANSPORT_ROUTE_H

#include <stdint.h>

#include "ipc.h"

struct master;
struct mchild;

/* The mark on master's own IKE and ESP sockets (UDP 500/4500, raw ESP):
 * their packets skip the transport table and leave on the outside
 * interface.  Table and rule priority of that table. */
#define MASTER_TRANSPORT_MARK	0x52a1u
#define MASTER_TRANSPORT_TABLE	4051u
#define MASTER_TRANSPORT_PREF	4051u

/* Sets SO_MARK = MASTER_TRANSPORT_MARK on fd.  -1 with errno on failure. */
int master_transport_mark(int fd);

/* IPC_TRANSPORT_ROUTE from ESP worker k. */
void master_on_transport_route(struct master *m, struct mchild *k, const struct ipc_msg *msg);

/* At exit: every route and the rule go. */
void master_transport_routes_clear(void);

/* Netlink message builders, exposed for tests: the request for a /32
 * route to addr (network order) via ifindex with source src in
 * MASTER_TRANSPORT_TABLE (add or delete), and for the rule
 * "not fwmark MARK lookup TABLE".  Return the message length, 0 when
 * cap is too small. */
size_t master_nl_route_msg(uint8_t *buf, size_t cap, int add, uint32_t addr, int ifindex,
			   uint32_t src);
size_t master_nl_rule_msg(uint8_t *buf, size_t cap, int add);

#endif
