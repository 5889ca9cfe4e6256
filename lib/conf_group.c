/* Remote-access policy commands: group-policy (and its attributes block),
 * aaa-server (and its host block), tunnel-group (general-attributes and
 * ipsec-attributes blocks). */
#include <stdio.h>
#include <string.h>

#include "conf_priv.h"

#define DEFAULT_GROUP_POLICY	"DfltGrpPolicy"
#define RADIUS_DEFAULT_AUTH_PORT	1645	/* ASA defaults, not 1812/1813 */
#define RADIUS_DEFAULT_ACCT_PORT	1646
#define RADIUS_DEFAULT_TIMEOUT		10
#define RADIUS_DEFAULT_RETRY_INTERVAL	10
#define RADIUS_DEFAULT_DEAD_TIME	10	/* minutes */
#define RADIUS_DEFAULT_MAX_FAILED	3

/* "(outside)" -> ref to nameif outside */
static bool paren_ref(struct conf_parser *p, const struct conf_line *l, int i, char *out, size_t size)
{
	const struct conf_tok *t = &l->tok[i];

	if (t->len - 2 >= size)
		return conf_fail(p, t->col, "'%.*s' is too long, expected an interface nameif of at most %zu characters",
				 CONF_TOK(t), size - 1);
	memcpy(out, t->s + 1, t->len - 2);
	out[t->len - 2] = 0;
	return conf_add_ref(p, REF_NAMEIF, out, l, i);
}

/* ---- group-policy --------------------------------------------------------- */

static int find_gp(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_gpolicies; i++)
		if (strcmp(c->gpolicies[i].name, name) == 0)
			return i;
	return -1;
}

static int new_gp(struct conf_parser *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_group_policy *g = CONF_NEW(p, c->gpolicies, c->n_gpolicies);

	if (!g)
		return -1;
	snprintf(g->name, sizeof g->name, "%s", name);
	g->split_policy = SPLIT_TUNNELALL;
	return c->n_gpolicies - 1;
}

bool conf_cmd_group_policy(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "internal", "attributes", NULL };
	char name[CONF_NAME];
	int kw, idx;

	if (!conf_name(p, l, 1, name, sizeof name, "a group-policy name") ||
	    !conf_kw(p, l, 2, words, &kw) || !conf_end(p, l, 3))
		return false;
	idx = find_gp(p->c, name);
	if (kw == 0)
		return idx >= 0 || new_gp(p, name) >= 0;
	/* DfltGrpPolicy is built in: its attributes may be set without `internal` */
	if (idx < 0 && strcmp(name, DEFAULT_GROUP_POLICY) == 0)
		idx = new_gp(p, name);
	else if (idx < 0)
		return conf_fail(p, l->tok[1].col, "group-policy '%s' is not defined, expected `group-policy %s internal` before its attributes",
				 name, name);
	return idx >= 0 && conf_open(p, BLK_GP_ATTR, idx);
}

static struct conf_group_policy *cur_gp(struct conf_parser *p)
{
	return &p->c->gpolicies[p->idx];
}

/* `value X` or `none`: returns true with *none set, or false on error */
static bool value_or_none(struct conf_parser *p, const struct conf_line *l, bool *none)
{
	static const char *const words[] = { "value", "none", NULL };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw))
		return false;
	*none = kw == 1;
	return !*none || conf_end(p, l, 2);
}

/* `value A [B]` or `none` into up to two addresses. */
static bool servers_at(struct conf_parser *p, const struct conf_line *l, uint32_t out[2], int *n)
{
	bool none;

	if (!value_or_none(p, l, &none))
		return false;
	*n = 0;
	if (none)
		return true;
	if (!conf_ip(p, l, 2, &out[0]))
		return false;
	*n = 1;
	if (l->n > 3) {
		if (!conf_ip(p, l, 3, &out[1]))
			return false;
		*n = 2;
	}
	return conf_end(p, l, 4);
}

static bool sub_dns_server(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);

	return servers_at(p, l, g->dns, &g->n_dns);
}

/* wins-server value A [B] | none: INTERNAL_IP4_NBNS in mode-config */
static bool sub_wins_server(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);

	return servers_at(p, l, g->wins, &g->n_wins);
}

