/* What aggressive and main mode share: the chosen proposal and the
 * initiator's payloads kept for the hashes, the DH exchange, the SKEYID
 * round trip to master (the PSK never enters this process), key
 * derivation, our ID, HASH_I/HASH_R, and the end of phase 1. */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"

/* Picks the client's phase 1 transform; refusals are logged and answered
 * with NO-PROPOSAL-CHOSEN in the clear. */
bool p1_choose(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
	       const struct v1_payload *sap, const char *group, struct p1_choice *ch)
{
	bool rsa;

	if (prop_select_p1(sap->body, sap->len, &ike.c.conf, ch)) {
		rsa = ch->auth == IKE_AUTH_RSA_SIG || ch->auth == AUTH_XAUTH_INIT_RSA;
		if (!rsa || m->exch == EXCH_MAIN)
			return true;
		/* Certificates are done in main mode only (cert_mm.c). */
		log_warn("peer %s group %s: no proposal chosen: RSA signatures in aggressive "
			 "mode are not supported, main mode is", inet_ntoa(from->sin_addr), group);
		info_send_notify_plain(m, from, on4500, N_NO_PROPOSAL_CHOSEN);
		return false;
	}
	log_warn("peer %s group %s: no proposal chosen: no client transform matches a "
		 "crypto ikev1 policy", inet_ntoa(from->sin_addr), group);
	info_send_notify_plain(m, from, on4500, N_NO_PROPOSAL_CHOSEN);
	return false;
}

void p1_apply_choice(struct ike_sa *sa, const struct p1_choice *ch)
{
	sa->enc = ch->enc;
	sa->key_bits = ch->key_bits;
	sa->hash = ch->hash;
	sa->group = ch->group;
	sa->auth = ch->auth;
	sa->lifetime = ch->lifetime;
}

bool p1_keep_sa(struct ike_sa *sa, const struct v1_payload *sap)
{
	sa->sai_b = malloc(sap->len);
	if (!sa->sai_b)
		return false;
	memcpy(sa->sai_b, sap->body, sap->len);
	sa->sai_len = sap->len;
	return true;
}

/* Keeps g^xi and Ni, makes our DH value and the shared secret. */
bool p1_keep_ke_nonce(struct ike_sa *sa, const struct v1_payload *ke, const struct v1_payload *ni)
{
	if (ke->len != dh_pub_len(sa->group) || ni->len < 8 || ni->len > sizeof sa->ni)
		return false;
	sa->gx_len = ke->len;
	memcpy(sa->gxi, ke->body, ke->len);
	memcpy(sa->ni, ni->body, ni->len);
	sa->ni_len = ni->len;
	sa->nr_len = sizeof sa->nr;
	random_bytes(sa->nr, sa->nr_len);
	sa->dh = dh_new(sa->group);
	return sa->dh && dh_public(sa->dh, sa->gxr, sa->gx_len) &&
	       dh_shared(sa->dh, sa->gxi, sa->gx_len, sa->gxy, dh_shared_len(sa->group));
}

void p1_request_skeyid(struct ike_sa *sa)
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

/* Our ID: ID_IPV4_ADDR of the outside address, UDP port 500. */
void p1_own_id(struct ike_sa *sa)
{
	struct wbuf w;

	wbuf_init(&w, sa->idr_b, sizeof sa->idr_b);
	wbuf_u8(&w, ID_IPV4_ADDR);
	wbuf_u8(&w, 17);
	wbuf_u16(&w, 500);
	wbuf_bytes(&w, &ike.local_addr, 4);
	sa->idr_len = w.len;
}

static bool p1_derive(struct ike_sa *sa, const struct ipc_skeyid_ans *a)
{
	sa->keys.prf = sa->hash;
	sa->keys.hlen = hash_len(sa->hash);
	sa->block = cipher_block_len(sa->enc);
	if (a->status != 0 || a->len != sa->keys.hlen || !sa->block)
		return false;
	memcpy(sa->keys.skeyid, a->skeyid, a->len);
	return v1_derive(&sa->keys, sa->gxy, dh_shared_len(sa->group), sa->icky, sa->rcky,
			 cipher_key_len(sa->enc, sa->key_bits)) &&
	       v1_phase1_iv(sa->hash, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->block,
			    sa->p1_iv);
}

void p1_skeyid_answer(uint32_t id, const struct ipc_skeyid_ans *a)
{
	struct ike_sa *sa;

	for (sa = ike.sas; sa; sa = sa->next)
		if ((sa->state == ST_AM_WAIT_SKEYID || sa->state == ST_MM_WAIT_SKEYID ||
		     sa->state == ST_MI_WAIT_SKEYID) && sa->req_id == id)
			break;
	if (!sa)
		return;
	if (!p1_derive(sa, a)) {
		log_warn("peer %s group %s: no pre-shared key for the tunnel-group",
			 sa_peer_str(sa), sa->group_name);
		sa_end(sa, "error", false);
		return;
	}
	keylog_ike(sa);
	if (sa->state == ST_MI_WAIT_SKEYID) {	/* we initiated (mm_init.c) */
		mi_have_keys(sa);
		return;
	}
	p1_own_id(sa);
	if (sa->state == ST_AM_WAIT_SKEYID)
		am_have_keys(sa);
	else
		mm_have_keys(sa);
}

void p1_hash_r(const struct ike_sa *sa, uint8_t *out)
{
	v1_auth_hash(&sa->keys, sa->gxr, sa->gx_len, sa->gxi, sa->gx_len, sa->rcky, sa->icky,
		     sa->sai_b, sa->sai_len, sa->idr_b, sa->idr_len, out);
}

bool p1_hash_i_ok(const struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *h = v1_find(m, PL_HASH, 0);
	uint8_t want[CRYPTO_MAX_HASH];

	v1_auth_hash(&sa->keys, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->icky, sa->rcky,
		     sa->sai_b, sa->sai_len, sa->idi_b, sa->idi_len, want);
	return h && h->len == sa->keys.hlen && !CRYPTO_memcmp(want, h->body, h->len);
}

void p1_complete(struct ike_sa *sa, const char *mode)
{
	dh_free(sa->dh);
	sa->dh = NULL;
	log_info("peer %s group %s: phase 1 complete (%s, %s-%s, DH group %d)", sa_peer_str(sa),
		 sa->group_name, mode, cipher_name(sa->enc, sa->key_bits), hash_name(sa->hash),
		 sa->group);
	ic_apply(sa);	/* INITIAL-CONTACT of a LAN-to-LAN peer; XAUTH clients wait */
	if (!l2l_phase1_done(sa))	/* a LAN-to-LAN peer has no XAUTH (l2l.c) */
		xauth_start(sa);
}
