/* RFC 5176 packets in authd (authd/dae_packet.c): a Disconnect-Request
 * made by an independent implementation (Python hashlib) parses to its
 * User-Name, Framed-IP-Address and Acct-Session-Id and verifies with its
 * secret only; a changed byte or a wrong secret fails; malformed lengths
 * are refused; the NAK's Response Authenticator matches the reference.
 * CoA-Requests (same reference): Session-Timeout and Idle-Timeout are
 * read, identification attributes are not "unsupported", Filter-Id and a
 * Vendor-Specific are; the CoA-ACK and the CoA-NAK 401 match.
 * Message-Authenticator (RFC 5176 3.4; reference:
 * tests/unit/radius_msgauth_vectors.py): a request's is verified over a
 * zero Authenticator field (good, flipped bit with the Request
 * Authenticator recomputed, wrong secret, absent), one of the wrong length
 * is malformed, and ACK/NAK to a request that had one carry one that
 * matches the reference byte for byte.
 * RFC 5176 3.1-3.3 (same reference): a CoA-Request with Service-Type
 * Authorize-Only is refused with 405 (before 401/402 would apply), any
 * Service-Type in a CoA is; State and Proxy-State are neither unsupported
 * nor dropped: the answers echo them byte for byte (State only in CoA
 * answers); more Proxy-State than fits an answer is malformed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "../../authd/dae.h"
#include "crypto.h"
#include "radius_msgauth_vectors.h"

/* Disconnect-Request, id 7, User-Name "bob", Framed-IP 10.200.0.5,
 * Acct-Session-Id "00A0FEBAEB765597", secret "daesecret". */
static const uint8_t req[] = {
	0x28, 0x07, 0x00, 0x31, 0xd9, 0x65, 0x66, 0x97, 0xeb, 0x98, 0x13, 0x3d, 0xda, 0xea,
	0xc3, 0x9d, 0xa7, 0x5e, 0x19, 0xa9, 0x01, 0x05, 0x62, 0x6f, 0x62, 0x08, 0x06, 0x0a,
	0xc8, 0x00, 0x05, 0x2c, 0x12, 0x30, 0x30, 0x41, 0x30, 0x46, 0x45, 0x42, 0x41, 0x45,
	0x42, 0x37, 0x36, 0x35, 0x35, 0x39, 0x37,
};

/* Its Disconnect-NAK with Error-Cause 503, by the same reference. */
static const uint8_t nak[] = {
	0x2a, 0x07, 0x00, 0x1a, 0x0e, 0x03, 0xab, 0x6b, 0x40, 0x20, 0xf5, 0x5e, 0xa4, 0x31,
	0x25, 0x55, 0x3e, 0x19, 0x76, 0x49, 0x65, 0x06, 0x00, 0x00, 0x01, 0xf7,
};

/* CoA-Request, id 9, secret "daesecret": User-Name "alice",
 * NAS-IP-Address 10.99.0.1, Session-Timeout 5, Idle-Timeout 60,
 * Event-Timestamp. */
static const uint8_t coa[] = {
	0x2b, 0x09, 0x00, 0x33, 0x1d, 0xff, 0xb4, 0x1a, 0x10, 0x85, 0xd7, 0x5d, 0xcb, 0xfe,
	0xc4, 0x91, 0x8d, 0xf1, 0xb3, 0x6a, 0x01, 0x07, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x04,
	0x06, 0x0a, 0x63, 0x00, 0x01, 0x1b, 0x06, 0x00, 0x00, 0x00, 0x05, 0x1c, 0x06, 0x00,
	0x00, 0x00, 0x3c, 0x37, 0x06, 0x65, 0x53, 0xf1, 0x00,
};

/* Its CoA-ACK. */
static const uint8_t coa_ack[] = {
	0x2c, 0x09, 0x00, 0x14, 0x45, 0x23, 0x1f, 0x25, 0x65, 0xc6, 0x0d, 0x67, 0x47, 0x05,
	0x6a, 0x25, 0xac, 0xdf, 0xd3, 0xa8,
};

/* CoA-Request, id 10: User-Name "alice", Session-Timeout 5, Filter-Id
 * "acl1", a Vendor-Specific (vendor 9). */
static const uint8_t coa_filter[] = {
	0x2b, 0x0a, 0x00, 0x30, 0x0c, 0x25, 0x4f, 0x80, 0xcd, 0x6e, 0x1b, 0xd9, 0x80, 0x4b,
	0x3e, 0x08, 0x6d, 0x60, 0x30, 0xe2, 0x01, 0x07, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x1b,
	0x06, 0x00, 0x00, 0x00, 0x05, 0x0b, 0x06, 0x61, 0x63, 0x6c, 0x31, 0x1a, 0x09, 0x00,
	0x00, 0x00, 0x09, 0x01, 0x03, 0x78,
};

