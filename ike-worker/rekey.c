/* ravpn's own quick mode: before a child SA's lifetime ends (soft
 * lifetime), the gateway negotiates its successor with the same transform
 * and selectors; the old SA lives on for CHILD_RETIRE_MS so no packet in
 * flight is lost.  An SA that reaches its hard lifetime is removed.
 *   1  HDR*, HASH(1), SA, Ni [, KE], IDci, IDcr   us -> client
 *   2  HDR*, HASH(2), SA, Nr [, KE], IDci, IDcr   client -> us
 *   3  HDR*, HASH(3)                              us -> client */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "shard.h"
#include "log.h"
#include "proposal.h"

#define REKEY_RETRY_MS	2000
#define REKEY_TRIES	3

/* Soft lifetime: a tenth (at least 5 s) before the end. */
static long long soft_ms(const struct child_sa *c)
{
	long long life = (long long)c->lifetime * 1000, margin = life / 10;

	return life - (margin < 5000 ? 5000 : margin);
}

/* Volume soft lifetime at 90 %, as the time one (seed 001/002: the rekey
 * starts when 5-15 % of the lifetime remains); the ESP worker checks its
 * counters four times a second. */
uint64_t rekey_soft_bytes(const struct child_sa *c)
{
	uint64_t hard = (uint64_t)c->lifetime_kb * 1024;

	return hard - hard / 10;
}

/* One transform: the old SA's algorithms and our lifetime. It is a
 * substructure of the proposal, so it carries its own header here. */
static void rekey_transform(struct wbuf *w, const struct child_sa *c)
{
	size_t t = w->len;

	wbuf_u8(w, 0);				/* last transform */
	wbuf_u8(w, 0);
	wbuf_u16(w, 0);
	wbuf_u8(w, 1);
	wbuf_u8(w, c->enc);
	wbuf_u16(w, 0);
	wbuf_u16(w, 0x8000 | P2_LIFE_TYPE);
	wbuf_u16(w, 1);
	wbuf_u16(w, P2_LIFE_DURATION);
	wbuf_u16(w, 4);
	wbuf_u32(w, c->lifetime);
	if (c->lifetime_kb) {
		wbuf_u16(w, 0x8000 | P2_LIFE_TYPE);
		wbuf_u16(w, 2);			/* kilobytes */
		wbuf_u16(w, P2_LIFE_DURATION);
		wbuf_u16(w, 4);
		wbuf_u32(w, c->lifetime_kb);
	}
	wbuf_u16(w, 0x8000 | P2_ENCAP);
	wbuf_u16(w, c->encap_mode);
	if (c->auth) {
		wbuf_u16(w, 0x8000 | P2_AUTH);
		wbuf_u16(w, c->auth);
	}
	if (c->key_bits) {
		wbuf_u16(w, 0x8000 | P2_KEY_LENGTH);
		wbuf_u16(w, c->key_bits);
	}
	if (c->pfs_group) {
		wbuf_u16(w, 0x8000 | P2_GROUP);
		wbuf_u16(w, (uint16_t)c->pfs_group);
	}
	wbuf_put_u16_at(w, t + 2, (uint16_t)(w->len - t));
}

/* The algorithms of one offer on c (the rest of c: lifetimes, mode, PFS). */
static void rekey_apply_offer(struct child_sa *c, const struct qm_offer *f)
{
	c->enc = f->enc;
	c->auth = f->auth;
	c->key_bits = f->key_bits;
	c->enc_len = (uint8_t)prop_esp_key_len(c->enc, c->key_bits);
	c->auth_len = (uint8_t)prop_esp_auth_len(c->auth);
}

/* SA with one proposal (ESP, our new inbound SPI) per offer, each holding
 * one transform. */
static void rekey_sa_payload(struct v1_out *o, const struct qm_init *q)
{
	uint8_t tf[QM_OFFERS][64];
	const uint8_t *tfs[QM_OFFERS];
	size_t lens[QM_OFFERS];

	for (int i = 0; i < q->n_offers; i++) {
		struct child_sa c = q->child;
		struct wbuf w;

		rekey_apply_offer(&c, &q->offers[i]);
		wbuf_init(&w, tf[i], sizeof tf[i]);
		rekey_transform(&w, &c);
		tfs[i] = tf[i];
		lens[i] = w.len;
	}
	prop_build_p2_offer(o, q->child.spi_in, tfs, lens, q->n_offers);
}

