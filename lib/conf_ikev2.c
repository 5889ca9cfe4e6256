/* IKEv2 (RFC 7296) commands, ASA spellings:
 *   crypto ikev2 policy N            (block: encryption, integrity, prf, group, lifetime)
 *   crypto ikev2 enable IF
 *   crypto ipsec ikev2 ipsec-proposal NAME   (block: protocol esp encryption|integrity)
 *   crypto dynamic-map NAME SEQ set ikev2 ipsec-proposal P1 [P2..]
 *   tunnel-group ... ipsec-attributes: ikev2 remote-|local-authentication pre-shared-key K
 * and what only the whole file can tell: the defaults of the algorithm
 * lists a block left out, and the rules that tie one list to another
 * (integrity null only with AEAD ciphers), which the ASA lets an operator
 * type in any order.  A sub-line replaces its list, as on the ASA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"
#include "ipc.h"

#define V2_DEFAULT_LIFETIME	86400u		/* ASA */
#define V2_DEFAULT_GROUP	14

/* The words of one algorithm list and what each stores. */
struct v2_words {
	const char *what;		/* "encryption algorithm", for messages */
	const char *const *words;	/* NULL-terminated */
	const int *vals;
	const int *bits;		/* key bits per word; NULL when the list has none */
};

static int find_word(const char *const *words, const struct conf_tok *t)
{
	for (int k = 0; words[k]; k++)
		if (conf_is(t, words[k]))
			return k;
	return -1;
}

static bool listed(const int *vals, const int *bits, int n, int val, int b)
{
	for (int k = 0; k < n; k++)
		if (vals[k] == val && (!bits || bits[k] == b))
			return true;
	return false;
}

/* Words i.. of the line: one or more of w, each once, at most
 * CONF_V2_ALGS, in the order given (the order they are offered in). */
static bool alg_list(struct conf_parser *p, const struct conf_line *l, int i,
		     const struct v2_words *w, int *vals, int *bits, int *n)
{
	char buf[512];
	int count = 0;

	if (!conf_need(p, l, i, conf_words(w->words, buf, sizeof buf)))
		return false;
	for (; i < l->n; i++) {
		const struct conf_tok *t = &l->tok[i];
		int kw = find_word(w->words, t);
		int b = w->bits && kw >= 0 ? w->bits[kw] : 0;

		if (count == CONF_V2_ALGS)
			return conf_fail(p, t->col, "too many %s values, expected at most %d",
					 w->what, CONF_V2_ALGS);
		if (kw < 0)
			return conf_fail(p, t->col, "unknown %s '%.*s', expected %s", w->what,
					 CONF_TOK(t), conf_words(w->words, buf, sizeof buf));
		if (listed(vals, bits, count, w->vals[kw], b))
			return conf_fail(p, t->col, "%s '%.*s' is listed twice, expected each once",
					 w->what, CONF_TOK(t));
		vals[count] = w->vals[kw];
		if (bits)
			bits[count] = b;
		count++;
	}
	*n = count;
	return true;
}

/* ---- crypto ikev2 policy N ---------------------------------------------- */

static struct conf_ikev2_policy *cur_v2policy(struct conf_parser *p)
{
	return &p->c->v2policies[p->idx];
}

static bool v2_all_gcm(const struct conf_ikev2_policy *v)
{
	for (int k = 0; k < v->n_encs; k++)
		if (v->encs[k] != V2_ENCR_AES_GCM_16)
			return false;
	return v->n_encs > 0;
}

