/* Main mode, initiator side (RFC 2409 5.4 with a pre-shared key), for
 * LAN-to-LAN peers named by a static crypto map entry:
 *   1  HDR, SA [, VID...]               us -> peer
 *   2  HDR, SA [, VID...]               peer -> us
 *   3  HDR, KE, Ni [, NAT-D]            us -> peer
 *   4  HDR, KE, Nr [, NAT-D]            peer -> us
 *   5  HDR*, IDii, HASH_I               us -> peer
 *   6  HDR*, IDir, HASH_R               peer -> us
 * The SA offers every `crypto ikev1 policy` with pre-shared keys, in
 * priority order; master computes SKEYID from the tunnel-group's key as
 * for the responder (the key never enters this process).  Our messages
 * are resent until the answer comes. */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"

#define MI_RETRY_MS	2000
#define MI_TRIES	4
#define KEY_IKE		1
#define DOI_IPSEC	1
#define SIT_IDENTITY	1

/* One transform of our phase 1 offer: a policy's algorithms. */
static void mi_transform(struct wbuf *w, const struct conf_isakmp_policy *p, int num, bool last)
{
	size_t t = w->len;

	wbuf_u8(w, last ? 0 : PL_TRANSFORM);
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, (uint8_t)num);
	wbuf_u8(w, KEY_IKE);
	wbuf_u16(w, 0);
	wbuf_u16(w, 0x8000 | P1_ENC);
	wbuf_u16(w, (uint16_t)p->enc);
	if (p->enc == IKE_ENC_AES) {
		wbuf_u16(w, 0x8000 | P1_KEY_LENGTH);
		wbuf_u16(w, (uint16_t)(p->key_bits ? p->key_bits : 128));
	}
	wbuf_u16(w, 0x8000 | P1_HASH);
	wbuf_u16(w, (uint16_t)p->hash);
	wbuf_u16(w, 0x8000 | P1_AUTH);
	wbuf_u16(w, IKE_AUTH_PSK);
	wbuf_u16(w, 0x8000 | P1_GROUP);
	wbuf_u16(w, (uint16_t)p->group);
	wbuf_u16(w, 0x8000 | P1_LIFE_TYPE);
	wbuf_u16(w, 1);				/* seconds */
	wbuf_u16(w, P1_LIFE_DURATION);
	wbuf_u16(w, 4);
	wbuf_u32(w, p->lifetime);
	wbuf_put_u16_at(w, t + 2, (uint16_t)(w->len - t));
}

/* SA body: DOI, situation, one ISAKMP proposal with a transform per
 * pre-shared-key policy we can compute.  Returns the body length. */
static size_t mi_sa_body(uint8_t *buf, size_t cap)
{
	const struct conf *c = &ike.c.conf;
	struct wbuf w;
	size_t prop;
	int n = 0, last = -1;

	for (int i = 0; i < c->n_policies; i++)
		if (c->policies[i].auth == IKE_AUTH_PSK && dh_pub_len(c->policies[i].group))
			last = i;
	wbuf_init(&w, buf, cap);
	wbuf_u32(&w, DOI_IPSEC);
	wbuf_u32(&w, SIT_IDENTITY);
	prop = w.len;
	wbuf_u8(&w, 0);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, 0);
	wbuf_u8(&w, 1);
	wbuf_u8(&w, PROTO_ISAKMP);
	wbuf_u8(&w, 0);
	wbuf_u8(&w, 0);				/* transform count, below */
	for (int i = 0; i <= last; i++)
		if (c->policies[i].auth == IKE_AUTH_PSK && dh_pub_len(c->policies[i].group))
			mi_transform(&w, &c->policies[i], ++n, i == last);
	wbuf_put_u8_at(&w, prop + 7, (uint8_t)n);
	wbuf_put_u16_at(&w, prop + 2, (uint16_t)(w.len - prop));
	return n && wbuf_ok(&w) ? w.len : 0;
}

/* Sends o and keeps it for resending. */
static void mi_send(struct ike_sa *sa, struct v1_out *o, enum sa_state next)
{
	net_send(sa, o->buf, o->w.len);
	net_set_reply(sa, o->buf, o->w.len);
	sa_set_state(sa, next);
}

