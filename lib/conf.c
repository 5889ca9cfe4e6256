/* The configuration parser's driver: lines to commands, blocks, secrets,
 * and the public entry points (parse, free, redact).
 *
 * A top-level command closes the open block and may open a new one; an
 * indented line goes to the open block's sub-command table.  The first
 * error stops the parse.  The command handlers live in conf_net.c,
 * conf_crypto.c, conf_ipsec.c, conf_ikev2.c, conf_l2l.c, conf_pki.c and
 * conf_group.c; the checks that need the whole file in conf_check.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

#define CONF_MAX_FILE	(4u << 20)

static bool cmd_end(struct conf_parser *p, const struct conf_line *l)
{
	return conf_end(p, l, 1);
}

static const struct conf_cmd top_cmds[] = {
	{ "interface", conf_cmd_interface },
	{ "ip", conf_cmd_ip },
	{ "username", conf_cmd_username },
	{ "access-list", conf_cmd_access_list },
	{ "hostname", conf_cmd_hostname },
	{ "crypto", conf_cmd_crypto },
	{ "group-policy", conf_cmd_group_policy },
	{ "aaa-server", conf_cmd_aaa_server },
	{ "tunnel-group", conf_cmd_tunnel_group },
	{ "tunnel-group-map", conf_cmd_tunnel_group_map },
	{ "end", cmd_end },
	{ NULL, NULL },
};

struct block_info {
	const char *name;
	const struct conf_cmd *subs;
};

static const struct block_info blocks[] = {
	[BLK_IFACE] = { "interface", conf_iface_subs },
	[BLK_POLICY] = { "crypto ikev1 policy", conf_policy_subs },
	[BLK_TSET] = { "transform-set", conf_tset_subs },
	[BLK_GP_ATTR] = { "group-policy attributes", conf_gp_subs },
	[BLK_AAA_HOST] = { "aaa-server host", conf_aaa_host_subs },
	[BLK_TG_GENERAL] = { "tunnel-group general-attributes", conf_tg_general_subs },
	[BLK_TG_IPSEC] = { "tunnel-group ipsec-attributes", conf_tg_ipsec_subs },
	[BLK_TRUSTPOINT] = { "crypto ca trustpoint", conf_trustpoint_subs },
	[BLK_CERTMAP] = { "crypto ca certificate map", conf_certmap_subs },
	[BLK_V2POLICY] = { "crypto ikev2 policy", conf_v2policy_subs },
	[BLK_V2PROP] = { "crypto ipsec ikev2 ipsec-proposal", conf_v2prop_subs },
};

bool conf_grow(struct conf_parser *p, void *arr, int n, size_t elsz)
{
	void *a = realloc(arr, ((size_t)n + 1) * elsz);

	if (!a)
		return conf_fail(p, 1, "out of memory, expected a smaller configuration");
	p->tmp = a;
	return true;
}

bool conf_open(struct conf_parser *p, int block, int idx)
{
	p->block = block;
	p->idx = idx;
	return true;
}

bool conf_add_secret(struct conf_parser *p, const struct conf_tok *t, int kind)
{
	struct conf *c = p->c;
	struct conf_secret_span *s = CONF_NEW(p, c->secrets, c->n_secrets);

	if (!s)
		return false;
	s->kind = kind;
	s->offset = t->off;
	s->len = t->len;
	return true;
}

bool conf_add_ref(struct conf_parser *p, int kind, const char *name,
		  const struct conf_line *l, int i)
{
	struct conf_ref *r = CONF_NEW(p, p->refs, p->n_refs);

	if (!r)
		return false;
	r->kind = kind;
	snprintf(r->name, sizeof r->name, "%s", name);
	r->line = l->lineno;
	r->col = l->tok[i].col;
	return true;
}

static const struct conf_cmd *find_cmd(const struct conf_cmd *table, const struct conf_tok *t)
{
	for (int i = 0; table[i].word; i++)
		if (conf_is(t, table[i].word))
			return &table[i];
	return NULL;
}

static const char *table_words(const struct conf_cmd *table, char *buf, size_t size)
{
	const char *words[40];
	int n = 0;

	for (; table[n].word && n < 39; n++)
		words[n] = table[n].word;
	words[n] = NULL;
	return conf_words(words, buf, size);
}

/* A sub-command typed at column 1 gets a hint naming its parent block. */
static const char *parent_of(const struct conf_tok *t)
{
	for (size_t b = 1; b < sizeof blocks / sizeof blocks[0]; b++)
		if (find_cmd(blocks[b].subs, t))
			return blocks[b].name;
	return NULL;
}