/* Its CoA-NAK with Error-Cause 401 (Unsupported-Attribute). */
static const uint8_t coa_nak401[] = {
	0x2d, 0x0a, 0x00, 0x1a, 0x33, 0x7f, 0x35, 0x70, 0xeb, 0x17, 0xb9, 0xb5, 0x55, 0xbe,
	0xb8, 0xd3, 0x49, 0x70, 0xf4, 0x0b, 0x65, 0x06, 0x00, 0x00, 0x01, 0x91,
};

static void test_parse(void **state)
{
	struct dae_request q;

	(void)state;
	assert_true(auth_dae_parse(req, sizeof req, &q));
	assert_int_equal(q.code, DAE_DISCONNECT_REQUEST);
	assert_int_equal(q.ident, 7);
	assert_string_equal(q.user, "bob");
	assert_string_equal(q.acct_session_id, "00A0FEBAEB765597");
	assert_int_equal(q.framed_addr, inet_addr("10.200.0.5"));
	assert_false(q.has_session_timeout);
}

static void test_verify(void **state)
{
	uint8_t bad[sizeof req];

	(void)state;
	assert_true(auth_dae_verify(req, sizeof req, "daesecret"));
	assert_false(auth_dae_verify(req, sizeof req, "wrongsecret"));
	memcpy(bad, req, sizeof bad);
	bad[24] ^= 1;				/* "bob" -> "bnb" */
	assert_false(auth_dae_verify(bad, sizeof bad, "daesecret"));
}

static void test_answer_matches_reference(void **state)
{
	struct dae_request q;
	uint8_t out[64];

	(void)state;
	assert_true(auth_dae_parse(req, sizeof req, &q));
	assert_int_equal(auth_dae_answer(out, sizeof out, &q, DAE_DISCONNECT_NAK,
					 DAE_ERR_SESSION_NOT_FOUND, "daesecret"), sizeof nak);
	assert_memory_equal(out, nak, sizeof nak);
	assert_int_equal(auth_dae_answer(out, 10, &q, DAE_DISCONNECT_ACK, 0, "daesecret"), 0);
	assert_int_equal(auth_dae_answer(out, sizeof out, &q, DAE_DISCONNECT_ACK, 0, "daesecret"), 20);
}

static void test_coa_parse(void **state)
{
	struct dae_request q;

	(void)state;
	assert_true(auth_dae_parse(coa, sizeof coa, &q));
	assert_true(auth_dae_verify(coa, sizeof coa, "daesecret"));
	assert_int_equal(q.code, DAE_COA_REQUEST);
	assert_string_equal(q.user, "alice");
	assert_true(q.has_session_timeout);
	assert_int_equal(q.session_timeout, 5);
	assert_true(q.has_idle_timeout);
	assert_int_equal(q.idle_timeout, 60);
	assert_int_equal(q.n_unsupported, 0);	/* NAS-IP-Address, Event-Timestamp */
}

static void test_coa_unsupported(void **state)
{
	struct dae_request q;

	(void)state;
	assert_true(auth_dae_parse(coa_filter, sizeof coa_filter, &q));
	assert_true(auth_dae_verify(coa_filter, sizeof coa_filter, "daesecret"));
	assert_int_equal(q.n_unsupported, 2);	/* Filter-Id, Vendor-Specific */
	assert_int_equal(q.unsupported_type, 11);
	assert_false(q.has_idle_timeout);
}

static void test_coa_answers_match_reference(void **state)
{
	struct dae_request q;
	uint8_t out[64];

	(void)state;
	assert_true(auth_dae_parse(coa, sizeof coa, &q));
	assert_int_equal(auth_dae_answer(out, sizeof out, &q, DAE_COA_ACK, 0, "daesecret"),
			 sizeof coa_ack);
	assert_memory_equal(out, coa_ack, sizeof coa_ack);
	assert_true(auth_dae_parse(coa_filter, sizeof coa_filter, &q));
	assert_int_equal(auth_dae_answer(out, sizeof out, &q, DAE_COA_NAK,
					 DAE_ERR_UNSUPPORTED_ATTRIBUTE, "daesecret"),
			 sizeof coa_nak401);
	assert_memory_equal(out, coa_nak401, sizeof coa_nak401);
}

struct malformed {
	const char *name;
	size_t cut;		/* bytes received */
	int patch_at;		/* -1: none */
	uint8_t value;
};

