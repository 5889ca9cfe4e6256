/* LAN-to-LAN configuration: extended access lists (the crypto ACLs),
 * static crypto map entries, and the lookups IKE, ESP and master make
 * in them.
 *   access-list NAME extended permit ip SRC DST   (SRC/DST: A M | host A | any)
 *   crypto map NAME SEQ match address ACL
 *   crypto map NAME SEQ set peer A
 *   crypto map NAME SEQ set [ikev1] transform-set T1 [T2..]
 *   crypto map NAME SEQ set pfs [groupN]
 *   crypto map NAME SEQ set security-association lifetime seconds|kilobytes N
 * Addresses are in network byte order. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "conf_priv.h"

#define IPSEC_DEFAULT_LIFETIME_SEC	28800u
#define IPSEC_DEFAULT_LIFETIME_KB	4608000u

/* ---- access-list NAME extended permit ip SRC DST -------------------------- */

/* One address operand at *i: any | any4 | host A | A M. */
static bool acl_operand(struct conf_parser *p, const struct conf_line *l, int *i,
			uint32_t *net, uint32_t *mask)
{
	if (!conf_need(p, l, *i, "a network A M, host A or any"))
		return false;
	if (conf_is(&l->tok[*i], "any") || conf_is(&l->tok[*i], "any4")) {
		*net = *mask = 0;
		++*i;
		return true;
	}
	if (conf_is(&l->tok[*i], "host")) {
		*mask = 0xffffffffu;
		*i += 2;
		return conf_ip(p, l, *i - 1, net);
	}
	if (!conf_ip(p, l, *i, net) || !conf_mask(p, l, *i + 1, mask))
		return false;
	if (*net & ~*mask)
		return conf_fail(p, l->tok[*i].col, "'%.*s' has host bits set for mask %.*s, expected a network address",
				 CONF_TOK(&l->tok[*i]), CONF_TOK(&l->tok[*i + 1]));
	*i += 2;
	return true;
}

bool conf_acl_extended(struct conf_parser *p, const struct conf_line *l, struct conf_acl *a)
{
	static const char *const action[] = { "permit", NULL };
	static const char *const proto[] = { "ip", NULL };
	int kw, i = 5;

	if (!conf_kw(p, l, 3, action, &kw) || !conf_kw(p, l, 4, proto, &kw) ||
	    !acl_operand(p, l, &i, &a->net, &a->mask) ||
	    !acl_operand(p, l, &i, &a->dst_net, &a->dst_mask))
		return false;
	a->extended = true;
	return conf_end(p, l, i);
}

/* ---- crypto map NAME SEQ match address ACL | set ... ---------------------- */

/* The entry NAME SEQ, made on its first line; that line is queued so the
 * entry is checked for completeness once the whole file is read. */
static struct conf_crypto_map *static_entry(struct conf_parser *p, const struct conf_line *l,
					    const char *name, int seq)
{
	struct conf *c = p->c;
	struct conf_crypto_map *m;

	for (int i = 0; i < c->n_cmaps; i++)
		if (c->cmaps[i].seq == seq && strcmp(c->cmaps[i].name, name) == 0)
			return &c->cmaps[i];
	m = CONF_NEW(p, c->cmaps, c->n_cmaps);
	if (!m)
		return NULL;
	snprintf(m->name, sizeof m->name, "%s", name);
	m->seq = seq;
	snprintf(m->p2.name, sizeof m->p2.name, "%s", name);
	m->p2.seq = seq;
	m->p2.sa_lifetime_sec = IPSEC_DEFAULT_LIFETIME_SEC;
	m->p2.sa_lifetime_kb = IPSEC_DEFAULT_LIFETIME_KB;
	if (!conf_add_ref(p, REF_L2L_ENTRY, name, l, 3))
		return NULL;
	p->refs[p->n_refs - 1].seq = seq;
	return m;
}

static bool cmap_match(struct conf_parser *p, const struct conf_line *l, struct conf_crypto_map *m)
{
	static const char *const address[] = { "address", NULL };
	int kw;

	return conf_kw(p, l, 5, address, &kw) &&
	       conf_name(p, l, 6, m->acl, sizeof m->acl, "an access-list name") &&
	       conf_end(p, l, 7) && conf_add_ref(p, REF_EXT_ACL, m->acl, l, 6);
}

