/* Checks that need the whole file: every queued reference names an object
 * that exists (errors point at the referring token), then the built-in
 * defaults and the documented orderings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

static bool has_dynmap(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_dynmaps; i++)
		if (strcmp(c->dynmaps[i].name, name) == 0)
			return true;
	return false;
}

static bool has_cmap(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_cmaps; i++)
		if (strcmp(c->cmaps[i].name, name) == 0)
			return true;
	return false;
}

static bool split_ok(const struct conf *c, const char *gp_name)
{
	const struct conf_group_policy *g = conf_group_policy(c, gp_name);

	return !g || g->split_policy == SPLIT_TUNNELALL || g->split_acl[0];
}

/* The ACL exists and is extended (crypto ACL) or standard (split list);
 * conf_net.c keeps every ACL to one type. */
static bool acl_is(const struct conf *c, const char *name, bool extended)
{
	const struct conf_acl *a = conf_acl_next(c, name, NULL);

	return a && a->extended == extended;
}

/* The lines a static crypto map entry needs to protect any traffic
 * (conf_l2l_by_peer/_by_traffic skip it otherwise), and their argument. */
static const char *const l2l_line[] = { "match address", "set peer", "set ikev1 transform-set" };
static const char *const l2l_arg[] = { "ACL", "A", "T" };

/* Index in l2l_line[] of the first line the entry lacks; -1 when complete. */
static int l2l_missing(const struct conf *c, const struct conf_ref *r)
{
	for (int i = 0; i < c->n_cmaps; i++) {
		const struct conf_crypto_map *m = &c->cmaps[i];

		if (m->seq != r->seq || strcmp(m->name, r->name) != 0)
			continue;
		if (!m->acl[0])
			return 0;
		if (!m->peer)
			return 1;
		if (!m->p2.n_tsets)
			return 2;
	}
	return -1;
}

/* The rules between the lines of an IKEv2 block (lib/conf_ikev2.c). */
static bool is_v2_rule(int kind)
{
	return kind == REF_V2PROP_ENC || kind == REF_V2PROP_INTEG || kind == REF_V2PROP_AEAD ||
	       kind == REF_V2_NULL_INTEG || kind == REF_V2_ENABLE;
}

static bool ref_ok(const struct conf *c, const struct conf_ref *r)
{
	if (is_v2_rule(r->kind))
		return conf_v2_ref_ok(c, r);

	switch (r->kind) {
	case REF_POOL: return conf_pool(c, r->name) != NULL;
	case REF_GPOLICY: return conf_group_policy(c, r->name) != NULL;
	case REF_SERVER_GROUP: return strcmp(r->name, "LOCAL") == 0 || conf_aaa_server(c, r->name);
	case REF_TSET: return conf_transform_set(c, r->name) != NULL;
	case REF_DYNMAP: return has_dynmap(c, r->name);
	case REF_ACL: return acl_is(c, r->name, false);
	case REF_EXT_ACL: return acl_is(c, r->name, true);
	case REF_ACCT_GROUP: return strcmp(r->name, "LOCAL") != 0 && conf_aaa_server(c, r->name);
	case REF_L2L_ENTRY: return l2l_missing(c, r) < 0;
	case REF_NAMEIF: return conf_iface_by_nameif(c, r->name) != NULL;
	case REF_CMAP: return has_cmap(c, r->name);
	case REF_SPLIT_NEEDS_ACL: return split_ok(c, r->name);
	case REF_TRUSTPOINT: return conf_trustpoint(c, r->name) != NULL;
	case REF_TGROUP: return conf_tunnel_group(c, r->name) != NULL;
	case REF_V2PROP: return conf_ipsec_proposal(c, r->name) != NULL;
	default: return false;
	}
}

static bool l2l_fail(struct conf_parser *p, const struct conf_ref *r)
{
	int k = l2l_missing(p->c, r);

	return conf_fail_at(p, r->line, r->col, "crypto map %s %d has no `%s` line, expected a `crypto map %s %d %s %s` line for this LAN-to-LAN entry",
			    r->name, r->seq, l2l_line[k], r->name, r->seq, l2l_line[k], l2l_arg[k]);
}

/* The object exists but is of the wrong kind: an ACL of the other type,
 * or LOCAL as an accounting group. */
static bool kind_fail(struct conf_parser *p, const struct conf_ref *r)
{
	static const char *const what[] = {
		[REF_ACL] = "access-list '%s' is extended, expected a standard access-list (`access-list %s standard permit A M`) as a split-tunnel network list",
		[REF_EXT_ACL] = "access-list '%s' is standard, expected an extended access-list (`access-list %s extended permit ip SRC DST`) for match address",
		[REF_ACCT_GROUP] = "accounting-server-group '%s' is the local user database, which keeps no accounting records, expected an `aaa-server G protocol radius` group instead of %s",
	};

	return conf_fail_at(p, r->line, r->col, what[r->kind], r->name, r->name);
}

