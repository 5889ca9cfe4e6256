/* Main mode, responder side (RFC 2409 5.4 with a pre-shared key):
 *   1  HDR, SA                          client -> us
 *   2  HDR, SA [, VID...]               us -> client
 *   3  HDR, KE, Ni [, NAT-D]            client -> us
 *   4  HDR, KE, Nr [, NAT-D]            us -> client
 *   5  HDR*, IDii, HASH_I               client -> us
 *   6  HDR*, IDir, HASH_R               us -> client
 * The pre-shared key is chosen before the client's identity is known: a
 * tunnel-group named by the peer's address (LAN-to-LAN), else the ASA's
 * DefaultRAGroup for remote-access clients. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"

#define DEFAULT_RA_GROUP "DefaultRAGroup"

static const char *mm_group(const struct sockaddr_in *from)
{
	static char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &from->sin_addr, ip, sizeof ip);
	if (conf_tunnel_group(&ike.c.conf, ip))
		return ip;
	return conf_tunnel_group(&ike.c.conf, DEFAULT_RA_GROUP) ? DEFAULT_RA_GROUP : NULL;
}

static void mm_send2(struct ike_sa *sa, const struct p1_choice *ch)
{
	struct v1_out o;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	prop_build_p1_reply(&o, ch);
	natt_add_vids(sa, &o);
	v1_out_finish(&o);
	net_send(sa, o.buf, o.w.len);
	net_set_reply(sa, o.buf, o.w.len);
}

static bool mm_accept(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
		      const struct v1_payload *sap, const char *group, struct p1_choice *ch)
{
	if (!sap) {
		log_warn("peer %s: main mode message 1 without SA", inet_ntoa(from->sin_addr));
		return false;
	}
	if (!group) {
		log_warn("peer %s: main mode: no tunnel-group named by the address and no %s",
			 inet_ntoa(from->sin_addr), DEFAULT_RA_GROUP);
		info_send_notify_plain(m, from, on4500, N_INVALID_ID_INFORMATION);
		return false;
	}
	return p1_choose(m, from, on4500, sap, group, ch);
}

void mm_msg1(const struct v1_msg *hdr, const struct sockaddr_in *from, bool on4500,
	     const uint8_t *pkt, size_t len)
{
	struct v1_msg m = *hdr;
	struct p1_choice ch;
	struct ike_sa *sa = sa_find_half(hdr->icky, from);
	const char *group = mm_group(from);

	if (sa) {
		net_is_retransmit(sa, pkt, len);
		return;
	}
	if (ike.shutting_down || !v1_parse_payloads(&m, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN) ||
	    !mm_accept(&m, from, on4500, v1_find(&m, PL_SA, 0), group, &ch))
		return;
	sa = sa_new(hdr->icky, from);
	if (!sa)
		return;
	sa->on4500 = on4500;
	ipc_strcpy(sa->group_name, sizeof sa->group_name, group);
	natt_scan_vids(sa, &m);
	net_note_request(sa, pkt, len);
	p1_apply_choice(sa, &ch);
	if (!p1_keep_sa(sa, v1_find(&m, PL_SA, 0))) {
		sa_end(sa, "error", false);
		return;
	}
	mm_send2(sa, &ch);
	sa_set_state(sa, ST_MM_SENT2);
}

/* Message 3, in the clear: the client's DH value and nonce. */
void mm_msg3(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *ke = v1_find(m, PL_KE, 0), *ni = v1_find(m, PL_NONCE, 0);

	if (!ke || !ni || !p1_keep_ke_nonce(sa, ke, ni)) {
		log_warn("peer %s group %s: main mode message 3 without a valid KE or nonce",
			 sa_peer_str(sa), sa->group_name);
		sa_end(sa, "error", false);
		return;
	}
	natt_check_natd(sa, m, 500);
	sa_set_state(sa, ST_MM_WAIT_SKEYID);
	if (cert_mm_is_sig(sa))
		cert_mm_local_skeyid(sa);
	else
		p1_request_skeyid(sa);
}

/* Master answered SKEYID: send message 4. */
void mm_have_keys(struct ike_sa *sa)
{
	struct v1_out o;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_KE, sa->gxr, sa->gx_len);
	v1_out_payload(&o, PL_NONCE, sa->nr, sa->nr_len);
	cert_mm_add_certreq(sa, &o);
	natt_add_natd(sa, &o);
	v1_out_finish(&o);
	net_send(sa, o.buf, o.w.len);
	net_set_reply(sa, o.buf, o.w.len);
	sa_set_state(sa, ST_MM_SENT4);
}

static void mm_send6(struct ike_sa *sa)
{
	struct v1_out o;
	uint8_t hash_r[CRYPTO_MAX_HASH];

	p1_hash_r(sa, hash_r);
	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_ID, sa->idr_b, sa->idr_len);
	v1_out_payload(&o, PL_HASH, hash_r, sa->keys.hlen);
	crypt_seal_plain(sa, &o, 0);
	net_set_reply(sa, o.buf, o.w.len);
}

/* Message 5, encrypted: the client's identity and HASH_I. */
void mm_msg5(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *id = v1_find(m, PL_ID, 0);

	if (sa->state != ST_MM_SENT4) {
		log_debug("peer %s: unexpected main mode message", sa_peer_str(sa));
		return;
	}
	if (!id || id->len > sizeof sa->idi_b) {
		log_warn("peer %s: main mode message 5 without a valid ID", sa_peer_str(sa));
		sa_end(sa, "error", false);
		return;
	}
	memcpy(sa->idi_b, id->body, id->len);
	sa->idi_len = id->len;
	if (cert_mm_is_sig(sa)) {
		cert_mm_msg5(sa, m);
		return;
	}
	if (!p1_hash_i_ok(sa, m)) {
		log_warn("peer %s group %s: HASH_I mismatch in main mode message 5: pre-shared key "
			 "differs", sa_peer_str(sa), sa->group_name);
		sa_end(sa, "auth-failed", false);
		return;
	}
	mm_send6(sa);
	ic_scan(sa, m);		/* INITIAL-CONTACT (initial_contact.c) */
	p1_complete(sa, "main mode");
}
