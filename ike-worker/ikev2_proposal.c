/* IKEv2 SA payloads (RFC 7296 3.3): reading the client's proposals,
 * choosing one against `crypto ikev2 policy` (IKE SA) or the dynamic
 * maps' `ipsec-proposal`s (ESP), and writing the chosen one back.
 *
 * A proposal is accepted when, for every transform type it lists, one of
 * its transforms is configured; the client's order of proposals and
 * transforms wins, as in strongSwan's and the ASA's responders. */
#include <string.h>

#include "ike.h"
#include "ipc.h"

#define V2_MAX_TF	16	/* transforms of one type we look at */

struct v2_tf {
	uint16_t id;
	uint16_t key_bits;		/* 0: no key length attribute */
};

/* One proposal's transforms, by type (index = transform type). */
struct v2_prop {
	uint8_t num, proto, spi_size;
	uint32_t spi;			/* ESP: 4-byte SPI, host order */
	uint8_t ike_spi[8];		/* IKE SA rekey: the new SA's SPIi */
	struct v2_tf tf[V2_TF_ESN + 1][V2_MAX_TF];
	int n[V2_TF_ESN + 1];
};

static bool read_transform(struct rbuf *r, struct v2_prop *p)
{
	uint8_t more, res, type, res2;
	uint16_t tlen, id;
	struct rbuf a;
	struct v1_attr at;
	struct v2_tf t = { 0 };

	if (!rbuf_u8(r, &more) || !rbuf_u8(r, &res) || !rbuf_u16(r, &tlen) || tlen < 8 ||
	    !rbuf_sub(r, tlen - 4u, &a) || !rbuf_u8(&a, &type) || !rbuf_u8(&a, &res2) ||
	    !rbuf_u16(&a, &id))
		return false;
	t.id = id;
	while (v1_next_attr(&a, &at))
		if (at.type == V2_ATTR_KEY_LENGTH && at.tv)
			t.key_bits = (uint16_t)at.num;
	if (!rbuf_ok(&a))
		return false;
	if (type >= 1 && type <= V2_TF_ESN && p->n[type] < V2_MAX_TF)
		p->tf[type][p->n[type]++] = t;
	return true;	/* unknown transform types make the proposal unacceptable below */
}

static bool read_proposal(struct rbuf *r, struct v2_prop *p, bool *last)
{
	uint8_t more, res, n_tf;
	uint16_t plen;
	struct rbuf b;

	memset(p, 0, sizeof *p);
	if (!rbuf_u8(r, &more) || !rbuf_u8(r, &res) || !rbuf_u16(r, &plen) || plen < 8 ||
	    !rbuf_sub(r, plen - 4u, &b) || !rbuf_u8(&b, &p->num) || !rbuf_u8(&b, &p->proto) ||
	    !rbuf_u8(&b, &p->spi_size) || !rbuf_u8(&b, &n_tf))
		return false;
	*last = more == 0;
	if (p->spi_size == 4 && !rbuf_u32(&b, &p->spi))
		return false;
	if (p->spi_size == 8 && !rbuf_copy(&b, p->ike_spi, 8))
		return false;
	if (p->spi_size != 4 && p->spi_size != 8 && !rbuf_skip(&b, p->spi_size))
		return false;
	for (int i = 0; i < n_tf; i++)
		if (!read_transform(&b, p))
			return false;
	return true;
}

