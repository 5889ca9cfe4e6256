/* RFC 5176 dynamic authorization in authd.
 *
 * dae_packet.c (pure, fuzzed): parses a Disconnect-/CoA-Request with the
 * bounded-buffer API, checks its Request Authenticator and Message-
 * Authenticator against a shared secret and builds the answer.  dae.c: the socket master opened (FD_DAE),
 * the client list (the hosts of every aaa-server group with
 * `dynamic-authorization`, with their keys), and the logoff (Disconnect)
 * or timer change (CoA: Session-Timeout, Idle-Timeout) through the IKE
 * workers, whose counts decide ACK or NAK. */
#ifndef RAVPN_AUTH_DAE_H
#define RAVPN_AUTH_DAE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

#define DAE_DISCONNECT_REQUEST	40
#define DAE_DISCONNECT_ACK	41
#define DAE_DISCONNECT_NAK	42
#define DAE_COA_REQUEST		43
#define DAE_COA_ACK		44
#define DAE_COA_NAK		45

/* Error-Cause values (RFC 5176 3.5) */
#define DAE_ERR_UNSUPPORTED_ATTRIBUTE	401
#define DAE_ERR_MISSING_ATTRIBUTE	402
#define DAE_ERR_INVALID_REQUEST		404
#define DAE_ERR_UNSUPPORTED_SERVICE	405
#define DAE_ERR_SESSION_NOT_FOUND	503

#define DAE_HDR_LEN		20
#define DAE_MAX_PACKET		4096
#define DAE_PROXY_STATE_MAX	1024	/* Proxy-State attributes echoed, type and length included */

/* Service-Type value (RFC 5176 3.2): a request for an Access-Request round
 * we do not make, so a CoA carrying it is refused with 405. */
#define DAE_SERVICE_AUTHORIZE_ONLY	17

struct dae_request {
	uint8_t code;
	uint8_t ident;
	uint8_t authenticator[16];
	char user[NAME_LEN];		/* User-Name, "" when absent */
	char acct_session_id[64];	/* Acct-Session-Id, "" when absent */
	uint32_t framed_addr;		/* Framed-IP-Address, network order, 0 = absent */
	uint32_t session_timeout;	/* Session-Timeout, 0 = absent */
	bool has_session_timeout;
	uint32_t idle_timeout;		/* Idle-Timeout */
	bool has_idle_timeout;
	/* Attributes a CoA-Request may not carry here (neither session
	 * identification nor a change we make): how many, the first's type. */
	int n_unsupported;
	uint8_t unsupported_type;
	bool has_msg_auth;		/* a Message-Authenticator (16 octets) */
	bool has_service_type;		/* Service-Type (CoA: none is supported) */
	uint32_t service_type;
	/* State (RFC 5176 3.3: echoed unmodified in the CoA-ACK/NAK) */
	bool has_state;
	uint8_t state_len;
	uint8_t state[253];
	/* Every Proxy-State attribute as received, in order (RFC 5176 3.1:
	 * echoed in the answer) */
	uint16_t proxy_state_len;
	uint8_t proxy_state[DAE_PROXY_STATE_MAX];
};

/* Parses pkt (len bytes received; the RADIUS Length may be shorter).
 * false: not a well-formed RADIUS packet (or one with more Proxy-State
 * than we could echo). */
bool auth_dae_parse(const uint8_t *pkt, size_t len, struct dae_request *out);
/* True when the Request Authenticator is MD5(Code + Identifier + Length +
 * 16 zero octets + Attributes + secret) (RFC 5176 2.3, as RFC 2866). */
bool auth_dae_verify(const uint8_t *pkt, size_t len, const char *secret);
/* When the request carries a Message-Authenticator: true when it is
 * HMAC-MD5(secret, the packet with the Authenticator field and the
 * attribute's value as zeroes) (RFC 5176 3.4).  True when there is none. */
bool auth_dae_msg_auth_ok(const uint8_t *pkt, size_t len, const char *secret);
/* Why a CoA-Request must be NAKed before any session is looked at: the
 * Error-Cause (why: a line for the log), or 0 when it may go ahead.  A
 * Service-Type comes first (RFC 5176 3.2: Authorize-Only, which we do not
 * support, gets 405 Unsupported Service and never an ACK), then unsupported
 * attributes (401), then nothing to change or no session named (402). */
uint32_t auth_dae_coa_refusal(const struct dae_request *q, char *why, size_t cap);
/* Builds the answer code to req with its Response Authenticator: Error-
 * Cause when error_cause != 0, req's State when it is a CoA answer, req's
 * Proxy-State attributes, a Message-Authenticator when req had one.
 * Returns its length, 0 if cap is too small. */
size_t auth_dae_answer(uint8_t *out, size_t cap, const struct dae_request *req, uint8_t code,
		       uint32_t error_cause, const char *secret);

struct child;
struct chanloop;
/* Watches the FD_DAE socket (again after master re-sent it). */
void auth_dae_watch(struct chanloop *l, struct child *c);
/* An IKE worker's IPC_LOGOFF_ANS to a Disconnect- or CoA-Request. */
void auth_dae_logoff_answer(int ike_index, const struct ipc_msg *m);
/* Requests whose IKE workers did not all answer in time are answered. */
long long auth_dae_due_ms(void);
void auth_dae_expire(void);

#endif
