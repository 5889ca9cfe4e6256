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

static bool am_select(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
		      const struct v1_payload *sap, const struct v1_payload *ke, const char *group,
		      struct p1_choice *ch)
{
	if (!conf_tunnel_group(&ike.c.conf, group)) {
		log_warn("peer %s: unknown tunnel-group '%s' (ID of aggressive mode message 1): "
			 "refused with INVALID-ID-INFORMATION", inet_ntoa(from->sin_addr), group);
		info_send_notify_plain(m, from, on4500, N_INVALID_ID_INFORMATION);
		return false;
	}
	if (!p1_choose(m, from, on4500, sap, group, ch))
		return false;
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
	if (ike.c.conf.am_disable) {
		/* seed 001/002: after am-disable an inbound AM proposal is
		 * rejected; the notify names why (as a strongSwan responder does). */
		log_warn("peer %s: aggressive mode refused (crypto ikev1 am-disable): "
			 "INVALID-EXCHANGE-TYPE", inet_ntoa(from->sin_addr));
		info_send_notify_plain(hdr, from, on4500, N_INVALID_EXCHANGE_TYPE);
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
	natt_scan_vids(sa, &m);
	net_note_request(sa, pkt, len);
	p1_apply_choice(sa, &ch);
	memcpy(sa->idi_b, id->body, id->len);
	sa->idi_len = id->len;
	if (!p1_keep_sa(sa, sap) || !p1_keep_ke_nonce(sa, ke, ni)) {
		log_err("peer %s: DH group %d failed", sa_peer_str(sa), ch.group);
		sa_end(sa, "error", false);
		return;
	}
	sa_set_state(sa, ST_AM_WAIT_SKEYID);
	p1_request_skeyid(sa);
}

static void am_send2(struct ike_sa *sa, const struct p1_choice *ch)
{
	struct v1_out o;
	uint8_t hash_r[CRYPTO_MAX_HASH];

	p1_hash_r(sa, hash_r);
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

/* Master answered SKEYID: the keys are derived, send message 2. */
void am_have_keys(struct ike_sa *sa)
{
	struct p1_choice ch = { 0 };

	/* Rebuild the reply SA from the choice made on message 1. */
	if (!prop_select_p1(sa->sai_b, sa->sai_len, &ike.c.conf, &ch)) {
		sa_end(sa, "error", false);
		return;
	}
	am_send2(sa, &ch);
	sa_set_state(sa, ST_AM_SENT2);
}

void am_msg3(struct ike_sa *sa, const struct v1_msg *m)
{
	if (sa->state != ST_AM_SENT2) {
		log_debug("peer %s: unexpected aggressive mode message", sa_peer_str(sa));
		return;
	}
	if (!p1_hash_i_ok(sa, m)) {
		log_warn("peer %s group %s: HASH_I mismatch in aggressive mode message 3: "
			 "pre-shared key differs", sa_peer_str(sa), sa->group_name);
		sa_end(sa, "auth-failed", false);
		return;
	}
	natt_check_natd(sa, m, 500);
	ic_scan(sa, m);
	p1_complete(sa, "aggressive mode");
}