static bool valid_domain(const struct conf_tok *t)
{
	for (size_t i = 0; i < t->len; i++) {
		char ch = t->s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

static bool sub_default_domain(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);
	bool none;

	if (!value_or_none(p, l, &none))
		return false;
	g->domain[0] = 0;
	if (none)
		return true;
	if (!conf_name(p, l, 2, g->domain, sizeof g->domain, "a domain name"))
		return false;
	if (!valid_domain(&l->tok[2]))
		return conf_fail(p, l->tok[2].col, "invalid domain name '%.*s', expected letters, digits, '-' and '.'",
				 CONF_TOK(&l->tok[2]));
	return conf_end(p, l, 3);
}

static bool sub_split_policy(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "tunnelall", "tunnelspecified", "excludespecified", NULL };
	static const int vals[] = { SPLIT_TUNNELALL, SPLIT_SPECIFIED, SPLIT_EXCLUDE };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw) || !conf_end(p, l, 2))
		return false;
	cur_gp(p)->split_policy = vals[kw];
	return kw == 0 || conf_add_ref(p, REF_SPLIT_NEEDS_ACL, cur_gp(p)->name, l, 1);
}

static bool sub_split_list(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);
	bool none;

	if (!value_or_none(p, l, &none))
		return false;
	g->split_acl[0] = 0;
	if (none)
		return true;
	return conf_name(p, l, 2, g->split_acl, sizeof g->split_acl, "an access-list name") &&
	       conf_end(p, l, 3) && conf_add_ref(p, REF_ACL, g->split_acl, l, 2);
}

/* banner value TEXT: TEXT is the rest of the line; repeated lines are
 * joined with \n, as the ASA does. */
static bool sub_banner(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);
	bool none;

	if (!value_or_none(p, l, &none))
		return false;
	if (none) {
		g->banner[0] = 0;
		return true;
	}
	if (!conf_need(p, l, 2, "banner text"))
		return false;
	const struct conf_tok *last = &l->tok[l->n - 1];
	size_t tlen = (size_t)(last->s + last->len - l->tok[2].s);
	size_t used = strlen(g->banner);
	size_t need = used + (used ? 1 : 0) + tlen;

	if (need >= sizeof g->banner)
		return conf_fail(p, l->tok[2].col, "banner too long (%zu characters in all), expected at most %zu",
				 need, sizeof g->banner - 1);
	if (used)
		g->banner[used++] = '\n';
	memcpy(g->banner + used, l->tok[2].s, tlen);
	g->banner[used + tlen] = 0;
	return true;
}

static bool sub_vpn_protocol(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "ikev1", "ikev2", "l2tp-ipsec", "ssl-client",
					     "ssl-clientless", NULL };
	int mask = 0, kw;

	if (!conf_need(p, l, 1, "a tunnel protocol"))
		return false;
	for (int i = 1; i < l->n; i++) {
		if (!conf_kw(p, l, i, words, &kw))
			return false;
		mask |= 1 << kw;
	}
	cur_gp(p)->vpn_protocols = mask;
	return true;
}

/* vpn-simultaneous-logins N: 0 refuses every login */
static bool sub_simultaneous(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);

	g->has_simultaneous = true;
	return conf_num(p, l, 1, 0, 2147483647u, "a number of logins", &g->simultaneous_logins) &&
	       conf_end(p, l, 2);
}

/* vpn-session-timeout MINUTES | none */
static bool sub_session_timeout(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);
	uint32_t min;

	if (l->n == 2 && conf_is(&l->tok[1], "none")) {
		g->session_timeout = 0;
		return true;
	}
	if (!conf_num(p, l, 1, 1, 35791394, "minutes (1-35791394) or none", &min) ||
	    !conf_end(p, l, 2))
		return false;
	g->session_timeout = min * 60;
	return true;
}

uint32_t conf_simultaneous_logins(const struct conf_group_policy *g)
{
	return g && g->has_simultaneous ? g->simultaneous_logins : 3;
}

/* vpn-idle-timeout MINUTES | none | seconds N (ravpn: short timeouts for tests) */
static bool sub_idle_timeout(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_group_policy *g = cur_gp(p);
	uint32_t n;

	g->has_idle_timeout = true;
	if (l->n == 2 && conf_is(&l->tok[1], "none")) {
		g->idle_timeout = 0;
		return true;
	}
	if (l->n >= 2 && conf_is(&l->tok[1], "seconds")) {
		if (!conf_num(p, l, 2, 1, 2147483647u, "seconds (1-2147483647)", &n) ||
		    !conf_end(p, l, 3))
			return false;
		g->idle_timeout = n;
		return true;
	}
	if (!conf_num(p, l, 1, 1, 35791394, "minutes (1-35791394), none or seconds N", &n) ||
	    !conf_end(p, l, 2))
		return false;
	g->idle_timeout = n * 60;
	return true;
}

