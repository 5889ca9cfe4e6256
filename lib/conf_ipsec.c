/* `crypto ...` commands of phase 2: transform sets (ASA `crypto ipsec
 * ikev1 transform-set` and the IOS alias `crypto ipsec transform-set`),
 * the anti-replay window (`crypto ipsec security-association replay`),
 * dynamic maps and crypto maps.  Values are the RFC 2407 numbers of
 * lib/ipc.h's enum esp_enc / esp_auth, plus conf.h's SHA-2 additions. */
#include <stdio.h>
#include <string.h>

#include "conf_priv.h"
#include "ipc.h"

#define IPSEC_DEFAULT_LIFETIME_SEC	28800u		/* seed 001/002 §11 */
#define IPSEC_DEFAULT_LIFETIME_KB	4608000u

/* ---- transform sets ------------------------------------------------------ */

struct esp_word {
	const char *word;
	bool is_enc;
	int val;
	int bits;
};

static const struct esp_word esp_words[] = {
	{ "esp-des", true, ESP_ENC_DES, 0 },
	{ "esp-3des", true, ESP_ENC_3DES, 0 },
	{ "esp-aes", true, ESP_ENC_AES_CBC, 128 },
	{ "esp-aes-192", true, ESP_ENC_AES_CBC, 192 },
	{ "esp-aes-256", true, ESP_ENC_AES_CBC, 256 },
	{ "esp-null", true, ESP_ENC_NULL, 0 },
	{ "esp-aes-gcm", true, ESP_ENC_AES_GCM_16, 128 },
	{ "esp-aes-gcm-192", true, ESP_ENC_AES_GCM_16, 192 },
	{ "esp-aes-gcm-256", true, ESP_ENC_AES_GCM_16, 256 },
	{ "esp-gcm", true, ESP_ENC_AES_GCM_16, 128 },	/* IOS: esp-gcm [128|192|256] */
	{ "esp-chacha20-poly1305", true, ESP_ENC_CHACHA20_POLY1305, 0 },
	{ "esp-md5-hmac", false, ESP_AUTH_HMAC_MD5, 0 },
	{ "esp-sha-hmac", false, ESP_AUTH_HMAC_SHA1, 0 },
	{ "esp-sha256-hmac", false, CONF_ESP_AUTH_HMAC_SHA256, 0 },
	{ "esp-sha384-hmac", false, CONF_ESP_AUTH_HMAC_SHA384, 0 },
	{ "esp-sha512-hmac", false, CONF_ESP_AUTH_HMAC_SHA512, 0 },
	{ "esp-none", false, ESP_AUTH_NONE, 0 },
	{ NULL, false, 0, 0 },
};

static const char *const esp_enc_list = "esp-des, esp-3des, esp-aes [128|192|256], esp-aes-192, esp-aes-256, "
	"esp-aes-gcm, esp-aes-gcm-192, esp-aes-gcm-256, esp-gcm [128|192|256], esp-chacha20-poly1305 or esp-null";
static const char *const esp_all_list = "esp-des, esp-3des, esp-aes, esp-aes-192, esp-aes-256, esp-aes-gcm, "
	"esp-aes-gcm-192, esp-aes-gcm-256, esp-gcm, esp-chacha20-poly1305, esp-null, "
	"esp-md5-hmac, esp-sha-hmac, esp-sha256-hmac, esp-sha384-hmac, esp-sha512-hmac or esp-none";

static bool enc_is_aead(int enc)
{
	return enc == ESP_ENC_AES_GCM_16 || enc == ESP_ENC_CHACHA20_POLY1305;
}

static const struct esp_word *find_esp(const struct conf_tok *t)
{
	for (int i = 0; esp_words[i].word; i++)
		if (conf_is(t, esp_words[i].word))
			return &esp_words[i];
	return NULL;
}

