#include "proposal.h"

#include <string.h>

#include "crypto.h"
#include "ipc.h"
#include "log.h"

#define DOI_IPSEC	1
#define SIT_IDENTITY	1
#define KEY_IKE		1

/* Reads DOI and situation; leaves r at the first proposal. */
static bool sa_header(struct rbuf *r, const uint8_t *body, size_t len)
{
	uint32_t doi, sit;

	rbuf_init(r, body, len);
	return rbuf_u32(r, &doi) && rbuf_u32(r, &sit) && doi == DOI_IPSEC && sit == SIT_IDENTITY;
}

/* One proposal or transform substructure: generic header + body. */
static bool substruct(struct rbuf *r, uint8_t *next, struct rbuf *body, const uint8_t **raw,
		      size_t *raw_len)
{
	uint8_t res;
	uint16_t len;

	*raw = rbuf_cur(r);
	if (!rbuf_u8(r, next) || !rbuf_u8(r, &res) || !rbuf_u16(r, &len) || len < 4)
		return false;
	*raw_len = len;
	return rbuf_sub(r, len - 4u, body);
}

/* ---- phase 1 ---- */

static bool p1_read_attrs(struct rbuf *r, struct p1_choice *t)
{
	struct v1_attr a;
	uint32_t life_type = 0;

	t->lifetime = 86400;
	while (v1_next_attr(r, &a)) {
		switch (a.type) {
		case P1_ENC: t->enc = (int)a.num; break;
		case P1_HASH: t->hash = (int)a.num; break;
		case P1_AUTH: t->auth = (int)a.num; break;
		case P1_GROUP: t->group = (int)a.num; break;
		case P1_KEY_LENGTH: t->key_bits = (int)a.num; break;
		case P1_LIFE_TYPE: life_type = a.num; break;
		case P1_LIFE_DURATION:
			if (life_type == 1 && a.num)
				t->lifetime = a.num;
			break;
		default:
			break;
		}
	}
	return rbuf_ok(r);
}

/* The policy's `authentication` a client's method needs (XAUTH variants
 * are the same method plus XAUTH); 0 for methods ravpn does not do. */
static int p1_auth_class(int auth)
{
	if (auth == IKE_AUTH_PSK || auth == AUTH_XAUTH_INIT_PSK)
		return IKE_AUTH_PSK;
	if (auth == IKE_AUTH_RSA_SIG || auth == AUTH_XAUTH_INIT_RSA)
		return IKE_AUTH_RSA_SIG;
	return 0;
}

static const struct conf_isakmp_policy *p1_policy(const struct conf *c, const struct p1_choice *t)
{
	int auth = p1_auth_class(t->auth);
	int bits = t->enc == IKE_ENC_AES ? (t->key_bits ? t->key_bits : 128) : 0;

	for (int i = 0; i < c->n_policies; i++) {
		const struct conf_isakmp_policy *p = &c->policies[i];
		int pbits = p->enc == IKE_ENC_AES ? (p->key_bits ? p->key_bits : 128) : 0;

		if (p->enc == t->enc && pbits == bits && p->hash == t->hash &&
		    p->group == t->group && auth && p->auth == auth)
			return p;
	}
	return NULL;
}

static bool p1_try_transform(const struct conf *c, struct rbuf *body, const uint8_t *raw,
			     size_t raw_len, struct p1_choice *out)
{
	struct p1_choice t = { 0 };
	uint8_t num, id;
	uint16_t res;
	const struct conf_isakmp_policy *p;

	if (!rbuf_u8(body, &num) || !rbuf_u8(body, &id) || !rbuf_u16(body, &res) ||
	    id != KEY_IKE || !p1_read_attrs(body, &t))
		return false;
	p = p1_policy(c, &t);
	/* A policy may name a group the parser knows but dh_* cannot do yet. */
	if (!p || !dh_pub_len(t.group) || raw_len > sizeof t.tf)
		return false;
	if (t.enc == IKE_ENC_AES && !t.key_bits)
		t.key_bits = 128;
	if (t.lifetime > p->lifetime)
		t.lifetime = p->lifetime;
	memcpy(t.tf, raw, raw_len);
	t.tf[0] = 0;		/* the only transform of our reply */
	t.tf_len = raw_len;
	t.prop_num = out->prop_num;
	*out = t;
	return true;
}

bool prop_select_p1(const uint8_t *sa_body, size_t len, const struct conf *c,
		    struct p1_choice *out)
{
	struct rbuf r, prop, tf;
	uint8_t next, num, proto, spi_size, n_tf;
	const uint8_t *raw;
	size_t raw_len;

