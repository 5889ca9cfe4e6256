/* Aggressive mode, responder side (RFC 2409 5.4 with a pre-shared key):
 *   1  HDR, SA, KE, Ni, IDii [, VID...]          client -> us
 *   2  HDR, SA, KE, Nr, IDir, HASH_R [, VID, NAT-D] us -> client
 *   3  HDR*, HASH_I [, N, VID, NAT-D]              client -> us
 * The PSK never enters this process: master answers SKEYID. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include <string.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"

/* The tunnel-group named by the client's ID (KEY_ID as vpnc sends it, or
 * an FQDN / user FQDN). */
static bool id_group_name(const struct v1_payload *id, char *out, size_t cap)
{
	struct rbuf r;
	uint8_t type, proto;
	uint16_t port;
	size_t n;

	rbuf_init(&r, id->body, id->len);
	if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &proto) || !rbuf_u16(&r, &port))
		return false;
	if (type != ID_KEY_ID && type != ID_FQDN && type != ID_USER_FQDN)
		return false;
	n = rbuf_left(&r);
	if (n == 0 || n >= cap || memchr(rbuf_cur(&r), 0, n))
		return false;
	memcpy(out, rbuf_cur(&r), n);
	out[n] = 0;
	return true;
}

static bool am_check_payloads(const struct v1_msg *m, const struct sockaddr_in *from,
			      const struct v1_payload **sa, const struct v1_payload **ke,
			      const struct v1_payload **ni, const struct v1_payload **id)
{
	*sa = v1_find(m, PL_SA, 0);
	*ke = v1_find(m, PL_KE, 0);
	*ni = v1_find(m, PL_NONCE, 0);
	*id = v1_find(m, PL_ID, 0);
	if (*sa && *ke && *ni && *id && (*ni)->len >= 8 && (*ni)->len <= 256 &&
	    (*id)->len <= 300)
		return true;
	log_warn("peer %s: aggressive mode message 1 lacks SA, KE, nonce or ID",
		 inet_ntoa(from->sin_addr));
	return false;
}

/* Copies what the later hashes need out of message 1. */
static bool am_keep(struct ike_sa *sa, const struct p1_choice *ch, const struct v1_payload *sap,
		    const struct v1_payload *ke, const struct v1_payload *ni,
		    const struct v1_payload *id)
{
	sa->enc = ch->enc;
	sa->key_bits = ch->key_bits;
	sa->hash = ch->hash;
	sa->group = ch->group;
	sa->auth = ch->auth;
	sa->lifetime = ch->lifetime;
	sa->gx_len = ke->len;
	memcpy(sa->gxi, ke->body, ke->len);
	memcpy(sa->ni, ni->body, ni->len);
	sa->ni_len = ni->len;
	memcpy(sa->idi_b, id->body, id->len);
	sa->idi_len = id->len;
	sa->sai_b = malloc(sap->len);
	if (!sa->sai_b)
		return false;
	memcpy(sa->sai_b, sap->body, sap->len);
	sa->sai_len = sap->len;
	sa->dh = dh_new(ch->group);
	return sa->dh && dh_public(sa->dh, sa->gxr, sa->gx_len) &&
	       dh_shared(sa->dh, sa->gxi, sa->gx_len, sa->gxy, sa->gx_len);
}

static void am_request_skeyid(struct ike_sa *sa)
{
	struct ipc_skeyid q = { .prf = (uint8_t)sa->hash };

	ipc_strcpy(q.group, sizeof q.group, sa->group_name);
	q.ni_len = (uint16_t)sa->ni_len;
	q.nr_len = (uint16_t)sa->nr_len;
	memcpy(q.ni, sa->ni, sa->ni_len);
	memcpy(q.nr, sa->nr, sa->nr_len);
	sa->req_id = ++ike.next_req_id;
	peers_send(ROLE_MASTER, 0, IPC_SKEYID, sa->req_id, &q, sizeof q);
}

static bool am_select(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
		      const struct v1_payload *sap, const struct v1_payload *ke, const char *group,
		      struct p1_choice *ch)
{
	if (!conf_tunnel_group(&ike.c.conf, group)) {
		log_warn("peer %s: unknown tunnel-group '%s' (ID of aggressive mode message 1)",
			 inet_ntoa(from->sin_addr), group);
		info_send_notify_plain(m, from, on4500, N_INVALID_ID_INFORMATION);
		return false;
	}
	if (!prop_select_p1(sap->body, sap->len, &ike.c.conf, ch)) {
		log_warn("peer %s group %s: no proposal chosen: no client transform matches a "
			 "crypto ikev1 policy", inet_ntoa(from->sin_addr), group);
		info_send_notify_plain(m, from, on4500, N_NO_PROPOSAL_CHOSEN);
		return false;
	}
	if (dh_pub_len(ch->group) != ke->len) {
		log_warn("peer %s group %s: KE length %zu does not fit DH group %d",
			 inet_ntoa(from->sin_addr), group, ke->len, ch->group);
		info_send_notify_plain(m, from, on4500, N_INVALID_KEY_INFORMATION);
		return false;
	}
	return true;
}