/* Our IDs are the client's, swapped: its IDcr (what it reaches) is our IDci. */
static void rekey_ids(struct v1_out *o, const struct child_sa *old)
{
	if (!old->idci_len || !old->idcr_len)
		return;
	v1_out_payload(o, PL_ID, old->idcr, old->idcr_len);
	v1_out_payload(o, PL_ID, old->idci, old->idci_len);
}

static void rekey_send1(struct ike_sa *sa, const struct child_sa *old)
{
	struct qm_init *q = &sa->qmi;
	struct v1_out o;
	size_t hash;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_QUICK, 0, q->msgid);
	hash = crypt_reserve_hash(sa, &o);
	rekey_sa_payload(&o, q);
	v1_out_payload(&o, PL_NONCE, q->ni, sizeof q->ni);
	if (q->dh)
		v1_out_payload(&o, PL_KE, q->gx, q->gx_len);
	rekey_ids(&o, old);
	crypt_seal_send(sa, &o, hash, NULL, 0);
	free(q->msg);
	q->msg = malloc(o.w.len);
	if (q->msg)
		memcpy(q->msg, o.buf, o.w.len);
	q->msg_len = o.w.len;
	q->sent_ms = now_ms();
	q->tries = 1;
}

void rekey_start(struct ike_sa *sa, const struct child_sa *old)
{
	struct qm_offer f = { old->enc, old->auth, old->key_bits };

	rekey_start_offering(sa, old, &f, 1);
}

void rekey_start_offering(struct ike_sa *sa, const struct child_sa *old,
			  const struct qm_offer *offers, int n)
{
	struct qm_init *q = &sa->qmi;

	if (n < 1)
		return;
	q->n_offers = n < QM_OFFERS ? n : QM_OFFERS;
	memcpy(q->offers, offers, sizeof *offers * (size_t)q->n_offers);
	q->child = *old;
	rekey_apply_offer(&q->child, &offers[0]);	/* until the answer names one */
	q->child.used = q->child.installed = false;
	q->child.retire_ms = 0;
	q->child.seq_out_seen = 0;
	q->child.soft_expired = false;
	/* A LAN-to-LAN network follows the TUN steering, which a reload may
	 * have moved; a client stays on the worker of its address. */
	if (old->rmask)
		q->child.esp_index = (uint8_t)shard_of_l2l(&ike.c.conf, old->rnet, ike.c.start.n_esp);
	q->child.spi_in = qm_pick_spi(&q->child.esp_index);
	q->msgid = crypt_new_msgid();
	random_bytes(q->ni, sizeof q->ni);
	q->dh = NULL;
	if (old->pfs_group) {
		q->gx_len = dh_pub_len(old->pfs_group);
		q->dh = dh_new(old->pfs_group);
		if (!q->dh || !dh_public(q->dh, q->gx, q->gx_len)) {
			rekey_abandon(sa);
			return;
		}
	}
	log_info("peer %s user %s: rekeying IPsec SA 0x%08x (soft lifetime, %s)", sa_peer_str(sa),
		 sa->user, old->spi_in, old->soft_expired ? "volume" : "time");
	rekey_send1(sa, old);
}

void rekey_abandon(struct ike_sa *sa)
{
	dh_free(sa->qmi.dh);
	free(sa->qmi.msg);
	memset(&sa->qmi, 0, sizeof sa->qmi);
}

static void retire(struct ike_sa *sa, struct child_sa *c, const char *why)
{
	log_info("peer %s user %s: IPsec SA in 0x%08x out 0x%08x removed (%s)", sa_peer_str(sa),
		 sa->user, c->spi_in, c->spi_out, why);
	peers_remove_child(sa, c);
	peers_db_child_sa(sa, c, true);
	memset(c, 0, sizeof *c);
}

/* Hard lifetime: the SA goes and, while the IKE SA lives to carry it, the
 * peer hears so (an ISAKMP DELETE of the pair, as `clear crypto sa`
 * sends) instead of sending into an SA that no longer exists. */