/* IOS writes the AES key size as its own word: esp-aes 256 */
static bool aes_bits(struct conf_parser *p, const struct conf_line *l, int *i, int *bits)
{
	static const char *const words[] = { "128", "192", "256", NULL };
	int kw;

	if (*i + 1 >= l->n || l->tok[*i + 1].s[0] < '0' || l->tok[*i + 1].s[0] > '9')
		return true;
	if (!conf_kw(p, l, ++*i, words, &kw))
		return false;
	*bits = 128 + 64 * kw;
	return true;
}

static bool esp_one(struct conf_parser *p, const struct conf_line *l, int *i,
		    struct conf_transform_set *ts, bool *have_enc, bool *have_auth)
{
	const struct conf_tok *t = &l->tok[*i];
	const struct esp_word *w = find_esp(t);

	if (!w)
		return conf_fail(p, t->col, "unknown transform '%.*s', expected %s", CONF_TOK(t), esp_all_list);
	if (*have_enc && w->is_enc)
		return conf_fail(p, t->col, "second encryption transform '%.*s', expected one encryption and at most one authentication",
				 CONF_TOK(t));
	if (*have_auth && !w->is_enc)
		return conf_fail(p, t->col, "second authentication transform '%.*s', expected one encryption and at most one authentication",
				 CONF_TOK(t));
	if (w->is_enc) {
		*have_enc = true;
		ts->enc = w->val;
		ts->key_bits = w->bits;
		if ((conf_is(t, "esp-aes") || conf_is(t, "esp-gcm")) && !aes_bits(p, l, i, &ts->key_bits))
			return false;
	} else {
		*have_auth = true;
		ts->auth = w->val;
	}
	/* RFC 4106 / RFC 7634: an AEAD cipher is its own integrity check */
	if (*have_enc && *have_auth && enc_is_aead(ts->enc) && ts->auth != ESP_AUTH_NONE)
		return conf_fail(p, t->col, "'%.*s' with a combined-mode (AEAD) cipher, expected esp-none or no authentication transform",
				 CONF_TOK(t));
	return true;
}

/* ENC [AUTH] from word i on, in either order (seed 002 shows both). */
static bool parse_transforms(struct conf_parser *p, const struct conf_line *l, int i,
			     struct conf_transform_set *ts)
{
	bool have_enc = false, have_auth = false;

	if (!conf_need(p, l, i, esp_enc_list))
		return false;
	for (; i < l->n; i++)
		if (!esp_one(p, l, &i, ts, &have_enc, &have_auth))
			return false;
	if (!have_enc)
		return conf_fail(p, l->end_col, "missing encryption transform, expected %s", esp_enc_list);
	if (ts->enc == ESP_ENC_NULL && ts->auth == ESP_AUTH_NONE)
		return conf_fail(p, l->tok[l->n - 1].col, "esp-null without authentication protects nothing, expected an encryption or an authentication transform");
	return true;
}

static int find_tset(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_tsets; i++)
		if (strcmp(c->tsets[i].name, name) == 0)
			return i;
	return -1;
}

static bool tset_mode(struct conf_parser *p, const struct conf_line *l, int i)
{
	static const char *const words[] = { "transport", "tunnel", NULL };
	int kw;

	if (!conf_kw(p, l, i, words, &kw) || !conf_end(p, l, i + 1))
		return false;
	p->c->tsets[p->idx].transport = kw == 0;
	return true;
}

static bool sub_mode(struct conf_parser *p, const struct conf_line *l)
{
	return tset_mode(p, l, 1);
}

const struct conf_cmd conf_tset_subs[] = {
	{ "mode", sub_mode },
	{ NULL, NULL },
};

