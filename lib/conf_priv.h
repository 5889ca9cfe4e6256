/* Internals of the configuration parser, shared by lib/conf*.c only.
 *
 * The text is read line by line; each line is split into tokens (words
 * separated by blanks) that remember their byte offset and 1-based
 * column, so every error and every secret span can point at a token.
 * A top-level command may open a block; indented lines go to the open
 * block's sub-command table.  References between objects (a tunnel-group
 * naming a pool, ...) are queued with their position and checked when the
 * whole text has been read, because ASA configs may refer forward. */
#ifndef RAVPN_CONF_PRIV_H
#define RAVPN_CONF_PRIV_H

#include "conf.h"

#define CONF_MAX_TOK	64

/* printf arguments for a token in a message: "%.*s", CONF_TOK(t) */
#define CONF_TOK(t)	(int)((t)->len > 48 ? 48 : (t)->len), (t)->s

struct conf_tok {
	const char *s;
	size_t len;
	size_t off;		/* byte offset in the whole text */
	int col;		/* 1-based */
};

struct conf_line {
	const char *s;		/* the raw line, without its end of line */
	size_t len;
	int lineno;
	bool indented;
	struct conf_tok tok[CONF_MAX_TOK];
	int n;
	int end_col;		/* column just after the last token + 1 */
};

enum conf_block {
	BLK_NONE = 0,
	BLK_IFACE,
	BLK_POLICY,
	BLK_TSET,
	BLK_GP_ATTR,
	BLK_AAA_HOST,
	BLK_TG_GENERAL,
	BLK_TG_IPSEC,
	BLK_TRUSTPOINT,		/* crypto ca trustpoint (conf_pki.c) */
	BLK_CERTMAP,		/* crypto ca certificate map (conf_pki.c) */
	BLK_V2POLICY,		/* crypto ikev2 policy (conf_ikev2.c) */
	BLK_V2PROP,		/* crypto ipsec ikev2 ipsec-proposal (conf_ikev2.c) */
};

enum conf_ref_kind {
	REF_POOL = 1,
	REF_GPOLICY,
	REF_SERVER_GROUP,
	REF_TSET,
	REF_DYNMAP,
	REF_ACL,
	REF_NAMEIF,
	REF_CMAP,
	REF_SPLIT_NEEDS_ACL,	/* name = group-policy whose policy needs an ACL */
	REF_TRUSTPOINT,		/* conf_pki.c: a crypto ca trustpoint */
	REF_TGROUP,		/* conf_pki.c: a tunnel-group (tunnel-group-map) */
	REF_EXT_ACL,		/* match address: an extended access-list (REF_ACL: standard) */
	REF_ACCT_GROUP,		/* accounting-server-group: an aaa-server group, not LOCAL */
	REF_L2L_ENTRY,		/* name, seq: a static crypto map entry, which must be complete */
	REF_V2PROP,		/* set ikev2 ipsec-proposal: an ipsec-proposal */
	/* conf_ikev2.c's rules between lines of a block, checked on the final
	 * lists (conf_v2_ref_ok) */
	REF_V2PROP_ENC,		/* name: the proposal has an encryption */
	REF_V2PROP_INTEG,	/* name: its non-AEAD cipher has a non-null integrity */
	REF_V2PROP_AEAD,	/* name: its AEAD cipher has integrity null (given or default) */
	REF_V2_NULL_INTEG,	/* seq: policy priority; integrity null only with aes-gcm */
	REF_V2_ENABLE,		/* name: ikev2 enable names the ikev1 enable nameif, if any */
};

struct conf_ref {
	int kind;
	char name[CONF_NAME];
	int line, col;
	int seq;		/* REF_L2L_ENTRY: the entry's sequence number */
};

struct conf_parser {
	const char *text;
	size_t len;
	const char *fname;
	struct conf *c;
	char *err;
	size_t errlen;
	int lineno;
	int block;		/* enum conf_block */
	int idx;		/* index of the block's object in its array */
	int idx2;		/* aaa host index inside the server */
	struct conf_ref *refs;
	int n_refs;
	void *tmp;		/* scratch for CONF_NEW */
};

typedef bool (*conf_handler)(struct conf_parser *p, const struct conf_line *l);

struct conf_cmd {
	const char *word;
	conf_handler fn;
};

/* Appends a zeroed element to arr (count n): evaluates to its address, or
 * NULL (with the error set) when memory runs out. */
#define CONF_NEW(p, arr, n) \
	(conf_grow((p), (arr), (n), sizeof *(arr)) ? \
	 ((arr) = (p)->tmp, memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++]) : NULL)
bool conf_grow(struct conf_parser *p, void *arr, int n, size_t elsz);

/* conf_lex.c: lines, tokens, errors, typed arguments */
bool conf_lex_line(struct conf_parser *p, const char *s, size_t len, size_t off,
		   struct conf_line *l);