static void test_malformed(void **state)
{
	static const struct malformed cases[] = {
		{ "shorter than the header", 19, -1, 0 },
		{ "Length beyond the datagram", sizeof req - 1, -1, 0 },
		{ "Length below the header", sizeof req, 3, 0x13 },
		{ "attribute length 1", sizeof req, 21, 1 },
		{ "attribute past the Length", sizeof req, 21, 0x30 },
		{ "Framed-IP-Address of 3 bytes", sizeof req, 26, 5 },
	};
	struct dae_request q;
	uint8_t p[sizeof req];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(p, req, sizeof p);
		if (cases[i].patch_at >= 0)
			p[cases[i].patch_at] = cases[i].value;
		if (auth_dae_parse(p, cases[i].cut, &q))
			fail_msg("%s: parsed", cases[i].name);
		assert_false(auth_dae_verify(p, cases[i].cut, "daesecret"));
	}
}

static const struct ma_case {
	const char *name;
	const uint8_t *pkt;
	size_t len;
	const char *secret;
	bool has_ma, verify, ma_ok;
} ma_cases[] = {
	{ "signed", dreq_ma, sizeof dreq_ma, "daesecret", true, true, true },
	{ "wrong secret", dreq_ma, sizeof dreq_ma, "daesecreT", true, false, false },
	{ "MA bit flipped", dreq_ma_bad, sizeof dreq_ma_bad, "daesecret", true, true, false },
	{ "no MA", req, sizeof req, "daesecret", false, true, true },
};

static void test_msg_auth(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ma_cases / sizeof ma_cases[0]; i++) {
		const struct ma_case *c = &ma_cases[i];
		struct dae_request q;

		if (!auth_dae_parse(c->pkt, c->len, &q))
			fail_msg("%s: not parsed", c->name);
		if (q.has_msg_auth != c->has_ma ||
		    auth_dae_verify(c->pkt, c->len, c->secret) != c->verify ||
		    auth_dae_msg_auth_ok(c->pkt, c->len, c->secret) != c->ma_ok)
			fail_msg("%s: has %d verify %d ma_ok %d", c->name, q.has_msg_auth,
				 auth_dae_verify(c->pkt, c->len, c->secret),
				 auth_dae_msg_auth_ok(c->pkt, c->len, c->secret));
	}
}

static void test_msg_auth_malformed(void **state)
{
	uint8_t p[sizeof dreq_ma];
	struct dae_request q;

	(void)state;
	memcpy(p, dreq_ma, sizeof p);
	assert_int_equal(p[25], 80);		/* after User-Name "bob" */
	p[26] = 17;				/* 15 octets, then a stray one */
	assert_false(auth_dae_parse(p, sizeof p, &q));
	assert_false(auth_dae_msg_auth_ok(p, sizeof p, "daesecret"));
}

static void test_answers_with_msg_auth(void **state)
{
	struct dae_request q;
	uint8_t out[64];

	(void)state;
	assert_true(auth_dae_parse(dreq_ma, sizeof dreq_ma, &q));
	assert_int_equal(auth_dae_answer(out, sizeof out, &q, DAE_DISCONNECT_ACK, 0, "daesecret"),
			 sizeof dack_ma);
	assert_memory_equal(out, dack_ma, sizeof dack_ma);
	assert_int_equal(auth_dae_answer(out, sizeof out, &q, DAE_DISCONNECT_NAK,
					 DAE_ERR_SESSION_NOT_FOUND, "daesecret"), sizeof dnak_ma);
	assert_memory_equal(out, dnak_ma, sizeof dnak_ma);
	assert_int_equal(auth_dae_answer(out, 40, &q, DAE_DISCONNECT_NAK,
					 DAE_ERR_SESSION_NOT_FOUND, "daesecret"), 0);
}

static void test_coa_service_type_parse(void **state)
{
	struct dae_request q;

	(void)state;
	assert_true(auth_dae_parse(coa_authorize_only, sizeof coa_authorize_only, &q));
	assert_true(auth_dae_verify(coa_authorize_only, sizeof coa_authorize_only, "daesecret"));
	assert_true(auth_dae_msg_auth_ok(coa_authorize_only, sizeof coa_authorize_only, "daesecret"));
	assert_true(q.has_service_type);
	assert_int_equal(q.service_type, DAE_SERVICE_AUTHORIZE_ONLY);
	assert_true(q.has_state);
	assert_int_equal(q.state_len, 12);
	assert_memory_equal(q.state, "\x07" "authz-state", 12);
	assert_int_equal(q.proxy_state_len, 11 + 4);	/* two, type and length included */
	assert_int_equal(q.n_unsupported, 0);
}