static bool cmap_set(struct conf_parser *p, const struct conf_line *l, struct conf_crypto_map *m)
{
	static const char *const what[] = { "peer", "ikev1", "transform-set", "pfs",
					    "security-association", NULL };
	static const char *const ts[] = { "transform-set", NULL };
	int kw, kw2;

	if (!conf_kw(p, l, 5, what, &kw))
		return false;
	switch (kw) {
	case 0: return conf_ip(p, l, 6, &m->peer) && conf_end(p, l, 7);
	case 1: return conf_kw(p, l, 6, ts, &kw2) && conf_dyn_tsets(p, l, 7, &m->p2);
	case 2: return conf_dyn_tsets(p, l, 6, &m->p2);
	case 3: return conf_dyn_pfs(p, l, 6, &m->p2);
	default: return conf_dyn_lifetime(p, l, 6, &m->p2);
	}
}

bool conf_cmap_static(struct conf_parser *p, const struct conf_line *l, const char *name)
{
	struct conf_crypto_map *m;
	uint32_t seq;

	if (!conf_num(p, l, 3, 1, 65535, "a sequence number", &seq))
		return false;
	m = static_entry(p, l, name, (int)seq);
	if (!m)
		return false;
	if (m->dynamic[0])
		return conf_cmap_mixed(p, l, name, (int)seq);
	if (conf_is(&l->tok[4], "match"))
		return cmap_match(p, l, m);
	return cmap_set(p, l, m);
}

/* One SEQ is either a dynamic entry or a static one: the error for a line
 * of one kind on a SEQ that holds the other, whichever comes first. */
bool conf_cmap_mixed(struct conf_parser *p, const struct conf_line *l, const char *name, int seq)
{
	return conf_fail(p, l->tok[3].col, "crypto map %s %d has both a dynamic entry and static entry lines, expected a sequence number of its own for each",
			 name, seq);
}

/* ---- lookups ---------------------------------------------------------------- */

static bool complete(const struct conf_crypto_map *m)
{
	return !m->dynamic[0] && m->acl[0] && m->peer;
}

static bool inside(uint32_t addr, uint32_t net, uint32_t mask)
{
	return (addr & mask) == (net & mask);
}

const struct conf_crypto_map *conf_l2l_by_peer(const struct conf *c, uint32_t addr)
{
	for (int i = 0; i < c->n_cmaps; i++)
		if (complete(&c->cmaps[i]) && c->cmaps[i].peer == addr)
			return &c->cmaps[i];
	return NULL;
}

const struct conf_crypto_map *conf_l2l_by_traffic(const struct conf *c, uint32_t src,
						  uint32_t dst, const struct conf_acl **acl)
{
	for (int i = 0; i < c->n_cmaps; i++) {
		const struct conf_crypto_map *m = &c->cmaps[i];

		if (!complete(m))
			continue;
		for (const struct conf_acl *a = conf_acl_next(c, m->acl, NULL); a;
		     a = conf_acl_next(c, m->acl, a))
			if (a->extended && inside(dst, a->dst_net, a->dst_mask) &&
			    (!src || inside(src, a->net, a->mask))) {
				if (acl)
					*acl = a;
				return m;
			}
	}
	return NULL;
}

/* net/mask lies within anet/amask: its mask is at least as long and its
 * network is inside. */
static bool subset(uint32_t net, uint32_t mask, uint32_t anet, uint32_t amask)
{
	return (ntohl(mask) & ntohl(amask)) == ntohl(amask) && inside(net, anet, amask);
}

const struct conf_acl *conf_l2l_acl_covering(const struct conf *c, const struct conf_crypto_map *m,
					     uint32_t lnet, uint32_t lmask, uint32_t rnet,
					     uint32_t rmask)
{
	for (const struct conf_acl *a = conf_acl_next(c, m->acl, NULL); a;
	     a = conf_acl_next(c, m->acl, a))
		if (a->extended && subset(lnet, lmask, a->net, a->mask) &&
		    subset(rnet, rmask, a->dst_net, a->dst_mask))
			return a;
	return NULL;
}