void am_msg1(const struct v1_msg *hdr, const struct sockaddr_in *from, bool on4500,
	     const uint8_t *pkt, size_t len)
{
	const struct v1_payload *sap, *ke, *ni, *id;
	struct v1_msg m = *hdr;
	struct p1_choice ch;
	struct ike_sa *sa = sa_find_half(hdr->icky, from);
	char group[NAME_LEN];

	if (sa) {
		if (!net_is_retransmit(sa, pkt, len))
			log_debug("peer %s: second message 1 for a known SA ignored", sa_peer_str(sa));
		return;
	}
	if (ike.shutting_down || !v1_parse_payloads(&m, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN) ||
	    !am_check_payloads(&m, from, &sap, &ke, &ni, &id))
		return;
	if (!id_group_name(id, group, sizeof group)) {
		log_warn("peer %s: aggressive mode ID is not a group name (KEY_ID/FQDN)",
			 inet_ntoa(from->sin_addr));
		info_send_notify_plain(&m, from, on4500, N_INVALID_ID_INFORMATION);
		return;
	}
	if (!am_select(&m, from, on4500, sap, ke, group, &ch))
		return;
	sa = sa_new(hdr->icky, from);
	if (!sa)
		return;
	sa->on4500 = on4500;
	ipc_strcpy(sa->group_name, sizeof sa->group_name, group);
	sa->nr_len = sizeof sa->nr;
	random_bytes(sa->nr, sa->nr_len);
	natt_scan_vids(sa, &m);
	net_note_request(sa, pkt, len);
	if (!am_keep(sa, &ch, sap, ke, ni, id)) {
		log_err("peer %s: DH group %d failed", sa_peer_str(sa), ch.group);
		sa_end(sa, "error", false);
		return;
	}
	sa_set_state(sa, ST_AM_WAIT_SKEYID);
	am_request_skeyid(sa);
}

static void am_send2(struct ike_sa *sa, const struct p1_choice *ch)
{
	struct v1_out o;
	uint8_t hash_r[CRYPTO_MAX_HASH];

	v1_auth_hash(&sa->keys, sa->gxr, sa->gx_len, sa->gxi, sa->gx_len, sa->rcky, sa->icky,
		     sa->sai_b, sa->sai_len, sa->idr_b, sa->idr_len, hash_r);
	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_AGGRESSIVE, 0, 0);
	prop_build_p1_reply(&o, ch);
	v1_out_payload(&o, PL_KE, sa->gxr, sa->gx_len);
	v1_out_payload(&o, PL_NONCE, sa->nr, sa->nr_len);
	v1_out_payload(&o, PL_ID, sa->idr_b, sa->idr_len);
	v1_out_payload(&o, PL_HASH, hash_r, sa->keys.hlen);
	natt_add_vids(sa, &o);
	natt_add_natd(sa, &o);
	v1_out_finish(&o);
	net_send(sa, o.buf, o.w.len);
	net_set_reply(sa, o.buf, o.w.len);
}

/* Our ID: ID_IPV4_ADDR of the outside address, UDP port 500. */
static void am_own_id(struct ike_sa *sa)
{
	struct wbuf w;

	wbuf_init(&w, sa->idr_b, sizeof sa->idr_b);
	wbuf_u8(&w, ID_IPV4_ADDR);
	wbuf_u8(&w, 17);
	wbuf_u16(&w, 500);
	wbuf_bytes(&w, &ike.local_addr, 4);
	sa->idr_len = w.len;
}

static bool am_derive(struct ike_sa *sa, const struct ipc_skeyid_ans *a)
{
	sa->keys.prf = sa->hash;
	sa->keys.hlen = hash_len(sa->hash);
	sa->block = cipher_block_len(sa->enc);
	if (a->len != sa->keys.hlen || !sa->block)
		return false;
	memcpy(sa->keys.skeyid, a->skeyid, a->len);
	return v1_derive(&sa->keys, sa->gxy, sa->gx_len, sa->icky, sa->rcky,
			 cipher_key_len(sa->enc, sa->key_bits)) &&
	       v1_phase1_iv(sa->hash, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->block,
			    sa->p1_iv);
}

void am_skeyid_answer(uint32_t id, const struct ipc_skeyid_ans *a)
{
	struct ike_sa *sa;
	struct p1_choice ch = { 0 };

	for (sa = ike.sas; sa; sa = sa->next)
		if (sa->state == ST_AM_WAIT_SKEYID && sa->req_id == id)
			break;
	if (!sa)
		return;
	if (a->status != 0 || !am_derive(sa, a)) {
		log_warn("peer %s group %s: no pre-shared key for the tunnel-group",
			 sa_peer_str(sa), sa->group_name);
		sa_end(sa, "error", false);
		return;
	}
	/* Rebuild the reply SA from the choice made on message 1. */
	if (!prop_select_p1(sa->sai_b, sa->sai_len, &ike.c.conf, &ch)) {
		sa_end(sa, "error", false);
		return;
	}
	keylog_ike(sa);
	am_own_id(sa);
	am_send2(sa, &ch);
	sa_set_state(sa, ST_AM_SENT2);
}

void am_msg3(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *h = v1_find(m, PL_HASH, 0);
	uint8_t want[CRYPTO_MAX_HASH];

	if (sa->state != ST_AM_SENT2) {
		log_debug("peer %s: unexpected aggressive mode message", sa_peer_str(sa));
		return;
	}
	v1_auth_hash(&sa->keys, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->icky, sa->rcky,
		     sa->sai_b, sa->sai_len, sa->idi_b, sa->idi_len, want);
	if (!h || h->len != sa->keys.hlen || CRYPTO_memcmp(want, h->body, h->len)) {
		log_warn("peer %s group %s: HASH_I mismatch in aggressive mode message 3: "
			 "pre-shared key differs", sa_peer_str(sa), sa->group_name);
		sa_end(sa, "auth-failed", false);
		return;
	}
	natt_check_natd(sa, m, 500);
	dh_free(sa->dh);
	sa->dh = NULL;
	log_info("peer %s group %s: phase 1 complete (aggressive mode, %s-%s, DH group %d)",
		 sa_peer_str(sa), sa->group_name, cipher_name(sa->enc, sa->key_bits),
		 hash_name(sa->hash), sa->group);
	xauth_start(sa);
}
