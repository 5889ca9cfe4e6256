/* Encrypted ISAKMP messages: the IV bookkeeping of RFC 2409 (phase 1 IV
 * from the DH values; every later exchange starts from
 * hash(last phase 1 block | M-ID) and chains through its own messages;
 * an informational is a one-message exchange and never chains), and the
 * HASH payload that authenticates each post-phase-1 message. */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <string.h>

#include "ike.h"
#include "log.h"

uint32_t crypt_new_msgid(void)
{
	uint32_t id = 0;

	while (id == 0)
		random_bytes(&id, sizeof id);
	return id;
}

static struct msg_iv *iv_find(struct ike_sa *sa, uint32_t msgid)
{
	for (int i = 0; i < SA_IVS; i++)
		if (sa->ivs[i].msgid == msgid)
			return &sa->ivs[i];
	return NULL;
}

/* Starts the IV chain of a new exchange: hash(last phase 1 block | M-ID). */
static struct msg_iv *iv_start(struct ike_sa *sa, uint32_t msgid)
{
	struct msg_iv *e = &sa->ivs[sa->iv_next];

	sa->iv_next = (sa->iv_next + 1) % SA_IVS;
	e->msgid = msgid;
	v1_phase2_iv(sa->hash, sa->p1_iv, sa->block, msgid, e->iv);
	return e;
}

/* The running IV of exchange msgid, created from phase 1 when new. */
static uint8_t *iv_of(struct ike_sa *sa, uint32_t msgid)
{
	struct msg_iv *e;

	if (msgid == 0)
		return sa->p1_iv;
	e = iv_find(sa, msgid);
	return (e ? e : iv_start(sa, msgid))->iv;
}

/* The IV a received message of msgid decrypts with, without recording it. */
static void iv_peek(struct ike_sa *sa, uint32_t msgid, uint8_t *iv)
{
	struct msg_iv *e = msgid ? iv_find(sa, msgid) : NULL;

	if (msgid == 0)
		memcpy(iv, sa->p1_iv, sa->block);
	else if (e)
		memcpy(iv, e->iv, sa->block);
	else
		v1_phase2_iv(sa->hash, sa->p1_iv, sa->block, msgid, iv);
}

/* An Informational exchange is a single one-way message (RFC 2408 4.8), so
 * its IV is always the fresh hash(last phase 1 block | M-ID) of RFC 2409
 * appendix B: nothing chains from it and it never enters the IV table.
 * vpnc takes the M-ID of each of its two closing DELETEs (ESP, then
 * ISAKMP) from one random byte, against RFC 2408 3.1 (a unique M-ID per
 * exchange, 0 being phase 1's), though each IV it uses is that derivation
 * for the M-ID it sent.  So in 1 of 256 disconnects both DELETEs share an
 * M-ID, and chaining the second from the first (as we did) dropped it as
 * undecryptable; in 1 of 256 the ISAKMP delete has M-ID 0.  Tolerated,
 * bounded: an informational with M-ID 0 rides the phase 1 chain only
 * until phase 1 is over; after it, it gets the fresh IV of M-ID 0 (the
 * phase 1 IV itself is never touched) and is acted on only when its
 * HASH(1) verifies and it is no replay (info_authentic). */
static bool iv_is_fresh(const struct ike_sa *sa, uint8_t exch, uint32_t msgid)
{
	return exch == EXCH_INFO && (msgid != 0 || sa->state >= ST_XAUTH_REQ);
}

/* The exchange's IV moves on only when the plaintext parses, so a forged
 * or corrupted packet can neither break the chain of the real exchange nor
 * push real exchanges out of the IV table. */
bool crypt_decrypt(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len,
		   struct v1_msg *out)
{
	size_t body = len - ISAKMP_HDR_LEN;
	bool fresh = iv_is_fresh(sa, hdr->exch, hdr->msgid);
	uint8_t next[16];