	memset(out, 0, sizeof *out);
	if (!sa_header(&r, sa_body, len) || !substruct(&r, &next, &prop, &raw, &raw_len))
		return false;
	if (!rbuf_u8(&prop, &num) || !rbuf_u8(&prop, &proto) || !rbuf_u8(&prop, &spi_size) ||
	    !rbuf_u8(&prop, &n_tf) || proto != PROTO_ISAKMP || !rbuf_skip(&prop, spi_size))
		return false;
	out->prop_num = num;
	for (int i = 0; i < n_tf && rbuf_left(&prop); i++) {
		if (!substruct(&prop, &next, &tf, &raw, &raw_len))
			return false;
		if (p1_try_transform(c, &tf, raw, raw_len, out))
			return true;
	}
	return false;
}

/* One proposal substructure holding one transform; more: another
 * proposal follows. */
static void sa_proposal(struct wbuf *w, bool more, uint8_t prop_num, uint8_t proto,
			const uint32_t *spi, const uint8_t *tf, size_t tf_len)
{
	size_t prop = w->len;

	wbuf_u8(w, more ? PL_PROPOSAL : 0);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, prop_num);
	wbuf_u8(w, proto);
	wbuf_u8(w, spi ? 4 : 0);
	wbuf_u8(w, 1);
	if (spi)
		wbuf_u32(w, *spi);
	wbuf_bytes(w, tf, tf_len);
	wbuf_put_u16_at(w, prop + 2, (uint16_t)(w->len - prop));
}

/* An SA payload with one proposal holding one transform (tf: its
 * substructure, generic header included); spi NULL for ISAKMP. */
void prop_build_sa(struct v1_out *o, uint8_t prop_num, uint8_t proto, const uint32_t *spi,
		   const uint8_t *tf, size_t tf_len)
{
	size_t sa = v1_out_open(o, PL_SA);

	wbuf_u32(&o->w, DOI_IPSEC);
	wbuf_u32(&o->w, SIT_IDENTITY);
	sa_proposal(&o->w, false, prop_num, proto, spi, tf, tf_len);
	v1_out_close(o, sa);
}

/* Alternatives as an ASA offers its transform sets: proposal i+1 holds
 * transform i, all with the same SPI.  Proposals of different numbers
 * are alternatives (RFC 2408 4.2), the responder answers with one. */
void prop_build_p2_offer(struct v1_out *o, uint32_t spi, const uint8_t *const *tfs,
			 const size_t *tf_lens, int n)
{
	size_t sa = v1_out_open(o, PL_SA);

	wbuf_u32(&o->w, DOI_IPSEC);
	wbuf_u32(&o->w, SIT_IDENTITY);
	for (int i = 0; i < n; i++)
		sa_proposal(&o->w, i + 1 < n, (uint8_t)(i + 1), PROTO_ESP, &spi, tfs[i],
			    tf_lens[i]);
	v1_out_close(o, sa);
}

void prop_build_p1_reply(struct v1_out *o, const struct p1_choice *ch)
{
	prop_build_sa(o, ch->prop_num, PROTO_ISAKMP, NULL, ch->tf, ch->tf_len);
}

/* ---- phase 2 ---- */

/* Key material per SA: AEAD ciphers take a 4-byte salt after the key
 * (RFC 4106 section 8.1, RFC 7634 section 2). */
size_t prop_esp_key_len(int enc, int key_bits)
{
	switch (enc) {
	case ESP_ENC_AES_CBC: return (size_t)(key_bits ? key_bits : 128) / 8;
	case ESP_ENC_AES_GCM_16: return (size_t)(key_bits ? key_bits : 128) / 8 + 4;
	case ESP_ENC_CHACHA20_POLY1305: return 32 + 4;
	case ESP_ENC_3DES: return 24;
	case ESP_ENC_DES: return 8;
	case ESP_ENC_NULL: return 0;
	default: return SIZE_MAX;
	}
}

size_t prop_esp_auth_len(int auth)
{
	switch (auth) {
	case ESP_AUTH_HMAC_SHA1: return 20;
	case ESP_AUTH_HMAC_MD5: return 16;
	case ESP_AUTH_HMAC_SHA256: return 32;
	case ESP_AUTH_HMAC_SHA384: return 48;
	case ESP_AUTH_HMAC_SHA512: return 64;
	case ESP_AUTH_NONE: return 0;
	default: return SIZE_MAX;
	}
}

static bool p2_read_attrs(struct rbuf *r, struct p2_choice *t)
{
	struct v1_attr a;
	uint32_t life_type = 0;

	t->lifetime = 28800;
	while (v1_next_attr(r, &a)) {
		switch (a.type) {
		case P2_LIFE_TYPE: life_type = a.num; break;
		case P2_LIFE_DURATION:
			if (life_type == 1 && a.num)
				t->lifetime = a.num;
			else if (life_type == 2)
				t->lifetime_kb = a.num;
			break;
		case P2_GROUP: t->group = (int)a.num; break;
		case P2_ENCAP: t->encap_mode = (uint16_t)a.num; break;
		case P2_AUTH: t->auth = (int)a.num; break;
		case P2_KEY_LENGTH: t->key_bits = (int)a.num; break;
		default: break;
		}
	}
	return rbuf_ok(r);
}

