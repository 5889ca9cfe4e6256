/* `crypto ...` commands of phase 1: ikev1 policies (and their isakmp
 * aliases), enable, am-disable, nat-traversal; dispatch of the phase-2
 * commands to conf_ipsec.c and of `crypto ikev2` to conf_ikev2.c. */
#include <string.h>

#include "conf_priv.h"

#define NATT_DEFAULT_KEEPALIVE	20

/* ---- crypto ikev1 policy N ---------------------------------------------- */

static struct conf_isakmp_policy *cur_policy(struct conf_parser *p)
{
	return &p->c->policies[p->idx];
}

static bool sub_authentication(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "pre-share", "rsa-sig", NULL };
	static const int vals[] = { IKE_AUTH_PSK, IKE_AUTH_RSA_SIG };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw) || !conf_end(p, l, 2))
		return false;
	cur_policy(p)->auth = vals[kw];
	return true;
}

static bool sub_encryption(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "des", "3des", "aes", "aes-192", "aes-256", NULL };
	static const int enc[] = { IKE_ENC_DES, IKE_ENC_3DES, IKE_ENC_AES, IKE_ENC_AES, IKE_ENC_AES };
	static const int bits[] = { 0, 0, 128, 192, 256 };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw) || !conf_end(p, l, 2))
		return false;
	cur_policy(p)->enc = enc[kw];
	cur_policy(p)->key_bits = bits[kw];
	return true;
}

static bool sub_hash(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "md5", "sha", "sha256", "sha384", "sha512", NULL };
	static const int vals[] = { IKE_HASH_MD5, IKE_HASH_SHA1, IKE_HASH_SHA256,
				    IKE_HASH_SHA384, IKE_HASH_SHA512 };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw) || !conf_end(p, l, 2))
		return false;
	cur_policy(p)->hash = vals[kw];
	return true;
}

static bool sub_group(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "1", "2", "5", "14", "15", "16", "19", "20",
					     "21", "24", NULL };
	static const int vals[] = { 1, 2, 5, 14, 15, 16, 19, 20, 21, 24 };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw) || !conf_end(p, l, 2))
		return false;
	cur_policy(p)->group = vals[kw];
	return true;
}

static bool sub_lifetime(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t v;

	if (!conf_num(p, l, 1, 120, 2147483647u, "a lifetime in seconds", &v) || !conf_end(p, l, 2))
		return false;
	cur_policy(p)->lifetime = v;
	return true;
}

const struct conf_cmd conf_policy_subs[] = {
	{ "authentication", sub_authentication },
	{ "encryption", sub_encryption },
	{ "hash", sub_hash },
	{ "group", sub_group },
	{ "lifetime", sub_lifetime },
	{ NULL, NULL },
};

static int find_policy(const struct conf *c, int prio)
{
	for (int i = 0; i < c->n_policies; i++)
		if (c->policies[i].priority == prio)
			return i;
	return -1;
}

/* A new policy starts with the ASA defaults (seed 002 table: pre-share,
 * 3des, sha, group 2, 86400 s). */
static int new_policy(struct conf_parser *p, const struct conf_line *l, int prio)
{
	struct conf *c = p->c;

	if (c->n_policies >= CONF_MAX_POLICIES) {
		conf_fail(p, l->tok[3].col, "too many ikev1 policies, expected at most %d", CONF_MAX_POLICIES);
		return -1;
	}
	struct conf_isakmp_policy *pol = CONF_NEW(p, c->policies, c->n_policies);

	if (!pol)
		return -1;
	*pol = (struct conf_isakmp_policy){
		.priority = prio, .auth = IKE_AUTH_PSK, .enc = IKE_ENC_3DES,
		.hash = IKE_HASH_SHA1, .group = 2, .lifetime = 86400,
	};
	return c->n_policies - 1;
}

/* crypto ikev1|isakmp policy N [ATTR VALUE]: the one-line form of seed 001
 * is the sub-command shifted left by three words. */
static bool cmd_policy(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t prio;
	int idx;

	if (!conf_num(p, l, 3, 1, 65535, "a policy priority", &prio))
		return false;
	idx = find_policy(p->c, (int)prio);
	if (idx < 0 && (idx = new_policy(p, l, (int)prio)) < 0)
		return false;
	conf_open(p, BLK_POLICY, idx);
	if (l->n == 4)
		return true;

	struct conf_line sub = *l;
	char buf[256];

	sub.n = l->n - 4;
	memmove(sub.tok, l->tok + 4, sizeof sub.tok[0] * (size_t)sub.n);
	for (int i = 0; conf_policy_subs[i].word; i++)
		if (conf_is(&sub.tok[0], conf_policy_subs[i].word))
			return conf_policy_subs[i].fn(p, &sub);
	static const char *const words[] = { "authentication", "encryption", "hash", "group",
					     "lifetime", NULL };
	return conf_fail(p, sub.tok[0].col, "unknown policy attribute '%.*s', expected %s",
			 CONF_TOK(&sub.tok[0]), conf_words(words, buf, sizeof buf));
}