	if (body == 0 || body % sa->block)
		return false;
	if (fresh)
		v1_phase2_iv(sa->hash, sa->p1_iv, sa->block, hdr->msgid, next);
	else
		iv_peek(sa, hdr->msgid, next);
	if (!cbc_crypt(sa->enc, sa->keys.enc_key, sa->keys.enc_key_len, next,
		       pkt + ISAKMP_HDR_LEN, body, false))
		return false;
	*out = *hdr;
	if (!v1_parse_payloads(out, pkt + ISAKMP_HDR_LEN, body))
		return false;
	if (!fresh)
		memcpy(iv_of(sa, hdr->msgid), next, sa->block);
	return true;
}

size_t crypt_reserve_hash(struct ike_sa *sa, struct v1_out *o)
{
	size_t off = v1_out_open(o, PL_HASH);

	wbuf_zero(&o->w, sa->keys.hlen);
	v1_out_close(o, off);
	return off;
}

/* The IV a message we send encrypts with: an informational's own fresh one
 * (in buf, not kept), else the running IV of its exchange. */
static uint8_t *iv_of_sent(struct ike_sa *sa, uint8_t exch, uint32_t msgid, uint8_t *buf)
{
	if (!iv_is_fresh(sa, exch, msgid))
		return iv_of(sa, msgid);
	v1_phase2_iv(sa->hash, sa->p1_iv, sa->block, msgid, buf);
	return buf;
}

/* Pads the body to the cipher block, encrypts it and fixes the length. */
static void seal(struct ike_sa *sa, struct v1_out *o, uint32_t msgid)
{
	size_t body = o->w.len - ISAKMP_HDR_LEN;
	size_t pad = (sa->block - body % sa->block) % sa->block;
	uint8_t fresh_iv[16];
	uint8_t *iv = iv_of_sent(sa, o->buf[18], msgid, fresh_iv);

	wbuf_zero(&o->w, pad);
	wbuf_put_u8_at(&o->w, 19, o->buf[19] | FLAG_ENC);
	v1_out_finish(o);
	cbc_crypt(sa->enc, sa->keys.enc_key, sa->keys.enc_key_len, iv,
		  o->buf + ISAKMP_HDR_LEN, o->w.len - ISAKMP_HDR_LEN, true);
}

void crypt_seal_send(struct ike_sa *sa, struct v1_out *o, size_t hash_off,
		     const uint8_t *qm_ni, size_t qm_ni_len)
{
	uint32_t msgid;
	size_t rest = hash_off + 4 + sa->keys.hlen;
	uint8_t *h = o->buf + hash_off + 4;

	memcpy(&msgid, o->buf + 20, 4);
	msgid = ntohl(msgid);
	if (!wbuf_ok(&o->w)) {
		log_err("peer %s: message too large, not sent", sa_peer_str(sa));
		return;
	}
	if (qm_ni)
		v1_qm_hash2(&sa->keys, msgid, qm_ni, qm_ni_len, o->buf + rest, o->w.len - rest, h);
	else
		v1_hash_msgid(&sa->keys, msgid, o->buf + rest, o->w.len - rest, h);
	seal(sa, o, msgid);
	net_send(sa, o->buf, o->w.len);
}

void crypt_seal_plain(struct ike_sa *sa, struct v1_out *o, uint32_t msgid)
{
	if (!wbuf_ok(&o->w)) {
		log_err("peer %s: message too large, not sent", sa_peer_str(sa));
		return;
	}
	seal(sa, o, msgid);
	net_send(sa, o->buf, o->w.len);
}

bool crypt_check_hash(struct ike_sa *sa, const struct v1_msg *m)
{
	uint8_t want[CRYPTO_MAX_HASH];
	const struct v1_payload *h = m->n ? &m->pl[0] : NULL;
	const uint8_t *rest;
	size_t rest_len = 0;

	if (!h || h->type != PL_HASH || h->len != sa->keys.hlen)
		return false;
	rest = h->raw + h->raw_len;
	for (int i = 1; i < m->n; i++)
		rest_len += m->pl[i].raw_len;
	v1_hash_msgid(&sa->keys, m->msgid, rest, rest_len, want);
	return CRYPTO_memcmp(want, h->body, sa->keys.hlen) == 0;
}
