/* Certificate commands: `crypto ca trustpoint` (PEM files, since a text
 * configuration cannot enroll), `crypto ca certificate map` rules,
 * `tunnel-group-map` (which map entry names which tunnel-group, the
 * fallbacks and the default group) and a tunnel-group's
 * `ikev1 trust-point`.
 *
 * A certificate map entry is stored as a header rule (field CM_HEADER)
 * followed by its criteria, each carrying the entry's name and sequence
 * number; the header makes an entry without criteria visible. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf_priv.h"

#define CM_MAX_SEQ	65535

const struct conf_trustpoint *conf_trustpoint(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_trustpoints; i++)
		if (strcmp(c->trustpoints[i].name, name) == 0)
			return &c->trustpoints[i];
	return NULL;
}

/* ---- crypto ca trustpoint NAME ---------------------------------------- */

static bool cmd_trustpoint(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;
	struct conf_trustpoint *t;
	char name[CONF_NAME];

	if (!conf_name(p, l, 3, name, sizeof name, "a trustpoint name") || !conf_end(p, l, 4))
		return false;
	for (int i = 0; i < c->n_trustpoints; i++)
		if (strcmp(c->trustpoints[i].name, name) == 0)
			return conf_open(p, BLK_TRUSTPOINT, i);
	t = CONF_NEW(p, c->trustpoints, c->n_trustpoints);
	if (!t)
		return false;
	snprintf(t->name, sizeof t->name, "%s", name);
	return conf_open(p, BLK_TRUSTPOINT, c->n_trustpoints - 1);
}

static struct conf_trustpoint *cur_tp(struct conf_parser *p)
{
	return &p->c->trustpoints[p->idx];
}

/* WORD file /absolute/path */
static bool file_at(struct conf_parser *p, const struct conf_line *l, char *dst, size_t size)
{
	static const char *const words[] = { "file", NULL };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw) || !conf_name(p, l, 2, dst, size, "a file path") ||
	    !conf_end(p, l, 3))
		return false;
	if (dst[0] != '/')
		return conf_fail(p, l->tok[2].col, "'%s' is a relative path, expected an absolute one",
				 dst);
	return true;
}

static bool sub_ca_cert(struct conf_parser *p, const struct conf_line *l)
{
	return file_at(p, l, cur_tp(p)->ca_file, sizeof cur_tp(p)->ca_file);
}

static bool sub_cert(struct conf_parser *p, const struct conf_line *l)
{
	return file_at(p, l, cur_tp(p)->cert_file, sizeof cur_tp(p)->cert_file);
}

static bool sub_key(struct conf_parser *p, const struct conf_line *l)
{
	return file_at(p, l, cur_tp(p)->key_file, sizeof cur_tp(p)->key_file);
}

static bool sub_crl(struct conf_parser *p, const struct conf_line *l)
{
	return file_at(p, l, cur_tp(p)->crl_file, sizeof cur_tp(p)->crl_file);
}

/* revocation-check crl [none] | none: "crl none" is the ASA's "CRL, and
 * accept when none can be had"; here the CRL is a file, so it is crl. */
static bool sub_revocation(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "crl", "none", NULL };
	int kw, mode = CONF_REVOKE_NONE;

	if (!conf_need(p, l, 1, "crl or none"))
		return false;
	for (int i = 1; i < l->n; i++) {
		if (!conf_kw(p, l, i, words, &kw))
			return false;
		if (kw == 0)
			mode = CONF_REVOKE_CRL;
	}
	cur_tp(p)->revocation = mode;
	return true;
}

/* fqdn none (seed 001's Nokia example): accepted; ravpn sends the DN */
static bool sub_fqdn(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "none", NULL };
	int kw;

	return conf_kw(p, l, 1, words, &kw) && conf_end(p, l, 2);
}

