/* Quick mode, responder side (RFC 2409 5.5):
 *   1  HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]   client -> us
 *   2  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]   us -> client
 *   3  HDR*, HASH(3)                                 client -> us
 * After message 3 both ESP SAs go to the ESP worker that the inbound SPI
 * names. */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <string.h>

#include <sodium.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"
#include "shard.h"

/* Our inbound SPI: random, >= 256, and SPI mod n_esp is the ESP worker the
 * UDP 4500 steering program delivers it to.  *worker is the wanted worker
 * on entry (the client's owner, lib/shard.h; a rekey keeps the old one)
 * and the chosen one on return. */
uint32_t qm_pick_spi(uint8_t *worker)
{
	uint32_t n = ike.c.start.n_esp ? ike.c.start.n_esp : 1, spi;

	*worker = (uint8_t)(*worker % n);
	do
		random_bytes(&spi, sizeof spi);
	while (spi < 256 || spi % n != *worker || sa_spi_in_use(spi));
	return spi;
}

/* One ID payload body as a single IPv4 address (ID_IPV4_ADDR). */
static bool qm_id_host(const struct v1_payload *id, uint32_t *addr)
{
	struct rbuf r;
	uint8_t type = 0;

	rbuf_init(&r, id->body, id->len);
	return rbuf_u8(&r, &type) && rbuf_skip(&r, 3) && rbuf_copy(&r, addr, 4) &&
	       type == ID_IPV4_ADDR;
}

/* Transport mode protects the two hosts themselves: IDci is the client's
 * address (behind a NAT its private one, which we cannot check: any single
 * host then, RFC 3947 5.2 NAT-OA), IDcr our outside address. */
static bool qm_check_transport_ids(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *ci = v1_find(m, PL_ID, 0), *cr = v1_find(m, PL_ID, 1);
	uint32_t a = 0, b = 0;
	bool nat = sa->nat_peer || sa->nat_local;

	if (!ci && !cr)
		return true;	/* the phase 1 addresses are the selectors */
	if (ci && cr && qm_id_host(ci, &a) && qm_id_host(cr, &b) &&
	    (a == sa->peer.sin_addr.s_addr || nat) && b == ike.local_addr)
		return true;
	log_warn("peer %s user %s: transport mode quick mode IDs are not the two hosts",
		 sa_peer_str(sa), sa->user);
	return false;
}

static bool qm_check_ids(struct ike_sa *sa, const struct v1_msg *m, const struct p2_choice *ch)
{
	const struct v1_payload *ci = v1_find(m, PL_ID, 0);
	struct rbuf r;
	uint8_t type;
	uint32_t addr;

	if (sa->l2l && ch->transport) {	/* LAN-to-LAN carries networks: tunnel only */
		log_warn("peer %s: LAN-to-LAN quick mode in transport mode refused",
			 sa_peer_str(sa));
		return false;
	}
	if (sa->l2l)	/* subnets against the crypto ACL (l2l.c) */
		return l2l_check_ids(sa, m, NULL);
	if (ch->transport)
		return qm_check_transport_ids(sa, m);
	if (!ci)
		return true;	/* no IDs: the phase 1 addresses are the selectors */
	rbuf_init(&r, ci->body, ci->len);
	if (!rbuf_u8(&r, &type) || !rbuf_skip(&r, 3) || !rbuf_copy(&r, &addr, 4) ||
	    type != ID_IPV4_ADDR || addr != sa->addr) {
		log_warn("peer %s user %s: quick mode IDci is not the assigned address",
			 sa_peer_str(sa), sa->user);
		return false;
	}
	return true;
}

static bool qm_pfs(struct ike_sa *sa, const struct v1_msg *m, const struct p2_choice *ch,
		   uint8_t *gxr)
{
	const struct v1_payload *ke = v1_find(m, PL_KE, 0);
	struct dh *d;
	bool ok;

	sa->qm.gxy_len = 0;
	if (!ch->group)
		return true;
	if (!ke || ke->len != dh_pub_len(ch->group) || !(d = dh_new(ch->group)))
		return false;
	/* ECP: g^xy is one coordinate, shorter than the KE payload. */
	sa->qm.gxy_len = dh_shared_len(ch->group);
	ok = dh_public(d, gxr, ke->len) &&
	     dh_shared(d, ke->body, ke->len, sa->qm.gxy, sa->qm.gxy_len);
	dh_free(d);
	return ok;
}

