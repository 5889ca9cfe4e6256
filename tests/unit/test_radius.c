/* authd's RADIUS client without a server: Class "OU=" parsing, Access-
 * Accept attributes into the auth answer, the Message-Authenticator
 * signature (checked against OpenSSL's HMAC-MD5), malformed packets,
 * ordered failover with max-failed-attempts and dead-time, the ASA
 * depletion rule, counters and their db snapshot, and a reload keeping a
 * host's state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "../../authd/radius.h"
#include "crypto.h"

#define NOW 1700000000LL

static struct conf_aaa_server servers[1];
static struct conf cf = { .aaa = servers, .n_aaa = 1 };

/* Group RAD: hosts 192.0.2.1 and 192.0.2.2, max_failed, dead_time minutes. */
static struct rad_group *configure(int max_failed, int dead_time)
{
	struct conf_aaa_server *s = &servers[0];
	struct conf none = { 0 };

	assert_int_equal(rad_configure(&none), 0);	/* no state from earlier tests */
	memset(s, 0, sizeof *s);
	strcpy(s->name, "RAD");
	s->max_failed = max_failed;
	s->dead_time = dead_time;
	s->n_hosts = 2;
	for (int i = 0; i < 2; i++) {
		s->hosts[i].addr = htonl(0xc0000201u + (uint32_t)i);
		strcpy(s->hosts[i].key, "testing123");
		s->hosts[i].auth_port = 1812;
		s->hosts[i].timeout = 2;
		s->hosts[i].retry_interval = 1;
	}
	assert_int_equal(rad_configure(&cf), 0);
	struct rad_group *g = rad_group_get("RAD");

	assert_non_null(g);
	assert_non_null(g->rh);
	return g;
}

static int setup(void **state)
{
	(void)state;
	crypto_init();
	return rad_init(RAD_DICTIONARY);
}

static const struct class_case {
	const char *cls;
	bool found;
	const char *policy;
} class_cases[] = {
	{ "OU=GP2;", true, "GP2" },
	{ "OU=GP2", true, "GP2" },
	{ "ou=eng", true, "eng" },
	{ "CACS:abc;OU=Sales;", true, "Sales" },
	{ "x=1;OU=A;OU=B;", true, "A" },
	{ "OUX=1", false, "" },
	{ "OU=;", false, "" },
	{ "", false, "" },
	{ "CACS:0a0b", false, "" },
};

static void test_class_policy(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof class_cases / sizeof class_cases[0]; i++) {
		const struct class_case *t = &class_cases[i];
		char out[NAME_LEN] = "";

		assert_int_equal(rad_class_policy((const uint8_t *)t->cls, strlen(t->cls), out,
						  sizeof out), t->found);
		if (t->found)
			assert_string_equal(out, t->policy);
	}
}

static void test_class_policy_bounded(void **state)
{
	char out[4] = "";

	(void)state;
	assert_true(rad_class_policy((const uint8_t *)"OU=LONGNAME;", 12, out, sizeof out));
	assert_string_equal(out, "LON");
}

static void test_fill_answer(void **state)
{
	struct rad_group *g = configure(1, 1);
	rc_handle *rh = g->rh;
	VALUE_PAIR *reply = NULL;
	struct ipc_auth_ans ans;
	uint32_t addr = 0x0ac8004du, mask = 0xffffff00u, st = 20, it = 600;

	(void)state;
	memset(&ans, 0, sizeof ans);
	assert_non_null(rc_avpair_add(rh, &reply, PW_FRAMED_IP_ADDRESS, &addr, 0, 0));
	assert_non_null(rc_avpair_add(rh, &reply, PW_FRAMED_IP_NETMASK, &mask, 0, 0));
	assert_non_null(rc_avpair_add(rh, &reply, PW_SESSION_TIMEOUT, &st, 0, 0));
	assert_non_null(rc_avpair_add(rh, &reply, PW_IDLE_TIMEOUT, &it, 0, 0));
	assert_non_null(rc_avpair_add(rh, &reply, PW_FRAMED_POOL, "RAD-POOL", -1, 0));
	assert_non_null(rc_avpair_add(rh, &reply, PW_CLASS, "OU=GP2;", -1, 0));
	assert_non_null(rc_avpair_add(rh, &reply, PW_CLASS, "OU=OTHER;", -1, 0));
	rad_fill_answer(reply, &ans);
	assert_int_equal(ans.framed_addr, inet_addr("10.200.0.77"));
	assert_int_equal(ans.framed_mask, inet_addr("255.255.255.0"));
	assert_int_equal(ans.session_timeout, 20);
	assert_int_equal(ans.idle_timeout, 600);
	assert_string_equal(ans.framed_pool, "RAD-POOL");
	assert_string_equal(ans.group_policy, "GP2");
	assert_int_equal(ans.class_len, 7);
	assert_memory_equal(ans.class_attr, "OU=GP2;", 7);
	rc_avpair_free(reply);
	rad_group_put(g);
}

