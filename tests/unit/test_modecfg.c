/* Mode-config policy attributes (ike-worker/modecfg.c): the split list of
 * a group-policy goes out as what its split-tunnel-policy says, and only
 * when the client asked for that attribute:
 *  - tunnelspecified: UNITY_SPLIT_INCLUDE (28676), never the exclude list;
 *  - excludespecified: the Unity split-exclude list UNITY_LOCAL_LAN
 *    (28678; 28677 is the NAT-T port), never the include list;
 *  - tunnelall: neither.
 * Each entry is 14 bytes: address, mask, protocol, source and destination
 * port, in the order of the access-list. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "../../ike-worker/ike.h"

struct ike_ctx ike;

static const char CONF[] =
	"access-list NETS standard permit 10.100.0.0 255.255.255.0\n"
	"access-list NETS standard permit host 192.0.2.7\n"
	"group-policy INC internal\ngroup-policy INC attributes\n"
	" split-tunnel-policy tunnelspecified\n split-tunnel-network-list value NETS\n"
	"group-policy EXC internal\ngroup-policy EXC attributes\n"
	" split-tunnel-policy excludespecified\n split-tunnel-network-list value NETS\n"
	"group-policy ALL internal\ngroup-policy ALL attributes\n"
	" split-tunnel-policy tunnelall\n";

static const uint16_t want_both[] = { CA_UNITY_SPLIT_INCLUDE, CA_UNITY_LOCAL_LAN };

/* The value of attribute type among what policy gp produced; its length,
 * -1 when absent. */
static int produced(const char *gp, const uint16_t *want, int n_want, uint16_t type,
		    uint8_t *val)
{
	struct v1_out o;
	struct v1_attr a;
	struct rbuf r;
	size_t start;
	int len = -1;

	v1_out_begin(&o, (const uint8_t *)"12345678", (const uint8_t *)"87654321", 6, 0, 1);
	start = o.w.len;
	modecfg_policy_attrs(&o, &ike.c.conf, conf_group_policy(&ike.c.conf, gp), want, n_want);
	rbuf_init(&r, o.buf + start, o.w.len - start);
	while (v1_next_attr(&r, &a))
		if (a.type == type && !a.tv) {
			memcpy(val, a.val, a.len);
			len = a.len;
		}
	return len;
}

static void check_entries(const uint8_t *v)
{
	uint32_t net = inet_addr("10.100.0.0"), mask = inet_addr("255.255.255.0");
	uint32_t host = inet_addr("192.0.2.7"), all = 0xffffffff;
	static const uint8_t zero6[6];

	assert_memory_equal(v, &net, 4);
	assert_memory_equal(v + 4, &mask, 4);
	assert_memory_equal(v + 8, zero6, 6);
	assert_memory_equal(v + 14, &host, 4);
	assert_memory_equal(v + 18, &all, 4);
}

static void test_exclude(void **state)
{
	uint8_t v[512];

	(void)state;
	assert_int_equal(produced("EXC", want_both, 2, CA_UNITY_LOCAL_LAN, v), 28);
	check_entries(v);
	assert_int_equal(produced("EXC", want_both, 2, CA_UNITY_SPLIT_INCLUDE, v), -1);
	/* not asked for: not sent */
	assert_int_equal(produced("EXC", want_both, 1, CA_UNITY_LOCAL_LAN, v), -1);
}

static void test_include(void **state)
{
	uint8_t v[512];

	(void)state;
	assert_int_equal(produced("INC", want_both, 2, CA_UNITY_SPLIT_INCLUDE, v), 28);
	check_entries(v);
	assert_int_equal(produced("INC", want_both, 2, CA_UNITY_LOCAL_LAN, v), -1);
}

static void test_tunnelall(void **state)
{
	uint8_t v[512];

	(void)state;
	assert_int_equal(produced("ALL", want_both, 2, CA_UNITY_SPLIT_INCLUDE, v), -1);
	assert_int_equal(produced("ALL", want_both, 2, CA_UNITY_LOCAL_LAN, v), -1);
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(CA_UNITY_LOCAL_LAN, 28678);
	return conf_parse_text(CONF, sizeof CONF - 1, "test", &ike.c.conf, err, sizeof err) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	conf_free(&ike.c.conf);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_tunnelall),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