static bool sub_encryption(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "3des", "aes", "aes-192", "aes-256", "aes-gcm",
					     "aes-gcm-192", "aes-gcm-256", NULL };
	static const int vals[] = { V2_ENCR_3DES, V2_ENCR_AES_CBC, V2_ENCR_AES_CBC, V2_ENCR_AES_CBC,
				    V2_ENCR_AES_GCM_16, V2_ENCR_AES_GCM_16, V2_ENCR_AES_GCM_16 };
	static const int bits[] = { 0, 128, 192, 256, 128, 192, 256 };
	static const struct v2_words w = { "encryption algorithm", words, vals, bits };
	struct conf_ikev2_policy *v = cur_v2policy(p);

	/* The ASA took des in IKEv2 policies once; a 56-bit key is not worth
	 * a transform the IKE worker would have to carry. */
	for (int i = 1; i < l->n; i++)
		if (conf_is(&l->tok[i], "des"))
			return conf_fail(p, l->tok[i].col, "encryption des is not supported for IKEv2, expected aes, aes-192, aes-256, aes-gcm, aes-gcm-192, aes-gcm-256 or 3des");
	return alg_list(p, l, 1, &w, v->encs, v->enc_bits, &v->n_encs);
}

/* `integrity null` (V2_AUTH_NONE) is checked against the encryption list
 * once the file is read: the two lines may come in either order. */
static bool sub_integrity(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "sha", "sha256", "sha384", "sha512", "null", NULL };
	static const int vals[] = { V2_AUTH_HMAC_SHA1_96, V2_AUTH_HMAC_SHA2_256_128,
				    V2_AUTH_HMAC_SHA2_384_192, V2_AUTH_HMAC_SHA2_512_256, V2_AUTH_NONE };
	static const struct v2_words w = { "integrity algorithm", words, vals, NULL };
	struct conf_ikev2_policy *v = cur_v2policy(p);

	if (!alg_list(p, l, 1, &w, v->integs, NULL, &v->n_integs))
		return false;
	for (int i = 1; i < l->n; i++) {
		if (!conf_is(&l->tok[i], "null"))
			continue;
		if (!conf_add_ref(p, REF_V2_NULL_INTEG, "", l, i))
			return false;
		p->refs[p->n_refs - 1].seq = v->priority;
	}
	return true;
}

static bool sub_prf(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "sha", "sha256", "sha384", "sha512", NULL };
	static const int vals[] = { V2_PRF_HMAC_SHA1, V2_PRF_HMAC_SHA2_256, V2_PRF_HMAC_SHA2_384,
				    V2_PRF_HMAC_SHA2_512 };
	static const struct v2_words w = { "prf", words, vals, NULL };
	struct conf_ikev2_policy *v = cur_v2policy(p);

	return alg_list(p, l, 1, &w, v->prfs, NULL, &v->n_prfs);
}

/* The groups crypto_dh.c / crypto_ecp.c implement; 24 (RFC 5114, whose
 * subgroup cannot be verified) is refused, as RFC 8247 advises. */
static bool sub_group(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "1", "2", "5", "14", "15", "16", "19", "20", "21", NULL };
	static const int vals[] = { 1, 2, 5, 14, 15, 16, 19, 20, 21 };
	static const struct v2_words w = { "DH group", words, vals, NULL };
	struct conf_ikev2_policy *v = cur_v2policy(p);

	return alg_list(p, l, 1, &w, v->groups, NULL, &v->n_groups);
}

static bool sub_lifetime(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const seconds[] = { "seconds", NULL };
	uint32_t n;
	int kw;

	if (!conf_kw(p, l, 1, seconds, &kw) ||
	    !conf_num(p, l, 2, 120, 2147483647u, "a lifetime in seconds", &n) || !conf_end(p, l, 3))
		return false;
	cur_v2policy(p)->lifetime = n;
	return true;
}

const struct conf_cmd conf_v2policy_subs[] = {
	{ "encryption", sub_encryption },
	{ "integrity", sub_integrity },
	{ "prf", sub_prf },
	{ "group", sub_group },
	{ "lifetime", sub_lifetime },
	{ NULL, NULL },
};

