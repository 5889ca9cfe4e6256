/* Which ESP worker owns a client: a pure function of the client's virtual
 * (inner) address, so that everybody can compute it without shared state.
 *
 * The IKE worker picks inbound SPIs with spi % n_esp == the owner (the
 * UDP 4500 reuseport program and the raw ESP filters steer by SPI % n),
 * and master's TUN steering program (master/shard.c) computes the same
 * function of a packet's IPv4 destination to pick the owner's queue.
 * Both directions of a client's traffic thus meet in one worker.
 *
 * LAN-to-LAN: one SA pair carries a whole remote network, so the whole
 * network must go to one worker, not be spread by host address.  The
 * steering program first matches the static crypto maps' remote networks
 * (shard_l2l_prefixes, most specific first) and sends a match to the
 * network's owner (shard_of_net); the IKE worker puts an SA pair whose
 * remote network is rnet on shard_of_l2l(rnet), the same decision. */
#ifndef RAVPN_SHARD_H
#define RAVPN_SHARD_H

#include <arpa/inet.h>
#include <stdint.h>

/* inner_addr in network byte order; n_esp >= 1 (0 is taken as 1). */
static inline unsigned shard_of_addr(uint32_t inner_addr, unsigned n_esp)
{
	return n_esp > 1 ? ntohl(inner_addr) % n_esp : 0;
}

/* The worker of a LAN-to-LAN network.  Network addresses end in zero
 * bits: their own % n would put every network on worker 0 whenever n is
 * a power of two, so the network and mask are mixed first (Fibonacci
 * hashing, the product's high half).  The steering program only carries
 * the result, as a constant. */
static inline unsigned shard_of_net(uint32_t net, uint32_t mask, unsigned n_esp)
{
	uint32_t h = (ntohl(net) ^ ntohl(mask)) * 0x9e3779b1u;

	return n_esp > 1 ? (h >> 16) % n_esp : 0;
}

/* How many LAN-to-LAN networks the steering program matches: each costs
 * six instructions.  Further networks are steered by address like
 * clients (only some of their hosts reach the SA's worker). */
#define SHARD_L2L_MAX	64

struct shard_prefix {
	uint32_t net, mask;		/* network order, contiguous mask */
};

struct conf;

/* The remote networks of the complete static crypto map entries' ACL
 * lines (no duplicates, no 0.0.0.0/0), the first max of them in file
 * order, sorted most specific first into out.  Returns how many distinct
 * networks are configured, which may exceed max. */
int shard_l2l_prefixes(const struct conf *c, struct shard_prefix *out, int max);

/* The TUN steering decision for an IPv4 destination (network order): the
 * owner of the first (most specific) prefix holding dst, else dst's. */
static inline unsigned shard_steer(const struct shard_prefix *p, int np, uint32_t dst,
				   unsigned n_esp)
{
	for (int i = 0; i < np; i++)
		if ((dst & p[i].mask) == p[i].net)
			return shard_of_net(p[i].net, p[i].mask, n_esp);
	return shard_of_addr(dst, n_esp);
}

/* The ESP worker of a LAN-to-LAN SA pair whose remote network starts at
 * rnet (network order): where the steering program sends its packets. */
unsigned shard_of_l2l(const struct conf *c, uint32_t rnet, unsigned n_esp);

#endif
