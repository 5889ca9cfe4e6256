/* IKE_SA_INIT, responder (RFC 7296 1.2): choose the proposal, answer the
 * client's KE with ours and a nonce, detect NAT (2.23), derive the keys.
 * A KE of a group we accept but did not choose gets INVALID_KE_PAYLOAD
 * naming ours (1.2), so the client retries with it. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike.h"
#include "log.h"

/* NAT detection hash: SHA1(SPIi | SPIr | address | port), 2.23. */
static void natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8], uint32_t addr,
		      uint16_t port_net, uint8_t out[20])
{
	struct chunk c[4] = { { spi_i, 8 }, { spi_r, 8 }, { &addr, 4 }, { &port_net, 2 } };

	hash_chunks(IKE_HASH_SHA1, c, 4, out);
}

static bool natd_matches(const struct v1_payload *n, const uint8_t h[20])
{
	const uint8_t *d;
	size_t len;

	return n && v2_notify_type(n, &d, &len) && len == 20 && !CRYPTO_memcmp(d, h, 20);
}

/* The client hashed its own address (source) and ours (destination) with
 * a zero SPIr; a mismatch means a NAT rewrote one of them. */
static void natd_check(struct ike_sa *sa, const struct v1_msg *m, uint16_t local_port)
{
	static const uint8_t zero[8];
	const struct v1_payload *src = v2_find_notify(m, V2N_NAT_DETECTION_SOURCE_IP);
	const struct v1_payload *dst = v2_find_notify(m, V2N_NAT_DETECTION_DESTINATION_IP);
	uint8_t h[20];

	if (!src || !dst)
		return;		/* no NAT-T: plain ESP */
	sa->natd_type = V2_PL_NOTIFY;
	natd_hash(sa->icky, zero, sa->peer1.sin_addr.s_addr, sa->peer1.sin_port, h);
	sa->nat_peer = !natd_matches(src, h);
	natd_hash(sa->icky, zero, ike.local_addr, htons(local_port), h);
	sa->nat_local = !natd_matches(dst, h);
	if (sa->nat_peer || sa->nat_local)
		log_info("peer %s: NAT detected: local %s, peer %s", sa_peer_str(sa),
			 sa->nat_local ? "yes" : "no", sa->nat_peer ? "yes" : "no");
}

static void natd_add(struct ike_sa *sa, struct v1_out *o, uint16_t local_port)
{
	uint8_t h[20];

	natd_hash(sa->icky, sa->rcky, ike.local_addr, htons(local_port), h);
	v2_out_notify(o, V2N_NAT_DETECTION_SOURCE_IP, h, sizeof h);
	natd_hash(sa->icky, sa->rcky, sa->peer1.sin_addr.s_addr, sa->peer1.sin_port, h);
	v2_out_notify(o, V2N_NAT_DETECTION_DESTINATION_IP, h, sizeof h);
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len);

	if (d)
		memcpy(d, p, len);
	return d;
}

/* Our DH half, g^ir and SKEYSEED's keys. */
static bool init_keys(struct ike_sa *sa, const struct v2_ike_choice *ch, const uint8_t *gxi,
		      size_t gxi_len)
{
	size_t pub = dh_pub_len(ch->dh), shared = dh_shared_len(ch->dh);

	sa->group = ch->dh;
	sa->v2_encr = ch->encr;
	sa->v2_integ = ch->integ;
	sa->v2_prf = ch->prf;
	sa->key_bits = ch->key_bits;
	sa->v2k.prf = hash_of_v2_prf(ch->prf);
	sa->v2k.prf_len = hash_len(sa->v2k.prf);
	sa->v2k.integ_len = hash_len(hash_of_v2_integ(ch->integ));
	sa->v2k.enc_len = (size_t)ch->key_bits / 8;
	/* for the database and logs: the IKEv1 names of the same algorithms */
	sa->enc = IKE_ENC_AES;
	sa->hash = sa->v2k.prf;
	sa->gx_len = pub;
	random_bytes(sa->nr, V2_NONCE_LEN);
	sa->nr_len = V2_NONCE_LEN;
	return gxi_len == pub && (sa->dh = dh_new(ch->dh)) && dh_public(sa->dh, sa->gxr, pub) &&
	       dh_shared(sa->dh, gxi, gxi_len, sa->gxy, shared) &&
	       v2_derive(&sa->v2k, sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->gxy, shared,
			 sa->icky, sa->rcky);
}