static bool cmd_policy(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;
	struct conf_ikev2_policy *v;
	uint32_t prio;

	if (!conf_num(p, l, 3, 1, 65535, "a policy priority", &prio) || !conf_end(p, l, 4))
		return false;
	for (int i = 0; i < c->n_v2policies; i++)
		if (c->v2policies[i].priority == (int)prio)
			return conf_open(p, BLK_V2POLICY, i);
	if (c->n_v2policies >= CONF_MAX_POLICIES)
		return conf_fail(p, l->tok[3].col, "too many ikev2 policies, expected at most %d",
				 CONF_MAX_POLICIES);
	v = CONF_NEW(p, c->v2policies, c->n_v2policies);
	if (!v)
		return false;
	v->priority = (int)prio;
	v->lifetime = V2_DEFAULT_LIFETIME;
	return conf_open(p, BLK_V2POLICY, c->n_v2policies - 1);
}

/* ---- crypto ikev2 enable IF ---------------------------------------------- */

/* ravpn listens on one address (conf_outside_addr), so both versions must
 * name the same interface; checked at the end (REF_V2_ENABLE). */
static bool cmd_enable(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;

	if (!conf_name(p, l, 3, c->ikev2_enable, sizeof c->ikev2_enable, "an interface nameif") ||
	    !conf_end(p, l, 4))
		return false;
	return conf_add_ref(p, REF_NAMEIF, c->ikev2_enable, l, 3) &&
	       conf_add_ref(p, REF_V2_ENABLE, c->ikev2_enable, l, 3);
}

bool conf_crypto_ikev2(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "policy", "enable", NULL };
	int kw;

	if (!conf_kw(p, l, 2, words, &kw))
		return false;
	return kw == 0 ? cmd_policy(p, l) : cmd_enable(p, l);
}

/* ---- crypto ipsec ikev2 ipsec-proposal NAME -------------------------------- */

static bool esp_aead(int enc)
{
	return enc == ESP_ENC_AES_GCM_16 || enc == ESP_ENC_CHACHA20_POLY1305;
}

static struct conf_ipsec_proposal *cur_prop(struct conf_parser *p)
{
	return &p->c->v2props[p->idx];
}

/* Queues the rule of the first cipher of the line with (or without) AEAD
 * at that cipher's word. */
static bool prop_rule(struct conf_parser *p, const struct conf_line *l, bool aead, int kind)
{
	const struct conf_ipsec_proposal *pr = cur_prop(p);

	for (int k = 0; k < pr->n_encs; k++)
		if (esp_aead(pr->encs[k]) == aead)
			return conf_add_ref(p, kind, pr->name, l, 3 + k);
	return true;
}

/* Checked at the end, since the integrity line may come later: a non-AEAD
 * cipher needs a real integrity algorithm (REF_V2PROP_INTEG); an AEAD one
 * is chosen only with integrity null (REF_V2PROP_AEAD), as the ASA
 * requires for AES-GCM, and the IKE worker matches. */
static bool prop_encryption(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "des", "3des", "aes", "aes-192", "aes-256", "aes-gcm",
					     "aes-gcm-192", "aes-gcm-256", "chacha20-poly1305",
					     "null", NULL };
	/* chacha20-poly1305 (RFC 7634) is a ravpn extension: the ASA has none */
	static const int vals[] = { ESP_ENC_DES, ESP_ENC_3DES, ESP_ENC_AES_CBC, ESP_ENC_AES_CBC,
				    ESP_ENC_AES_CBC, ESP_ENC_AES_GCM_16, ESP_ENC_AES_GCM_16,
				    ESP_ENC_AES_GCM_16, ESP_ENC_CHACHA20_POLY1305, ESP_ENC_NULL };
	static const int bits[] = { 0, 0, 128, 192, 256, 128, 192, 256, 0, 0 };
	static const struct v2_words w = { "ESP encryption algorithm", words, vals, bits };
	struct conf_ipsec_proposal *pr = cur_prop(p);

	return alg_list(p, l, 3, &w, pr->encs, pr->enc_bits, &pr->n_encs) &&
	       prop_rule(p, l, true, REF_V2PROP_AEAD) && prop_rule(p, l, false, REF_V2PROP_INTEG);
}