static bool int_in(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* The first encryption transform of p that the lists allow (AES needs its
 * key length); -1 if none. */
static int pick_encr(const struct v2_prop *p, const int *encs, const int *bits, int n)
{
	for (int i = 0; i < p->n[V2_TF_ENCR]; i++)
		for (int k = 0; k < n; k++)
			if (p->tf[V2_TF_ENCR][i].id == encs[k] &&
			    p->tf[V2_TF_ENCR][i].key_bits == bits[k])
				return i;
	return -1;
}

static int pick_id(const struct v2_prop *p, int type, const int *ids, int n)
{
	for (int i = 0; i < p->n[type]; i++)
		if (int_in(ids, n, p->tf[type][i].id))
			return p->tf[type][i].id;
	return -1;
}

/* Our SK payload does AES-CBC, and dh_* the groups it knows. */
static bool policy_fits(const struct conf_ikev2_policy *q, const struct v2_prop *p,
			int ke_group, struct v2_ike_choice *out)
{
	int e = pick_encr(p, q->encs, q->enc_bits, q->n_encs);
	int groups[CONF_V2_ALGS], ng = 0;

	for (int i = 0; i < q->n_groups; i++)
		if (dh_pub_len(q->groups[i]))
			groups[ng++] = q->groups[i];
	if (e < 0 || p->tf[V2_TF_ENCR][e].id != V2_ENCR_AES_CBC)
		return false;
	out->encr = V2_ENCR_AES_CBC;
	out->key_bits = p->tf[V2_TF_ENCR][e].key_bits;
	out->prf = pick_id(p, V2_TF_PRF, q->prfs, q->n_prfs);
	out->integ = pick_id(p, V2_TF_INTEG, q->integs, q->n_integs);
	out->dh = pick_id(p, V2_TF_DH, &ke_group, 1) > 0 && int_in(groups, ng, ke_group) ?
		  ke_group : pick_id(p, V2_TF_DH, groups, ng);	/* the KE's group if we can */
	out->prop_num = p->num;
	out->lifetime = q->lifetime;
	return out->prf > 0 && out->integ > 0 && out->dh > 0;
}

bool v2_select_ike(const uint8_t *sa_body, size_t len, const struct conf *c, int ke_group,
		   struct v2_ike_choice *out)
{
	static struct v2_prop p;
	struct rbuf r;
	bool last = false;

	rbuf_init(&r, sa_body, len);
	while (!last && read_proposal(&r, &p, &last)) {
		if (p.proto != PROTO_ISAKMP || p.n[V2_TF_ESN])
			continue;
		for (int i = 0; i < c->n_v2policies; i++)
			if (policy_fits(&c->v2policies[i], &p, ke_group, out)) {
				out->has_spi = p.spi_size == 8;
				memcpy(out->spi, p.ike_spi, 8);
				return true;
			}
	}
	return false;
}

/* IKEv2 ESP integrity ids against enum esp_auth (ipc.h). */
static int esp_auth_of(int v2_integ)
{
	switch (v2_integ) {
	case 1: return ESP_AUTH_HMAC_MD5;
	case V2_AUTH_HMAC_SHA1_96: return ESP_AUTH_HMAC_SHA1;
	case V2_AUTH_HMAC_SHA2_256_128: return ESP_AUTH_HMAC_SHA256;
	case V2_AUTH_HMAC_SHA2_384_192: return ESP_AUTH_HMAC_SHA384;
	case V2_AUTH_HMAC_SHA2_512_256: return ESP_AUTH_HMAC_SHA512;
	default: return -1;
	}
}

static int v2_integ_of(int esp_auth)
{
	for (int id = 1; id <= V2_AUTH_HMAC_SHA2_512_256; id++)
		if (esp_auth_of(id) == esp_auth)
			return id;
	return 0;
}

static bool aead(int enc)
{
	return enc == ESP_ENC_AES_GCM_16 || enc == ESP_ENC_CHACHA20_POLY1305;
}

/* ESN: we do not offer extended sequence numbers here, so the client
 * must allow "no ESN" (or say nothing). */
static bool esn_ok(const struct v2_prop *p)
{
	for (int i = 0; i < p->n[V2_TF_ESN]; i++)
		if (p->tf[V2_TF_ESN][i].id == 0)
			return true;
	return p->n[V2_TF_ESN] == 0;
}

/* PFS (CREATE_CHILD_SA): the KE's group when the proposal lists it, else
 * none when the proposal allows none.  ke_group -1: IKE_AUTH, whose child
 * takes its keys from the IKE SA's exchange (DH transforms do not apply). */
static bool pfs_ok(const struct v2_prop *p, int ke_group, struct v2_esp_choice *out)
{
	out->dh = 0;
	if (ke_group < 0 || p->n[V2_TF_DH] == 0)
		return ke_group <= 0;
	for (int i = 0; i < p->n[V2_TF_DH]; i++)
		if (ke_group > 0 && p->tf[V2_TF_DH][i].id == ke_group && dh_pub_len(ke_group)) {
			out->dh = ke_group;
			return true;
		}
	for (int i = 0; i < p->n[V2_TF_DH]; i++)
		if (ke_group == 0 && p->tf[V2_TF_DH][i].id == 0)
			return true;
	return false;
}

static bool esp_fits(const struct conf_ipsec_proposal *q, const struct v2_prop *p,
		     int ke_group, struct v2_esp_choice *out)
{
	int e = pick_encr(p, q->encs, q->enc_bits, q->n_encs);

	if (e < 0 || !esn_ok(p) || !pfs_ok(p, ke_group, out))
		return false;
	out->enc = p->tf[V2_TF_ENCR][e].id;
	out->key_bits = p->tf[V2_TF_ENCR][e].key_bits;
	out->auth = ESP_AUTH_NONE;
	if (aead(out->enc) || p->n[V2_TF_INTEG] == 0)
		return aead(out->enc) && int_in(q->integs, q->n_integs, ESP_AUTH_NONE);
	for (int i = 0; i < p->n[V2_TF_INTEG]; i++) {
		int a = esp_auth_of(p->tf[V2_TF_INTEG][i].id);

		if (a > 0 && int_in(q->integs, q->n_integs, a)) {
			out->auth = a;
			return true;
		}
	}
	return false;
}

static bool esp_fits_maps(const struct conf *c, const struct v2_prop *p, int ke_group,
			  struct v2_esp_choice *out)
{
	for (int i = 0; i < c->n_dynmaps; i++)
		for (int k = 0; k < c->dynmaps[i].n_v2_props; k++) {
			const struct conf_ipsec_proposal *q =
				conf_ipsec_proposal(c, c->dynmaps[i].v2_props[k]);

			if (q && esp_fits(q, p, ke_group, out)) {
				out->lifetime = conf_p2_lifetime_sec(c, &c->dynmaps[i]);
				out->lifetime_kb = conf_p2_lifetime_kb(c, &c->dynmaps[i]);
				return true;
			}
		}
	return false;
}

bool v2_select_esp(const uint8_t *sa_body, size_t len, const struct conf *c, int ke_group,
		   struct v2_esp_choice *out)
{
	static struct v2_prop p;
	struct rbuf r;
	bool last = false;

	rbuf_init(&r, sa_body, len);
	while (!last && read_proposal(&r, &p, &last)) {
		if (p.proto != PROTO_ESP || p.spi_size != 4 || p.spi < 256)
			continue;
		if (esp_fits_maps(c, &p, ke_group, out)) {
			out->prop_num = p.num;
			out->spi_out = p.spi;
			return true;
		}
	}
	return false;
}

static void put_transform(struct v1_out *o, bool more, uint8_t type, uint16_t id, int key_bits)
{
	size_t s = o->w.len;

	wbuf_u8(&o->w, more ? 3 : 0);
	wbuf_u8(&o->w, 0);
	wbuf_u16(&o->w, 0);
	wbuf_u8(&o->w, type);
	wbuf_u8(&o->w, 0);
	wbuf_u16(&o->w, id);
	if (key_bits)
		v1_out_attr16(o, V2_ATTR_KEY_LENGTH, (uint16_t)key_bits);
	wbuf_put_u16_at(&o->w, s + 2, (uint16_t)(o->w.len - s));
}

/* One proposal in one SA payload; the transforms are written by fill. */
static void put_proposal(struct v1_out *o, uint8_t num, uint8_t proto, const uint32_t *spi,
			 uint8_t n_tf, size_t *prop_off)
{
	*prop_off = o->w.len;
	wbuf_u8(&o->w, 0);	/* last proposal */
	wbuf_u8(&o->w, 0);
	wbuf_u16(&o->w, 0);
	wbuf_u8(&o->w, num);
	wbuf_u8(&o->w, proto);
	wbuf_u8(&o->w, spi ? 4 : 0);
	wbuf_u8(&o->w, n_tf);
	if (spi)
		wbuf_u32(&o->w, *spi);
}

void v2_build_ike_sa(struct v1_out *o, const struct v2_ike_choice *ch, const uint8_t *spi)
{
	size_t s = v1_out_open(o, V2_PL_SA), p;

	put_proposal(o, ch->prop_num, PROTO_ISAKMP, NULL, 4, &p);
	if (spi) {	/* an IKE SA rekey names the new SA's SPI (8 bytes) */
		wbuf_put_u8_at(&o->w, p + 6, 8);
		wbuf_bytes(&o->w, spi, 8);
	}
	put_transform(o, true, V2_TF_ENCR, (uint16_t)ch->encr, ch->key_bits);
	put_transform(o, true, V2_TF_PRF, (uint16_t)ch->prf, 0);
	put_transform(o, true, V2_TF_INTEG, (uint16_t)ch->integ, 0);
	put_transform(o, false, V2_TF_DH, (uint16_t)ch->dh, 0);
	wbuf_put_u16_at(&o->w, p + 2, (uint16_t)(o->w.len - p));
	v1_out_close(o, s);
}

void v2_build_esp_sa(struct v1_out *o, const struct v2_esp_choice *ch, uint32_t spi_in)
{
	size_t s = v1_out_open(o, V2_PL_SA), p;
	bool integ = ch->auth != ESP_AUTH_NONE;

	put_proposal(o, ch->prop_num, PROTO_ESP, &spi_in, (uint8_t)(2 + integ + (ch->dh > 0)), &p);
	put_transform(o, true, V2_TF_ENCR, (uint16_t)ch->enc, ch->key_bits);
	if (integ)
		put_transform(o, true, V2_TF_INTEG, (uint16_t)v2_integ_of(ch->auth), 0);
	if (ch->dh > 0)
		put_transform(o, true, V2_TF_DH, (uint16_t)ch->dh, 0);
	put_transform(o, false, V2_TF_ESN, 0, 0);
	wbuf_put_u16_at(&o->w, p + 2, (uint16_t)(o->w.len - p));
	v1_out_close(o, s);
}