static void send_reply(struct ike_sa *sa, const struct v2_ike_choice *ch, uint16_t local_port)
{
	struct v1_out o;

	v2_out_begin(&o, sa->icky, sa->rcky, V2_IKE_SA_INIT, V2_F_RESPONSE, 0);
	v2_build_ike_sa(&o, ch, NULL);
	v2_out_ke(&o, ch->dh, sa->gxr, sa->gx_len);
	v1_out_payload(&o, V2_PL_NONCE, sa->nr, sa->nr_len);
	if (sa->natd_type)
		natd_add(sa, &o, local_port);
	v1_out_finish(&o);
	if (!wbuf_ok(&o.w))
		return;
	net_send(sa, o.buf, o.w.len);
	net_set_reply(sa, o.buf, o.w.len);
	sa->v2_msg2 = dup_bytes(o.buf, o.w.len);
	sa->v2_msg2_len = o.w.len;
}

/* Checks what the request offers; answers errors itself.  True with a
 * choice whose group is the KE's. */
static bool init_acceptable(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
			    struct v2_ike_choice *ch, const uint8_t **gx, size_t *gx_len)
{
	const struct v1_payload *sap = v1_find(m, V2_PL_SA, 0), *ke = v1_find(m, V2_PL_KE, 0);
	const struct v1_payload *ni = v1_find(m, V2_PL_NONCE, 0);
	uint16_t group = 0, want;

	if (!sap || !ke || !ni || ni->len < 16 || ni->len > 256 || !v2_read_ke(ke, &group, gx, gx_len)) {
		log_warn("peer %s: IKE_SA_INIT without a valid SA, KE or nonce",
			 inet_ntoa(from->sin_addr));
		v2_send_init_error(m, from, on4500, V2N_INVALID_SYNTAX, NULL, 0);
		return false;
	}
	if (!v2_select_ike(sap->body, sap->len, &ike.c.conf, group, ch)) {
		log_warn("peer %s: IKE_SA_INIT: no proposal matches a crypto ikev2 policy",
			 inet_ntoa(from->sin_addr));
		v2_send_init_error(m, from, on4500, V2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return false;
	}
	if (ch->dh != group) {
		log_info("peer %s: IKE_SA_INIT with a KE of group %u, asking for group %d",
			 inet_ntoa(from->sin_addr), group, ch->dh);
		want = htons((uint16_t)ch->dh);
		v2_send_init_error(m, from, on4500, V2N_INVALID_KE_PAYLOAD, &want, 2);
		return false;
	}
	return true;
}

void v2_init_request(const struct v1_msg *hdr, const uint8_t *pkt, size_t len,
		     const struct sockaddr_in *from, bool on4500)
{
	struct v1_msg m = *hdr;
	struct v2_ike_choice ch;
	const struct v1_payload *ni;
	const uint8_t *gx;
	size_t gx_len;
	struct ike_sa *sa;
	uint16_t local_port = on4500 ? 4500 : 500;

	if (!ike.c.conf.ikev2_enable[0] || hdr->msgid != 0 ||
	    !v1_parse_payloads(&m, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN)) {
		log_info("peer %s: IKEv2 IKE_SA_INIT dropped: %s", inet_ntoa(from->sin_addr),
			 ike.c.conf.ikev2_enable[0] ? "malformed" : "crypto ikev2 enable is not set");
		return;
	}
	if (!init_acceptable(&m, from, on4500, &ch, &gx, &gx_len) ||
	    !(sa = sa_new(hdr->icky, from)))
		return;
	sa->v2 = true;
	sa->on4500 = on4500;
	sa->v2_rx_msgid = 1;
	ni = v1_find(&m, V2_PL_NONCE, 0);
	memcpy(sa->ni, ni->body, ni->len);
	sa->ni_len = ni->len;
	sa->lifetime = ch.lifetime;
	sa_set_state(sa, ST_V2_INIT_SENT);	/* no keys yet: sa_end reports nothing */
	natd_check(sa, &m, local_port);
	net_note_request(sa, pkt, len);
	sa->v2_msg1 = dup_bytes(pkt, len);
	sa->v2_msg1_len = len;
	if (!sa->v2_msg1 || !init_keys(sa, &ch, gx, gx_len)) {
		log_warn("peer %s: IKE_SA_INIT: bad KE payload or no memory", sa_peer_str(sa));
		sa_end(sa, "error", false);
		return;
	}
	send_reply(sa, &ch, local_port);
	keylog_ike_v2(sa);
	log_info("peer %s: IKEv2 IKE_SA_INIT answered: %s-%d %s %s group %d", sa_peer_str(sa),
		 "AES-CBC", ch.key_bits, hash_name(hash_of_v2_integ(ch.integ)),
		 hash_name(sa->v2k.prf), ch.dh);
}
