/* The client rekeys the IKE SA (RFC 7296 1.3.2, 2.18): CREATE_CHILD_SA
 * with an IKE proposal naming the new SPIi, a nonce and a KE.  The session
 * keeps its children, lease and sid; the IKE SA's SPIs, keys and message
 * counters change in place once our answer (under the old keys) is out.
 * The old SA lives on in sa->v2_prev only to answer the client's Delete
 * of it, for V2_PREV_MS at most. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ike.h"
#include "log.h"

#define V2_PREV_MS	60000

static void refuse(struct ike_sa *sa, const struct v1_msg *m, uint16_t notify, const void *data,
		   size_t len, const char *why)
{
	log_warn("peer %s user %s: IKE SA rekey refused: %s", sa_peer_str(sa), sa->user, why);
	v2_answer_notify(sa, m, notify, data, len);
}

/* The client's choice against our policies; answers a refusal itself. */
static bool acceptable(struct ike_sa *sa, const struct v1_msg *m, struct v2_ike_choice *ch,
		       const uint8_t **gx, size_t *gx_len)
{
	const struct v1_payload *sap = v1_find(m, V2_PL_SA, 0), *ke = v1_find(m, V2_PL_KE, 0);
	const struct v1_payload *ni = v1_find(m, V2_PL_NONCE, 0);
	uint16_t group = 0, want;

	if (!sap || !ke || !ni || ni->len < 16 || ni->len > 256 ||
	    !v2_read_ke(ke, &group, gx, gx_len)) {
		refuse(sa, m, V2N_INVALID_SYNTAX, NULL, 0, "no valid SA, KE or nonce");
		return false;
	}
	if (!v2_select_ike(sap->body, sap->len, &ike.c.conf, group, ch) || !ch->has_spi) {
		refuse(sa, m, V2N_NO_PROPOSAL_CHOSEN, NULL, 0,
		       "no proposal (with its new SPI) matches a crypto ikev2 policy");
		return false;
	}
	if (ch->dh != group) {
		want = htons((uint16_t)ch->dh);
		refuse(sa, m, V2N_INVALID_KE_PAYLOAD, &want, 2, "KE of a group we do not take");
		return false;
	}
	return true;
}

/* The new SA's keys from a new DH exchange; our public value in gxr. */
static bool new_keys(struct ike_sa *sa, const struct v2_ike_choice *ch, const uint8_t *gx,
		     size_t gx_len, const struct v1_payload *ni, const uint8_t *nr,
		     const uint8_t *rcky, uint8_t *gxr, struct v2_keys *k)
{
	static uint8_t gir[CRYPTO_MAX_DH];
	struct dh *d = dh_new(ch->dh);
	size_t shared = dh_shared_len(ch->dh);
	bool ok;

	*k = (struct v2_keys){ .prf = hash_of_v2_prf(ch->prf),
			       .integ_len = hash_len(hash_of_v2_integ(ch->integ)),
			       .enc_len = (size_t)ch->key_bits / 8 };
	k->prf_len = hash_len(k->prf);
	ok = d && gx_len == dh_pub_len(ch->dh) && dh_public(d, gxr, gx_len) &&
	     dh_shared(d, gx, gx_len, gir, shared) &&
	     v2_derive_rekey(k, &sa->v2k, gir, shared, ni->body, ni->len, nr, V2_NONCE_LEN,
			     ch->spi, rcky);
	dh_free(d);
	sodium_memzero(gir, sizeof gir);
	return ok;
}

static void answer(struct ike_sa *sa, const struct v1_msg *m, const struct v2_ike_choice *ch,
		   const uint8_t *rcky, const uint8_t *nr, const uint8_t *gxr)
{
	struct v1_out o;
	size_t sk = v2_sk_begin(sa, &o, V2_CREATE_CHILD_SA, V2_F_RESPONSE, m->msgid);

	v2_build_ike_sa(&o, ch, rcky);
	v1_out_payload(&o, V2_PL_NONCE, nr, V2_NONCE_LEN);
	v2_out_ke(&o, ch->dh, gxr, dh_pub_len(ch->dh));
	v2_respond(sa, m, &o, sk);
}

