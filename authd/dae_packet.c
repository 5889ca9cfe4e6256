/* RFC 5176 packets: parsing a Disconnect-/CoA-Request, checking its
 * Request Authenticator, building the ACK or NAK.  Pure functions over
 * received bytes (lib/buf.h), so they are unit-tested and fuzzed. */
#include "dae.h"
#include "buf.h"
#include "rad_msgauth.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define ATTR_USER_NAME		1
#define ATTR_SERVICE_TYPE	6
#define ATTR_FRAMED_IP		8
#define ATTR_STATE		24
#define ATTR_SESSION_TIMEOUT	27
#define ATTR_IDLE_TIMEOUT	28
#define ATTR_PROXY_STATE	33
#define ATTR_ACCT_SESSION_ID	44
#define ATTR_MSG_AUTH		80
#define ATTR_ERROR_CAUSE	101

/* The packet's attributes, bounded by its Length field. */
static bool packet_attrs(const uint8_t *pkt, size_t len, struct rbuf *attrs, uint16_t *plen)
{
	struct rbuf r;

	rbuf_init(&r, pkt, len);
	if (!rbuf_skip(&r, 2) || !rbuf_u16(&r, plen) || *plen < DAE_HDR_LEN || *plen > len)
		return false;
	rbuf_init(&r, pkt, *plen);
	return rbuf_skip(&r, DAE_HDR_LEN) && rbuf_sub(&r, *plen - DAE_HDR_LEN, attrs);
}

static void take_text(struct rbuf *v, char *out, size_t cap)
{
	size_t n = rbuf_left(v) < cap - 1 ? rbuf_left(v) : cap - 1;

	rbuf_copy(v, out, n);
	out[n] = 0;
}

/* Session identification and bookkeeping attributes (RFC 5176 3) that a
 * request may carry without asking for anything we cannot do. */
static bool harmless_attr(uint8_t type)
{
	static const uint8_t ok[] = {
		4,	/* NAS-IP-Address */
		5,	/* NAS-Port */
		30,	/* Called-Station-Id */
		31,	/* Calling-Station-Id */
		32,	/* NAS-Identifier */
		55,	/* Event-Timestamp */
		61,	/* NAS-Port-Type */
	};

	return memchr(ok, type, sizeof ok) != NULL;
}

/* Proxy-State, whole (type, length, value), appended for the answer to
 * echo; false when there is more than we keep. */
static bool take_proxy_state(struct rbuf *v, struct dae_request *q)
{
	size_t n = rbuf_left(v);
	const uint8_t *val;
	struct wbuf w;

	wbuf_init(&w, q->proxy_state + q->proxy_state_len,
		  sizeof q->proxy_state - q->proxy_state_len);
	if (!rbuf_ptr(v, &val, n) || !wbuf_u8(&w, ATTR_PROXY_STATE) ||
	    !wbuf_u8(&w, (uint8_t)(n + 2)) || !wbuf_bytes(&w, val, n))
		return false;
	q->proxy_state_len += (uint16_t)w.len;
	return true;
}

static bool take_attr(uint8_t type, struct rbuf *v, struct dae_request *q)
{
	switch (type) {
	case ATTR_SERVICE_TYPE:
		q->has_service_type = true;
		return rbuf_left(v) == 4 && rbuf_u32(v, &q->service_type);
	case ATTR_STATE:
		q->has_state = true;
		q->state_len = (uint8_t)rbuf_left(v);
		return rbuf_copy(v, q->state, q->state_len);
	case ATTR_PROXY_STATE:
		return take_proxy_state(v, q);
	case ATTR_USER_NAME:
		take_text(v, q->user, sizeof q->user);
		return true;
	case ATTR_ACCT_SESSION_ID:
		take_text(v, q->acct_session_id, sizeof q->acct_session_id);
		return true;
	case ATTR_FRAMED_IP:
		return rbuf_left(v) == 4 && rbuf_copy(v, &q->framed_addr, 4);
	case ATTR_SESSION_TIMEOUT:
		q->has_session_timeout = true;
		return rbuf_left(v) == 4 && rbuf_u32(v, &q->session_timeout);
	case ATTR_MSG_AUTH:		/* checked by auth_dae_msg_auth_ok */
		q->has_msg_auth = true;
		return rbuf_left(v) == 16;
	case ATTR_IDLE_TIMEOUT:
		q->has_idle_timeout = true;
		return rbuf_left(v) == 4 && rbuf_u32(v, &q->idle_timeout);
	default:
		/* not needed; a Disconnect-Request ignores them, a CoA refuses */
		if (!harmless_attr(type) && q->n_unsupported++ == 0)
			q->unsupported_type = type;
		return true;
	}
}

bool auth_dae_parse(const uint8_t *pkt, size_t len, struct dae_request *q)
{
	struct rbuf r, attrs, v;
	uint16_t plen;
	uint8_t type, alen;

	memset(q, 0, sizeof *q);
	if (!packet_attrs(pkt, len, &attrs, &plen))
		return false;
	rbuf_init(&r, pkt, plen);
	if (!rbuf_u8(&r, &q->code) || !rbuf_u8(&r, &q->ident) || !rbuf_skip(&r, 2) ||
	    !rbuf_copy(&r, q->authenticator, 16))
		return false;
	while (rbuf_left(&attrs)) {
		if (!rbuf_u8(&attrs, &type) || !rbuf_u8(&attrs, &alen) || alen < 2 ||
		    !rbuf_sub(&attrs, alen - 2u, &v) || !take_attr(type, &v, q))
			return false;
	}
	return true;
}

