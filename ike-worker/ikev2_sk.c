/* The IKEv2 Encrypted payload (RFC 7296 3.14) with AES-CBC and a
 * truncated HMAC: IV | ciphertext of (payloads | padding | pad length) |
 * ICV, the ICV over the whole message up to itself.  The checksum is
 * verified before anything is decrypted. */
#include <string.h>

#include <openssl/crypto.h>

#include "ike.h"
#include "log.h"

#define SK_BLOCK	16	/* AES */

static bool sk_icv(const struct ike_sa *sa, const uint8_t *key, const uint8_t *msg,
		   size_t len, uint8_t *out)
{
	struct chunk c = { msg, len };

	return prf_chunks(hash_of_v2_integ(sa->v2_integ), key, sa->v2k.integ_len, &c, 1, out);
}

/* The SK payload: the last one, ending the message.  Its next-payload
 * field names the first inner payload, so the outer chain ends with it. */
static bool sk_payload(const struct v1_msg *hdr, const uint8_t *pkt, size_t len,
		       struct v1_payload *sk)
{
	struct rbuf r;
	uint8_t type = hdr->first, next, crit;
	uint16_t plen;

	rbuf_init(&r, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN);
	for (;;) {
		const uint8_t *raw = rbuf_cur(&r);

		if (!rbuf_u8(&r, &next) || !rbuf_u8(&r, &crit) || !rbuf_u16(&r, &plen) ||
		    plen < 4 || !rbuf_skip(&r, plen - 4u))
			return false;
		if (type == V2_PL_SK) {
			*sk = (struct v1_payload){ .type = type, .raw = raw, .raw_len = plen,
						   .body = raw + 4, .len = plen - 4u };
			return rbuf_left(&r) == 0;
		}
		if (next == 0)
			return false;
		type = next;
	}
}

bool v2_sk_open(struct ike_sa *sa, uint8_t *pkt, size_t len, const struct v1_msg *hdr,
		struct v1_msg *out)
{
	size_t icv = v2_integ_icv_len(sa->v2_integ), n;
	uint8_t mac[CRYPTO_MAX_HASH], iv[SK_BLOCK], *body, pad;
	struct v1_payload skp, *sk = &skp;

	if (!icv || !sk_payload(hdr, pkt, len, sk) || sk->len < SK_BLOCK * 2 + icv ||
	    (sk->len - SK_BLOCK - icv) % SK_BLOCK)
		return false;
	if (!sk_icv(sa, sa->v2k.sk_ai, pkt, len - icv, mac) ||
	    CRYPTO_memcmp(mac, pkt + len - icv, icv))
		return false;
	body = pkt + (sk->body - pkt);
	memcpy(iv, body, SK_BLOCK);
	body += SK_BLOCK;
	n = sk->len - SK_BLOCK - icv;
	if (!cbc_crypt(IKE_ENC_AES, sa->v2k.sk_ei, sa->v2k.enc_len, iv, body, n, false))
		return false;
	pad = body[n - 1];
	if ((size_t)pad + 1 > n)
		return false;
	*out = *hdr;
	out->first = sk->raw[0];	/* the SK payload's next payload: the first inner one */
	return v1_parse_payloads(out, body, n - pad - 1u);
}

size_t v2_sk_begin(struct ike_sa *sa, struct v1_out *o, uint8_t exch, uint8_t flags,
		   uint32_t msgid)
{
	uint8_t iv[SK_BLOCK];
	size_t off;

	v2_out_begin(o, sa->icky, sa->rcky, exch, flags, msgid);
	/* The inner payloads' chain starts in the SK header's next-payload
	 * field: v1_out_open writes the first type there. */
	off = v1_out_open(o, V2_PL_SK);
	random_bytes(iv, sizeof iv);
	wbuf_bytes(&o->w, iv, sizeof iv);
	return off;
}

bool v2_sk_send(struct ike_sa *sa, struct v1_out *o, size_t sk_off)
{
	size_t icv = v2_integ_icv_len(sa->v2_integ), start = sk_off + 4 + SK_BLOCK;
	size_t n = o->w.len - start;
	uint8_t pad = (uint8_t)(SK_BLOCK - 1 - n % SK_BLOCK), iv[SK_BLOCK];

	wbuf_zero(&o->w, pad);
	wbuf_u8(&o->w, pad);
	if (!wbuf_ok(&o->w))
		return false;
	memcpy(iv, o->buf + sk_off + 4, SK_BLOCK);
	if (!cbc_crypt(IKE_ENC_AES, sa->v2k.sk_er, sa->v2k.enc_len, iv, o->buf + start,
		       o->w.len - start, true))
		return false;
	wbuf_zero(&o->w, icv);
	v1_out_close(o, sk_off);
	v1_out_finish(o);
	if (!wbuf_ok(&o->w) || !sk_icv(sa, sa->v2k.sk_ar, o->buf, o->w.len - icv,
				       o->buf + o->w.len - icv))
		return false;
	net_send(sa, o->buf, o->w.len);
	return true;
}