/* NAME at word i; a new definition of an existing set replaces it. */
static bool cmd_tset(struct conf_parser *p, const struct conf_line *l, int i)
{
	struct conf *c = p->c;
	struct conf_transform_set ts = { .auth = ESP_AUTH_NONE };
	int idx;

	if (!conf_name(p, l, i, ts.name, sizeof ts.name, "a transform-set name"))
		return false;
	idx = find_tset(c, ts.name);
	if (i + 1 < l->n && conf_is(&l->tok[i + 1], "mode")) {
		if (idx < 0)
			return conf_fail(p, l->tok[i].col, "transform-set '%s' is not defined, expected a transform-set NAME ENC [AUTH] line before its mode",
					 ts.name);
		conf_open(p, BLK_TSET, idx);
		return tset_mode(p, l, i + 2);
	}
	if (!parse_transforms(p, l, i + 1, &ts))
		return false;
	if (idx < 0) {
		if (!CONF_NEW(p, c->tsets, c->n_tsets))
			return false;
		idx = c->n_tsets - 1;
	}
	ts.transport = c->tsets[idx].transport;
	c->tsets[idx] = ts;
	return conf_open(p, BLK_TSET, idx);
}

/* ---- crypto ipsec security-association replay window-size N | disable --- */

#define REPLAY_DEFAULT_WINDOW	64	/* ASA / IOS default */

static bool cmd_sa_replay(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const replay[] = { "replay", NULL };
	static const char *const what[] = { "window-size", "disable", NULL };
	uint32_t n;
	int kw;

	if (!conf_kw(p, l, 3, replay, &kw) || !conf_kw(p, l, 4, what, &kw))
		return false;
	if (kw == 1) {
		p->c->replay_window = -1;
		return conf_end(p, l, 5);
	}
	if (!conf_num(p, l, 5, 64, 1024, "a window size in packets", &n) ||
	    !conf_end(p, l, 6))
		return false;
	p->c->replay_window = (int)n;
	return true;
}

uint32_t conf_replay_window(const struct conf *c)
{
	if (c->replay_window < 0)
		return 0;
	return c->replay_window ? (uint32_t)c->replay_window : REPLAY_DEFAULT_WINDOW;
}

/* ---- crypto ipsec security-association lifetime seconds N | kilobytes N ---- */

/* Word i is seconds|kilobytes; kilobytes may be `unlimited` (0).  *set
 * gets the CONF_LIFE_* bit of what was given. */
static bool lifetime_value(struct conf_parser *p, const struct conf_line *l, int i,
			   uint32_t *sec, uint32_t *kb, uint8_t *set)
{
	static const char *const unit[] = { "seconds", "kilobytes", NULL };
	int kw;

	if (!conf_kw(p, l, i, unit, &kw))
		return false;
	if (kw == 0) {
		*set |= CONF_LIFE_SEC;
		return conf_num(p, l, i + 1, 60, 2147483647u, "a lifetime in seconds", sec) &&
		       conf_end(p, l, i + 2);
	}
	*set |= CONF_LIFE_KB;
	if (i + 1 < l->n && conf_is(&l->tok[i + 1], "unlimited")) {
		*kb = 0;
		return conf_end(p, l, i + 2);
	}
	return conf_num(p, l, i + 1, 10, 2147483647u, "a lifetime in kilobytes", kb) &&
	       conf_end(p, l, i + 2);
}

static bool cmd_sa_lifetime(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;

	return lifetime_value(p, l, 4, &c->ipsec_lifetime_sec, &c->ipsec_lifetime_kb,
			      &c->ipsec_lifetime_set);
}

uint32_t conf_p2_lifetime_sec(const struct conf *c, const struct conf_dynamic_map *d)
{
	if (d && (d->sa_lifetime_set & CONF_LIFE_SEC))
		return d->sa_lifetime_sec;
	if (c->ipsec_lifetime_set & CONF_LIFE_SEC)
		return c->ipsec_lifetime_sec;
	return IPSEC_DEFAULT_LIFETIME_SEC;
}

uint32_t conf_p2_lifetime_kb(const struct conf *c, const struct conf_dynamic_map *d)
{
	if (d && (d->sa_lifetime_set & CONF_LIFE_KB))
		return d->sa_lifetime_kb;
	if (c->ipsec_lifetime_set & CONF_LIFE_KB)
		return c->ipsec_lifetime_kb;
	return IPSEC_DEFAULT_LIFETIME_KB;
}