static bool mi_send1(struct ike_sa *sa)
{
	uint8_t body[1024];
	size_t len = mi_sa_body(body, sizeof body);
	struct v1_out o;

	if (!len || !(sa->sai_b = malloc(len)))
		return false;
	memcpy(sa->sai_b, body, len);
	sa->sai_len = len;
	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_SA, body, len);
	sa->natd_type = PL_NATD;		/* announce RFC 3947 NAT-T */
	natt_add_vids(sa, &o);
	v1_out_finish(&o);
	mi_send(sa, &o, ST_MI_SENT1);
	return true;
}

struct ike_sa *mi_start(const struct conf_crypto_map *m)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(500),
				    .sin_addr.s_addr = m->peer };
	char ip[INET_ADDRSTRLEN];
	uint8_t icky[8];
	struct ike_sa *sa;

	inet_ntop(AF_INET, &m->peer, ip, sizeof ip);
	if (!conf_tunnel_group(&ike.c.conf, ip)) {
		log_warn("peer %s: crypto map %s %d: no tunnel-group %s with its pre-shared key: "
			 "not initiating", ip, m->name, m->seq, ip);
		return NULL;
	}
	random_bytes(icky, sizeof icky);
	sa = sa_new(icky, &peer);
	if (!sa)
		return NULL;
	memset(sa->rcky, 0, sizeof sa->rcky);	/* the responder's comes in message 2 */
	sa->initiator = sa->l2l = true;
	ipc_strcpy(sa->group_name, sizeof sa->group_name, ip);
	if (!mi_send1(sa)) {
		log_warn("peer %s: no crypto ikev1 policy with pre-shared keys to offer", ip);
		sa_end(sa, "error", false);
		return NULL;
	}
	log_info("peer %s: main mode initiated (crypto map %s %d)", ip, m->name, m->seq);
	return sa;
}

void mi_adopt_rcky(const struct v1_msg *hdr)
{
	static const uint8_t zero[8];

	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		if (sa->state == ST_MI_SENT1 && !memcmp(sa->icky, hdr->icky, 8) &&
		    !memcmp(sa->rcky, zero, 8)) {
			memcpy(sa->rcky, hdr->rcky, 8);
			return;
		}
}

/* Message 2: the policy the peer chose must be one we offered. */
static void mi_msg2(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *sap = v1_find(m, PL_SA, 0);
	struct p1_choice ch;
	uint8_t ni[32];
	struct v1_out o;

	if (!sap || !prop_select_p1(sap->body, sap->len, &ike.c.conf, &ch)) {
		log_warn("peer %s: main mode message 2 chose no policy we offered", sa_peer_str(sa));
		sa_end(sa, "no-proposal", false);
		return;
	}
	p1_apply_choice(sa, &ch);
	sa->natd_type = 0;
	natt_scan_vids(sa, m);
	sa->dh = dh_new(sa->group);
	sa->gx_len = dh_pub_len(sa->group);
	random_bytes(ni, sizeof ni);
	memcpy(sa->ni, ni, sizeof ni);
	sa->ni_len = sizeof ni;
	if (!sa->dh || !dh_public(sa->dh, sa->gxi, sa->gx_len)) {
		sa_end(sa, "error", false);
		return;
	}
	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_KE, sa->gxi, sa->gx_len);
	v1_out_payload(&o, PL_NONCE, sa->ni, sa->ni_len);
	natt_add_natd(sa, &o);
	v1_out_finish(&o);
	mi_send(sa, &o, ST_MI_SENT3);
}

/* Message 4: the peer's DH value and nonce; then SKEYID from master. */
static void mi_msg4(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *ke = v1_find(m, PL_KE, 0), *nr = v1_find(m, PL_NONCE, 0);

	if (!ke || !nr || ke->len != sa->gx_len || nr->len < 8 || nr->len > sizeof sa->nr ||
	    !dh_shared(sa->dh, ke->body, ke->len, sa->gxy, dh_shared_len(sa->group))) {
		log_warn("peer %s: main mode message 4 without a valid KE or nonce", sa_peer_str(sa));
		sa_end(sa, "error", false);
		return;
	}
	memcpy(sa->gxr, ke->body, ke->len);
	memcpy(sa->nr, nr->body, nr->len);
	sa->nr_len = nr->len;
	natt_check_natd(sa, m, 500);
	if (sa->nat_local || sa->nat_peer) {	/* RFC 3947 4: float to 4500 */
		sa->on4500 = true;
		sa->peer.sin_port = htons(4500);
	}
	sa_set_state(sa, ST_MI_WAIT_SKEYID);
	p1_request_skeyid(sa);
}

