/* ESP transport mode (RFC 4303 3.1.1) for host-to-host SAs between a
 * client and the gateway's own address (the base of L2TP/IPsec).
 *
 * The data plane stays in user space: a packet the gateway's stack sends
 * to a transport peer reaches the TUN (master/transport_route.c routes it
 * there), and only its IP payload is protected, the next header being the
 * IP protocol.  Inbound, the opened payload gets a rebuilt IPv4 header
 * (src = the peer's address as the gateway sees it, dst = ours) and goes
 * to the TUN, so the kernel delivers it locally.  "As the gateway sees
 * it" means at install: an SA's inner_addr is the peer's address then, its
 * lookup key and the rebuilt source; a NAT rebinding the ESP worker
 * follows moves only where sealed packets go (peer_addr), until the IKE
 * worker re-installs the SA for the new address.
 *
 * Checksums (RFC 3948 3.1.2): behind a NAT the peer computed its TCP/UDP
 * checksum over its own private address, which the rebuilt header does
 * not carry.  The ICV already authenticated the payload, so on a
 * UDP-encapsulated SA the receiver recomputes the TCP/UDP checksum over
 * the rebuilt pseudo-header (a zero UDP checksum stays zero); plain ESP
 * (no NAT) is left as sent. */
#ifndef ESP_TRANSPORT_H
#define ESP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sa.h"

#define ESP_IPV4_HDR_LEN 20

/* The IP payload of a whole (unfragmented) IPv4 packet and its protocol:
 * what a transport SA protects.  false for a fragment, a bad header or
 * lengths that do not fit len. */
bool esp_transport_payload(const uint8_t *pkt, size_t len, const uint8_t **payload,
			   size_t *plen, uint8_t *proto);

/* Turns the n opened payload bytes at buf into an IPv4 packet src -> dst
 * (network order) of protocol proto: moves them 20 bytes up and writes
 * the header in front (checksum included); with fix_csum, TCP and UDP
 * checksums are recomputed for the new pseudo-header.  Returns the
 * packet's length, or -1 when cap cannot hold it or it would exceed
 * 65535 bytes. */
int esp_transport_rebuild(uint8_t *buf, size_t cap, size_t n, uint8_t proto, uint32_t src,
			  uint32_t dst, bool fix_csum);

/* Addresses master currently routes into the TUN for this worker: kept
 * equal to the set of transport peers with an SA in either direction (the
 * inbound SA comes first: the route is there before any opened packet
 * can make the host answer, so an answer never leaves in the clear). */
#define ESP_TRANSPORT_PEERS_MAX 2048
struct esp_transport_routes {
	uint32_t addr[ESP_TRANSPORT_PEERS_MAX];	/* network order */
	uint32_t local[ESP_TRANSPORT_PEERS_MAX];
	int n;
};

/* Called for each change: up = 1 route addr into the TUN, 0 remove. */
typedef void (*esp_transport_announce_fn)(void *arg, uint32_t addr, uint32_t local, bool up);

/* Compares the table's transport SAs with r and announces the
 * difference (removals first), leaving r equal to the table. */
void esp_transport_sync(struct esp_transport_routes *r, const struct esp_sa_table *t,
			esp_transport_announce_fn fn, void *arg);

#endif