bool conf_crypto_ipsec(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "ikev1", "transform-set", "security-association",
					     "ikev2", NULL };
	static const char *const ts[] = { "transform-set", NULL };
	int kw, kw2;

	if (!conf_kw(p, l, 2, words, &kw))
		return false;
	if (kw == 3)
		return conf_ipsec_ikev2(p, l);	/* lib/conf_ikev2.c */
	if (kw == 1)
		return cmd_tset(p, l, 3);
	if (kw == 2 && l->n > 3 && conf_is(&l->tok[3], "lifetime"))
		return cmd_sa_lifetime(p, l);
	if (kw == 2)
		return cmd_sa_replay(p, l);
	return conf_kw(p, l, 3, ts, &kw2) && cmd_tset(p, l, 4);
}

/* ---- crypto dynamic-map NAME SEQ set ... --------------------------------- */

static struct conf_dynamic_map *get_dynmap(struct conf_parser *p, const char *name, int seq)
{
	struct conf *c = p->c;
	struct conf_dynamic_map *d;

	for (int i = 0; i < c->n_dynmaps; i++)
		if (c->dynmaps[i].seq == seq && strcmp(c->dynmaps[i].name, name) == 0)
			return &c->dynmaps[i];
	d = CONF_NEW(p, c->dynmaps, c->n_dynmaps);
	if (!d)
		return NULL;
	snprintf(d->name, sizeof d->name, "%s", name);
	d->seq = seq;
	d->sa_lifetime_sec = IPSEC_DEFAULT_LIFETIME_SEC;
	d->sa_lifetime_kb = IPSEC_DEFAULT_LIFETIME_KB;
	return d;
}

bool conf_dyn_tsets(struct conf_parser *p, const struct conf_line *l, int i,
		      struct conf_dynamic_map *d)
{
	int max = (int)(sizeof d->tsets / sizeof d->tsets[0]);

	if (!conf_need(p, l, i, "a transform-set name"))
		return false;
	d->n_tsets = 0;
	for (; i < l->n; i++) {
		if (d->n_tsets == max)
			return conf_fail(p, l->tok[i].col, "too many transform sets, expected at most %d", max);
		if (!conf_name(p, l, i, d->tsets[d->n_tsets], sizeof d->tsets[0], "a transform-set name") ||
		    !conf_add_ref(p, REF_TSET, d->tsets[d->n_tsets], l, i))
			return false;
		d->n_tsets++;
	}
	return true;
}

bool conf_dyn_pfs(struct conf_parser *p, const struct conf_line *l, int i,
		    struct conf_dynamic_map *d)
{
	static const char *const words[] = { "group1", "group2", "group5", "group14", "group15",
					     "group16", "group19", "group20", "group21", "group24",
					     NULL };
	static const int vals[] = { 1, 2, 5, 14, 15, 16, 19, 20, 21, 24 };
	int kw = 1;	/* `set pfs` alone means group2 */

	if (i < l->n && !conf_kw(p, l, i, words, &kw))
		return false;
	d->pfs_group = vals[kw];
	return conf_end(p, l, i + 1);
}

bool conf_dyn_lifetime(struct conf_parser *p, const struct conf_line *l, int i,
			 struct conf_dynamic_map *d)
{
	static const char *const lifetime[] = { "lifetime", NULL };
	int kw;

	return conf_kw(p, l, i, lifetime, &kw) &&
	       lifetime_value(p, l, i + 1, &d->sa_lifetime_sec, &d->sa_lifetime_kb,
			      &d->sa_lifetime_set);
}

