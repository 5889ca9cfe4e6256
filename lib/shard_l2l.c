/* LAN-to-LAN sharding: the remote networks the TUN steering program
 * sends to one worker each (lib/shard.h).  Master builds the program from
 * this list and the IKE worker places SA pairs by it, so both read the
 * same configuration through the same function. */
#include "shard.h"
#include "conf.h"

static bool prefix_known(const struct shard_prefix *p, int n, uint32_t net, uint32_t mask)
{
	for (int i = 0; i < n; i++)
		if (p[i].net == net && p[i].mask == mask)
			return true;
	return false;
}

/* Stable insertion sort, longest mask first: where networks nest, the
 * most specific one decides. */
static void sort_specific_first(struct shard_prefix *p, int n)
{
	for (int i = 1; i < n; i++) {
		struct shard_prefix x = p[i];
		int j = i;

		for (; j > 0 && ntohl(p[j - 1].mask) < ntohl(x.mask); j--)
			p[j] = p[j - 1];
		p[j] = x;
	}
}

/* Counts a network once even beyond max (the count is what is logged). */
static void add_prefix(struct shard_prefix *out, int max, int *n, int *extra,
		       const struct conf_acl *a)
{
	if (prefix_known(out, *n < max ? *n : max, a->dst_net, a->dst_mask))
		return;
	if (*n < max)
		out[(*n)++] = (struct shard_prefix){ a->dst_net, a->dst_mask };
	else
		++*extra;	/* a duplicate among these is counted twice: only logged */
}

int shard_l2l_prefixes(const struct conf *c, struct shard_prefix *out, int max)
{
	int n = 0, extra = 0;

	for (int i = 0; i < c->n_cmaps; i++) {
		const struct conf_crypto_map *m = &c->cmaps[i];

		if (m->dynamic[0] || !m->acl[0] || !m->peer)
			continue;
		for (const struct conf_acl *a = conf_acl_next(c, m->acl, NULL); a;
		     a = conf_acl_next(c, m->acl, a))
			if (a->extended && a->dst_mask)	/* "any" would take every client */
				add_prefix(out, max, &n, &extra, a);
	}
	sort_specific_first(out, n);
	return n + extra;
}

unsigned shard_of_l2l(const struct conf *c, uint32_t rnet, unsigned n_esp)
{
	struct shard_prefix p[SHARD_L2L_MAX];
	int n = shard_l2l_prefixes(c, p, SHARD_L2L_MAX);

	return shard_steer(p, n < SHARD_L2L_MAX ? n : SHARD_L2L_MAX, rnet, n_esp);
}