static bool prop_integrity(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "md5", "sha-1", "sha-256", "sha-384", "sha-512",
					     "null", NULL };
	static const int vals[] = { ESP_AUTH_HMAC_MD5, ESP_AUTH_HMAC_SHA1, ESP_AUTH_HMAC_SHA256,
				    ESP_AUTH_HMAC_SHA384, ESP_AUTH_HMAC_SHA512, ESP_AUTH_NONE };
	static const struct v2_words w = { "ESP integrity algorithm", words, vals, NULL };
	struct conf_ipsec_proposal *pr = cur_prop(p);

	return alg_list(p, l, 3, &w, pr->integs, NULL, &pr->n_integs);
}

/*  protocol esp encryption|integrity W... */
static bool sub_protocol(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const esp[] = { "esp", NULL };
	static const char *const what[] = { "encryption", "integrity", NULL };
	int kw;

	if (!conf_kw(p, l, 1, esp, &kw) || !conf_kw(p, l, 2, what, &kw))
		return false;
	return kw == 0 ? prop_encryption(p, l) : prop_integrity(p, l);
}

const struct conf_cmd conf_v2prop_subs[] = {
	{ "protocol", sub_protocol },
	{ NULL, NULL },
};

/* NAME at word 4.  Repeating the line re-opens the proposal, and its
 * sub-lines replace the lists they give (the ASA's behaviour). */
bool conf_ipsec_ikev2(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "ipsec-proposal", NULL };
	struct conf *c = p->c;
	struct conf_ipsec_proposal *pr;
	char name[CONF_NAME];
	int kw;

	if (!conf_kw(p, l, 3, words, &kw) ||
	    !conf_name(p, l, 4, name, sizeof name, "an ipsec-proposal name") || !conf_end(p, l, 5))
		return false;
	for (int i = 0; i < c->n_v2props; i++)
		if (strcmp(c->v2props[i].name, name) == 0)
			return conf_open(p, BLK_V2PROP, i);
	pr = CONF_NEW(p, c->v2props, c->n_v2props);
	if (!pr)
		return false;
	memcpy(pr->name, name, sizeof name);
	return conf_add_ref(p, REF_V2PROP_ENC, name, l, 4) &&
	       conf_open(p, BLK_V2PROP, c->n_v2props - 1);
}

/* ---- crypto dynamic-map NAME SEQ set ikev2 ipsec-proposal P1 [P2..] ---- */

bool conf_dyn_v2props(struct conf_parser *p, const struct conf_line *l, int i,
		      struct conf_dynamic_map *d)
{
	int max = (int)(sizeof d->v2_props / sizeof d->v2_props[0]);

	if (!conf_need(p, l, i, "an ipsec-proposal name"))
		return false;
	d->n_v2_props = 0;
	for (; i < l->n; i++) {
		if (d->n_v2_props == max)
			return conf_fail(p, l->tok[i].col, "too many ipsec-proposals, expected at most %d", max);
		if (!conf_name(p, l, i, d->v2_props[d->n_v2_props], sizeof d->v2_props[0],
			       "an ipsec-proposal name") ||
		    !conf_add_ref(p, REF_V2PROP, d->v2_props[d->n_v2_props], l, i))
			return false;
		d->n_v2_props++;
	}
	return true;
}

/* ---- tunnel-group NAME ipsec-attributes: ikev2 ... ------------------------ */

/* ikev2 remote-authentication|local-authentication pre-shared-key K: both
 * keys are secrets (SECRET_PSK), so only master keeps them. */
