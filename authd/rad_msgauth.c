/* Message-Authenticator and Response Authenticator over raw RADIUS bytes
 * (see rad_msgauth.h for which Authenticator each packet type uses). */
#include "rad_msgauth.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"

#include <openssl/crypto.h>
#include <string.h>

#define CODE_ACCESS_ACCEPT	2
#define CODE_ACCESS_REJECT	3
#define CODE_ACCESS_CHALLENGE	11

bool rad_msg_auth_find(const uint8_t *pkt, size_t len, size_t *plen, size_t *off, bool *found)
{
	struct rbuf r, attrs;
	uint16_t n;
	uint8_t type, alen;

	*found = false;
	rbuf_init(&r, pkt, len);
	if (!rbuf_skip(&r, 2) || !rbuf_u16(&r, &n) || n < RAD_HDR_LEN || n > len)
		return false;
	*plen = n;
	rbuf_init(&r, pkt, n);
	if (!rbuf_skip(&r, RAD_HDR_LEN) || !rbuf_sub(&r, n - RAD_HDR_LEN, &attrs))
		return false;
	while (rbuf_left(&attrs)) {
		if (!rbuf_u8(&attrs, &type) || !rbuf_u8(&attrs, &alen) || alen < 2)
			return false;
		if (type == RAD_ATTR_MSG_AUTH) {
			/* one, of 16 octets: anything else cannot be verified */
			if (alen != RAD_MSG_AUTH_LEN || *found)
				return false;
			*off = (size_t)(rbuf_cur(&attrs) - rbuf_base(&r));
			*found = true;
		}
		if (!rbuf_skip(&attrs, alen - 2u))
			return false;
	}
	return true;
}

bool rad_msg_auth_calc(const uint8_t *pkt, size_t plen, size_t off, const uint8_t *auth16,
		       const char *secret, uint8_t out[16])
{
	static const uint8_t zero[16];
	uint8_t mac[CRYPTO_MAX_HASH];

	if (plen < RAD_HDR_LEN || off < RAD_HDR_LEN + 2 || off + 16 > plen)
		return false;
	struct chunk c[] = {
		{ pkt, 4 },
		{ auth16 ? auth16 : pkt + 4, 16 },
		{ pkt + RAD_HDR_LEN, off - RAD_HDR_LEN },
		{ zero, 16 },
		{ pkt + off + 16, plen - off - 16 },
	};

	if (!prf_chunks(IKE_HASH_MD5, secret, strlen(secret), c, 5, mac))
		return false;
	memcpy(out, mac, 16);
	return true;
}

bool rad_msg_auth_sign(uint8_t *pkt, size_t len, const uint8_t *auth16, const char *secret)
{
	size_t plen, off;
	bool found;
	uint8_t mac[16];

	if (!rad_msg_auth_find(pkt, len, &plen, &off, &found))
		return false;
	if (!found)
		return true;
	if (!rad_msg_auth_calc(pkt, plen, off, auth16, secret, mac))
		return false;
	memcpy(pkt + off, mac, 16);
	return true;
}

bool rad_msg_auth_verify(const uint8_t *pkt, size_t len, const uint8_t *auth16,
			 const char *secret, bool *present)
{
	size_t plen, off;
	uint8_t mac[16];

	if (!rad_msg_auth_find(pkt, len, &plen, &off, present))
		return false;
	if (!*present)
		return true;
	return rad_msg_auth_calc(pkt, plen, off, auth16, secret, mac) &&
	       CRYPTO_memcmp(mac, pkt + off, 16) == 0;
}

bool rad_sign_request(uint8_t *pkt, size_t len, const char *secret)
{
	return rad_msg_auth_sign(pkt, len, NULL, secret);
}

/* MD5(Code + Identifier + Length + req_auth + Attributes + secret) is the
 * answer's Authenticator field (RFC 2865 3, RFC 2866 3). */
static bool response_auth_ok(const uint8_t *pkt, size_t plen, const uint8_t req_auth[16],
			     const char *secret)
{
	uint8_t md[CRYPTO_MAX_HASH];
	struct chunk c[] = {
		{ pkt, 4 },
		{ req_auth, 16 },
		{ pkt + RAD_HDR_LEN, plen - RAD_HDR_LEN },
		{ secret, strlen(secret) },
	};

	return hash_chunks(IKE_HASH_MD5, c, 4, md) && CRYPTO_memcmp(md, pkt + 4, 16) == 0;
}

static bool access_answer(uint8_t code)
{
	return code == CODE_ACCESS_ACCEPT || code == CODE_ACCESS_REJECT ||
	       code == CODE_ACCESS_CHALLENGE;
}

enum rad_verdict rad_check_response(const uint8_t *pkt, size_t len, const uint8_t req_auth[16],
				    const char *secret, bool require)
{
	size_t plen, off;
	bool present;

	if (!rad_msg_auth_find(pkt, len, &plen, &off, &present))
		return RAD_RESP_MALFORMED;
	if (!response_auth_ok(pkt, plen, req_auth, secret))
		return RAD_RESP_BAD_AUTHENTICATOR;
	if (!access_answer(pkt[0]))
		return RAD_RESP_OK;
	if (!present)
		return require ? RAD_RESP_NO_MSG_AUTH : RAD_RESP_OK;
	if (!rad_msg_auth_verify(pkt, plen, req_auth, secret, &present))
		return RAD_RESP_BAD_MSG_AUTH;
	return RAD_RESP_OK;
}

const char *rad_verdict_text(enum rad_verdict v)
{
	switch (v) {
	case RAD_RESP_OK: return "ok";
	case RAD_RESP_MALFORMED: return "malformed";
	case RAD_RESP_BAD_AUTHENTICATOR: return "bad Response Authenticator (wrong secret or forged)";
	case RAD_RESP_BAD_MSG_AUTH: return "bad Message-Authenticator";
	case RAD_RESP_NO_MSG_AUTH: return "no Message-Authenticator (message-authenticator require)";
	}
	return "?";
}
