/* Which ESP worker owns a client: a pure function of the client's virtual
 * (inner) address, so that everybody can compute it without shared state.
 *
 * The IKE worker picks inbound SPIs with spi % n_esp == the owner (the
 * UDP 4500 reuseport program and the raw ESP filters steer by SPI % n),
 * and master's TUN steering program (master/steer.c) computes the same
 * function of a packet's IPv4 destination to pick the owner's queue.
 * Both directions of a client's traffic thus meet in one worker. */
#ifndef RAVPN_SHARD_H
#define RAVPN_SHARD_H

#include <arpa/inet.h>
#include <stdint.h>

/* inner_addr in network byte order; n_esp >= 1 (0 is taken as 1). */
static inline unsigned shard_of_addr(uint32_t inner_addr, unsigned n_esp)
{
	return n_esp > 1 ? ntohl(inner_addr) % n_esp : 0;
}

#endif