/* Transform sets of every dynamic map, in map order. */
static bool has_key_bits(int enc)
{
	return enc == ESP_ENC_AES_CBC || enc == ESP_ENC_AES_GCM_16;
}

/* PFS as seed 000 gives it: a map entry with `set pfs groupN` needs that
 * group in the client's offer; one without accepts any offer. */
static bool p2_pfs_ok(const struct conf_dynamic_map *dm, struct p2_choice *t)
{
	if (!dm->pfs_group || dm->pfs_group == t->group)
		return true;
	t->pfs_mismatch = true;
	return false;
}

/* The map entry's lifetimes (else the global ones) cap the client's (seed
 * 000: the shorter wins).  A client that proposed no kilobyte lifetime
 * gets ours without a RESPONDER-LIFETIME: ravpn enforces it by rekeying. */
static void p2_lifetime(const struct conf *c, const struct conf_dynamic_map *dm,
			struct p2_choice *t)
{
	uint32_t sec = conf_p2_lifetime_sec(c, dm), kb = conf_p2_lifetime_kb(c, dm);

	if (sec && t->lifetime > sec) {
		t->lifetime = sec;
		t->lifetime_lowered = true;
	}
	if (kb && !t->lifetime_kb) {
		t->lifetime_kb = kb;
	} else if (kb && t->lifetime_kb > kb) {
		t->lifetime_kb = kb;
		t->lifetime_kb_lowered = true;
	}
}

static bool p2_allowed(const struct conf *c, struct p2_choice *t)
{
	int bits = has_key_bits(t->enc) ? (t->key_bits ? t->key_bits : 128) : 0;

	for (int m = 0; m < c->n_dynmaps; m++)
		for (int i = 0; i < c->dynmaps[m].n_tsets; i++) {
			const struct conf_transform_set *ts =
				conf_transform_set(c, c->dynmaps[m].tsets[i]);
			int tbits;

			if (!ts)
				continue;
			tbits = has_key_bits(ts->enc) ? (ts->key_bits ? ts->key_bits : 128) : 0;
			/* a tunnel-only set refuses transport and vice versa */
			if (ts->enc == t->enc && tbits == bits && ts->auth == t->auth &&
			    ts->transport == t->transport && p2_pfs_ok(&c->dynmaps[m], t)) {
				p2_lifetime(c, &c->dynmaps[m], t);
				return true;
			}
		}
	return false;
}

static bool p2_tunnel_mode(uint16_t m)
{
	return m == ENCAP_MODE_TUNNEL || m == ENCAP_MODE_UDP_TUNNEL ||
	       m == ENCAP_MODE_UDP_TUNNEL_DRAFT;
}

bool prop_transport_mode(uint16_t m)
{
	return m == ENCAP_MODE_TRANSPORT || m == ENCAP_MODE_UDP_TRANSPORT ||
	       m == ENCAP_MODE_UDP_TRANSPORT_DRAFT;
}

static bool p2_try_transform(const struct conf *c, struct rbuf *body, const uint8_t *raw,
			     size_t raw_len, struct p2_choice *t)
{
	uint8_t num, id;
	uint16_t res;

	if (!rbuf_u8(body, &num) || !rbuf_u8(body, &id) || !rbuf_u16(body, &res) ||
	    !p2_read_attrs(body, t))
		return false;
	t->enc = id;
	if ((t->enc == ESP_ENC_AES_CBC || t->enc == ESP_ENC_AES_GCM_16) && !t->key_bits)
		t->key_bits = 128;
	t->transport = prop_transport_mode(t->encap_mode);
	/* A PFS group we cannot compute is not chosen (NO-PROPOSAL-CHOSEN),
	 * rather than failing later in qm_pfs without an answer. */
	if (!(p2_tunnel_mode(t->encap_mode) || t->transport) || (t->group && !dh_pub_len(t->group)) ||
	    !p2_allowed(c, t) || raw_len > sizeof t->tf ||
	    prop_esp_key_len(t->enc, t->key_bits) == SIZE_MAX ||
	    prop_esp_auth_len(t->auth) == SIZE_MAX)
		return false;
	memcpy(t->tf, raw, raw_len);
	t->tf[0] = 0;
	t->tf_len = raw_len;
	return true;
}

