/* authd, Access-Challenge: the State of the challenge is taken into the
 * answer (and refused when it does not fit), and the next Access-Request
 * echoes it.  Reuses the fixtures of test_radius.c. */
#define main test_radius_main
#include "test_radius.c"
#undef main

static void test_take_state(void **state)
{
	struct rad_group *g = configure(1, 1);
	VALUE_PAIR *reply = NULL;
	struct ipc_auth_ans ans;
	uint8_t big[IPC_RADIUS_STATE_MAX + 1];

	(void)state;
	memset(&ans, 0, sizeof ans);
	rad_take_state(reply, &ans);
	assert_int_equal(ans.state_len, 0);
	assert_non_null(rc_avpair_add(g->rh, &reply, PW_STATE, "\x01\x00\x02zz", 5, 0));
	rad_take_state(reply, &ans);
	assert_int_equal(ans.state_len, 5);
	assert_memory_equal(ans.state, "\x01\x00\x02zz", 5);
	rc_avpair_free(reply);
	reply = NULL;
	memset(big, 'x', sizeof big);
	assert_non_null(rc_avpair_add(g->rh, &reply, PW_STATE, big, sizeof big, 0));
	rad_take_state(reply, &ans);
	assert_int_equal(ans.state_len, 0);
	rc_avpair_free(reply);
	rad_group_put(g);
}

static void test_add_state(void **state)
{
	struct rad_group *g = configure(1, 1);
	VALUE_PAIR *send = NULL, *vp;
	struct ipc_auth req = { 0 };
	char *raw;
	unsigned n;

	(void)state;
	assert_true(rad_add_state(g->rh, &send, &req));
	assert_null(send);
	req.state_len = 4;
	memcpy(req.state, "\xaa\x00\xbb\xcc", 4);
	assert_true(rad_add_state(g->rh, &send, &req));
	vp = rc_avpair_get(send, PW_STATE, 0);
	assert_non_null(vp);
	assert_int_equal(rc_avpair_get_raw(vp, &raw, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(raw, "\xaa\x00\xbb\xcc", 4);
	rc_avpair_free(send);
	send = NULL;
	req.state_len = IPC_RADIUS_STATE_MAX + 1;
	assert_false(rad_add_state(g->rh, &send, &req));
	rad_group_put(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_state),
		cmocka_unit_test(test_add_state),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
