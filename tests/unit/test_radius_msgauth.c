/* RADIUS answers checked the BlastRADIUS way (authd/rad_msgauth.c,
 * authd/rad_shim.c):
 *  - rad_check_response over packets made by an independent reference
 *    (tests/unit/radius_msgauth_vectors.py, hashlib/hmac): good, tampered
 *    attribute, wrong secret, Message-Authenticator over the wrong
 *    Authenticator field, missing with and without `require`, malformed;
 *  - signing reproduces the reference's Message-Authenticator;
 *  - the recvfrom hook on real UDP sockets: a refused answer is skipped
 *    and a good one that follows within the wait is returned; when none
 *    follows, radcli gets the refused one with another Identifier;
 *  - rad_authenticate (libradcli 1.2.11 underneath) against a server
 *    thread whose answers are made with OpenSSL's HMAC-MD5 and MD5 only:
 *    a forged Access-Accept (bad Message-Authenticator, or a bad Response
 *    Authenticator, which radcli 1.2.11 only logs) followed by the genuine
 *    Access-Reject gives a reject after one send; an Access-Accept without Message-Authenticator
 *    to a `require` host is no answer (bad_responses counted); a signed
 *    one is accepted with its Framed-IP-Address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../authd/radius.h"
#include "crypto.h"
#include "radius_msgauth_vectors.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct verdict_case {
	const char *name;
	const uint8_t *pkt;
	size_t len;
	const char *secret;
	bool require;
	enum rad_verdict want;
} verdict_cases[] = {
	{ "accept, MA first", accept_ma, sizeof accept_ma, "testing123", false, RAD_RESP_OK },
	{ "accept, MA first, require", accept_ma, sizeof accept_ma, "testing123", true, RAD_RESP_OK },
	{ "accept, MA last, require", accept_ma_last, sizeof accept_ma_last, "testing123", true,
	  RAD_RESP_OK },
	{ "tampered attribute", accept_tampered, sizeof accept_tampered, "testing123", false,
	  RAD_RESP_BAD_MSG_AUTH },
	{ "MA with another secret", accept_ma_other_secret, sizeof accept_ma_other_secret,
	  "testing123", false, RAD_RESP_BAD_MSG_AUTH },
	{ "MA over a zero Authenticator", accept_ma_resp_auth, sizeof accept_ma_resp_auth,
	  "testing123", false, RAD_RESP_BAD_MSG_AUTH },
	{ "wrong secret", accept_ma, sizeof accept_ma, "testing124", false,
	  RAD_RESP_BAD_AUTHENTICATOR },
	{ "made with another secret", accept_wrong_secret, sizeof accept_wrong_secret,
	  "testing123", false, RAD_RESP_BAD_AUTHENTICATOR },
	{ "reject without MA", reject_no_ma, sizeof reject_no_ma, "testing123", false,
	  RAD_RESP_OK },
	{ "reject without MA, require", reject_no_ma, sizeof reject_no_ma, "testing123", true,
	  RAD_RESP_NO_MSG_AUTH },
	{ "challenge, require", challenge_ma, sizeof challenge_ma, "testing123", true,
	  RAD_RESP_OK },
	{ "Accounting-Response, require", acct_resp, sizeof acct_resp, "testing123", true,
	  RAD_RESP_OK },
	{ "Accounting-Response, wrong secret", acct_resp, sizeof acct_resp, "x", false,
	  RAD_RESP_BAD_AUTHENTICATOR },
	{ "MA of 10 octets", accept_ma_short, sizeof accept_ma_short, "testing123", false,
	  RAD_RESP_MALFORMED },
	{ "two MAs", accept_ma_twice, sizeof accept_ma_twice, "testing123", false,
	  RAD_RESP_MALFORMED },
	{ "truncated datagram", accept_ma, sizeof accept_ma - 1, "testing123", false,
	  RAD_RESP_MALFORMED },
	{ "header only", accept_ma, 19, "testing123", false, RAD_RESP_MALFORMED },
};

static int setup(void **state)
{
	(void)state;
	crypto_init();
	return rad_init(RAD_DICTIONARY);
}

static void test_check_response(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(verdict_cases); i++) {
		const struct verdict_case *c = &verdict_cases[i];
		enum rad_verdict v = rad_check_response(c->pkt, c->len, req_auth, c->secret,
							c->require);

		if (v != c->want)
			fail_msg("%s: got %s, want %s", c->name, rad_verdict_text(v),
				 rad_verdict_text(c->want));
	}
}

/* The Message-Authenticator of an answer does not depend on its Response
 * Authenticator: zeroing it and signing with the request's gives the
 * reference's. */