const struct conf_cmd conf_trustpoint_subs[] = {
	{ "ca-certificate", sub_ca_cert },
	{ "certificate", sub_cert },
	{ "key", sub_key },
	{ "crl", sub_crl },
	{ "revocation-check", sub_revocation },
	{ "fqdn", sub_fqdn },
	{ NULL, NULL },
};

/* ---- crypto ca certificate map NAME SEQ -------------------------------- */

static int find_cm_header(const struct conf *c, const char *map, int seq)
{
	for (int i = 0; i < c->n_cm_rules; i++)
		if (c->cm_rules[i].field == CM_HEADER && c->cm_rules[i].seq == seq &&
		    strcmp(c->cm_rules[i].map, map) == 0)
			return i;
	return -1;
}

static bool cmd_certmap(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "map", NULL };
	struct conf *c = p->c;
	struct conf_certmap_rule *r;
	char map[CONF_NAME];
	uint32_t seq;
	int kw, idx;

	if (!conf_kw(p, l, 3, words, &kw) ||
	    !conf_name(p, l, 4, map, sizeof map, "a certificate map name") ||
	    !conf_num(p, l, 5, 1, CM_MAX_SEQ, "a sequence number of 1-65535", &seq) ||
	    !conf_end(p, l, 6))
		return false;
	idx = find_cm_header(c, map, (int)seq);
	if (idx >= 0)
		return conf_open(p, BLK_CERTMAP, idx);
	r = CONF_NEW(p, c->cm_rules, c->n_cm_rules);
	if (!r)
		return false;
	snprintf(r->map, sizeof r->map, "%s", map);
	r->seq = (int)seq;
	r->field = CM_HEADER;
	return conf_open(p, BLK_CERTMAP, c->n_cm_rules - 1);
}

/* The rest of the line from word i, blanks inside kept. */
static bool rest_of_line(struct conf_parser *p, const struct conf_line *l, int i, char *dst,
			 size_t size)
{
	if (!conf_need(p, l, i, "a value to compare with"))
		return false;
	const struct conf_tok *last = &l->tok[l->n - 1];
	size_t len = (size_t)(last->s + last->len - l->tok[i].s);

	if (len >= size)
		return conf_fail(p, l->tok[i].col, "value is too long (%zu characters), expected at most %zu",
				 len, size - 1);
	memcpy(dst, l->tok[i].s, len);
	dst[len] = 0;
	return true;
}

static bool attr_at(struct conf_parser *p, const struct conf_line *l, int i, char *dst)
{
	static const char *const attrs[] = { "cn", "ou", "o", "c", "l", "st", "ea", "dc",
					     "sn", "gn", "uid", "t", NULL };
	int kw;

	if (!conf_kw(p, l, i, attrs, &kw))
		return false;
	snprintf(dst, 16, "%s", attrs[kw]);
	return true;
}

/* subject-name|issuer-name [attr ATTR] eq|ne|co|nc VALUE */
static bool sub_name(struct conf_parser *p, const struct conf_line *l, int field)
{
	static const char *const ops[] = { "eq", "ne", "co", "nc", NULL };
	const struct conf_certmap_rule *head = &p->c->cm_rules[p->idx];
	struct conf_certmap_rule r = { .seq = head->seq, .field = field };
	struct conf_certmap_rule *nr;
	int i = 1;

	snprintf(r.map, sizeof r.map, "%s", head->map);
	if (i < l->n && conf_is(&l->tok[i], "attr")) {
		if (!attr_at(p, l, i + 1, r.attr))
			return false;
		i += 2;
	}
	if (!conf_kw(p, l, i, ops, &r.op) || !rest_of_line(p, l, i + 1, r.value, sizeof r.value))
		return false;
	nr = CONF_NEW(p, p->c->cm_rules, p->c->n_cm_rules);
	if (!nr)
		return false;
	*nr = r;
	return true;
}

static bool sub_subject(struct conf_parser *p, const struct conf_line *l)
{
	return sub_name(p, l, CM_SUBJECT);
}

static bool sub_issuer(struct conf_parser *p, const struct conf_line *l)
{
	return sub_name(p, l, CM_ISSUER);
}