uint32_t conf_idle_timeout(const struct conf_group_policy *g)
{
	return g && g->has_idle_timeout ? g->idle_timeout : 30 * 60;
}

const struct conf_cmd conf_gp_subs[] = {
	{ "vpn-simultaneous-logins", sub_simultaneous },
	{ "vpn-session-timeout", sub_session_timeout },
	{ "vpn-idle-timeout", sub_idle_timeout },
	{ "dns-server", sub_dns_server },
	{ "wins-server", sub_wins_server },
	{ "default-domain", sub_default_domain },
	{ "split-tunnel-policy", sub_split_policy },
	{ "split-tunnel-network-list", sub_split_list },
	{ "banner", sub_banner },
	{ "vpn-tunnel-protocol", sub_vpn_protocol },
	{ NULL, NULL },
};

/* ---- aaa-server ----------------------------------------------------------- */

static int find_aaa(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_aaa; i++)
		if (strcmp(c->aaa[i].name, name) == 0)
			return i;
	return -1;
}

static bool aaa_protocol(struct conf_parser *p, const struct conf_line *l, const char *name)
{
	static const char *const words[] = { "radius", NULL };
	struct conf *c = p->c;
	int kw;

	if (!conf_kw(p, l, 3, words, &kw) || !conf_end(p, l, 4))
		return false;
	/* the group's own block (dead-time, max-failed-attempts) shares the
	 * host block's table; idx2 = -1 marks "no host" */
	p->idx2 = -1;
	if (find_aaa(c, name) >= 0)
		return conf_open(p, BLK_AAA_HOST, find_aaa(c, name));
	struct conf_aaa_server *s = CONF_NEW(p, c->aaa, c->n_aaa);

	if (!s)
		return false;
	snprintf(s->name, sizeof s->name, "%s", name);
	s->dead_time = RADIUS_DEFAULT_DEAD_TIME;
	s->max_failed = RADIUS_DEFAULT_MAX_FAILED;
	return conf_open(p, BLK_AAA_HOST, c->n_aaa - 1);
}

static bool aaa_host(struct conf_parser *p, const struct conf_line *l, const char *name, int i)
{
	static const char *const host[] = { "host", NULL };
	struct conf_aaa_host h = { .auth_port = RADIUS_DEFAULT_AUTH_PORT,
				   .acct_port = RADIUS_DEFAULT_ACCT_PORT,
				   .timeout = RADIUS_DEFAULT_TIMEOUT,
				   .retry_interval = RADIUS_DEFAULT_RETRY_INTERVAL };
	int idx = find_aaa(p->c, name), kw;

	if (i == 3 && !paren_ref(p, l, 2, h.nameif, sizeof h.nameif))
		return false;
	if (!conf_kw(p, l, i, host, &kw) || !conf_ip(p, l, i + 1, &h.addr) || !conf_end(p, l, i + 2))
		return false;
	if (idx < 0)
		return conf_fail(p, l->tok[1].col, "aaa-server '%s' has no protocol, expected `aaa-server %s protocol radius` before its hosts",
				 name, name);
	struct conf_aaa_server *s = &p->c->aaa[idx];

	for (int k = 0; k < s->n_hosts; k++) {
		if (s->hosts[k].addr == h.addr) {
			p->idx2 = k;
			return conf_open(p, BLK_AAA_HOST, idx);
		}
	}
	if (s->n_hosts == (int)(sizeof s->hosts / sizeof s->hosts[0]))
		return conf_fail(p, l->tok[i + 1].col, "too many hosts in aaa-server %s, expected at most %zu",
				 name, sizeof s->hosts / sizeof s->hosts[0]);
	s->hosts[s->n_hosts] = h;
	p->idx2 = s->n_hosts++;
	return conf_open(p, BLK_AAA_HOST, idx);
}

bool conf_cmd_aaa_server(struct conf_parser *p, const struct conf_line *l)
{
	char name[CONF_NAME];

	if (!conf_name(p, l, 1, name, sizeof name, "an aaa-server group name") ||
	    !conf_need(p, l, 2, "protocol, (IF) or host"))
		return false;
	if (conf_is(&l->tok[2], "protocol"))
		return aaa_protocol(p, l, name);
	return aaa_host(p, l, name, conf_paren_nameif(&l->tok[2]) ? 3 : 2);
}

