/* authd: real argon2id hashes verify, a wrong password and an unknown
 * user are rejected with their reasons, an unknown server group gets an error,
 * the password copy is wiped, and the threads answer asynchronously. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../../authd/auth.h"

static struct conf_user users[2];
static struct conf cf = { .users = users, .n_users = 2 };
static const struct auth_nas nas = { 0x0100630a, "ravpn" };

static int setup(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	strcpy(users[0].name, "alice");
	strcpy(users[1].name, "bob");
	assert_int_equal(crypto_pwhash_str(users[0].hash, "wonderland", 10,
					   crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
	assert_int_equal(crypto_pwhash_str(users[1].hash, "builder", 7,
					   crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
	return auth_init_decoy();
}

static struct auth_job *job_for(const char *user, const char *pass, const char *group)
{
	struct auth_job *j = calloc(1, sizeof *j);

	j->req.sid = 0x0100000000000042ull;
	ipc_strcpy(j->req.user, sizeof j->req.user, user);
	ipc_strcpy(j->req.pass, sizeof j->req.pass, pass);
	ipc_strcpy(j->req.server_group, sizeof j->req.server_group, group);
	return j;
}

static const struct verify_case {
	const char *user, *pass, *group;
	int result;
	const char *message;
} cases[] = {
	{ "alice", "wonderland", "LOCAL", AUTH_OK, "ok" },
	{ "bob", "builder", "LOCAL", AUTH_OK, "ok" },
	{ "alice", "builder", "LOCAL", AUTH_REJECT, "bad password" },
	{ "alice", "", "LOCAL", AUTH_REJECT, "bad password" },
	{ "alicex", "wonderland", "LOCAL", AUTH_REJECT, "unknown user" },
	{ "Alice", "wonderland", "LOCAL", AUTH_REJECT, "unknown user" },
	{ "alice", "wonderland", "RAD1", AUTH_ERROR, "no such aaa-server group" },
};

static void test_verify_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct verify_case *t = &cases[i];
		struct auth_job *j = job_for(t->user, t->pass, t->group);

		if (auth_prepare(&cf, &nas, j) == AUTH_KIND_LOCAL)
			auth_verify(j);
		assert_int_equal(j->ans.result, t->result);
		assert_string_equal(j->ans.message, t->message);
		assert_int_equal(j->ans.sid, j->req.sid);
		/* the password copy is gone either way */
		assert_true(sodium_is_zero((unsigned char *)j->req.pass, sizeof j->req.pass));
		auth_job_free(j);
	}
}

static void test_unterminated_fields(void **state)
{
	struct auth_job *j = job_for("alice", "", "LOCAL");

	(void)state;
	memset(j->req.user, 'a', sizeof j->req.user);
	memset(j->req.pass, 'p', sizeof j->req.pass);
	assert_int_equal(auth_prepare(&cf, &nas, j), AUTH_KIND_LOCAL);
	auth_verify(j);
	assert_int_equal(j->ans.result, AUTH_REJECT);
	assert_string_equal(j->ans.message, "unknown user");
	auth_job_free(j);
}

static void test_pool_answers_all(void **state)
{
	struct auth_pool p;
	int n_ok = 0, n_rej = 0, got = 0;

	(void)state;
	assert_int_equal(auth_pool_start(&p, AUTH_LOCAL_THREADS, auth_verify), 0);
	for (int i = 0; i < 4; i++) {
		struct auth_job *j = job_for(i % 2 ? "alice" : "bob", i % 2 ? "wonderland" : "x",
					     "LOCAL");

		j->id = (uint32_t)i;
		assert_int_equal(auth_prepare(&cf, &nas, j), AUTH_KIND_LOCAL);
		auth_pool_submit(&p, j);
	}
	while (got < 4) {
		struct pollfd pfd = { .fd = p.efd, .events = POLLIN };

		assert_int_equal(poll(&pfd, 1, 10000), 1);
		for (struct auth_job *j = auth_pool_take_done(&p), *next; j; j = next) {
			next = j->next;
			assert_int_equal(j->ans.result, j->id % 2 ? AUTH_OK : AUTH_REJECT);
			n_ok += j->ans.result == AUTH_OK;
			n_rej += j->ans.result == AUTH_REJECT;
			got++;
			auth_job_free(j);
		}
	}
	assert_int_equal(n_ok, 2);
	assert_int_equal(n_rej, 2);
	auth_pool_stop(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_table),
		cmocka_unit_test(test_unterminated_fields),
		cmocka_unit_test(test_pool_answers_all),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