bool conf_tg_ikev2(struct conf_parser *p, const struct conf_line *l, struct conf_tunnel_group *t)
{
	static const char *const side[] = { "remote-authentication", "local-authentication", NULL };
	static const char *const method[] = { "pre-shared-key", "certificate", "eap", NULL };
	char *key;
	int kw, m;

	if (!conf_kw(p, l, 1, side, &kw) || !conf_kw(p, l, 2, method, &m))
		return false;
	if (m != 0)
		return conf_fail(p, l->tok[2].col, "ikev2 %s %.*s is not supported (ravpn's IKEv2 authenticates with pre-shared keys), expected pre-shared-key K",
				 side[kw], CONF_TOK(&l->tok[2]));
	key = kw == 0 ? t->v2_psk_remote : t->v2_psk_local;
	if (!conf_name(p, l, 3, key, sizeof t->v2_psk_remote, "a pre-shared key") || !conf_end(p, l, 4))
		return false;
	if (kw == 0)
		t->has_v2_psk_remote = true;
	else
		t->has_v2_psk_local = true;
	return conf_add_secret(p, &l->tok[3], SECRET_PSK);
}

/* ---- after the last line ------------------------------------------------ */

static int prf_of(int integ)
{
	switch (integ) {
	case V2_AUTH_HMAC_SHA1_96: return V2_PRF_HMAC_SHA1;
	case V2_AUTH_HMAC_SHA2_384_192: return V2_PRF_HMAC_SHA2_384;
	case V2_AUTH_HMAC_SHA2_512_256: return V2_PRF_HMAC_SHA2_512;
	default: return V2_PRF_HMAC_SHA2_256;	/* sha256, and null (AES-GCM) */
	}
}

/* Defaults of the lists a policy left out: aes-256; sha256 (null when
 * every cipher is AES-GCM, which needs none); the PRF of each integrity
 * algorithm; group 14. */
static void v2policy_defaults(struct conf_ikev2_policy *v)
{
	if (!v->n_encs) {
		v->encs[0] = V2_ENCR_AES_CBC;
		v->enc_bits[0] = 256;
		v->n_encs = 1;
	}
	if (!v->n_integs) {
		v->integs[0] = v2_all_gcm(v) ? V2_AUTH_NONE : V2_AUTH_HMAC_SHA2_256_128;
		v->n_integs = 1;
	}
	if (!v->n_prfs)		/* one PRF per distinct hash, in the integrity order */
		for (int k = 0; k < v->n_integs; k++)
			if (!listed(v->prfs, NULL, v->n_prfs, prf_of(v->integs[k]), 0))
				v->prfs[v->n_prfs++] = prf_of(v->integs[k]);
	if (!v->n_groups) {
		v->groups[0] = V2_DEFAULT_GROUP;
		v->n_groups = 1;
	}
}

/* Whether a proposal has a cipher that needs an integrity algorithm. */
static bool prop_has_cbc(const struct conf_ipsec_proposal *pr)
{
	for (int k = 0; k < pr->n_encs; k++)
		if (!esp_aead(pr->encs[k]))
			return true;
	return false;
}

static bool prop_has_aead(const struct conf_ipsec_proposal *pr)
{
	for (int k = 0; k < pr->n_encs; k++)
		if (esp_aead(pr->encs[k]))
			return true;
	return false;
}

/* A proposal of AEAD ciphers only needs no integrity algorithm. */
static void v2prop_defaults(struct conf_ipsec_proposal *pr)
{
	if (pr->n_encs && !prop_has_cbc(pr) && !pr->n_integs) {
		pr->integs[0] = ESP_AUTH_NONE;
		pr->n_integs = 1;
	}
}

static int cmp_v2policy(const void *a, const void *b)
{
	const struct conf_ikev2_policy *x = a, *y = b;

	return (x->priority > y->priority) - (x->priority < y->priority);
}

/* Called before the references are checked, which see the defaults. */
void conf_v2_finish(struct conf *c)
{
	for (int i = 0; i < c->n_v2policies; i++)
		v2policy_defaults(&c->v2policies[i]);
	for (int i = 0; i < c->n_v2props; i++)
		v2prop_defaults(&c->v2props[i]);
	if (c->n_v2policies > 1)
		qsort(c->v2policies, (size_t)c->n_v2policies, sizeof c->v2policies[0], cmp_v2policy);
}