static struct conf_aaa_host *cur_host(struct conf_parser *p)
{
	return &p->c->aaa[p->idx].hosts[p->idx2];
}

/* Host sub-commands under `aaa-server NAME protocol radius` and group
 * sub-commands under a host are refused by name. */
static bool in_host(struct conf_parser *p, const struct conf_line *l)
{
	if (p->idx2 >= 0)
		return true;
	return conf_fail(p, l->tok[0].col, "'%.*s' is a host setting, expected it under `aaa-server %s (IF) host A`",
			 CONF_TOK(&l->tok[0]), p->c->aaa[p->idx].name);
}

static bool in_group(struct conf_parser *p, const struct conf_line *l)
{
	if (p->idx2 < 0)
		return true;
	return conf_fail(p, l->tok[0].col, "'%.*s' is a server-group setting, expected it under `aaa-server %s protocol radius`",
			 CONF_TOK(&l->tok[0]), p->c->aaa[p->idx].name);
}

static bool sub_key(struct conf_parser *p, const struct conf_line *l)
{
	if (!in_host(p, l))
		return false;
	struct conf_aaa_host *h = cur_host(p);

	return conf_name(p, l, 1, h->key, sizeof h->key, "a RADIUS shared secret") &&
	       conf_end(p, l, 2) && conf_add_secret(p, &l->tok[1], SECRET_AAA_KEY);
}

static bool sub_port(struct conf_parser *p, const struct conf_line *l, uint16_t *port)
{
	uint32_t v;

	if (!in_host(p, l) || !conf_num(p, l, 1, 1, 65535, "a UDP port", &v) || !conf_end(p, l, 2))
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool sub_auth_port(struct conf_parser *p, const struct conf_line *l)
{
	return in_host(p, l) && sub_port(p, l, &cur_host(p)->auth_port);
}

static bool sub_acct_port(struct conf_parser *p, const struct conf_line *l)
{
	return in_host(p, l) && sub_port(p, l, &cur_host(p)->acct_port);
}

static bool sub_timeout(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t v;

	if (!in_host(p, l) || !conf_num(p, l, 1, 1, 300, "a timeout in seconds", &v) ||
	    !conf_end(p, l, 2))
		return false;
	cur_host(p)->timeout = (int)v;
	return true;
}

/* retry-interval N: seconds between retransmissions within the timeout */
static bool sub_retry_interval(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t v;

	if (!in_host(p, l) || !conf_num(p, l, 1, 1, 10, "a retry interval of 1-10 seconds", &v) ||
	    !conf_end(p, l, 2))
		return false;
	cur_host(p)->retry_interval = (int)v;
	return true;
}

/* message-authenticator require (ravpn's extension, BlastRADIUS /
 * CVE-2024-3596): this host's Access-Accept, -Reject and -Challenge must
 * carry a Message-Authenticator; answers without one are dropped.  One
 * that is present is always verified. */
static bool sub_msg_auth(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "require", NULL };
	int kw;

	if (!in_host(p, l) || !conf_kw(p, l, 1, words, &kw) || !conf_end(p, l, 2))
		return false;
	cur_host(p)->msg_auth_require = true;
	return true;
}

/* dead-time N: minutes a failed host is skipped (ASA's depletion deadtime) */
static bool sub_dead_time(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t v;

	if (!in_group(p, l) || !conf_num(p, l, 1, 0, 1440, "a dead time of 0-1440 minutes", &v) ||
	    !conf_end(p, l, 2))
		return false;
	p->c->aaa[p->idx].dead_time = (int)v;
	return true;
}

static bool sub_max_failed(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t v;

	if (!in_group(p, l) || !conf_num(p, l, 1, 1, 5, "a count of 1-5 failed attempts", &v) ||
	    !conf_end(p, l, 2))
		return false;
	p->c->aaa[p->idx].max_failed = (int)v;
	return true;
}

/* interim-accounting-update [periodic [HOURS]] (ASA; periodic alone: 24 h;
 * bare: no periodic updates) or `interim-accounting-update seconds N`
 * (ravpn's extension, for short intervals). */
