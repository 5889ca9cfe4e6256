/* Lookups by name in a parsed configuration (exact, case-sensitive). */
#include <string.h>

#include "conf.h"

#define FIND_BY_NAME(arr, n, key)				\
	do {							\
		for (int i_ = 0; i_ < (n); i_++)		\
			if (strcmp((arr)[i_].name, (key)) == 0)	\
				return &(arr)[i_];		\
		return NULL;					\
	} while (0)

const struct conf_tunnel_group *conf_tunnel_group(const struct conf *c, const char *name)
{
	FIND_BY_NAME(c->tgroups, c->n_tgroups, name);
}

const struct conf_group_policy *conf_group_policy(const struct conf *c, const char *name)
{
	FIND_BY_NAME(c->gpolicies, c->n_gpolicies, name);
}

const struct conf_pool *conf_pool(const struct conf *c, const char *name)
{
	FIND_BY_NAME(c->pools, c->n_pools, name);
}

const struct conf_transform_set *conf_transform_set(const struct conf *c, const char *name)
{
	FIND_BY_NAME(c->tsets, c->n_tsets, name);
}

const struct conf_user *conf_user(const struct conf *c, const char *name)
{
	FIND_BY_NAME(c->users, c->n_users, name);
}

const struct conf_aaa_server *conf_aaa_server(const struct conf *c, const char *name)
{
	FIND_BY_NAME(c->aaa, c->n_aaa, name);
}

const struct conf_iface *conf_iface_by_nameif(const struct conf *c, const char *nameif)
{
	if (!nameif[0])
		return NULL;
	for (int i = 0; i < c->n_ifaces; i++)
		if (strcmp(c->ifaces[i].nameif, nameif) == 0)
			return &c->ifaces[i];
	return NULL;
}

const struct conf_dynamic_map *conf_dynamic_map(const struct conf *c, const char *name, int seq)
{
	for (int i = 0; i < c->n_dynmaps; i++)
		if (c->dynmaps[i].seq == seq && strcmp(c->dynmaps[i].name, name) == 0)
			return &c->dynmaps[i];
	return NULL;
}

const struct conf_acl *conf_acl_next(const struct conf *c, const char *name,
				     const struct conf_acl *prev)
{
	int start = prev ? (int)(prev - c->acls) + 1 : 0;

	for (int i = start; i < c->n_acls; i++)
		if (strcmp(c->acls[i].name, name) == 0)
			return &c->acls[i];
	return NULL;
}

const struct conf_ipsec_proposal *conf_ipsec_proposal(const struct conf *c, const char *name)
{
	FIND_BY_NAME(c->v2props, c->n_v2props, name);
}

/* When both enable lines are given they name the same interface (checked
 * by conf_ikev2.c), so this is the address of IKEv1 and IKEv2 alike. */
uint32_t conf_outside_addr(const struct conf *c)
{
	const struct conf_iface *f = conf_iface_by_nameif(c, c->ikev1_enable);

	if (!f)
		f = conf_iface_by_nameif(c, c->ikev2_enable);
	return f ? f->addr : 0;
}