const struct conf_cmd conf_certmap_subs[] = {
	{ "subject-name", sub_subject },
	{ "issuer-name", sub_issuer },
	{ NULL, NULL },
};

bool conf_crypto_ca(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "trustpoint", "certificate", NULL };
	int kw;

	if (!conf_kw(p, l, 2, words, &kw))
		return false;
	return kw == 0 ? cmd_trustpoint(p, l) : cmd_certmap(p, l);
}

/* ---- tunnel-group-map ------------------------------------------------- */

static bool tgm_enable(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "rules", "ou", "ike-id", "peer-ip", NULL };
	static const int bits[] = { TGM_RULES, TGM_OU, TGM_IKE_ID, TGM_PEER_IP };
	int kw;

	if (!conf_kw(p, l, 2, words, &kw) || !conf_end(p, l, 3))
		return false;
	p->c->tgm_enable |= bits[kw];
	return true;
}

static bool tgm_default(struct conf_parser *p, const struct conf_line *l, int i)
{
	struct conf *c = p->c;

	return conf_name(p, l, i, c->tgm_default, sizeof c->tgm_default, "a tunnel-group name") &&
	       conf_end(p, l, i + 1) && conf_add_ref(p, REF_TGROUP, c->tgm_default, l, i);
}

/* tunnel-group-map MAP SEQ TG: the certificate map entry must exist. */
static bool tgm_rule(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;
	struct conf_tg_map m = { 0 };
	struct conf_tg_map *nm;
	uint32_t seq;

	if (!conf_name(p, l, 1, m.map, sizeof m.map, "a certificate map name") ||
	    !conf_num(p, l, 2, 1, CM_MAX_SEQ, "a sequence number of 1-65535", &seq) ||
	    !conf_name(p, l, 3, m.tunnel_group, sizeof m.tunnel_group, "a tunnel-group name") ||
	    !conf_end(p, l, 4))
		return false;
	m.seq = (int)seq;
	if (find_cm_header(c, m.map, m.seq) < 0)
		return conf_fail(p, l->tok[1].col, "certificate map '%s' %d is not defined, expected a `crypto ca certificate map %s %d` block before it",
				 m.map, m.seq, m.map, m.seq);
	for (int i = 0; i < c->n_tg_maps; i++)
		if (c->tg_maps[i].seq == m.seq && strcmp(c->tg_maps[i].map, m.map) == 0)
			return conf_fail(p, l->tok[2].col, "certificate map '%s' %d is already mapped, expected each map entry once",
					 m.map, m.seq);
	nm = CONF_NEW(p, c->tg_maps, c->n_tg_maps);
	if (!nm)
		return false;
	*nm = m;
	return conf_add_ref(p, REF_TGROUP, nm->tunnel_group, l, 3);
}

bool conf_cmd_tunnel_group_map(struct conf_parser *p, const struct conf_line *l)
{
	if (!conf_need(p, l, 1, "enable, default-group or a certificate map name"))
		return false;
	if (conf_is(&l->tok[1], "enable"))
		return tgm_enable(p, l);
	if (conf_is(&l->tok[1], "default-group"))
		return tgm_default(p, l, 2);
	/* tunnel-group-map [rule-index] default-group TG (seed 001) */
	if (l->n > 2 && conf_is(&l->tok[2], "default-group"))
		return tgm_default(p, l, 3);
	return tgm_rule(p, l);
}

/* ---- tunnel-group NAME ipsec-attributes / ikev1 trust-point TP --------- */

bool conf_tg_trustpoint(struct conf_parser *p, const struct conf_line *l, int i,
			struct conf_tunnel_group *t)
{
	return conf_name(p, l, i, t->trustpoint, sizeof t->trustpoint, "a trustpoint name") &&
	       conf_end(p, l, i + 1) && conf_add_ref(p, REF_TRUSTPOINT, t->trustpoint, l, i);
}