/* 255.255.255.254 asks the NAS to choose: no fixed address. */
static void test_fill_answer_nas_chooses(void **state)
{
	struct rad_group *g = configure(1, 1);
	VALUE_PAIR *reply = NULL;
	struct ipc_auth_ans ans;
	uint32_t addr = 0xfffffffeu;

	(void)state;
	memset(&ans, 0, sizeof ans);
	assert_non_null(rc_avpair_add(g->rh, &reply, PW_FRAMED_IP_ADDRESS, &addr, 0, 0));
	rad_fill_answer(reply, &ans);
	assert_int_equal(ans.framed_addr, 0);
	assert_int_equal(ans.group_policy[0], 0);
	rc_avpair_free(reply);
	rad_group_put(g);
}

/* Access-Request: header, User-Name "bob", Message-Authenticator zeroes. */
static size_t request(uint8_t *p, bool with_ma)
{
	size_t n = 20;

	memset(p, 0, 64);
	p[0] = 1;
	p[1] = 42;
	for (int i = 4; i < 20; i++)
		p[i] = (uint8_t)(i * 7);
	memcpy(p + n, "\x01\x05" "bob", 5);
	n += 5;
	if (with_ma) {
		p[n] = 80;
		p[n + 1] = 18;
		n += 18;
	}
	p[2] = 0;
	p[3] = (uint8_t)n;
	return n;
}

static void test_sign_request(void **state)
{
	uint8_t pkt[64], ref[EVP_MAX_MD_SIZE];
	size_t n = request(pkt, true), rlen;

	(void)state;
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, "testing123", 10, pkt, n, ref,
				  sizeof ref, &rlen));
	assert_true(rad_sign_request(pkt, n, "testing123"));
	assert_memory_equal(pkt + n - 16, ref, 16);
	/* signing again (a retransmission of the same buffer) gives the same */
	assert_true(rad_sign_request(pkt, n, "testing123"));
	assert_memory_equal(pkt + n - 16, ref, 16);
}

static void test_sign_without_ma_unchanged(void **state)
{
	uint8_t pkt[64], copy[64];
	size_t n = request(pkt, false);

	(void)state;
	memcpy(copy, pkt, sizeof pkt);
	assert_true(rad_sign_request(pkt, n, "testing123"));
	assert_memory_equal(pkt, copy, sizeof pkt);
}

static void test_sign_malformed(void **state)
{
	uint8_t pkt[64];
	size_t n;

	(void)state;
	n = request(pkt, true);
	pkt[21] = 1;			/* attribute length below 2 */
	assert_false(rad_sign_request(pkt, n, "k"));
	n = request(pkt, true);
	pkt[21] = 60;			/* attribute runs past the packet */
	assert_false(rad_sign_request(pkt, n, "k"));
	n = request(pkt, true);
	pkt[3] = (uint8_t)(n + 10);	/* header length beyond the datagram */
	assert_false(rad_sign_request(pkt, n, "k"));
	assert_false(rad_sign_request(pkt, 10, "k"));
}

static void test_failover_and_dead_time(void **state)
{
	struct rad_group *g = configure(1, 1);
	struct ipc_db_aaa_stats st[8];

	(void)state;
	assert_int_equal(rad_pick_host(g, 0, NOW), 0);
	rad_record(g, 0, RAD_TIMEOUT, 2, 0, NOW);
	/* dead for 60 s: the next request starts at the second host */
	assert_int_equal(rad_pick_host(g, 0, NOW + 1), 1);
	assert_int_equal(rad_pick_host(g, 1, NOW + 1), 1);
	assert_int_equal(rad_pick_host(g, 2, NOW + 1), -1);
	rad_record(g, 1, RAD_ACCEPT, 1, 7, NOW + 1);
	assert_int_equal(rad_stats_snapshot(st, 8, false, NOW + 1), 2);
	assert_string_equal(st[0].group, "RAD");
	assert_int_equal(st[0].dead, 1);
	assert_int_equal(st[0].dead_until, NOW + 60);
	assert_int_equal(st[0].requests, 1);
	assert_int_equal(st[0].timeouts, 1);
	assert_int_equal(st[0].retransmissions, 1);
	assert_int_equal(st[1].dead, 0);
	assert_int_equal(st[1].accepts, 1);
	assert_int_equal(st[1].rtt_ms, 7);
	assert_int_equal(st[1].host_index, 1);
	/* nothing changed since: no snapshot unless forced */
	assert_int_equal(rad_stats_snapshot(st, 8, false, NOW + 1), 0);
	assert_int_equal(rad_stats_snapshot(st, 8, true, NOW + 1), 2);
	/* the dead time is over */
	assert_int_equal(rad_pick_host(g, 0, NOW + 61), 0);
	rad_group_put(g);
}