bool conf_fail(struct conf_parser *p, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool conf_fail_at(struct conf_parser *p, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool conf_is(const struct conf_tok *t, const char *word);
bool conf_need(struct conf_parser *p, const struct conf_line *l, int i, const char *expected);
bool conf_end(struct conf_parser *p, const struct conf_line *l, int i);
bool conf_kw(struct conf_parser *p, const struct conf_line *l, int i,
	     const char *const *words, int *out);
bool conf_num(struct conf_parser *p, const struct conf_line *l, int i,
	      uint32_t min, uint32_t max, const char *what, uint32_t *out);
bool conf_ip(struct conf_parser *p, const struct conf_line *l, int i, uint32_t *out);
bool conf_mask(struct conf_parser *p, const struct conf_line *l, int i, uint32_t *out);
bool conf_ip_str(const char *s, size_t len, uint32_t *out);
bool conf_name(struct conf_parser *p, const struct conf_line *l, int i,
	       char *dst, size_t size, const char *what);
bool conf_paren_nameif(const struct conf_tok *t);
const char *conf_words(const char *const *words, char *buf, size_t size);

/* conf.c */
bool conf_add_secret(struct conf_parser *p, const struct conf_tok *t, int kind);
bool conf_add_ref(struct conf_parser *p, int kind, const char *name, const struct conf_line *l, int i);
bool conf_open(struct conf_parser *p, int block, int idx);

/* command files: top-level handlers and sub-command tables */
bool conf_cmd_interface(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_ip(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_username(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_access_list(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_hostname(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_crypto(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_group_policy(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_aaa_server(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_tunnel_group(struct conf_parser *p, const struct conf_line *l);
bool conf_crypto_ipsec(struct conf_parser *p, const struct conf_line *l);
bool conf_crypto_dynamic_map(struct conf_parser *p, const struct conf_line *l);
bool conf_crypto_map(struct conf_parser *p, const struct conf_line *l);
/* conf_ipsec.c: map entry settings a static entry shares with dynamic ones */
bool conf_dyn_tsets(struct conf_parser *p, const struct conf_line *l, int i,
		    struct conf_dynamic_map *d);
bool conf_dyn_pfs(struct conf_parser *p, const struct conf_line *l, int i,
		  struct conf_dynamic_map *d);
bool conf_dyn_lifetime(struct conf_parser *p, const struct conf_line *l, int i,
		       struct conf_dynamic_map *d);
/* conf_l2l.c: access-list NAME extended ...; crypto map NAME SEQ match|set ... */
bool conf_acl_extended(struct conf_parser *p, const struct conf_line *l, struct conf_acl *a);
bool conf_cmap_static(struct conf_parser *p, const struct conf_line *l, const char *name);
bool conf_cmap_mixed(struct conf_parser *p, const struct conf_line *l, const char *name, int seq);

/* conf_pki.c: crypto ca ..., tunnel-group-map, ikev1 trust-point (word i) */
bool conf_crypto_ca(struct conf_parser *p, const struct conf_line *l);
bool conf_cmd_tunnel_group_map(struct conf_parser *p, const struct conf_line *l);
bool conf_tg_trustpoint(struct conf_parser *p, const struct conf_line *l, int i,
			struct conf_tunnel_group *t);
/* conf_ikev2.c: crypto ikev2 ..., crypto ipsec ikev2 ..., set ikev2
 * ipsec-proposal (word i on), a tunnel-group's ikev2 lines, end of file */
bool conf_crypto_ikev2(struct conf_parser *p, const struct conf_line *l);
bool conf_ipsec_ikev2(struct conf_parser *p, const struct conf_line *l);
bool conf_dyn_v2props(struct conf_parser *p, const struct conf_line *l, int i,
		      struct conf_dynamic_map *d);
bool conf_tg_ikev2(struct conf_parser *p, const struct conf_line *l, struct conf_tunnel_group *t);
void conf_v2_finish(struct conf *c);
bool conf_v2_ref_ok(const struct conf *c, const struct conf_ref *r);
bool conf_v2_ref_fail(struct conf_parser *p, const struct conf_ref *r);
extern const struct conf_cmd conf_v2policy_subs[];
extern const struct conf_cmd conf_v2prop_subs[];
extern const struct conf_cmd conf_trustpoint_subs[];
extern const struct conf_cmd conf_certmap_subs[];
extern const struct conf_cmd conf_iface_subs[];
extern const struct conf_cmd conf_policy_subs[];
extern const struct conf_cmd conf_tset_subs[];
extern const struct conf_cmd conf_gp_subs[];
extern const struct conf_cmd conf_aaa_host_subs[];
extern const struct conf_cmd conf_tg_general_subs[];
extern const struct conf_cmd conf_tg_ipsec_subs[];

/* conf_check.c: after the last line */
bool conf_finish(struct conf_parser *p);

#endif
