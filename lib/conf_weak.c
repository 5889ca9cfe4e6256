/* Weak algorithms the operator configured on purpose.  The parser takes
 * them (a migration from an old ASA must keep working), but each one is
 * named at start-up and at every reload so it does not go unnoticed:
 * single DES (56-bit key), DH group 1 (768 bits), MD5, and ESP without
 * encryption or without authentication.  IKEv2 objects, which have no ASA
 * defaults of that age to keep quiet about, also name 3DES (64-bit block,
 * Sweet32) and DH groups 2 and 5 (1024 and 1536 bits). */
#include <stdio.h>

#include "conf.h"
#include "ipc.h"

struct weak_sink {
	char (*out)[CONF_WEAK_LEN];
	int max, n;
	char where[96];			/* the configuration object named */
};

static void weak_add(struct weak_sink *s, const char *why)
{
	if (s->n < s->max)
		snprintf(s->out[s->n], CONF_WEAK_LEN, "%s: %s", s->where, why);
	s->n++;
}

static void weak_policy(struct weak_sink *s, const struct conf_isakmp_policy *p)
{
	snprintf(s->where, sizeof s->where, "crypto ikev1 policy %d", p->priority);
	if (p->enc == IKE_ENC_DES)
		weak_add(s, "encryption des (56-bit key) is weak");
	if (p->group == 1)
		weak_add(s, "group 1 (768-bit MODP) is weak");
	if (p->hash == IKE_HASH_MD5)
		weak_add(s, "hash md5 is weak");
}

static bool esp_aead(int enc)
{
	return enc == ESP_ENC_AES_GCM_16 || enc == ESP_ENC_CHACHA20_POLY1305;
}

static void weak_tset(struct weak_sink *s, const struct conf_transform_set *t)
{
	snprintf(s->where, sizeof s->where, "transform-set %.60s", t->name);
	if (t->enc == ESP_ENC_DES)
		weak_add(s, "esp-des (56-bit key) is weak");
	if (t->enc == ESP_ENC_NULL)
		weak_add(s, "esp-null sends traffic unencrypted");
	if (t->auth == ESP_AUTH_HMAC_MD5)
		weak_add(s, "esp-md5-hmac is weak");
	if (t->auth == ESP_AUTH_NONE && !esp_aead(t->enc))
		weak_add(s, "esp-none leaves traffic unauthenticated");
}

static const char *weak_group(int group)
{
	switch (group) {
	case 1: return "group 1 (768-bit MODP) is weak";
	case 2: return "group 2 (1024-bit MODP) is weak";
	case 5: return "group 5 (1536-bit MODP) is weak";
	default: return NULL;
	}
}

static void weak_v2policy(struct weak_sink *s, const struct conf_ikev2_policy *p)
{
	snprintf(s->where, sizeof s->where, "crypto ikev2 policy %d", p->priority);
	for (int k = 0; k < p->n_encs; k++)
		if (p->encs[k] == V2_ENCR_3DES)
			weak_add(s, "encryption 3des (64-bit block) is weak");
	for (int k = 0; k < p->n_groups; k++)
		if (weak_group(p->groups[k]))
			weak_add(s, weak_group(p->groups[k]));
}

static void weak_v2prop(struct weak_sink *s, const struct conf_ipsec_proposal *p)
{
	snprintf(s->where, sizeof s->where, "ipsec-proposal %.60s", p->name);
	for (int k = 0; k < p->n_encs; k++) {
		if (p->encs[k] == ESP_ENC_DES)
			weak_add(s, "encryption des (56-bit key) is weak");
		if (p->encs[k] == ESP_ENC_3DES)
			weak_add(s, "encryption 3des (64-bit block) is weak");
		if (p->encs[k] == ESP_ENC_NULL)
			weak_add(s, "encryption null sends traffic unencrypted");
	}
	for (int k = 0; k < p->n_integs; k++)
		if (p->integs[k] == ESP_AUTH_HMAC_MD5)
			weak_add(s, "integrity md5 is weak");
}

/* d: a dynamic-map entry, or a static crypto map entry's p2 (which holds
 * the entry's name and seq too). */
static void weak_pfs(struct weak_sink *s, const char *kind, const struct conf_dynamic_map *d)
{
	snprintf(s->where, sizeof s->where, "%s %.60s %d", kind, d->name, d->seq);
	if (d->pfs_group == 1)
		weak_add(s, "set pfs group1 (768-bit MODP) is weak");
}

int conf_weak_algorithms(const struct conf *c, char (*out)[CONF_WEAK_LEN], int max)
{
	struct weak_sink s = { .out = out, .max = max };

	for (int i = 0; i < c->n_policies; i++)
		weak_policy(&s, &c->policies[i]);
	for (int i = 0; i < c->n_tsets; i++)
		weak_tset(&s, &c->tsets[i]);
	for (int i = 0; i < c->n_v2policies; i++)
		weak_v2policy(&s, &c->v2policies[i]);
	for (int i = 0; i < c->n_v2props; i++)
		weak_v2prop(&s, &c->v2props[i]);
	for (int i = 0; i < c->n_dynmaps; i++)
		weak_pfs(&s, "crypto dynamic-map", &c->dynmaps[i]);
	for (int i = 0; i < c->n_cmaps; i++)	/* static (LAN-to-LAN) entries */
		if (!c->cmaps[i].dynamic[0])
			weak_pfs(&s, "crypto map", &c->cmaps[i].p2);
	return s.n;
}