static void test_sign_matches_reference(void **state)
{
	uint8_t p[sizeof accept_ma];
	bool present;

	(void)state;
	memcpy(p, accept_ma, sizeof p);
	memset(p + 22, 0, 16);		/* the MA is the first attribute */
	assert_true(rad_msg_auth_sign(p, sizeof p, req_auth, "testing123"));
	assert_memory_equal(p, accept_ma, sizeof p);
	assert_true(rad_msg_auth_verify(p, sizeof p, req_auth, "testing123", &present));
	assert_true(present);
	assert_false(rad_msg_auth_verify(p, sizeof p, NULL, "testing123", &present));
	assert_true(rad_msg_auth_verify(reject_no_ma, sizeof reject_no_ma, req_auth, "k", &present));
	assert_false(present);
}

/* ---- the recvfrom hook on UDP sockets -------------------------------- */

static struct rad_host host;

static int udp_socket(struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t l = sizeof *a;

	assert_true(fd >= 0);
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)a, sizeof *a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &l), 0);
	return fd;
}

/* An Access-Request with id 42 and the reference's Request Authenticator,
 * sent through the hooked sendto so the wire state knows it. */
static void send_request(int cl, const struct sockaddr_in *srv, struct rad_wire *w, int wait_ms)
{
	uint8_t pkt[20] = { 1, 42, 0, 20 };

	memcpy(pkt + 4, req_auth, 16);
	strcpy(host.name, "127.0.0.1");
	strcpy(host.conf.key, "testing123");
	host.conf.msg_auth_require = true;
	rad_wire_begin(w, &host, 1);
	w->wait_ms = wait_ms;
	assert_int_equal(sendto(cl, pkt, sizeof pkt, 0, (const struct sockaddr *)srv, sizeof *srv),
			 20);
	assert_true(w->sent);
	assert_int_equal(w->id, 42);
	assert_memory_equal(w->req_auth, req_auth, 16);
}

static void answer(int srv, const struct sockaddr_in *cl, const uint8_t *p, size_t n)
{
	assert_int_equal(sendto(srv, p, n, 0, (const struct sockaddr *)cl, sizeof *cl), (ssize_t)n);
}

static void test_hook_skips_refused(void **state)
{
	struct sockaddr_in ca, sa;
	int cl = udp_socket(&ca), srv = udp_socket(&sa);
	uint8_t buf[4096], junk[64];
	struct rad_wire w;

	(void)state;
	send_request(cl, &sa, &w, 500);
	assert_true(recv(srv, junk, sizeof junk, 0) > 0);
	answer(srv, &ca, accept_tampered, sizeof accept_tampered);
	answer(srv, &ca, reject_no_ma, sizeof reject_no_ma);	/* refused: require */
	answer(srv, &ca, challenge_ma, sizeof challenge_ma);
	assert_int_equal(recvfrom(cl, buf, sizeof buf, 0, NULL, NULL), (ssize_t)sizeof challenge_ma);
	assert_memory_equal(buf, challenge_ma, sizeof challenge_ma);
	assert_int_equal(w.dropped, 2);
	rad_wire_end();
	close(cl);
	close(srv);
}

static void test_hook_hides_refused(void **state)
{
	struct sockaddr_in ca, sa;
	int cl = udp_socket(&ca), srv = udp_socket(&sa);
	uint8_t buf[4096], junk[64];
	struct rad_wire w;

	(void)state;
	send_request(cl, &sa, &w, 200);
	assert_true(recv(srv, junk, sizeof junk, 0) > 0);
	answer(srv, &ca, accept_tampered, sizeof accept_tampered);
	assert_int_equal(recvfrom(cl, buf, sizeof buf, 0, NULL, NULL), (ssize_t)sizeof accept_tampered);
	assert_int_not_equal(buf[1], 42);	/* radcli will not take it for the answer */
	assert_int_equal(w.dropped, 1);
	rad_wire_end();
	/* not armed: the libc behaviour, nothing checked */
	answer(srv, &ca, accept_tampered, sizeof accept_tampered);
	assert_int_equal(recvfrom(cl, buf, sizeof buf, 0, NULL, NULL), (ssize_t)sizeof accept_tampered);
	assert_memory_equal(buf, accept_tampered, sizeof accept_tampered);
	close(cl);
	close(srv);
}

/* ---- rad_authenticate against a server thread ------------------------- */

enum srv_mode { SRV_FORGED_THEN_REJECT, SRV_SPOOFED_THEN_REJECT, SRV_ACCEPT_NO_MA, SRV_ACCEPT_MA };

struct fake_server {
	int fd;
	enum srv_mode mode;
	int requests;
};

/* HMAC-MD5 and MD5 from OpenSSL directly, not authd's code. */
static void hmac_md5(const void *p, size_t n, uint8_t out[16])
{
	size_t l;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, "testing123", 10, p, n, out,
				  16, &l));
}

/* An answer to req: code, Reply-Message + Framed-IP-Address 10.200.0.9,
 * a Message-Authenticator when ma (one bit off when forged), the Response
 * Authenticator one bit off when spoofed (no secret known). */