bool conf_crypto_dynamic_map(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const set[] = { "set", NULL };
	static const char *const what[] = { "ikev1", "transform-set", "pfs", "security-association",
					    "ikev2", NULL };
	static const char *const ts[] = { "transform-set", NULL };
	static const char *const prop[] = { "ipsec-proposal", NULL };
	char name[CONF_NAME];
	uint32_t seq;
	int kw, kw2;

	if (!conf_name(p, l, 2, name, sizeof name, "a dynamic-map name") ||
	    !conf_num(p, l, 3, 1, 65535, "a sequence number", &seq) ||
	    !conf_kw(p, l, 4, set, &kw) || !conf_kw(p, l, 5, what, &kw))
		return false;
	struct conf_dynamic_map *d = get_dynmap(p, name, (int)seq);

	if (!d)
		return false;
	switch (kw) {
	case 0: return conf_kw(p, l, 6, ts, &kw2) && conf_dyn_tsets(p, l, 7, d);
	case 1: return conf_dyn_tsets(p, l, 6, d);
	case 2: return conf_dyn_pfs(p, l, 6, d);
	case 4: return conf_kw(p, l, 6, prop, &kw2) && conf_dyn_v2props(p, l, 7, d);
	default: return conf_dyn_lifetime(p, l, 6, d);
	}
}

/* ---- crypto map NAME SEQ ipsec-isakmp dynamic DYN | NAME interface IF ---- */

static bool cmap_interface(struct conf_parser *p, const struct conf_line *l, const char *name)
{
	struct conf *c = p->c;
	char nameif[sizeof c->cmap_iface];

	if (!conf_name(p, l, 4, nameif, sizeof nameif, "an interface nameif") || !conf_end(p, l, 5))
		return false;
	if (c->cmap_iface[0] && (strcmp(c->cmap_iface, nameif) || strcmp(c->cmap_iface_map, name)))
		return conf_fail(p, l->tok[2].col, "a second crypto map interface binding, expected only one (crypto map %s interface %s)",
				 c->cmap_iface_map, c->cmap_iface);
	snprintf(c->cmap_iface_map, sizeof c->cmap_iface_map, "%s", name);
	memcpy(c->cmap_iface, nameif, sizeof nameif);
	return conf_add_ref(p, REF_CMAP, name, l, 2) && conf_add_ref(p, REF_NAMEIF, nameif, l, 4);
}

static bool cmap_entry(struct conf_parser *p, const struct conf_line *l, const char *name)
{
	static const char *const isakmp[] = { "ipsec-isakmp", NULL };
	static const char *const dynamic[] = { "dynamic", NULL };
	struct conf *c = p->c;
	struct conf_crypto_map m = { 0 };
	uint32_t seq;
	int kw;

	if (!conf_num(p, l, 3, 1, 65535, "a sequence number", &seq) ||
	    !conf_kw(p, l, 4, isakmp, &kw) || !conf_kw(p, l, 5, dynamic, &kw) ||
	    !conf_name(p, l, 6, m.dynamic, sizeof m.dynamic, "a dynamic-map name") ||
	    !conf_end(p, l, 7))
		return false;
	snprintf(m.name, sizeof m.name, "%s", name);
	m.seq = (int)seq;
	for (int i = 0; i < c->n_cmaps; i++) {
		if (c->cmaps[i].seq == m.seq && strcmp(c->cmaps[i].name, name) == 0) {
			if (!c->cmaps[i].dynamic[0])	/* static entry lines: lib/conf_l2l.c */
				return conf_cmap_mixed(p, l, name, m.seq);
			c->cmaps[i] = m;
			return conf_add_ref(p, REF_DYNMAP, m.dynamic, l, 6);
		}
	}
	struct conf_crypto_map *nm = CONF_NEW(p, c->cmaps, c->n_cmaps);

	if (!nm)
		return false;
	*nm = m;
	return conf_add_ref(p, REF_DYNMAP, m.dynamic, l, 6);
}

bool conf_crypto_map(struct conf_parser *p, const struct conf_line *l)
{
	char name[CONF_NAME];

	if (!conf_name(p, l, 2, name, sizeof name, "a crypto map name") ||
	    !conf_need(p, l, 3, "a sequence number or interface"))
		return false;
	if (conf_is(&l->tok[3], "interface"))
		return cmap_interface(p, l, name);
	if (l->n > 4 && (conf_is(&l->tok[4], "match") || conf_is(&l->tok[4], "set")))
		return conf_cmap_static(p, l, name);	/* lib/conf_l2l.c */
	return cmap_entry(p, l, name);
}