/* ---- crypto ikev1|isakmp enable / am-disable / nat-traversal ------------- */

static bool cmd_enable(struct conf_parser *p, const struct conf_line *l)
{
	struct conf *c = p->c;

	if (!conf_name(p, l, 3, c->ikev1_enable, sizeof c->ikev1_enable, "an interface nameif") ||
	    !conf_end(p, l, 4))
		return false;
	return conf_add_ref(p, REF_NAMEIF, c->ikev1_enable, l, 3);
}

static bool cmd_am_disable(struct conf_parser *p, const struct conf_line *l)
{
	if (!conf_end(p, l, 3))
		return false;
	p->c->am_disable = true;
	return true;
}

static bool cmd_nat_traversal(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t v = NATT_DEFAULT_KEEPALIVE;

	if (l->n > 3 && !conf_num(p, l, 3, 10, 3600, "a NAT keepalive in seconds", &v))
		return false;
	if (!conf_end(p, l, 4))
		return false;
	p->c->natt_keepalive = (int)v;
	return true;
}

static bool cmd_ikev1(struct conf_parser *p, const struct conf_line *l, bool isakmp)
{
	static const char *const ikev1[] = { "policy", "enable", "am-disable", NULL };
	static const char *const isak[] = { "policy", "enable", "am-disable", "nat-traversal", NULL };
	static const conf_handler fns[] = { cmd_policy, cmd_enable, cmd_am_disable, cmd_nat_traversal };
	int kw;

	if (!conf_kw(p, l, 2, isakmp ? isak : ikev1, &kw))
		return false;
	return fns[kw](p, l);
}

/* ---- crypto engine workers N | offload disable | rx-usecs N -------------
 * The ASA's `crypto engine` commands tune its crypto hardware
 * (accelerator-bias, large-mod-accel); ravpn's engine is its ESP workers,
 * one per CPU unless this line says how many. */
#define ENGINE_MAX_WORKERS	16
#define ENGINE_MAX_RX_USECS	1000

/* ravpn: rx-usecs N - the ESP workers' receive moderation (0: off) */
static bool cmd_engine_rx_usecs(struct conf_parser *p, const struct conf_line *l)
{
	uint32_t n;

	if (!conf_num(p, l, 3, 0, ENGINE_MAX_RX_USECS, "microseconds (0 turns it off)", &n) ||
	    !conf_end(p, l, 4))
		return false;
	p->c->rx_usecs = n ? (int)n : -1;
	return true;
}

static bool cmd_engine(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "workers", "offload", "rx-usecs", NULL };
	static const char *const off[] = { "disable", NULL };
	uint32_t n;
	int kw;

	if (!conf_kw(p, l, 2, words, &kw))
		return false;
	if (kw == 2)
		return cmd_engine_rx_usecs(p, l);
	if (kw == 1) {	/* ravpn: offload disable - no TUN TSO, UDP GSO or GRO */
		if (!conf_kw(p, l, 3, off, &kw) || !conf_end(p, l, 4))
			return false;
		p->c->offload_disable = true;
		return true;
	}
	if (!conf_num(p, l, 3, 1, ENGINE_MAX_WORKERS, "a number of ESP workers", &n) ||
	    !conf_end(p, l, 4))
		return false;
	p->c->esp_workers = (int)n;
	return true;
}

bool conf_cmd_crypto(struct conf_parser *p, const struct conf_line *l)
{
	static const char *const words[] = { "ikev1", "isakmp", "ikev2", "ipsec", "dynamic-map",
					     "map", "engine", "ca", NULL };
	int kw;

	if (!conf_kw(p, l, 1, words, &kw))
		return false;
	switch (kw) {
	case 0: return cmd_ikev1(p, l, false);
	case 1: return cmd_ikev1(p, l, true);
	case 2: return conf_crypto_ikev2(p, l);
	case 3: return conf_crypto_ipsec(p, l);
	case 4: return conf_crypto_dynamic_map(p, l);
	case 5: return conf_crypto_map(p, l);
	case 7: return conf_crypto_ca(p, l);
	default: return cmd_engine(p, l);
	}
}

unsigned conf_rx_usecs(const struct conf *c)
{
	if (c->rx_usecs < 0)
		return 0;
	return c->rx_usecs ? (unsigned)c->rx_usecs : CONF_RX_USECS_DEFAULT;
}