/* The refusal decided before any session is looked at. */
static void test_coa_refusal(void **state)
{
	static const struct {
		const char *name;
		const uint8_t *pkt;
		size_t len;
		uint32_t service_type;	/* forced when != 0 */
		bool drop_user;
		uint32_t want;
	} t[] = {
		{ "timeouts", coa, sizeof coa, 0, false, 0 },
		{ "Filter-Id, VSA", coa_filter, sizeof coa_filter, 0, false, 401 },
		{ "Authorize-Only, nothing to change", coa_authorize_only, sizeof coa_authorize_only,
		  0, false, 405 },
		{ "State and Proxy-State", coa_state, sizeof coa_state, 0, false, 0 },
		{ "Service-Type Framed", coa, sizeof coa, 2, false, 405 },
		{ "Service-Type beside a VSA", coa_filter, sizeof coa_filter, 17, false, 405 },
		{ "no session named", coa_state, sizeof coa_state, 0, true, 402 },
	};
	char why[64];

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct dae_request q;
		uint32_t got;

		assert_true(auth_dae_parse(t[i].pkt, t[i].len, &q));
		if (t[i].service_type) {
			q.has_service_type = true;
			q.service_type = t[i].service_type;
		}
		if (t[i].drop_user)
			q.user[0] = 0;
		why[0] = 0;
		got = auth_dae_coa_refusal(&q, why, sizeof why);
		if (got != t[i].want || (got && !why[0]))
			fail_msg("%s: Error-Cause %u (%s), want %u", t[i].name, got, why, t[i].want);
	}
}

/* Answers echo State (CoA) and Proxy-State, matching the reference. */
static void test_answers_echo(void **state)
{
	static const struct {
		const char *name;
		const uint8_t *req, *want;
		size_t req_len, want_len;
		uint8_t code;
		uint32_t error_cause;
	} t[] = {
		{ "CoA-NAK 405", coa_authorize_only, coa_nak405, sizeof coa_authorize_only,
		  sizeof coa_nak405, DAE_COA_NAK, DAE_ERR_UNSUPPORTED_SERVICE },
		{ "CoA-ACK", coa_state, coa_state_ack, sizeof coa_state, sizeof coa_state_ack,
		  DAE_COA_ACK, 0 },
		{ "Disconnect-NAK", dreq_proxy, dnak_proxy, sizeof dreq_proxy, sizeof dnak_proxy,
		  DAE_DISCONNECT_NAK, DAE_ERR_SESSION_NOT_FOUND },
	};
	uint8_t out[DAE_MAX_PACKET];

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct dae_request q;
		size_t n;

		assert_true(auth_dae_parse(t[i].req, t[i].req_len, &q));
		assert_true(auth_dae_verify(t[i].req, t[i].req_len, "daesecret"));
		n = auth_dae_answer(out, sizeof out, &q, t[i].code, t[i].error_cause, "daesecret");
		if (n != t[i].want_len || memcmp(out, t[i].want, n) != 0)
			fail_msg("%s: answer of %zu bytes differs from the reference (%zu)",
				 t[i].name, n, t[i].want_len);
		/* one byte short of room: no answer rather than a cut one */
		assert_int_equal(auth_dae_answer(out, t[i].want_len - 1, &q, t[i].code,
						 t[i].error_cause, "daesecret"), 0);
	}
}

/* Five Proxy-States of 253 octets: more than DAE_PROXY_STATE_MAX. */
static void test_proxy_state_overflow(void **state)
{
	static uint8_t p[20 + 5 * 255];
	struct dae_request q;

	(void)state;
	memset(p, 0xab, sizeof p);
	p[0] = DAE_COA_REQUEST;
	p[2] = (uint8_t)(sizeof p >> 8);
	p[3] = (uint8_t)(sizeof p & 0xff);
	for (int i = 0; i < 5; i++) {
		p[20 + i * 255] = 33;
		p[21 + i * 255] = 255;
	}
	assert_false(auth_dae_parse(p, sizeof p, &q));
	assert_true(auth_dae_parse(p, 20 + 4 * 255, &q) == false);	/* Length says 5 */
	p[3] = (uint8_t)((20 + 4 * 255) & 0xff);
	p[2] = (uint8_t)((20 + 4 * 255) >> 8);
	assert_true(auth_dae_parse(p, sizeof p, &q));	/* four fit: 1020 octets */
	assert_int_equal(q.proxy_state_len, 4 * 255);
}

static int setup(void **state)
{
	(void)state;
	crypto_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_answer_matches_reference),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_coa_parse),
		cmocka_unit_test(test_coa_unsupported),
		cmocka_unit_test(test_coa_answers_match_reference),
		cmocka_unit_test(test_msg_auth),
		cmocka_unit_test(test_msg_auth_malformed),
		cmocka_unit_test(test_answers_with_msg_auth),
		cmocka_unit_test(test_coa_service_type_parse),
		cmocka_unit_test(test_coa_refusal),
		cmocka_unit_test(test_answers_echo),
		cmocka_unit_test(test_proxy_state_overflow),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
