/* master/transport_route.c's rtnetlink requests for ESP transport mode:
 * the /32 route into the TUN in table 4051 and the rule "not fwmark 0x52a1
 * lookup 4051", each parsed back with the kernel's own macros
 * (tests/integration/test_transport.sh checks the kernel accepts them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../../master/transport_route.h"

/* The u32 value of attribute type among the attributes at a (n bytes), or
 * -1 when absent. */
static long long attr_u32(struct rtattr *a, int n, unsigned short type)
{
	for (; RTA_OK(a, n); a = RTA_NEXT(a, n))
		if (a->rta_type == type && RTA_PAYLOAD(a) == 4) {
			uint32_t v;

			memcpy(&v, RTA_DATA(a), 4);
			return v;
		}
	return -1;
}

struct route_case {
	int add;
	const char *addr, *src;
	int ifindex;
	uint16_t type, flags;
};

static void test_route_msgs(void **state)
{
	static const struct route_case cases[] = {
		{ 1, "10.99.0.2", "10.99.0.1", 7, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE },
		{ 1, "10.99.0.3", NULL, 3, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE },
		{ 0, "10.99.0.2", NULL, 0, RTM_DELROUTE, 0 },
	};
	uint8_t buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct route_case *c = &cases[i];
		uint32_t src = c->src ? inet_addr(c->src) : 0;
		size_t n = master_nl_route_msg(buf, sizeof buf, c->add, inet_addr(c->addr), c->ifindex,
					       src);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		struct rtmsg *r = NLMSG_DATA(h);
		struct rtattr *a = RTM_RTA(r);
		int alen = (int)RTM_PAYLOAD(h);

		assert_true(n > 0);
		assert_int_equal(h->nlmsg_len, n);
		assert_int_equal(h->nlmsg_type, c->type);
		assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | c->flags);
		assert_int_equal(r->rtm_family, AF_INET);
		assert_int_equal(r->rtm_dst_len, 32);
		assert_int_equal(attr_u32(a, alen, RTA_TABLE), MASTER_TRANSPORT_TABLE);
		assert_int_equal(attr_u32(a, alen, RTA_DST), inet_addr(c->addr));
		assert_int_equal(attr_u32(a, alen, RTA_OIF), c->add ? c->ifindex : -1);
		assert_int_equal(attr_u32(a, alen, RTA_PREFSRC), src ? (long long)src : -1);
	}
	assert_int_equal(master_nl_route_msg(buf, 40, 1, 1, 1, 1), 0);	/* too small */
}

static void test_rule_msgs(void **state)
{
	uint8_t buf[256];

	(void)state;
	for (int add = 0; add < 2; add++) {
		size_t n = master_nl_rule_msg(buf, sizeof buf, add);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		struct fib_rule_hdr *f = NLMSG_DATA(h);
		struct rtattr *a = (struct rtattr *)((uint8_t *)f + NLMSG_ALIGN(sizeof *f));
		int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof *f)));

		assert_true(n > 0);
		assert_int_equal(h->nlmsg_len, n);
		assert_int_equal(h->nlmsg_type, add ? RTM_NEWRULE : RTM_DELRULE);
		assert_int_equal(f->family, AF_INET);
		assert_int_equal(f->action, FR_ACT_TO_TBL);
		assert_int_equal(f->flags, FIB_RULE_INVERT);	/* "not fwmark" */
		assert_int_equal(attr_u32(a, alen, FRA_FWMARK), MASTER_TRANSPORT_MARK);
		assert_int_equal(attr_u32(a, alen, FRA_FWMASK), 0xffffffffu);
		assert_int_equal(attr_u32(a, alen, FRA_TABLE), MASTER_TRANSPORT_TABLE);
		assert_int_equal(attr_u32(a, alen, FRA_PRIORITY), MASTER_TRANSPORT_PREF);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_msgs),
		cmocka_unit_test(test_rule_msgs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
