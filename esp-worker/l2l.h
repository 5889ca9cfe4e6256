/* LAN-to-LAN SAs in the ESP worker: outbound SAs whose selector is a
 * remote network (ipc_sa_add.inner_mask) rather than one client address.
 * They sit in the SA table's hashes like every SA (by their network
 * address) and also in a short prefix list that the outbound lookup
 * consults when no /32 SA matches.  A TUN packet that finds no SA but
 * falls inside a static crypto map's ACL makes this worker ask the IKE
 * worker to negotiate (IPC_ACQUIRE, rate-limited per remote network). */
#ifndef ESP_L2L_H
#define ESP_L2L_H

#include <stdbool.h>
#include <stdint.h>

#include "child.h"
#include "sa.h"

/* Where acquires go and what config says which traffic is LAN-to-LAN;
 * without it (unit tests) nothing is sent. */
void esp_l2l_init(struct child *c);
/* True for an SA with a network selector (mask shorter than /32). */
bool esp_l2l_is_net(const struct esp_sa *s);
/* Called when s enters / leaves the table (both directions; only
 * outbound network SAs are listed). */
void esp_l2l_link(struct esp_sa_table *t, struct esp_sa *s);
void esp_l2l_unlink(struct esp_sa_table *t, struct esp_sa *s);
/* The newest outbound network SA with the longest prefix holding dst
 * (network order); NULL if none. */
struct esp_sa *esp_l2l_find_out(const struct esp_sa_table *t, uint32_t dst);
/* A TUN packet src -> dst (network order) found no SA. */
void esp_l2l_miss(uint32_t src, uint32_t dst);

#endif