static void qm_fill_child(struct ike_sa *sa, const struct p2_choice *ch)
{
	struct child_sa *c = &sa->qm.child;

	memset(c, 0, sizeof *c);
	/* transport: the TUN steers the host's packets by their destination,
	 * the peer itself (lib/shard.h) */
	c->esp_index = (uint8_t)shard_of_addr(ch->transport ? sa->peer.sin_addr.s_addr : sa->addr,
					      ike.c.start.n_esp);
	c->spi_in = qm_pick_spi(&c->esp_index);
	c->spi_out = ch->spi_out;
	c->enc = (uint8_t)ch->enc;
	c->key_bits = (uint16_t)ch->key_bits;
	c->auth = (uint8_t)ch->auth;
	c->encap_mode = ch->encap_mode;
	c->encap = ch->encap_mode == ENCAP_MODE_TUNNEL || ch->encap_mode == ENCAP_MODE_TRANSPORT ?
		   ENCAP_NONE : ENCAP_UDP;
	c->lifetime = ch->lifetime;
	c->lifetime_kb = ch->lifetime_kb;
	c->enc_len = (uint8_t)prop_esp_key_len(ch->enc, ch->key_bits);
	c->auth_len = (uint8_t)prop_esp_auth_len(ch->auth);
	c->pfs_group = ch->group;
}

/* Keeps the client's selectors: ravpn's own rekey offers them again. */
static void qm_keep_ids(struct child_sa *c, const struct v1_msg *m)
{
	const struct v1_payload *ci = v1_find(m, PL_ID, 0), *cr = v1_find(m, PL_ID, 1);

	if (ci && ci->len <= sizeof c->idci) {
		memcpy(c->idci, ci->body, ci->len);
		c->idci_len = (uint8_t)ci->len;
	}
	if (cr && cr->len <= sizeof c->idcr) {
		memcpy(c->idcr, cr->body, cr->len);
		c->idcr_len = (uint8_t)cr->len;
	}
}

static void qm_send2(struct ike_sa *sa, const struct v1_msg *m, const struct p2_choice *ch,
		     const uint8_t *gxr)
{
	struct v1_out o;
	size_t hash;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_QUICK, 0, m->msgid);
	hash = crypt_reserve_hash(sa, &o);
	prop_build_p2_reply(&o, ch, sa->qm.child.spi_in);
	v1_out_payload(&o, PL_NONCE, sa->qm.nr, sa->qm.nr_len);
	if (ch->group)	/* g^xr: x | y for ECP, longer than g^xy */
		v1_out_payload(&o, PL_KE, gxr, dh_pub_len(ch->group));
	for (int i = 0; i < 2; i++) {
		const struct v1_payload *id = v1_find(m, PL_ID, i);

		if (id)
			v1_out_payload(&o, PL_ID, id->body, id->len);
	}
	crypt_seal_send(sa, &o, hash, sa->qm.ni, sa->qm.ni_len);
	net_set_reply(sa, o.buf, o.w.len);
}

/* KEYMAT for both SAs of c; ni/nr are the initiator's and responder's
 * nonces, whoever started the quick mode. */
bool qm_keymat(struct ike_sa *sa, struct child_sa *c, const uint8_t *ni, size_t ni_len,
	       const uint8_t *nr, size_t nr_len, const uint8_t *gxy, size_t gxy_len)
{
	size_t n = (size_t)c->enc_len + c->auth_len;
	uint32_t in = htonl(c->spi_in), out = htonl(c->spi_out);

	return v1_keymat(&sa->keys, gxy, gxy_len, PROTO_ESP, (uint8_t *)&in, ni, ni_len, nr,
			 nr_len, c->key_in, n) &&
	       v1_keymat(&sa->keys, gxy, gxy_len, PROTO_ESP, (uint8_t *)&out, ni, ni_len, nr,
			 nr_len, c->key_out, n);
}

static bool qm_keys(struct ike_sa *sa, struct child_sa *c)
{
	return qm_keymat(sa, c, sa->qm.ni, sa->qm.ni_len, sa->qm.nr, sa->qm.nr_len,
			 sa->qm.gxy_len ? sa->qm.gxy : NULL, sa->qm.gxy_len);
}

/* The finished exchange's nonces and DH secret are not needed any more. */
static void qm_wipe(struct qm_state *q)
{
	sodium_memzero(q, sizeof *q);
}

void qm_abandon(struct ike_sa *sa)
{
	if (!sa->qm.msgid)
		return;
	peers_remove_child(sa, &sa->qm.child);
	qm_wipe(&sa->qm);
}