static void test_max_failed_attempts(void **state)
{
	struct rad_group *g = configure(2, 10);

	(void)state;
	rad_record(g, 0, RAD_TIMEOUT, 1, 0, NOW);
	assert_int_equal(rad_pick_host(g, 0, NOW), 0);	/* one failure of two */
	rad_record(g, 0, RAD_REJECT, 1, 3, NOW);		/* an answer resets the count */
	rad_record(g, 0, RAD_TIMEOUT, 1, 0, NOW);
	assert_int_equal(rad_pick_host(g, 0, NOW), 0);
	rad_record(g, 0, RAD_BAD, 1, 0, NOW);
	assert_int_equal(rad_pick_host(g, 0, NOW), 1);
	assert_int_equal(g->hosts[0].dead_until, NOW + 600);
	rad_group_put(g);
}

/* Every host dead: all are revived and tried again, first one first. */
static void test_all_dead_revived(void **state)
{
	struct rad_group *g = configure(1, 10);

	(void)state;
	rad_record(g, 0, RAD_TIMEOUT, 1, 0, NOW);
	rad_record(g, 1, RAD_ERROR, 1, 0, NOW);
	assert_int_equal(rad_pick_host(g, 1, NOW), -1);
	assert_int_equal(rad_pick_host(g, 0, NOW), 0);
	assert_int_equal(g->hosts[1].dead_until, 0);
	rad_group_put(g);
}

/* A reload keeps the counters and dead time of a host that stays; a job
 * holding the old group can still use it. */
static void test_reload_keeps_state(void **state)
{
	struct rad_group *old = configure(1, 10), *fresh;

	(void)state;
	rad_record(old, 0, RAD_TIMEOUT, 3, 0, NOW);
	servers[0].hosts[1].addr = htonl(0xc0000209u);	/* the second host changes */
	assert_int_equal(rad_configure(&cf), 0);
	fresh = rad_group_get("RAD");
	assert_ptr_not_equal(fresh, old);
	assert_int_equal(fresh->hosts[0].st.retransmissions, 2);
	assert_int_equal(fresh->hosts[0].dead_until, NOW + 600);
	assert_int_equal(fresh->hosts[1].st.requests, 0);
	assert_string_equal(old->name, "RAD");		/* still alive: referenced */
	rad_group_put(old);
	rad_group_put(fresh);
	assert_null(rad_group_get("NOPE"));
}

#ifdef RAVPN_SANITIZED
size_t __sanitizer_get_current_allocated_bytes(void);	/* ASan's runtime */
#endif