static void retire_hard(struct ike_sa *sa, struct child_sa *c, const char *why)
{
	if (sa->state == ST_ESTABLISHED && !sa->p1_dead) {
		info_send_delete_esp(sa, &c->spi_in, 1);
		log_info("peer %s user %s: DELETE of IPsec SA 0x%08x sent to the peer",
			 sa_peer_str(sa), sa->user, c->spi_in);
	}
	retire(sa, c, why);
}

static void rekey_retransmit(struct ike_sa *sa, long long now)
{
	struct qm_init *q = &sa->qmi;

	if (now - q->sent_ms < REKEY_RETRY_MS)
		return;
	if (q->tries >= REKEY_TRIES) {
		log_warn("peer %s user %s: no answer to our rekey quick mode", sa_peer_str(sa),
			 sa->user);
		rekey_abandon(sa);
		return;
	}
	net_send(sa, q->msg, q->msg_len);
	q->sent_ms = now;
	q->tries++;
}

void rekey_tick(struct ike_sa *sa, long long now)
{
	if (sa->qmi.msgid)
		rekey_retransmit(sa, now);
	for (int i = 0; i < SA_CHILDREN; i++) {
		struct child_sa *c = &sa->children[i];
		long long age = now - c->installed_ms;

		if (!c->used || !c->lifetime)
			continue;
		if (c->retire_ms && now >= c->retire_ms)
			retire(sa, c, "replaced by a rekey");
		else if (age >= (long long)c->lifetime * 1000)
			retire_hard(sa, c, "hard lifetime reached");
		else if (!c->retire_ms && (age >= soft_ms(c) || c->soft_expired) &&
			 !sa->qmi.msgid && !sa->qm.msgid && !sa->p1_dead)
			rekey_start(sa, c);
	}
}

static struct child_sa *child_by_spi(struct ike_sa *sa, uint32_t spi)
{
	for (int i = 0; sa && i < SA_CHILDREN; i++)
		if (sa->children[i].used && (sa->children[i].spi_in == spi ||
					     sa->children[i].spi_out == spi))
			return &sa->children[i];
	return NULL;
}

/* Volume (or sequence number) lifetime from the ESP worker: soft starts
 * the same rekey as the time-based one (now, or at the next tick when a
 * quick mode is in progress); hard removes the SA. */
void rekey_sa_expire(const struct ipc_sa_expire *e)
{
	struct ike_sa *sa = sa_by_sid(e->sid);
	struct child_sa *c = child_by_spi(sa, e->spi);
	const char *what = e->why == EXPIRE_SEQ ? "sequence numbers" : "kilobytes";

	if (!c)
		return;
	if (e->hard) {
		log_notice("peer %s user %s: IPsec SA 0x%08x reached its hard lifetime (%s)",
			   sa_peer_str(sa), sa->user, c->spi_in, what);
		if (sa->v2)	/* ravpn starts no IKEv2 rekey: the session ends */
			sa_end(sa, "lifetime", true);
		else
			retire_hard(sa, c, e->why == EXPIRE_SEQ ? "sequence numbers exhausted" :
					   "hard lifetime in kilobytes reached");
		return;
	}
	if (c->retire_ms || c->soft_expired)
		return;		/* already replaced, or its rekey is pending */
	log_info("peer %s user %s: IPsec SA 0x%08x reached its soft lifetime (%s)",
		 sa_peer_str(sa), sa->user, c->spi_in, what);
	c->soft_expired = true;
	if (!sa->v2 && !sa->qmi.msgid && !sa->qm.msgid && sa->state == ST_ESTABLISHED &&
	    !sa->p1_dead)
		rekey_start(sa, c);
}

static bool offer_matches(const struct qm_offer *f, const struct p2_choice *ch)
{
	bool bits = f->enc == ESP_ENC_AES_CBC || f->enc == ESP_ENC_AES_GCM_16;

	return f->enc == ch->enc && f->auth == ch->auth && (!bits || f->key_bits == ch->key_bits);
}

/* The offer the peer's answer chose: its transform must be one we offered
 * (whatever its proposal number says), else the answer is refused. */
static const struct qm_offer *rekey_chosen(const struct ike_sa *sa, const struct v1_payload *sap,
					   uint32_t *spi)
{
	const struct qm_init *q = &sa->qmi;
	struct p2_choice ch;

	if (!sap || !prop_read_p2_answer(sap->body, sap->len, &ch))
		return NULL;
	*spi = ch.spi_out;
	for (int i = 0; i < q->n_offers; i++)
		if (offer_matches(&q->offers[i], &ch))
			return &q->offers[i];
	log_warn("peer %s user %s: the answer to our quick mode chose %s-%s, which we did not offer",
		 sa_peer_str(sa), sa->user, prop_esp_enc_name(ch.enc, ch.key_bits),
		 prop_esp_auth_name(ch.auth));
	return NULL;
}

