/* Session timers of the IKE worker (ike-worker/timeouts.c):
 *  - at login the RADIUS Idle-Timeout wins over the group-policy's
 *    vpn-idle-timeout, whose default is 30 minutes; Session-Timeout
 *    counts from login;
 *  - which timer ran out, table-driven (only established sessions);
 *  - an ESP report whose packet count moved is activity, the same count
 *    again or an unknown SPI is not, and an inbound report never touches
 *    the outbound sequence number;
 *  - a CoA's Session-Timeout counts from now, 0 removes it, and a CoA
 *    without Idle-Timeout leaves the idle timer alone;
 *  - a reload gives live sessions whose idle-timeout came from their
 *    group-policy the new vpn-idle-timeout (the idle clock keeps running),
 *    while an Idle-Timeout from RADIUS (Access-Accept or CoA) stays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "../../ike-worker/ike.h"

struct ike_ctx ike;

static const char CONF[] =
	"group-policy GP internal\ngroup-policy GP attributes\n vpn-idle-timeout 2\n"
	"group-policy NOIDLE internal\ngroup-policy NOIDLE attributes\n vpn-idle-timeout none\n"
	"group-policy SHORT internal\ngroup-policy SHORT attributes\n vpn-idle-timeout seconds 7\n"
	"group-policy PLAIN internal\n";

static struct ike_sa sa;

static void reset(const char *policy)
{
	memset(&sa, 0, sizeof sa);
	ipc_strcpy(sa.policy, sizeof sa.policy, policy);
	sa.sid = 0x0100000000000042ULL;
	sa.state = ST_ESTABLISHED;
	sa.up_ms = 1000;
	sa.children[0] = (struct child_sa){ .used = true, .spi_in = 0x1000, .spi_out = 0x2000 };
	ike.sas = &sa;
}

static void test_start(void **state)
{
	static const struct { const char *policy; uint32_t radius_idle, session, want_idle; } t[] = {
		{ "GP", 0, 0, 120 }, { "GP", 30, 0, 30 }, { "NOIDLE", 0, 0, 0 },
		{ "NOIDLE", 45, 0, 45 }, { "SHORT", 0, 20, 7 }, { "PLAIN", 0, 0, 1800 },
		{ "missing", 0, 0, 1800 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		reset(t[i].policy);
		sa.session_timeout = t[i].session;
		timeouts_start(&sa, t[i].radius_idle);
		if (sa.idle_timeout != t[i].want_idle)
			fail_msg("case %zu (%s): idle %u, want %u", i, t[i].policy, sa.idle_timeout,
				 t[i].want_idle);
		assert_int_equal(sa.session_end_ms, t[i].session ? 1000 + t[i].session * 1000 : 0);
		assert_int_equal(sa.last_data_ms, 1000);
	}
}

static void test_due(void **state)
{
	static const struct {
		enum sa_state st;
		long long end_ms;
		uint32_t idle;
		long long last, now;
		enum timeout_kind want;
	} t[] = {
		{ ST_ESTABLISHED, 0, 0, 0, 1000000, TIMEOUT_NONE },
		{ ST_ESTABLISHED, 5000, 0, 0, 4999, TIMEOUT_NONE },
		{ ST_ESTABLISHED, 5000, 0, 0, 5000, TIMEOUT_SESSION },
		{ ST_ESTABLISHED, 0, 10, 2000, 11999, TIMEOUT_NONE },
		{ ST_ESTABLISHED, 0, 10, 2000, 12000, TIMEOUT_IDLE },
		{ ST_ESTABLISHED, 9000, 10, 0, 20000, TIMEOUT_SESSION },	/* both: session first */
		{ ST_CFG_LEASE, 5000, 10, 0, 99000, TIMEOUT_NONE },	/* not up yet */
		{ ST_XAUTH_SET, 5000, 10, 0, 99000, TIMEOUT_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		reset("GP");
		sa.state = t[i].st;
		sa.session_end_ms = t[i].end_ms;
		sa.idle_timeout = t[i].idle;
		sa.last_data_ms = t[i].last;
		if (timeouts_due(&sa, t[i].now) != t[i].want)
			fail_msg("case %zu: %d, want %d", i, timeouts_due(&sa, t[i].now), t[i].want);
	}
}

static void report(uint8_t dir, uint32_t spi, uint64_t packets, uint32_t seq)
{
	struct ipc_sa_seq q = { .sid = sa.sid, .spi = spi, .dir = dir, .packets = packets,
				.seq_out = seq };

	timeouts_esp_report(&q);
}

static void test_esp_report(void **state)
{
	(void)state;
	reset("GP");
	sa.last_data_ms = 1;
	report(SA_IN, 0x1000, 5, 0);
	assert_true(sa.last_data_ms > 1);		/* moved: activity now */
	assert_int_equal(sa.children[0].packets_seen, 5);
	sa.last_data_ms = 1;
	report(SA_IN, 0x1000, 5, 0);
	assert_int_equal(sa.last_data_ms, 1);		/* same count: none */
	report(SA_OUT, 0x1000, 9, 0);
	assert_int_equal(sa.last_data_ms, 1);		/* 0x1000 is not an outbound SPI */
	report(SA_IN, 0x7777, 9, 0);
	assert_int_equal(sa.last_data_ms, 1);		/* unknown SA */
	report(SA_OUT, 0x2000, 3, 77);
	assert_true(sa.last_data_ms > 1);
}