static bool sub_interim(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "periodic", "seconds", NULL };
	struct conf_aaa_server *s = &p->c->aaa[p->idx];
	uint32_t v = 24;
	int kw;

	if (!in_group(p, l))
		return false;
	s->interim_secs = 0;
	if (l->n == 1)
		return true;
	if (!conf_kw(p, l, 1, words, &kw))
		return false;
	if (kw == 1)
		return conf_num(p, l, 2, 1, 604800, "an interval in seconds", &v) &&
		       conf_end(p, l, 3) && (s->interim_secs = v, true);
	if (l->n > 2 && !conf_num(p, l, 2, 1, 120, "an interval of 1-120 hours", &v))
		return false;
	s->interim_secs = v * 3600;
	return conf_end(p, l, l->n > 2 ? 3 : 2);
}

/* dynamic-authorization [port N]: accept RFC 5176 requests from this
 * group's hosts (with their keys). */
static bool sub_dae(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "port", NULL };
	struct conf_aaa_server *s = &p->c->aaa[p->idx];
	uint32_t v = 3799;
	int kw;

	if (!in_group(p, l))
		return false;
	if (l->n > 1 && (!conf_kw(p, l, 1, words, &kw) ||
			 !conf_num(p, l, 2, 1, 65535, "a UDP port", &v) || !conf_end(p, l, 3)))
		return false;
	s->dae = true;
	s->dae_port = (uint16_t)v;
	return true;
}

const struct conf_cmd conf_aaa_host_subs[] = {
	{ "interim-accounting-update", sub_interim },
	{ "dynamic-authorization", sub_dae },
	{ "key", sub_key },
	{ "authentication-port", sub_auth_port },
	{ "accounting-port", sub_acct_port },
	{ "timeout", sub_timeout },
	{ "retry-interval", sub_retry_interval },
	{ "dead-time", sub_dead_time },
	{ "max-failed-attempts", sub_max_failed },
	{ "message-authenticator", sub_msg_auth },
	{ NULL, NULL },
};

/* ---- tunnel-group ----------------------------------------------------------- */

static int find_tg(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_tgroups; i++)
		if (strcmp(c->tgroups[i].name, name) == 0)
			return i;
	return -1;
}

static bool tg_type(struct conf_parser *p, const struct conf_line *l, const char *name)
{
	static const char *const words[] = { "remote-access", "ipsec-ra", "ipsec-l2l", NULL };
	struct conf *c = p->c;
	int kw;

	if (!conf_kw(p, l, 3, words, &kw) || !conf_end(p, l, 4))
		return false;
	if (find_tg(c, name) >= 0)
		return true;
	struct conf_tunnel_group *t = CONF_NEW(p, c->tgroups, c->n_tgroups);

	if (!t)
		return false;
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->auth_server_group, sizeof t->auth_server_group, "LOCAL");
	snprintf(t->default_policy, sizeof t->default_policy, DEFAULT_GROUP_POLICY);
	t->dpd_threshold = 300;
	t->dpd_retry = 2;
	t->l2l = kw == 2;
	if (t->l2l)		/* the ASA's LAN-to-LAN keepalive default */
		t->dpd_threshold = 10;
	return true;
}

bool conf_cmd_tunnel_group(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "type", "general-attributes", "ipsec-attributes", NULL };
	char name[CONF_NAME];
	int kw, idx;

	if (!conf_name(p, l, 1, name, sizeof name, "a tunnel-group name") ||
	    !conf_kw(p, l, 2, words, &kw))
		return false;
	if (kw == 0)
		return tg_type(p, l, name);
	if (!conf_end(p, l, 3))
		return false;
	idx = find_tg(p->c, name);
	if (idx < 0)
		return conf_fail(p, l->tok[1].col, "tunnel-group '%s' is not defined, expected `tunnel-group %s type remote-access` first",
				 name, name);
	return conf_open(p, kw == 1 ? BLK_TG_GENERAL : BLK_TG_IPSEC, idx);
}

static struct conf_tunnel_group *cur_tg(struct conf_parser *p)
{
	return &p->c->tgroups[p->idx];
}

/* Skips an optional (IF) at word *i, queueing its nameif reference. */
static bool skip_paren(struct conf_parser *p, const struct conf_line *l, int *i)
{
	char nameif[32];

	if (*i >= l->n || !conf_paren_nameif(&l->tok[*i]))
		return true;
	if (!paren_ref(p, l, *i, nameif, sizeof nameif))
		return false;
	++*i;
	return true;
}