static bool rekey_parse(struct ike_sa *sa, const struct v1_msg *m, uint32_t *spi,
			const struct v1_payload **nr, uint8_t *gxy, size_t *gxy_len)
{
	const struct v1_payload *ke = v1_find(m, PL_KE, 0);
	const struct qm_offer *f = rekey_chosen(sa, v1_find(m, PL_SA, 0), spi);

	*nr = v1_find(m, PL_NONCE, 0);
	*gxy_len = 0;
	if (!f || !*nr || (*nr)->len < 8 || (*nr)->len > 256)
		return false;
	rekey_apply_offer(&sa->qmi.child, f);
	if (!sa->qmi.dh)
		return true;
	*gxy_len = dh_shared_len(sa->qmi.child.pfs_group);
	return ke && ke->len == sa->qmi.gx_len &&
	       dh_shared(sa->qmi.dh, ke->body, ke->len, gxy, *gxy_len);
}

static bool rekey_hash2_ok(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *h = m->n ? &m->pl[0] : NULL;
	uint8_t want[CRYPTO_MAX_HASH];
	size_t rest = 0;

	if (!h || h->type != PL_HASH || h->len != sa->keys.hlen)
		return false;
	for (int i = 1; i < m->n; i++)
		rest += m->pl[i].raw_len;
	v1_qm_hash2(&sa->keys, m->msgid, sa->qmi.ni, sizeof sa->qmi.ni, h->raw + h->raw_len, rest,
		    want);
	return !CRYPTO_memcmp(want, h->body, h->len);
}

static void rekey_send3(struct ike_sa *sa, const uint8_t *nr, size_t nr_len)
{
	struct v1_out o;
	uint8_t h3[CRYPTO_MAX_HASH];

	v1_qm_hash3(&sa->keys, sa->qmi.msgid, sa->qmi.ni, sizeof sa->qmi.ni, nr, nr_len, h3);
	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_QUICK, 0, sa->qmi.msgid);
	v1_out_payload(&o, PL_HASH, h3, sa->keys.hlen);
	crypt_seal_plain(sa, &o, sa->qmi.msgid);
}

void rekey_answer(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *nr;
	uint8_t gxy[CRYPTO_MAX_DH];
	size_t gxy_len;
	uint32_t spi;
	struct child_sa *c;

	if (!rekey_hash2_ok(sa, m) || !rekey_parse(sa, m, &spi, &nr, gxy, &gxy_len)) {
		log_warn("peer %s user %s: bad answer to our rekey quick mode", sa_peer_str(sa),
			 sa->user);
		return;
	}
	sa->qmi.child.spi_out = spi;
	if (sa->qmi.n_offers > 1)
		log_info("peer %s user %s: the peer chose %s-%s of %d transform sets offered",
			 sa_peer_str(sa), sa->user,
			 prop_esp_enc_name(sa->qmi.child.enc, sa->qmi.child.key_bits),
			 prop_esp_auth_name(sa->qmi.child.auth), sa->qmi.n_offers);
	if (!qm_keymat(sa, &sa->qmi.child, sa->qmi.ni, sizeof sa->qmi.ni, nr->body, nr->len,
		       gxy_len ? gxy : NULL, gxy_len)) {
		rekey_abandon(sa);
		return;
	}
	c = qm_slot(sa);
	*c = sa->qmi.child;
	c->used = true;
	/* The client takes the new SAs into use on HASH(3): our inbound one
	 * is ready before it, our outbound one follows it, so the client
	 * knows the SPI of the first packet we send with it. */
	peers_install_in(sa, c);
	rekey_send3(sa, nr->body, nr->len);
	peers_install_out(sa, c);
	log_notice("peer %s user %s: IPsec SA rekeyed: in 0x%08x out 0x%08x", sa_peer_str(sa),
		   sa->user, c->spi_in, c->spi_out);
	qm_child_up(sa, c);
	rekey_abandon(sa);
}