static void qm_msg1(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *sap = v1_find(m, PL_SA, 0), *ni = v1_find(m, PL_NONCE, 0);
	struct p2_choice ch;
	uint8_t gxr[CRYPTO_MAX_DH];

	if (!crypt_check_hash(sa, m) || !sap || !ni || ni->len < 8 || ni->len > 256) {
		log_warn("peer %s user %s: quick mode message 1 with a bad hash or missing "
			 "SA/nonce", sa_peer_str(sa), sa->user);
		return;
	}
	if (!prop_select_p2(sap->body, sap->len, l2l_p2_conf(sa), &ch)) {
		log_warn("peer %s user %s: quick mode: no proposal chosen (%s)", sa_peer_str(sa),
			 sa->user, ch.pfs_mismatch ? "PFS mismatch: the dynamic map requires a PFS "
			 "group the client did not offer" : "no transform set matches");
		info_send_notify(sa, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (!qm_check_ids(sa, m, &ch)) {
		info_send_notify(sa, N_INVALID_ID_INFORMATION);
		return;
	}
	qm_abandon(sa);
	sa->qm.msgid = m->msgid;
	memcpy(sa->qm.ni, ni->body, ni->len);
	sa->qm.ni_len = ni->len;
	sa->qm.nr_len = sizeof sa->qm.nr;
	random_bytes(sa->qm.nr, sa->qm.nr_len);
	if (!qm_pfs(sa, m, &ch, gxr)) {
		log_warn("peer %s user %s: quick mode: PFS group %d without a valid KE",
			 sa_peer_str(sa), sa->user, ch.group);
		sa->qm.msgid = 0;
		return;
	}
	qm_fill_child(sa, &ch);
	qm_keep_ids(&sa->qm.child, m);
	if (sa->l2l)	/* selectors and the ESP worker of the remote network */
		l2l_check_ids(sa, m, &sa->qm.child);
	if (!qm_keys(sa, &sa->qm.child)) {
		log_err("peer %s: KEYMAT derivation failed", sa_peer_str(sa));
		sa->qm.msgid = 0;
		return;
	}
	/* The inbound SA goes in before our answer, so the client's first
	 * packet after HASH(3) finds it; outbound waits for HASH(3). */
	peers_install_in(sa, &sa->qm.child);
	/* A shorter lifetime of ours goes out first in its own informational
	 * exchange, as Cisco gateways send it (vpnc expects it that way). */
	if (ch.lifetime_lowered || ch.lifetime_kb_lowered)
		info_send_responder_lifetime(sa, sa->qm.child.spi_in,
					     ch.lifetime_lowered ? ch.lifetime : 0,
					     ch.lifetime_kb_lowered ? ch.lifetime_kb : 0);
	qm_send2(sa, m, &ch, gxr);
}


struct child_sa *qm_slot(struct ike_sa *sa)
{
	for (int i = 0; i < SA_CHILDREN; i++)
		if (!sa->children[i].used)
			return &sa->children[i];
	/* All taken (a client that rekeys without deleting): drop the oldest. */
	peers_remove_child(sa, &sa->children[0]);
	memmove(&sa->children[0], &sa->children[1], sizeof sa->children[0] * (SA_CHILDREN - 1));
	return &sa->children[SA_CHILDREN - 1];
}

static void qm_msg3(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *h = m->n ? &m->pl[0] : NULL;
	uint8_t want[CRYPTO_MAX_HASH];
	struct child_sa *c;

	v1_qm_hash3(&sa->keys, m->msgid, sa->qm.ni, sa->qm.ni_len, sa->qm.nr, sa->qm.nr_len, want);
	if (!h || h->type != PL_HASH || h->len != sa->keys.hlen ||
	    CRYPTO_memcmp(want, h->body, h->len)) {
		log_warn("peer %s user %s: quick mode HASH(3) mismatch", sa_peer_str(sa), sa->user);
		return;
	}
	c = qm_slot(sa);
	*c = sa->qm.child;
	c->used = true;
	qm_wipe(&sa->qm);
	peers_install_out(sa, c);
	qm_child_up(sa, c);
	log_notice("peer %s user %s: IPsec SA up: in 0x%08x out 0x%08x %s-%s %s", sa_peer_str(sa),
		   sa->user, c->spi_in, c->spi_out, prop_esp_enc_name(c->enc, c->key_bits),
		   prop_esp_auth_name(c->auth), c->encap == ENCAP_UDP ? "in UDP 4500" : "plain ESP");
	if (prop_transport_mode(c->encap_mode))
		log_notice("peer %s user %s: IPsec SA in 0x%08x is transport mode (host to host)",
			   sa_peer_str(sa), sa->user, c->spi_in);
}

/* Bookkeeping of a new child SA, whoever started its quick mode. */
void qm_child_up(struct ike_sa *sa, struct child_sa *c)
{
	long long now = now_ms();

	c->installed_ms = now;
	for (int i = 0; i < SA_CHILDREN; i++) {
		struct child_sa *old = &sa->children[i];

		/* In-flight packets of the old SA still decrypt for a while. */
		if (old != c && old->used && !old->retire_ms)
			old->retire_ms = now + CHILD_RETIRE_MS;
	}
	keylog_esp(sa, c);
	p1_replace_expired(sa);	/* a re-authenticated client's old session goes */
	peers_db_child_sa(sa, c, false);
	peers_db_session_upd(sa, c);
}

void qm_input(struct ike_sa *sa, const struct v1_msg *m)
{
	if (sa->state != ST_ESTABLISHED) {
		log_warn("peer %s: quick mode before XAUTH and mode-config completed",
			 sa_peer_str(sa));
		return;
	}
	if (sa->p1_dead) {	/* p1_expire.c: the IKE SA was deleted */
		log_warn("peer %s: quick mode on an expired IKE SA dropped", sa_peer_str(sa));
		return;
	}
	if (sa->qmi.msgid && m->msgid == sa->qmi.msgid)
		rekey_answer(sa, m);
	else if (sa->qm.msgid && m->msgid == sa->qm.msgid)
		qm_msg3(sa, m);
	else
		qm_msg1(sa, m);
}