static bool p2_try_proposal(const struct conf *c, struct rbuf *prop, struct p2_choice *out)
{
	uint8_t num, proto, spi_size, n_tf, next;
	struct rbuf tf;
	const uint8_t *raw;
	size_t raw_len;

	if (!rbuf_u8(prop, &num) || !rbuf_u8(prop, &proto) || !rbuf_u8(prop, &spi_size) ||
	    !rbuf_u8(prop, &n_tf) || proto != PROTO_ESP || spi_size != 4 ||
	    !rbuf_u32(prop, &out->spi_out))
		return false;
	out->prop_num = num;
	for (int i = 0; i < n_tf && rbuf_left(prop); i++) {
		struct p2_choice t = *out;

		if (!substruct(prop, &next, &tf, &raw, &raw_len))
			return false;
		if (p2_try_transform(c, &tf, raw, raw_len, &t)) {
			*out = t;
			return true;
		}
		out->pfs_mismatch |= t.pfs_mismatch;
	}
	return false;
}

bool prop_select_p2(const uint8_t *sa_body, size_t len, const struct conf *c,
		    struct p2_choice *out)
{
	struct rbuf r, prop;
	uint8_t next = PL_PROPOSAL;
	const uint8_t *raw;
	size_t raw_len;

	memset(out, 0, sizeof *out);
	if (!sa_header(&r, sa_body, len))
		return false;
	while (next == PL_PROPOSAL && rbuf_left(&r)) {
		struct p2_choice t = { 0 };

		if (!substruct(&r, &next, &prop, &raw, &raw_len))
			return false;
		if (p2_try_proposal(c, &prop, &t)) {
			*out = t;
			return true;
		}
		out->pfs_mismatch |= t.pfs_mismatch;
	}
	return false;
}

/* The responder's answer to our quick mode: exactly one ESP proposal with
 * one transform (RFC 2408 4.2), read into out (spi_out: its SPI, the
 * algorithms and encapsulation as it chose them). */
bool prop_read_p2_answer(const uint8_t *sa_body, size_t len, struct p2_choice *out)
{
	struct rbuf r, prop, tf;
	uint8_t next, num, proto, spi_size, n_tf, id;
	uint16_t res;
	const uint8_t *raw;
	size_t raw_len;

	memset(out, 0, sizeof *out);
	if (!sa_header(&r, sa_body, len) || !substruct(&r, &next, &prop, &raw, &raw_len) ||
	    next != 0)
		return false;
	if (!rbuf_u8(&prop, &out->prop_num) || !rbuf_u8(&prop, &proto) ||
	    !rbuf_u8(&prop, &spi_size) || !rbuf_u8(&prop, &n_tf) || proto != PROTO_ESP ||
	    spi_size != 4 || n_tf != 1 || !rbuf_u32(&prop, &out->spi_out) ||
	    !substruct(&prop, &next, &tf, &raw, &raw_len))
		return false;
	if (!rbuf_u8(&tf, &num) || !rbuf_u8(&tf, &id) || !rbuf_u16(&tf, &res) ||
	    !p2_read_attrs(&tf, out))
		return false;
	out->enc = id;
	if (has_key_bits(out->enc) && !out->key_bits)
		out->key_bits = 128;
	out->transport = prop_transport_mode(out->encap_mode);
	return true;
}

void prop_build_p2_reply(struct v1_out *o, const struct p2_choice *ch, uint32_t spi_in)
{
	prop_build_sa(o, ch->prop_num, PROTO_ESP, &spi_in, ch->tf, ch->tf_len);
}

const char *prop_esp_enc_name(int enc, int key_bits)
{
	switch (enc) {
	case ESP_ENC_AES_CBC:
		return key_bits == 256 ? "AES256" : key_bits == 192 ? "AES192" : "AES128";
	case ESP_ENC_AES_GCM_16:
		return key_bits == 256 ? "AES-GCM-256" : key_bits == 192 ? "AES-GCM-192" :
					 "AES-GCM-128";
	case ESP_ENC_CHACHA20_POLY1305: return "CHACHA20-POLY1305";
	case ESP_ENC_3DES: return "3DES";
	case ESP_ENC_DES: return "DES";
	case ESP_ENC_NULL: return "NULL";
	default: return "?";
	}
}

const char *prop_esp_auth_name(int auth)
{
	switch (auth) {
	case ESP_AUTH_HMAC_SHA1: return "SHA1";
	case ESP_AUTH_HMAC_MD5: return "MD5";
	case ESP_AUTH_HMAC_SHA256: return "SHA256";
	case ESP_AUTH_HMAC_SHA384: return "SHA384";
	case ESP_AUTH_HMAC_SHA512: return "SHA512";
	case ESP_AUTH_NONE: return "NONE";
	default: return "?";
	}
}