/* Bytes the heap holds now (ASan's count under SAN=1, glibc's otherwise). */
static size_t heap_in_use(void)
{
#ifdef RAVPN_SANITIZED
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/* A reload frees the old radcli handle whole: radcli 1.2.11 itself frees
 * only the first host of a server list, so without rad_groups.c's trim
 * each reload of a 4-host group would keep 3 names and 3 keys per list
 * (126 bytes); 40 reloads must not grow the heap by even a third of that. */
static void test_reload_frees_every_host(void **state)
{
	struct rad_group *g = configure(1, 1);
	size_t before, after;

	(void)state;
	rad_group_put(g);
	servers[0].n_hosts = 4;
	for (int i = 2; i < 4; i++) {
		servers[0].hosts[i] = servers[0].hosts[0];
		servers[0].hosts[i].addr = htonl(0xc0000201u + (uint32_t)i);
	}
	assert_int_equal(rad_configure(&cf), 0);
	before = heap_in_use();
	for (int k = 0; k < 40; k++)
		assert_int_equal(rad_configure(&cf), 0);
	after = heap_in_use();
	g = rad_group_get("RAD");
	assert_non_null(g);
	assert_int_equal(g->n_hosts, 4);
	rad_group_put(g);
	if (after > before && after - before > 40 * 126 / 3)
		fail_msg("40 reloads kept %zu bytes", after - before);
}

/* The aaa-server commands: group settings under `protocol radius`, host
 * settings under a host, ASA defaults, and each one refused in the wrong
 * block. */
static void test_conf_aaa_server(void **state)
{
	static const char text[] =
		"aaa-server RAD protocol radius\n"
		" max-failed-attempts 2\n"
		" dead-time 5\n"
		"aaa-server RAD host 10.99.0.250\n"
		" key k1\n"
		" timeout 2\n"
		" retry-interval 1\n"
		"aaa-server RAD host 127.0.0.1\n"
		" key testing123\n"
		" message-authenticator require\n"
		" authentication-port 1812\n"
		" accounting-port 1813\n"
		"aaa-server OTHER protocol radius\n";
	struct conf c;
	char err[CONF_ERR];

	(void)state;
	assert_true(conf_parse_text(text, strlen(text), "t", &c, err, sizeof err));
	const struct conf_aaa_server *s = conf_aaa_server(&c, "RAD");
	assert_non_null(s);
	assert_int_equal(s->max_failed, 2);
	assert_int_equal(s->dead_time, 5);
	assert_int_equal(s->n_hosts, 2);
	assert_int_equal(s->hosts[0].timeout, 2);
	assert_int_equal(s->hosts[0].retry_interval, 1);
	assert_int_equal(s->hosts[0].auth_port, 1645);		/* ASA default */
	assert_int_equal(s->hosts[1].retry_interval, 10);
	assert_int_equal(s->hosts[1].auth_port, 1812);
	assert_int_equal(s->hosts[1].acct_port, 1813);
	assert_false(s->hosts[0].msg_auth_require);
	assert_true(s->hosts[1].msg_auth_require);
	assert_int_equal(conf_aaa_server(&c, "OTHER")->max_failed, 3);
	assert_int_equal(conf_aaa_server(&c, "OTHER")->dead_time, 10);
	conf_free(&c);
}

static const struct conf_err_case {
	const char *text, *needle;
} conf_err_cases[] = {
	{ "aaa-server R protocol radius\n key x\n", "is a host setting" },
	{ "aaa-server R protocol radius\naaa-server R host 1.2.3.4\n dead-time 3\n",
	  "is a server-group setting" },
	{ "aaa-server R protocol radius\n max-failed-attempts 6\n", "1-5" },
	{ "aaa-server R protocol radius\n dead-time 1441\n", "0-1440" },
	{ "aaa-server R protocol radius\naaa-server R host 1.2.3.4\n retry-interval 11\n",
	  "1-10" },
	{ "aaa-server R protocol radius\n message-authenticator require\n", "is a host setting" },
	{ "aaa-server R protocol radius\naaa-server R host 1.2.3.4\n message-authenticator\n",
	  "require" },
	{ "aaa-server R protocol radius\naaa-server R host 1.2.3.4\n message-authenticator optional\n",
	  "require" },
	{ "aaa-server R protocol radius\naaa-server R host 1.2.3.4\n message-authenticator require x\n",
	  "x" },
};

static void test_conf_aaa_server_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof conf_err_cases / sizeof conf_err_cases[0]; i++) {
		struct conf c;
		char err[CONF_ERR] = "";
		const char *t = conf_err_cases[i].text;

		assert_false(conf_parse_text(t, strlen(t), "t", &c, err, sizeof err));
		if (!strstr(err, conf_err_cases[i].needle))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, conf_err_cases[i].needle);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_policy),
		cmocka_unit_test(test_class_policy_bounded),
		cmocka_unit_test(test_fill_answer),
		cmocka_unit_test(test_fill_answer_nas_chooses),
		cmocka_unit_test(test_sign_request),
		cmocka_unit_test(test_sign_without_ma_unchanged),
		cmocka_unit_test(test_sign_malformed),
		cmocka_unit_test(test_failover_and_dead_time),
		cmocka_unit_test(test_max_failed_attempts),
		cmocka_unit_test(test_all_dead_revived),
		cmocka_unit_test(test_reload_keeps_state),
		cmocka_unit_test(test_reload_frees_every_host),
		cmocka_unit_test(test_conf_aaa_server),
		cmocka_unit_test(test_conf_aaa_server_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