static const struct conf_ikev2_policy *v2policy(const struct conf *c, int prio)
{
	for (int i = 0; i < c->n_v2policies; i++)
		if (c->v2policies[i].priority == prio)
			return &c->v2policies[i];
	return NULL;
}

static bool has_real_integ(const struct conf_ipsec_proposal *pr)
{
	for (int k = 0; k < pr->n_integs; k++)
		if (pr->integs[k] != ESP_AUTH_NONE)
			return true;
	return false;
}

static bool null_integ_ok(const struct conf_ikev2_policy *v)
{
	return !v || !listed(v->integs, NULL, v->n_integs, V2_AUTH_NONE, 0) || v2_all_gcm(v);
}

/* The rules queued as REF_V2_* references, on the final lists: a line a
 * later one replaced no longer counts. */
bool conf_v2_ref_ok(const struct conf *c, const struct conf_ref *r)
{
	const struct conf_ipsec_proposal *pr = conf_ipsec_proposal(c, r->name);

	switch (r->kind) {
	case REF_V2PROP_ENC: return pr && pr->n_encs > 0;
	case REF_V2PROP_INTEG: return !pr || !prop_has_cbc(pr) || has_real_integ(pr);
	case REF_V2PROP_AEAD: return !pr || !prop_has_aead(pr) || !pr->n_integs ||
				     listed(pr->integs, NULL, pr->n_integs, ESP_AUTH_NONE, 0);
	case REF_V2_NULL_INTEG: return null_integ_ok(v2policy(c, r->seq));
	case REF_V2_ENABLE: return !c->ikev1_enable[0] || strcmp(c->ikev1_enable, r->name) == 0;
	default: return false;
	}
}

static bool prop_integ_fail(struct conf_parser *p, const struct conf_ref *r)
{
	const struct conf_ipsec_proposal *pr = conf_ipsec_proposal(p->c, r->name);

	if (listed(pr->encs, NULL, pr->n_encs, ESP_ENC_NULL, 0) && pr->n_encs == 1)
		return conf_fail_at(p, r->line, r->col, "ipsec-proposal '%s': encryption null without integrity protects nothing, expected ` protocol esp integrity` with sha-1, sha-256, sha-384, sha-512 or md5",
				    r->name);
	if (!pr->n_integs)
		return conf_fail_at(p, r->line, r->col, "ipsec-proposal '%s' needs protocol esp integrity: only aes-gcm and chacha20-poly1305 protect integrity themselves, expected a ` protocol esp integrity sha-256` (or sha-1, sha-384, sha-512, md5) line",
				    r->name);
	return conf_fail_at(p, r->line, r->col, "ipsec-proposal '%s' has integrity null only, but a cipher that is not AEAD, expected sha-1, sha-256, sha-384, sha-512 or md5 in ` protocol esp integrity`",
			    r->name);
}

bool conf_v2_ref_fail(struct conf_parser *p, const struct conf_ref *r)
{
	switch (r->kind) {
	case REF_V2PROP_ENC:
		return conf_fail_at(p, r->line, r->col, "ipsec-proposal '%s' has no encryption, expected a ` protocol esp encryption ALG` line in it",
				    r->name);
	case REF_V2PROP_INTEG:
		return prop_integ_fail(p, r);
	case REF_V2PROP_AEAD:
		return conf_fail_at(p, r->line, r->col, "ipsec-proposal '%s': aes-gcm and chacha20-poly1305 protect integrity themselves and are chosen only with integrity null, expected null in its ` protocol esp integrity` line",
				    r->name);
	case REF_V2_NULL_INTEG:
		return conf_fail_at(p, r->line, r->col, "crypto ikev2 policy %d: integrity null needs every encryption to be aes-gcm, aes-gcm-192 or aes-gcm-256, expected sha, sha256, sha384 or sha512",
				    r->seq);
	default:
		return conf_fail_at(p, r->line, r->col, "crypto ikev2 enable names '%s' but crypto ikev1 enable names '%s', expected the same interface (IKE listens on one address)",
				    r->name, p->c->ikev1_enable);
	}
}
