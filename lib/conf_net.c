/* Config commands for addresses and identities: interface (and its
 * sub-commands), ip local pool, username, access-list, hostname. */
#include <arpa/inet.h>
#include <string.h>

#include "conf_priv.h"

#define ARGON2ID_PREFIX	"$argon2id$"

/* ---- interface NAME ---------------------------------------------------- */

bool conf_cmd_interface(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;
	char name[sizeof c->ifaces[0].name];

	if (!conf_name(p, l, 1, name, sizeof name, "an interface name") || !conf_end(p, l, 2))
		return false;
	for (int i = 0; i < c->n_ifaces; i++)
		if (strcmp(c->ifaces[i].name, name) == 0)
			return conf_open(p, BLK_IFACE, i);
	struct conf_iface *f = CONF_NEW(p, c->ifaces, c->n_ifaces);

	if (!f)
		return false;
	memcpy(f->name, name, sizeof name);
	return conf_open(p, BLK_IFACE, c->n_ifaces - 1);
}

static bool sub_nameif(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;
	struct conf_iface *f = &c->ifaces[p->idx];
	char name[sizeof f->nameif];

	if (!conf_name(p, l, 1, name, sizeof name, "an interface nameif") || !conf_end(p, l, 2))
		return false;
	for (int i = 0; i < c->n_ifaces; i++)
		if (i != p->idx && strcmp(c->ifaces[i].nameif, name) == 0)
			return conf_fail(p, l->tok[1].col, "nameif '%s' is already used by interface %s, expected a unique name",
					 name, c->ifaces[i].name);
	memcpy(f->nameif, name, sizeof name);
	return true;
}

static bool sub_ip_address(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "address", NULL };
	struct conf_iface *f = &p->c->ifaces[p->idx];
	int kw;

	return conf_kw(p, l, 1, words, &kw) && conf_ip(p, l, 2, &f->addr) &&
	       conf_mask(p, l, 3, &f->mask) && conf_end(p, l, 4);
}

static bool sub_security_level(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t v;

	if (!conf_num(p, l, 1, 0, 100, "a security level", &v) || !conf_end(p, l, 2))
		return false;
	p->c->ifaces[p->idx].security_level = (int)v;
	return true;
}

static bool sub_no(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "shutdown", NULL };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw) || !conf_end(p, l, 2))
		return false;
	p->c->ifaces[p->idx].shutdown = false;
	return true;
}

static bool sub_shutdown(struct conf_parser *p, const struct conf_line *l)
{
	if (!conf_end(p, l, 1))
		return false;
	p->c->ifaces[p->idx].shutdown = true;
	return true;
}

const struct conf_cmd conf_iface_subs[] = {
	{ "nameif", sub_nameif },
	{ "ip", sub_ip_address },
	{ "security-level", sub_security_level },
	{ "no", sub_no },
	{ "shutdown", sub_shutdown },
	{ NULL, NULL },
};

/* ---- ip local pool NAME A-B mask M ------------------------------------- */

static bool parse_range(struct conf_parser *p, const struct conf_tok *t,
			uint32_t *first, uint32_t *last)
{
	const char *dash = memchr(t->s, '-', t->len);

	if (!dash)
		return conf_fail(p, t->col, "invalid range '%.*s', expected FIRST-LAST addresses",
				 CONF_TOK(t));
	size_t alen = (size_t)(dash - t->s);

	if (!conf_ip_str(t->s, alen, first))
		return conf_fail(p, t->col, "invalid first address '%.*s', expected a.b.c.d",
				 (int)(alen > 48 ? 48 : alen), t->s);
	if (!conf_ip_str(dash + 1, t->len - alen - 1, last))
		return conf_fail(p, t->col + (int)alen + 1, "invalid last address '%.*s', expected a.b.c.d",
				 (int)(t->len - alen - 1 > 48 ? 48 : t->len - alen - 1), dash + 1);
	if (ntohl(*first) > ntohl(*last))
		return conf_fail(p, t->col, "first address is above the last in '%.*s', expected FIRST <= LAST",
				 CONF_TOK(t));
	return true;
}

static bool pool_syntax(struct conf_parser *p, const struct conf_line *l, struct conf_pool *pl)
{
	static const char *const local[] = { "local", NULL };
	static const char *const pool[] = { "pool", NULL };
	static const char *const mask[] = { "mask", NULL };
	int kw;

	if (!conf_kw(p, l, 1, local, &kw) || !conf_kw(p, l, 2, pool, &kw) ||
	    !conf_name(p, l, 3, pl->name, sizeof pl->name, "a pool name") ||
	    !conf_need(p, l, 4, "an address range FIRST-LAST") ||
	    !parse_range(p, &l->tok[4], &pl->first, &pl->last) ||
	    !conf_kw(p, l, 5, mask, &kw) || !conf_mask(p, l, 6, &pl->mask) || !conf_end(p, l, 7))
		return false;
	if ((pl->first & pl->mask) != (pl->last & pl->mask))
		return conf_fail(p, l->tok[4].col, "range '%.*s' spans more than one subnet of mask %.*s, expected both ends in one subnet",
				 CONF_TOK(&l->tok[4]), CONF_TOK(&l->tok[6]));
	return true;
}