/* The old SA steps aside into v2_prev; the new one takes its place. */
static void switch_sa(struct ike_sa *sa, const struct v2_ike_choice *ch, const uint8_t *rcky,
		      const struct v2_keys *k)
{
	struct v2_prev *p = &sa->v2_prev;

	peers_db_ike_sa(sa, true);
	*p = (struct v2_prev){ .live = true, .until_ms = now_ms() + V2_PREV_MS, .k = sa->v2k,
			       .integ = sa->v2_integ, .rx_msgid = sa->v2_rx_msgid,
			       .tx_msgid = sa->v2_tx_msgid };
	memcpy(p->icky, sa->icky, 8);
	memcpy(p->rcky, sa->rcky, 8);
	memcpy(sa->icky, ch->spi, 8);
	memcpy(sa->rcky, rcky, 8);
	sa->v2k = *k;
	sa->v2_encr = ch->encr;
	sa->v2_integ = ch->integ;
	sa->v2_prf = ch->prf;
	sa->key_bits = ch->key_bits;
	sa->hash = k->prf;
	sa->group = ch->dh;
	sa->lifetime = ch->lifetime;
	sa->v2_rx_msgid = sa->v2_tx_msgid = 0;	/* 2.18: the new SA counts afresh */
	sa->dpd_tries = 0;
	free(sa->last_out);	/* an answer of the old SA: not for the new one's requests */
	sa->last_out = NULL;
	keylog_ike_v2(sa);
	peers_db_ike_sa(sa, false);
}

void v2_ike_rekey(struct ike_sa *sa, const struct v1_msg *m)
{
	static uint8_t gxr[CRYPTO_MAX_DH];
	struct v2_ike_choice ch;
	struct v2_keys k;
	uint8_t rcky[8], nr[V2_NONCE_LEN];
	const uint8_t *gx;
	size_t gx_len;

	if (sa->v2_prev.live) {
		refuse(sa, m, V2N_TEMPORARY_FAILURE, NULL, 0, "the previous rekey is not done");
		return;
	}
	if (!acceptable(sa, m, &ch, &gx, &gx_len))
		return;
	random_bytes(rcky, sizeof rcky);
	random_bytes(nr, sizeof nr);
	if (!new_keys(sa, &ch, gx, gx_len, v1_find(m, V2_PL_NONCE, 0), nr, rcky, gxr, &k)) {
		refuse(sa, m, V2N_INVALID_SYNTAX, NULL, 0, "bad KE payload");
		return;
	}
	answer(sa, m, &ch, rcky, nr, gxr);
	switch_sa(sa, &ch, rcky, &k);
	sodium_memzero(&k, sizeof k);
	log_notice("peer %s user %s: IKE SA rekeyed by the client", sa_peer_str(sa), sa->user);
}

struct ike_sa *v2_prev_owner(const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		if (sa->v2 && sa->v2_prev.live && !memcmp(sa->v2_prev.icky, spi_i, 8) &&
		    !memcmp(sa->v2_prev.rcky, spi_r, 8))
			return sa;
	return NULL;
}

/* Exchanges the live SA's identity and keys with the replaced one's. */
static void swap_prev(struct ike_sa *sa)
{
	struct v2_prev *p = &sa->v2_prev, t = *p;

	memcpy(p->icky, sa->icky, 8);
	memcpy(p->rcky, sa->rcky, 8);
	p->k = sa->v2k;
	p->integ = sa->v2_integ;
	p->rx_msgid = sa->v2_rx_msgid;
	p->tx_msgid = sa->v2_tx_msgid;
	memcpy(sa->icky, t.icky, 8);
	memcpy(sa->rcky, t.rcky, 8);
	sa->v2k = t.k;
	sa->v2_integ = t.integ;
	sa->v2_rx_msgid = t.rx_msgid;
	sa->v2_tx_msgid = t.tx_msgid;
}

void v2_prev_input(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len)
{
	const struct v1_payload *d;
	struct v1_msg m;
	struct v1_out o;
	bool gone = false;

	swap_prev(sa);
	if (hdr->exch == V2_INFORMATIONAL && hdr->msgid == sa->v2_rx_msgid &&
	    v2_sk_open(sa, pkt, len, hdr, &m)) {
		size_t sk = v2_sk_begin(sa, &o, V2_INFORMATIONAL, V2_F_RESPONSE, m.msgid);

		v2_sk_send(sa, &o, sk);
		sa->v2_rx_msgid++;
		gone = (d = v1_find(&m, V2_PL_DELETE, 0)) && v2_deletes_ike_sa(d);
	}
	swap_prev(sa);
	if (gone) {
		sodium_memzero(&sa->v2_prev, sizeof sa->v2_prev);
		log_info("peer %s user %s: the IKE SA replaced by the rekey deleted",
			 sa_peer_str(sa), sa->user);
	}
}

void v2_prev_tick(struct ike_sa *sa, long long now)
{
	if (sa->v2_prev.live && now >= sa->v2_prev.until_ms)
		sodium_memzero(&sa->v2_prev, sizeof sa->v2_prev);
}
