/* XAUTH rounds beyond the first, against the scripted initiator of
 * test_ike_protocol.c (its harness is reused as is):
 *  - a reject with a Reply-Message prompts again showing the message
 *    (XAUTH_MESSAGE in a new CFG_REQUEST), at most twice, then fails;
 *  - a reject without a message fails at once, and so does LOCAL's (its
 *    "unknown user" must not reach a guesser);
 *  - an Access-Challenge prompts with the server's text and the answer
 *    goes to authd with the challenge's State; an accept then succeeds. */
#define main test_ike_protocol_main
#include "test_ike_protocol.c"
#undef main

/* The harness's config with vpngroup authenticating against RADIUS. */
static const char RAD_CONF[] =
	"aaa-server RAD protocol radius\n"
	"aaa-server RAD (outside) host 127.0.0.1\n key testing123\n"
	"tunnel-group vpngroup general-attributes\n authentication-server-group RAD\n";

static void use_conf(bool radius)
{
	char text[sizeof CONF + sizeof RAD_CONF], err[CONF_ERR];
	size_t n = sizeof CONF - 1;

	memcpy(text, CONF, n);
	if (radius) {
		memcpy(text + n, RAD_CONF, sizeof RAD_CONF - 1);
		n += sizeof RAD_CONF - 1;
	}
	conf_free(&ike.c.conf);
	assert_true(conf_parse_text(text, n, "test", &ike.c.conf, err, sizeof err));
}

/* Receives an XAUTH CFG_REQUEST; text: the XAUTH_MESSAGE it must carry
 * (NULL: none).  Returns its message id. */
static uint32_t recv_prompt(struct initiator *in, const char *text)
{
	uint8_t buf[4096], v[256], t;
	struct v1_msg m;
	int n;

	recv_enc(in, buf, &m);
	assert_int_equal(m.exch, EXCH_TRANSACTION);
	assert_true(attr_of(need(&m, PL_ATTR), CA_XAUTH_USER_PASSWORD, &t, v) >= 0);
	assert_int_equal(t, CFG_REQUEST);
	n = attr_of(need(&m, PL_ATTR), CA_XAUTH_MESSAGE, &t, v);
	if (!text) {
		assert_int_equal(n, -1);
	} else {
		assert_int_equal(n, (int)strlen(text));
		assert_memory_equal(v, text, strlen(text));
	}
	return m.msgid;
}

/* The client's CFG_REPLY; returns what the worker asked authd. */
static struct ipc_auth reply_creds(struct initiator *in, uint32_t msgid, const char *pass)
{
	uint8_t attrs[64];
	struct wbuf w;
	struct ipc_auth q;

	wbuf_init(&w, attrs, sizeof attrs);
	put_attr(&w, CA_XAUTH_USER_NAME, "alice");
	put_attr(&w, CA_XAUTH_USER_PASSWORD, pass);
	send_cfg(in, msgid, CFG_REPLY, attrs, w.len);
	ipc_expect(authd_end, IPC_AUTH);
	memcpy(&q, msg.data, sizeof q);
	assert_string_equal(q.pass, pass);
	return q;
}

static void answer(uint64_t sid, int result, const char *text, const char *state)
{
	struct ipc_auth_ans a = { .sid = sid, .result = result };

	strcpy(a.message, text);
	if (state) {
		a.state_len = (uint16_t)strlen(state);
		memcpy(a.state, state, a.state_len);
	}
	ipc_send(authd_end, IPC_AUTH_ANS, 0, &a, sizeof a, -1);
	peers_input(ike.c.chan[ROLE_AUTHD][0], ROLE_AUTHD, 0);
}

/* The final CFG_SET: returns its XAUTH_STATUS. */
static int final_status(struct initiator *in)
{
	uint8_t buf[4096], v[64], t;
	struct v1_msg m;

	recv_enc(in, buf, &m);
	assert_int_equal(attr_of(need(&m, PL_ATTR), CA_XAUTH_STATUS, &t, v), 2);
	assert_int_equal(t, CFG_SET);
	return v[1];
}

static void start(struct initiator *in)
{
	uint8_t m2[2048];

	phase1(in, m2, sizeof m2);
	send_msg3(in, false);
}

static void test_reject_with_message_prompts_twice(void **state)
{
	struct initiator in;
	struct ipc_auth q;
	uint32_t id;

	(void)state;
	use_conf(true);
	start(&in);
	id = recv_prompt(&in, NULL);
	for (int round = 0; round < 3; round++) {
		q = reply_creds(&in, id, "wrong");
		assert_int_equal(q.state_len, 0);
		answer(q.sid, AUTH_REJECT, "Wrong code, try again", NULL);
		if (round < 2)
			id = recv_prompt(&in, "Wrong code, try again");
	}
	assert_int_equal(final_status(&in), 0);
	dh_free(in.dh);
}

static void test_reject_without_message_fails_at_once(void **state)
{
	struct initiator in;
	struct ipc_auth q;

	(void)state;
	use_conf(true);
	start(&in);
	q = reply_creds(&in, recv_prompt(&in, NULL), "wrong");
	answer(q.sid, AUTH_REJECT, "", NULL);
	assert_int_equal(final_status(&in), 0);
	dh_free(in.dh);
}

static void test_local_reject_fails_at_once(void **state)
{
	struct initiator in;
	struct ipc_auth q;

	(void)state;
	use_conf(false);
	start(&in);
	q = reply_creds(&in, recv_prompt(&in, NULL), "wrong");
	answer(q.sid, AUTH_REJECT, "unknown user", NULL);
	assert_int_equal(final_status(&in), 0);
	dh_free(in.dh);
}

static void test_challenge_round_carries_state(void **state)
{
	struct initiator in;
	struct ipc_auth q;
	uint32_t id;

	(void)state;
	use_conf(true);
	start(&in);
	q = reply_creds(&in, recv_prompt(&in, NULL), "alicepass");
	answer(q.sid, AUTH_CHALLENGE, "Enter your one-time code", "st-42");
	id = recv_prompt(&in, "Enter your one-time code");
	q = reply_creds(&in, id, "123456");
	assert_int_equal(q.state_len, 5);
	assert_memory_equal(q.state, "st-42", 5);
	answer(q.sid, AUTH_OK, "ok", NULL);
	assert_int_equal(final_status(&in), 1);
	dh_free(in.dh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_reject_with_message_prompts_twice, teardown),
		cmocka_unit_test_teardown(test_reject_without_message_fails_at_once, teardown),
		cmocka_unit_test_teardown(test_local_reject_fails_at_once, teardown),
		cmocka_unit_test_teardown(test_challenge_round_carries_state, teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