bool conf_cmd_ip(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;
	struct conf_pool pl = { 0 };

	if (!pool_syntax(p, l, &pl))
		return false;
	if (conf_pool(c, pl.name))
		return conf_fail(p, l->tok[3].col, "pool '%s' is already defined, expected a new pool name", pl.name);
	struct conf_pool *np = CONF_NEW(p, c->pools, c->n_pools);

	if (!np)
		return false;
	*np = pl;
	return true;
}

/* ---- username NAME password HASH [privilege N] --------------------------- */

/* A run of '*' is a hash that conf_redact blanked out: it must still parse. */
static bool is_redacted(const struct conf_tok *t)
{
	for (size_t i = 0; i < t->len; i++)
		if (t->s[i] != '*')
			return false;
	return true;
}

static bool user_hash(struct conf_parser *p, const struct conf_line *l, struct conf_user *u)
{
	const struct conf_tok *t = &l->tok[3];
	size_t pl = strlen(ARGON2ID_PREFIX);

	if (!conf_need(p, l, 3, "an argon2id password hash"))
		return false;
	if (!is_redacted(t) && (t->len <= pl || memcmp(t->s, ARGON2ID_PREFIX, pl) != 0))
		return conf_fail(p, t->col, "password is not an argon2id hash, expected a string starting with "
				 ARGON2ID_PREFIX " (see ravpnctl hash-password)");
	return conf_name(p, l, 3, u->hash, sizeof u->hash, "an argon2id password hash") &&
	       conf_add_secret(p, t, SECRET_PASSWORD_HASH);
}

bool conf_cmd_username(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const password[] = { "password", NULL };
	static const char *const privilege[] = { "privilege", NULL };
	struct conf *c = p->c;
	struct conf_user u = { .privilege = 2 };
	uint32_t priv;
	int kw;

	if (!conf_name(p, l, 1, u.name, sizeof u.name, "a user name") ||
	    !conf_kw(p, l, 2, password, &kw) || !user_hash(p, l, &u))
		return false;
	if (l->n > 4) {
		if (!conf_kw(p, l, 4, privilege, &kw) ||
		    !conf_num(p, l, 5, 0, 15, "a privilege level", &priv) || !conf_end(p, l, 6))
			return false;
		u.privilege = (int)priv;
	}
	if (conf_user(c, u.name))
		return conf_fail(p, l->tok[1].col, "user '%s' is already defined, expected a new user name", u.name);
	struct conf_user *nu = CONF_NEW(p, c->users, c->n_users);

	if (!nu)
		return false;
	*nu = u;
	return true;
}

/* ---- access-list NAME standard permit A M | host A | any ----------------- */

static bool acl_target(struct conf_parser *p, const struct conf_line *l, struct conf_acl *a)
{
	if (!conf_need(p, l, 4, "a network A M, host A or any"))
		return false;
	if (conf_is(&l->tok[4], "any")) {
		a->net = a->mask = 0;
		return conf_end(p, l, 5);
	}
	if (conf_is(&l->tok[4], "host")) {
		a->mask = 0xffffffffu;
		return conf_ip(p, l, 5, &a->net) && conf_end(p, l, 6);
	}
	if (!conf_ip(p, l, 4, &a->net) || !conf_mask(p, l, 5, &a->mask) || !conf_end(p, l, 6))
		return false;
	if (a->net & ~a->mask)
		return conf_fail(p, l->tok[4].col, "'%.*s' has host bits set for mask %.*s, expected a network address",
				 CONF_TOK(&l->tok[4]), CONF_TOK(&l->tok[5]));
	return true;
}

/* An access-list is either standard (split tunnel) or extended (crypto
 * ACL): its first line sets the type, lines of the other type are errors. */
static bool acl_one_type(struct conf_parser *p, const struct conf_line *l, const struct conf_acl *a)
{
	static const char *const type[] = { "standard", "extended" };
	const struct conf_acl *first = conf_acl_next(p->c, a->name, NULL);

	if (!first || first->extended == a->extended)
		return true;
	return conf_fail(p, l->tok[2].col, "access-list %s has %s lines, expected %s here too (an access-list is either standard or extended)",
			 a->name, type[first->extended], type[first->extended]);
}

bool conf_cmd_access_list(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const type[] = { "standard", "remark", "extended", NULL };
	static const char *const action[] = { "permit", NULL };
	struct conf *c = p->c;
	struct conf_acl a = { 0 };
	int kw;

	if (!conf_name(p, l, 1, a.name, sizeof a.name, "an access-list name") ||
	    !conf_kw(p, l, 2, type, &kw))
		return false;
	if (kw == 1)		/* remark: free text, nothing stored */
		return conf_need(p, l, 3, "remark text");
	if (kw == 2 && !conf_acl_extended(p, l, &a))	/* lib/conf_l2l.c */
		return false;
	if (kw != 2 && (!conf_kw(p, l, 3, action, &kw) || !acl_target(p, l, &a)))
		return false;
	if (!acl_one_type(p, l, &a))
		return false;
	struct conf_acl *na = CONF_NEW(p, c->acls, c->n_acls);

	if (!na)
		return false;
	*na = a;
	return true;
}

/* ---- hostname X -------------------------------------------------------- */

bool conf_cmd_hostname(struct conf_parser *p, const struct conf_line *l)
{
	return conf_name(p, l, 1, p->c->hostname, sizeof p->c->hostname, "a host name") &&
	       conf_end(p, l, 2);
}