static void test_coa(void **state)
{
	struct ipc_logoff l = { .coa = 1, .has_session_timeout = 1, .session_timeout = 5 };
	long long before = now_ms();

	(void)state;
	reset("GP");
	sa.idle_timeout = 120;
	sa.last_data_ms = 1;
	timeouts_coa(&sa, &l);
	assert_true(sa.session_end_ms >= before + 5000 && sa.session_end_ms <= now_ms() + 5000);
	assert_int_equal(sa.session_timeout, 5);
	assert_int_equal(sa.idle_timeout, 120);		/* untouched */
	assert_int_equal(sa.last_data_ms, 1);
	l.session_timeout = 0;
	l.has_idle_timeout = 1;
	l.idle_timeout = 60;
	timeouts_coa(&sa, &l);
	assert_int_equal(sa.session_end_ms, 0);		/* 0: no session timeout */
	assert_int_equal(sa.idle_timeout, 60);
	assert_true(sa.last_data_ms >= before);		/* the new idle timer starts now */
}

/* The same policies after a reload: GP 2 -> 5 minutes, SHORT 7 -> 9 s,
 * NOIDLE gets one, PLAIN unchanged (default 30 minutes). */
static const char CONF_RELOADED[] =
	"group-policy GP internal\ngroup-policy GP attributes\n vpn-idle-timeout 5\n"
	"group-policy NOIDLE internal\ngroup-policy NOIDLE attributes\n vpn-idle-timeout 1\n"
	"group-policy SHORT internal\ngroup-policy SHORT attributes\n vpn-idle-timeout seconds 9\n"
	"group-policy PLAIN internal\n";

static void swap_conf(const char *text, size_t len)
{
	struct conf nc;
	char err[256];

	if (!conf_parse_text(text, len, "test", &nc, err, sizeof err))
		fail_msg("%s", err);
	conf_free(&ike.c.conf);
	ike.c.conf = nc;
}

static void test_reload(void **state)
{
	static const struct {
		const char *policy;
		uint32_t radius_idle;	/* at login; 0 = none */
		uint32_t coa_idle;	/* a CoA's Idle-Timeout; 0 = no CoA */
		uint32_t before, after;
	} t[] = {
		{ "GP", 0, 0, 120, 300 },
		{ "GP", 30, 0, 30, 30 },		/* RADIUS wins */
		{ "SHORT", 0, 0, 7, 9 },
		{ "NOIDLE", 0, 0, 0, 60 },
		{ "NOIDLE", 0, 45, 45, 45 },		/* changed by CoA: RADIUS's now */
		{ "PLAIN", 0, 0, 1800, 1800 },
		{ "GP", 15, 40, 40, 40 },
	};
	static struct ike_sa sas[sizeof t / sizeof t[0]];
	struct ipc_logoff coa = { .coa = 1, .has_idle_timeout = 1 };
	size_t n = sizeof t / sizeof t[0];

	(void)state;
	memset(sas, 0, sizeof sas);
	for (size_t i = 0; i < n; i++) {
		ipc_strcpy(sas[i].policy, sizeof sas[i].policy, t[i].policy);
		sas[i].state = ST_ESTABLISHED;
		sas[i].up_ms = 1000;
		sas[i].next = i + 1 < n ? &sas[i + 1] : NULL;
		timeouts_start(&sas[i], t[i].radius_idle);
		if (t[i].coa_idle) {
			coa.idle_timeout = t[i].coa_idle;
			timeouts_coa(&sas[i], &coa);
		}
		sas[i].last_data_ms = 1234;
		assert_int_equal(sas[i].idle_timeout, t[i].before);
	}
	ike.sas = &sas[0];
	swap_conf(CONF_RELOADED, sizeof CONF_RELOADED - 1);
	timeouts_reload();
	for (size_t i = 0; i < n; i++) {
		if (sas[i].idle_timeout != t[i].after)
			fail_msg("case %zu (%s): idle %u after the reload, want %u", i, t[i].policy,
				 sas[i].idle_timeout, t[i].after);
		assert_int_equal(sas[i].last_data_ms, 1234);	/* the clock runs on */
	}
	swap_conf(CONF, sizeof CONF - 1);
	timeouts_reload();				/* and back */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sas[i].idle_timeout, t[i].before);
	ike.sas = NULL;
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	for (int r = 0; r < ROLE_MAX; r++)
		for (int i = 0; i < MAX_WORKERS; i++)
			ike.c.chan[r][i] = -1;
	if (!conf_parse_text(CONF, sizeof CONF - 1, "test", &ike.c.conf, err, sizeof err)) {
		print_error("%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike.sas = NULL;
	conf_free(&ike.c.conf);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_esp_report),
		cmocka_unit_test(test_coa),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