static bool dispatch_top(struct conf_parser *p, const struct conf_line *l)
{
	const struct conf_cmd *cmd = find_cmd(top_cmds, &l->tok[0]);
	const char *parent;
	char buf[512];

	p->block = BLK_NONE;
	if (cmd)
		return cmd->fn(p, l);
	parent = parent_of(&l->tok[0]);
	if (parent)
		return conf_fail(p, 1, "'%.*s' must be indented under %s, expected a top-level command",
				 CONF_TOK(&l->tok[0]), parent);
	return conf_fail(p, 1, "unknown command '%.*s', expected %s", CONF_TOK(&l->tok[0]),
			 table_words(top_cmds, buf, sizeof buf));
}

static bool dispatch_sub(struct conf_parser *p, const struct conf_line *l)
{
	const struct conf_tok *t = &l->tok[0];
	char buf[512];

	if (p->block == BLK_NONE)
		return conf_fail(p, t->col, "indented '%.*s' but no block is open, expected a top-level command at column 1",
				 CONF_TOK(t));
	if (conf_is(t, "exit")) {
		p->block = BLK_NONE;
		return conf_end(p, l, 1);
	}
	const struct block_info *b = &blocks[p->block];
	const struct conf_cmd *cmd = find_cmd(b->subs, t);

	if (cmd)
		return cmd->fn(p, l);
	return conf_fail(p, t->col, "'%.*s' is not a sub-command of %s, expected %s",
			 CONF_TOK(t), b->name, table_words(b->subs, buf, sizeof buf));
}

static bool parse_lines(struct conf_parser *p)
{
	struct conf_line l;
	size_t off = 0;

	while (off < p->len) {
		const char *s = p->text + off;
		const char *nl = memchr(s, '\n', p->len - off);
		size_t len = nl ? (size_t)(nl - s) : p->len - off;

		p->lineno++;
		if (!conf_lex_line(p, s, len, off, &l))
			return false;
		off += len + (nl ? 1 : 0);
		if (l.n == 0)
			continue;
		if (!(l.indented ? dispatch_sub(p, &l) : dispatch_top(p, &l)))
			return false;
	}
	return true;
}

bool conf_parse_text(const char *text, size_t len, const char *fname,
		     struct conf *out, char *err, size_t errlen)
{
	struct conf_parser p = {
		.text = text, .len = len, .fname = fname ? fname : "(config)",
		.c = out, .err = err, .errlen = errlen,
	};
	bool ok;

	memset(out, 0, sizeof *out);
	if (errlen)
		err[0] = 0;
	ok = parse_lines(&p) && conf_finish(&p);
	free(p.refs);
	if (!ok)
		conf_free(out);
	return ok;
}

static char *read_all(FILE *f, size_t *len, char *err, size_t errlen, const char *path)
{
	char *buf = malloc(CONF_MAX_FILE + 1);

	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	*len = fread(buf, 1, CONF_MAX_FILE + 1, f);
	if (ferror(f) || *len > CONF_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ? "read error" : "file too large (max 4 MiB)");
		free(buf);
		return NULL;
	}
	return buf;
}

bool conf_parse_file(const char *path, struct conf *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0;
	char *text;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	text = read_all(f, &len, err, errlen, path);
	fclose(f);
	if (!text)
		return false;
	ok = conf_parse_text(text, len, path, out, err, errlen);
	free(text);
	return ok;
}

void conf_free(struct conf *c)
{
	free(c->ifaces);
	free(c->pools);
	free(c->users);
	free(c->policies);
	free(c->tsets);
	free(c->dynmaps);
	free(c->cmaps);
	free(c->acls);
	free(c->gpolicies);
	free(c->aaa);
	free(c->tgroups);
	free(c->secrets);
	free(c->trustpoints);
	free(c->cm_rules);
	free(c->tg_maps);
	free(c->v2policies);
	free(c->v2props);
	memset(c, 0, sizeof *c);
}

char *conf_redact(const char *text, size_t len, const struct conf *c, int kinds)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = 0;
	for (int i = 0; i < c->n_secrets; i++) {
		const struct conf_secret_span *s = &c->secrets[i];

		if ((s->kind & kinds) && s->offset <= len && s->len <= len - s->offset)
			memset(copy + s->offset, '*', s->len);
	}
	return copy;
}