bool mi_clear_input(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len)
{
	struct v1_msg m = *hdr;

	if (sa->state < ST_MI_SENT1 || sa->state > ST_MI_SENT5)
		return false;
	if (hdr->exch != EXCH_MAIN || !v1_parse_payloads(&m, pkt + ISAKMP_HDR_LEN,
							 len - ISAKMP_HDR_LEN)) {
		log_warn("peer %s: unexpected message during our main mode dropped",
			 sa_peer_str(sa));
		return true;
	}
	if (v1_find(&m, PL_NOTIFY, 0)) {
		log_warn("peer %s: main mode refused by the peer (notify)", sa_peer_str(sa));
		sa_end(sa, "refused", false);
	} else if (sa->state == ST_MI_SENT1) {
		mi_msg2(sa, &m);
	} else if (sa->state == ST_MI_SENT3) {
		mi_msg4(sa, &m);
	}
	return true;
}

/* Our ID: ID_IPV4_ADDR of the outside address (the ASA sends its address
 * in LAN-to-LAN main mode with pre-shared keys). */
static void mi_own_id(struct ike_sa *sa)
{
	struct wbuf w;

	wbuf_init(&w, sa->idi_b, sizeof sa->idi_b);
	wbuf_u8(&w, ID_IPV4_ADDR);
	wbuf_u8(&w, 17);
	wbuf_u16(&w, 500);
	wbuf_bytes(&w, &ike.local_addr, 4);
	sa->idi_len = w.len;
}

/* Master answered SKEYID (phase1.c derived the keys): message 5. */
void mi_have_keys(struct ike_sa *sa)
{
	uint8_t hash_i[CRYPTO_MAX_HASH];
	struct v1_out o;

	mi_own_id(sa);
	v1_auth_hash(&sa->keys, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->icky, sa->rcky,
		     sa->sai_b, sa->sai_len, sa->idi_b, sa->idi_len, hash_i);
	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_ID, sa->idi_b, sa->idi_len);
	v1_out_payload(&o, PL_HASH, hash_i, sa->keys.hlen);
	crypt_seal_plain(sa, &o, 0);
	net_set_reply(sa, o.buf, o.w.len);
	sa_set_state(sa, ST_MI_SENT5);
}

/* Message 6: the peer's identity and HASH_R. */
void mi_msg6(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *id = v1_find(m, PL_ID, 0), *h = v1_find(m, PL_HASH, 0);
	uint8_t want[CRYPTO_MAX_HASH];

	if (!id || id->len > sizeof sa->idr_b || !h || h->len != sa->keys.hlen) {
		log_warn("peer %s: main mode message 6 without a valid ID or hash", sa_peer_str(sa));
		sa_end(sa, "error", false);
		return;
	}
	memcpy(sa->idr_b, id->body, id->len);
	sa->idr_len = id->len;
	p1_hash_r(sa, want);
	if (CRYPTO_memcmp(want, h->body, h->len)) {
		log_warn("peer %s group %s: HASH_R mismatch in main mode message 6: pre-shared key "
			 "differs", sa_peer_str(sa), sa->group_name);
		sa_end(sa, "auth-failed", false);
		return;
	}
	free(sa->last_out);		/* nothing of ours to resend any more */
	sa->last_out = NULL;
	sa->last_out_len = 0;
	p1_complete(sa, "main mode, initiator");
}

bool mi_tick(struct ike_sa *sa, long long now)
{
	if (sa->state < ST_MI_SENT1 || sa->state > ST_MI_SENT5)
		return false;
	if (sa->state == ST_MI_WAIT_SKEYID && now - sa->state_ms > MI_RETRY_MS * MI_TRIES) {
		log_warn("peer %s: master did not answer SKEYID: giving up", sa_peer_str(sa));
		sa_end(sa, "error", false);
		return true;
	}
	if (sa->state == ST_MI_WAIT_SKEYID || now - sa->sent_ms < MI_RETRY_MS)
		return false;
	if (sa->retries + 1 >= MI_TRIES) {
		log_warn("peer %s: no answer to our main mode (state %d): giving up",
			 sa_peer_str(sa), sa->state);
		sa_end(sa, "timeout", false);
		return true;
	}
	if (sa->last_out)
		net_send(sa, sa->last_out, sa->last_out_len);
	sa->sent_ms = now;
	sa->retries++;
	return false;
}
