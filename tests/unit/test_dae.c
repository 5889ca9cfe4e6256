/* RFC 5176 packets in authd (authd/dae_packet.c): a Disconnect-Request
 * made by an independent implementation (Python hashlib) parses to its
 * User-Name, Framed-IP-Address and Acct-Session-Id and verifies with its
 * secret only; a changed byte or a wrong secret fails; malformed lengths
 * are refused; the NAK's Response Authenticator matches the reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "../../authd/dae.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_answer_matches_reference),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