static bool wrong_kind(const struct conf *c, const struct conf_ref *r)
{
	if (r->kind == REF_ACL || r->kind == REF_EXT_ACL)
		return conf_acl_next(c, r->name, NULL) != NULL;
	return r->kind == REF_ACCT_GROUP && strcmp(r->name, "LOCAL") == 0;
}

static bool ref_fail(struct conf_parser *p, const struct conf_ref *r)
{
	static const char *const what[] = {
		[REF_POOL] = "address pool '%s' is not defined, expected an `ip local pool %s FIRST-LAST mask M` line",
		[REF_GPOLICY] = "group-policy '%s' is not defined, expected a `group-policy %s internal` line",
		[REF_SERVER_GROUP] = "aaa-server group '%s' is not defined, expected LOCAL or an `aaa-server %s protocol radius` line",
		[REF_TSET] = "transform-set '%s' is not defined, expected a `crypto ipsec ikev1 transform-set %s ENC [AUTH]` line",
		[REF_DYNMAP] = "dynamic-map '%s' is not defined, expected a `crypto dynamic-map %s SEQ set ikev1 transform-set T` line",
		[REF_ACL] = "access-list '%s' is not defined, expected an `access-list %s standard permit ...` line",
		[REF_NAMEIF] = "no interface has nameif '%s', expected an interface with ` nameif %s`",
		[REF_CMAP] = "crypto map '%s' has no entries, expected a `crypto map %s SEQ ipsec-isakmp dynamic D` line",
		[REF_SPLIT_NEEDS_ACL] = "group-policy '%s' splits the tunnel without a network list, expected ` split-tunnel-network-list value ACL` in group-policy %s",
		[REF_TRUSTPOINT] = "trustpoint '%s' is not defined, expected a `crypto ca trustpoint %s` block",
		[REF_TGROUP] = "tunnel-group '%s' is not defined, expected a `tunnel-group %s type remote-access` line",
		[REF_EXT_ACL] = "access-list '%s' is not defined, expected an `access-list %s extended permit ip SRC DST` line",
		[REF_ACCT_GROUP] = "aaa-server group '%s' is not defined, expected an `aaa-server %s protocol radius` line",
		[REF_V2PROP] = "ipsec-proposal '%s' is not defined, expected a `crypto ipsec ikev2 ipsec-proposal %s` block",
	};

	if (is_v2_rule(r->kind))
		return conf_v2_ref_fail(p, r);
	if (r->kind == REF_L2L_ENTRY)
		return l2l_fail(p, r);
	if (wrong_kind(p->c, r))
		return kind_fail(p, r);

	return conf_fail_at(p, r->line, r->col, what[r->kind], r->name, r->name);
}

static int cmp_policy(const void *a, const void *b)
{
	const struct conf_isakmp_policy *x = a, *y = b;

	return (x->priority > y->priority) - (x->priority < y->priority);
}

static int cmp_dynmap(const void *a, const void *b)
{
	const struct conf_dynamic_map *x = a, *y = b;
	int n = strcmp(x->name, y->name);

	return n ? n : (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_cmap(const void *a, const void *b)
{
	const struct conf_crypto_map *x = a, *y = b;
	int n = strcmp(x->name, y->name);

	return n ? n : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The ASA's built-in group policy: tunnel everything, no attributes. */
static bool add_default_policy(struct conf_parser *p)
{
	struct conf *c = p->c;

	if (conf_group_policy(c, "DfltGrpPolicy"))
		return true;
	struct conf_group_policy *g = CONF_NEW(p, c->gpolicies, c->n_gpolicies);

	if (!g)
		return false;
	snprintf(g->name, sizeof g->name, "DfltGrpPolicy");
	g->split_policy = SPLIT_TUNNELALL;
	return true;
}

bool conf_finish(struct conf_parser *p)
{
	struct conf *c = p->c;

	if (!add_default_policy(p))
		return false;
	conf_v2_finish(c);	/* IKEv2 list defaults, which the rules below check */
	/* The names first, then whether static map entries are complete: an
	 * entry whose ACL is missing gets the error that names the ACL. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < p->n_refs; i++)
			if ((p->refs[i].kind == REF_L2L_ENTRY) == pass && !ref_ok(c, &p->refs[i]))
				return ref_fail(p, &p->refs[i]);
	if (c->n_policies > 1)
		qsort(c->policies, (size_t)c->n_policies, sizeof c->policies[0], cmp_policy);
	if (c->n_dynmaps > 1)
		qsort(c->dynmaps, (size_t)c->n_dynmaps, sizeof c->dynmaps[0], cmp_dynmap);
	if (c->n_cmaps > 1)
		qsort(c->cmaps, (size_t)c->n_cmaps, sizeof c->cmaps[0], cmp_cmap);
	return true;
}