static bool sub_address_pool(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_tunnel_group *t = cur_tg(p);
	int max = (int)(sizeof t->pools / sizeof t->pools[0]);
	int i = 1;

	if (!skip_paren(p, l, &i) || !conf_need(p, l, i, "a pool name"))
		return false;
	t->n_pools = 0;
	for (; i < l->n; i++) {
		if (t->n_pools == max)
			return conf_fail(p, l->tok[i].col, "too many address pools, expected at most %d", max);
		if (!conf_name(p, l, i, t->pools[t->n_pools], sizeof t->pools[0], "a pool name") ||
		    !conf_add_ref(p, REF_POOL, t->pools[t->n_pools], l, i))
			return false;
		t->n_pools++;
	}
	return true;
}

static bool sub_auth_group(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_tunnel_group *t = cur_tg(p);
	int i = 1;

	return skip_paren(p, l, &i) &&
	       conf_name(p, l, i, t->auth_server_group, sizeof t->auth_server_group,
			 "LOCAL or an aaa-server group name") &&
	       conf_end(p, l, i + 1) &&
	       conf_add_ref(p, REF_SERVER_GROUP, t->auth_server_group, l, i);
}

static bool sub_acct_group(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_tunnel_group *t = cur_tg(p);
	int i = 1;

	return skip_paren(p, l, &i) &&
	       conf_name(p, l, i, t->acct_server_group, sizeof t->acct_server_group,
			 "an aaa-server group name") &&
	       conf_end(p, l, i + 1) &&
	       conf_add_ref(p, REF_ACCT_GROUP, t->acct_server_group, l, i);
}

static bool sub_default_policy(struct conf_parser *p, const struct conf_line *l)
{
	struct conf_tunnel_group *t = cur_tg(p);

	return conf_name(p, l, 1, t->default_policy, sizeof t->default_policy, "a group-policy name") &&
	       conf_end(p, l, 2) && conf_add_ref(p, REF_GPOLICY, t->default_policy, l, 1);
}

const struct conf_cmd conf_tg_general_subs[] = {
	{ "address-pool", sub_address_pool },
	{ "authentication-server-group", sub_auth_group },
	{ "accounting-server-group", sub_acct_group },
	{ "default-group-policy", sub_default_policy },
	{ NULL, NULL },
};

static bool psk_at(struct conf_parser *p, const struct conf_line *l, int i)
{
	struct conf_tunnel_group *t = cur_tg(p);

	if (!conf_name(p, l, i, t->psk, sizeof t->psk, "a pre-shared key") || !conf_end(p, l, i + 1))
		return false;
	t->has_psk = true;
	return conf_add_secret(p, &l->tok[i], SECRET_PSK);
}

static bool sub_ikev1(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "pre-shared-key", "trust-point", NULL };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw))
		return false;
	return kw == 1 ? conf_tg_trustpoint(p, l, 2, cur_tg(p)) : psk_at(p, l, 2);
}

/* ASA 7.x spelling, without the ikev1 prefix */
static bool sub_psk(struct conf_parser *p, const struct conf_line *l)
{
	return psk_at(p, l, 1);
}

/* ikev2 remote-authentication|local-authentication ... (lib/conf_ikev2.c) */
static bool sub_ikev2(struct conf_parser *p, const struct conf_line *l)
{
	return conf_tg_ikev2(p, l, cur_tg(p));
}

/* isakmp keepalive threshold N retry M | isakmp keepalive disable */
static bool sub_isakmp(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const what[] = { "keepalive", NULL };
	static const char *const mode[] = { "threshold", "disable", NULL };
	static const char *const retry[] = { "retry", NULL };
	struct conf_tunnel_group *t = cur_tg(p);
	int kw;

	if (!conf_kw(p, l, 1, what, &kw) || !conf_kw(p, l, 2, mode, &kw))
		return false;
	if (kw == 1) {
		t->dpd_threshold = 0;
		return conf_end(p, l, 3);
	}
	return conf_num(p, l, 3, 10, 3600, "a threshold of 10-3600 seconds", &t->dpd_threshold) &&
	       conf_kw(p, l, 4, retry, &kw) &&
	       conf_num(p, l, 5, 2, 10, "a retry interval of 2-10 seconds", &t->dpd_retry) &&
	       conf_end(p, l, 6);
}

const struct conf_cmd conf_tg_ipsec_subs[] = {
	{ "isakmp", sub_isakmp },
	{ "ikev1", sub_ikev1 },
	{ "ikev2", sub_ikev2 },
	{ "pre-shared-key", sub_psk },
	{ NULL, NULL },
};
