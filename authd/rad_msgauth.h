/* RADIUS packet authentication over raw bytes (pure, unit-tested and
 * fuzzed): the Message-Authenticator attribute (RFC 3579 3.2, RFC 5176
 * 3.4) and the Response Authenticator of an answer (RFC 2865 3).
 *
 * Message-Authenticator = HMAC-MD5(secret, the packet with the attribute's
 * value as 16 zero octets and a given 16 octets in the Authenticator
 * field).  Which 16 octets depends on the packet:
 *   Access-Request                  its own Request Authenticator
 *   Access-Accept/Reject/Challenge  the Request Authenticator of the request
 *   Disconnect-/CoA-Request         16 zero octets (it is computed before
 *                                   the Request Authenticator)
 *   Disconnect-/CoA-ACK/NAK         the Request Authenticator of the request
 * In the last three the Message-Authenticator is computed first and then
 * covered by the packet's (Request or Response) Authenticator. */
#ifndef RAVPN_AUTH_RAD_MSGAUTH_H
#define RAVPN_AUTH_RAD_MSGAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAD_ATTR_MSG_AUTH	80
#define RAD_MSG_AUTH_LEN	18	/* type, length, 16 octets */
#define RAD_HDR_LEN		20

/* The attribute area of pkt (len bytes received): *plen is the header's
 * Length (<= len); *off the offset of the first Message-Authenticator's
 * value, *found whether there is one.  false: malformed (bad Length, an
 * attribute shorter than 2 or past the end, a Message-Authenticator whose
 * length is not 18). */
bool rad_msg_auth_find(const uint8_t *pkt, size_t len, size_t *plen, size_t *off, bool *found);

/* HMAC-MD5 over pkt[0..plen) with 16 zeroes at off and auth16 in the
 * Authenticator field (NULL: the field as it is). */
bool rad_msg_auth_calc(const uint8_t *pkt, size_t plen, size_t off, const uint8_t *auth16,
		       const char *secret, uint8_t out[16]);

/* Writes the Message-Authenticator of pkt in place, if it carries one,
 * computed with auth16 (NULL: the packet's own Authenticator field).
 * false if pkt is malformed. */
bool rad_msg_auth_sign(uint8_t *pkt, size_t len, const uint8_t *auth16, const char *secret);

/* Verifies pkt's Message-Authenticator (computed with auth16); *present
 * tells whether it has one.  False when malformed or present and wrong. */
bool rad_msg_auth_verify(const uint8_t *pkt, size_t len, const uint8_t *auth16,
			 const char *secret, bool *present);

/* Computes the Message-Authenticator of an Access-Request in place
 * (RFC 3579 3.2) if the packet carries one; false if it is malformed. */
bool rad_sign_request(uint8_t *pkt, size_t len, const char *secret);

/* Why an answer to our request (Request Authenticator req_auth) is
 * refused, or RAD_RESP_OK. */
enum rad_verdict {
	RAD_RESP_OK,
	RAD_RESP_MALFORMED,
	RAD_RESP_BAD_AUTHENTICATOR,	/* Response Authenticator: secret or forgery */
	RAD_RESP_BAD_MSG_AUTH,		/* Message-Authenticator does not verify */
	RAD_RESP_NO_MSG_AUTH,		/* none, and `message-authenticator require` */
};

/* Checks an answer: its Response Authenticator, MD5(Code + Identifier +
 * Length + req_auth + Attributes + secret), always; for Access-Accept,
 * -Reject and -Challenge also the Message-Authenticator when present, or
 * its absence when require.  Accounting-Response needs none (RFC 2866). */
enum rad_verdict rad_check_response(const uint8_t *pkt, size_t len, const uint8_t req_auth[16],
				    const char *secret, bool require);
const char *rad_verdict_text(enum rad_verdict v);

#endif