static size_t make_answer(uint8_t *p, const uint8_t *req, uint8_t code, bool ma, bool forged,
			  bool spoofed)
{
	static const uint8_t attrs[] = { 18, 4, 'o', 'k', 8, 6, 10, 200, 0, 9 };
	size_t n = 20;
	unsigned int mdl;

	memcpy(p, req, 20);		/* id and Request Authenticator */
	p[0] = code;
	if (ma) {
		p[n] = 80;
		p[n + 1] = 18;
		memset(p + n + 2, 0, 16);
		n += 18;
	}
	memcpy(p + n, attrs, sizeof attrs);
	n += sizeof attrs;
	p[2] = 0;
	p[3] = (uint8_t)n;
	if (ma) {
		hmac_md5(p, n, p + 22);
		p[22] ^= forged ? 1 : 0;
	}
	memcpy(p + n, "testing123", 10);
	assert_true(EVP_Digest(p, n + 10, p + 4, &mdl, EVP_md5(), NULL));
	p[4] ^= spoofed ? 1 : 0;
	return n;
}

static void *server_main(void *arg)
{
	struct fake_server *s = arg;
	uint8_t req[4096], out[4096 + 10];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

	/* until no request came for longer than the client's 1 s timeout */
	while (poll(&pfd, 1, 1300) == 1) {
		ssize_t n = recvfrom(s->fd, req, sizeof req, 0, (struct sockaddr *)&from, &fl);
		size_t len;

		if (n < 20)
			break;
		s->requests++;
		switch (s->mode) {
		case SRV_FORGED_THEN_REJECT:
		case SRV_SPOOFED_THEN_REJECT:
			len = make_answer(out, req, 2, true, s->mode == SRV_FORGED_THEN_REJECT,
					  s->mode == SRV_SPOOFED_THEN_REJECT);
			sendto(s->fd, out, len, 0, (struct sockaddr *)&from, fl);
			usleep(100 * 1000);
			len = make_answer(out, req, 3, true, false, false);
			break;
		case SRV_ACCEPT_NO_MA:
			len = make_answer(out, req, 2, false, false, false);
			break;
		default:
			len = make_answer(out, req, 2, true, false, false);
			break;
		}
		sendto(s->fd, out, len, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static struct conf_aaa_server one[1];
static struct conf one_conf = { .aaa = one, .n_aaa = 1 };

static struct rad_group *group_for(uint16_t port, bool require)
{
	struct conf_aaa_server *s = &one[0];

	memset(s, 0, sizeof *s);
	strcpy(s->name, "MA");
	s->max_failed = 5;
	s->n_hosts = 1;
	s->hosts[0].addr = htonl(INADDR_LOOPBACK);
	strcpy(s->hosts[0].key, "testing123");
	s->hosts[0].auth_port = port;
	s->hosts[0].timeout = 1;
	s->hosts[0].retry_interval = 1;
	s->hosts[0].msg_auth_require = require;
	assert_int_equal(rad_configure(&one_conf), 0);
	return rad_group_get("MA");
}

static const struct e2e_case {
	enum srv_mode mode;
	bool require;
	int result;
	uint32_t framed;
	uint64_t bad;
} e2e_cases[] = {
	{ SRV_FORGED_THEN_REJECT, false, AUTH_REJECT, 0, 0 },
	/* libradcli 1.2.11 alone logs the bad digest and accepts this one */
	{ SRV_SPOOFED_THEN_REJECT, false, AUTH_REJECT, 0, 0 },
	{ SRV_ACCEPT_NO_MA, true, AUTH_ERROR, 0, 1 },
	{ SRV_ACCEPT_NO_MA, false, AUTH_OK, 0x0ac80009, 0 },
	{ SRV_ACCEPT_MA, true, AUTH_OK, 0x0ac80009, 0 },
};

static void run_e2e(const struct e2e_case *c)
{
	struct sockaddr_in sa;
	struct fake_server s = { .fd = udp_socket(&sa), .mode = c->mode };
	struct auth_job job;
	pthread_t t;

	memset(&job, 0, sizeof job);
	job.group = group_for(ntohs(sa.sin_port), c->require);
	assert_non_null(job.group);
	strcpy(job.req.user, "alice");
	strcpy(job.req.pass, "alicepass");
	job.req.sid = 0x0100000000000001ull;
	job.nas_addr = htonl(INADDR_LOOPBACK);
	strcpy(job.nas_ident, "ravpn-test");
	assert_int_equal(pthread_create(&t, NULL, server_main, &s), 0);
	rad_authenticate(&job);
	pthread_join(t, NULL);
	close(s.fd);
	assert_int_equal(job.ans.result, c->result);
	assert_int_equal(ntohl(job.ans.framed_addr), c->framed);
	assert_int_equal(s.requests, 1);	/* one send (timeout 1, retry-interval 1) */
	assert_int_equal(job.group->hosts[0].st.bad_responses, c->bad);
	rad_group_put(job.group);
}

static void test_authenticate_e2e(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(e2e_cases); i++)
		run_e2e(&e2e_cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_response),
		cmocka_unit_test(test_sign_matches_reference),
		cmocka_unit_test(test_hook_skips_refused),
		cmocka_unit_test(test_hook_hides_refused),
		cmocka_unit_test(test_authenticate_e2e),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