/* MD5(head + auth16 + attrs + secret) over the packet's Length bytes. */
static bool md5_with(const uint8_t *pkt, size_t plen, const uint8_t auth16[16],
		     const char *secret, uint8_t out[16])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
		  EVP_DigestUpdate(ctx, pkt, 4) && EVP_DigestUpdate(ctx, auth16, 16) &&
		  EVP_DigestUpdate(ctx, pkt + DAE_HDR_LEN, plen - DAE_HDR_LEN) &&
		  EVP_DigestUpdate(ctx, secret, strlen(secret)) &&
		  EVP_DigestFinal_ex(ctx, out, &n) && n == 16;

	EVP_MD_CTX_free(ctx);
	return ok;
}

bool auth_dae_verify(const uint8_t *pkt, size_t len, const char *secret)
{
	static const uint8_t zero[16];
	struct dae_request q;
	struct rbuf attrs;
	uint16_t plen;
	uint8_t want[16];

	if (!packet_attrs(pkt, len, &attrs, &plen) || !auth_dae_parse(pkt, len, &q) ||
	    !md5_with(pkt, plen, zero, secret, want))
		return false;
	return CRYPTO_memcmp(want, q.authenticator, 16) == 0;
}

bool auth_dae_msg_auth_ok(const uint8_t *pkt, size_t len, const char *secret)
{
	static const uint8_t zero[16];
	bool present;

	return rad_msg_auth_verify(pkt, len, zero, secret, &present);
}

uint32_t auth_dae_coa_refusal(const struct dae_request *q, char *why, size_t cap)
{
	if (q->has_service_type) {
		snprintf(why, cap, "Service-Type %u%s not supported", q->service_type,
			 q->service_type == DAE_SERVICE_AUTHORIZE_ONLY ? " (Authorize-Only)" : "");
		return DAE_ERR_UNSUPPORTED_SERVICE;
	}
	if (q->n_unsupported) {
		snprintf(why, cap, "%d unsupported attribute(s), the first of type %u",
			 q->n_unsupported, q->unsupported_type);
		return DAE_ERR_UNSUPPORTED_ATTRIBUTE;
	}
	if (!q->has_session_timeout && !q->has_idle_timeout) {
		snprintf(why, cap, "no Session-Timeout or Idle-Timeout to change");
		return DAE_ERR_MISSING_ATTRIBUTE;
	}
	if (!q->acct_session_id[0] && !q->framed_addr && !q->user[0]) {
		snprintf(why, cap, "no session identification");
		return DAE_ERR_MISSING_ATTRIBUTE;
	}
	return 0;
}

static bool coa_answer(uint8_t code)
{
	return code == DAE_COA_ACK || code == DAE_COA_NAK;
}

/* The answer's attributes: Error-Cause, State (CoA answers, RFC 5176 3.3),
 * the Proxy-States (3.1), then a Message-Authenticator as zeroes (signed
 * once the header is complete). */
static void answer_attrs(struct wbuf *w, const struct dae_request *req, uint8_t code,
			 uint32_t error_cause)
{
	if (error_cause) {
		wbuf_u8(w, ATTR_ERROR_CAUSE);
		wbuf_u8(w, 6);
		wbuf_u32(w, error_cause);
	}
	if (req->has_state && coa_answer(code)) {
		wbuf_u8(w, ATTR_STATE);
		wbuf_u8(w, (uint8_t)(req->state_len + 2));
		wbuf_bytes(w, req->state, req->state_len);
	}
	wbuf_bytes(w, req->proxy_state, req->proxy_state_len);
	if (req->has_msg_auth) {
		wbuf_u8(w, ATTR_MSG_AUTH);
		wbuf_u8(w, RAD_MSG_AUTH_LEN);
		wbuf_zero(w, 16);
	}
}

/* RFC 5176 3.4: the ACK/NAK's Message-Authenticator is computed with the
 * request's Authenticator in the header and is then covered by the
 * Response Authenticator. */
size_t auth_dae_answer(uint8_t *out, size_t cap, const struct dae_request *req, uint8_t code,
		       uint32_t error_cause, const char *secret)
{
	struct wbuf w;
	uint8_t auth[16];

	wbuf_init(&w, out, cap);
	wbuf_u8(&w, code);
	wbuf_u8(&w, req->ident);
	wbuf_u16(&w, 0);		/* Length, below */
	wbuf_bytes(&w, req->authenticator, 16);
	answer_attrs(&w, req, code, error_cause);
	if (!wbuf_ok(&w) || w.len > DAE_MAX_PACKET || !wbuf_put_u16_at(&w, 2, (uint16_t)w.len) ||
	    !rad_msg_auth_sign(out, w.len, req->authenticator, secret) ||
	    !md5_with(out, w.len, req->authenticator, secret, auth))
		return 0;
	memcpy(out + 4, auth, 16);
	return w.len;
}
