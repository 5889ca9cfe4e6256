/* LAN-to-LAN sharding (lib/shard.h, lib/shard_l2l.c, master/shard.c): the
 * remote networks the TUN steering program matches, taken from the static
 * crypto maps (most specific first, duplicates and "any" left out, at most
 * SHARD_L2L_MAX); the steering decision for a table of destinations; the
 * generated eBPF program run by the kernel (BPF_PROG_TEST_RUN on a fake
 * packet) gives the same queue for each; and the IKE worker's choice of
 * an SA pair's worker (shard_of_l2l) is where the program sends its
 * network, also for a subset the peer proposed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conf.h"
#include "shard.h"
#include "../../master/master.h"

/* Four remote networks, the wider 10.2.0.0/16 before the 10.2.5.0/24 it
 * holds (the list must put the /24 first), one above 128.0.0.0 (the
 * program's compares must not sign-extend it), a duplicate line, an
 * "any" destination, and access-lists no map entry uses. */
static const char cfg[] =
	"crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac\n"
	"access-list A extended permit ip 10.100.0.0 255.255.255.0 10.2.0.0 255.255.0.0\n"
	"access-list A extended permit ip 10.100.0.0 255.255.255.0 192.168.10.0 255.255.255.0\n"
	"access-list B extended permit ip 10.100.0.0 255.255.255.0 10.2.5.0 255.255.255.0\n"
	"access-list B extended permit ip 10.100.0.0 255.255.255.0 172.16.0.0 255.240.0.0\n"
	"access-list B extended permit ip 10.100.0.0 255.255.255.0 10.2.0.0 255.255.0.0\n"
	"access-list B extended permit ip host 10.100.1.5 any\n"
	"access-list C extended permit ip 10.100.0.0 255.255.255.0 10.77.0.0 255.255.0.0\n"
	"crypto map M 10 match address A\n"
	"crypto map M 10 set peer 10.99.0.2\n"
	"crypto map M 10 set ikev1 transform-set TS\n"
	"crypto map M 20 match address B\n"
	"crypto map M 20 set peer 10.99.0.3\n"
	"crypto map M 20 set ikev1 transform-set TS\n"
	"tunnel-group 10.99.0.2 type ipsec-l2l\n"
	"tunnel-group 10.99.0.2 ipsec-attributes\n"
	" ikev1 pre-shared-key k\n"
	"tunnel-group 10.99.0.3 type ipsec-l2l\n"
	"tunnel-group 10.99.0.3 ipsec-attributes\n"
	" ikev1 pre-shared-key k\n";

static void parse(const char *text, struct conf *c)
{
	char err[CONF_ERR];

	if (!conf_parse_text(text, strlen(text), "t.conf", c, err, sizeof err))
		fail_msg("unexpected error: %s", err);
}

static struct shard_prefix pfx(const char *net, const char *mask)
{
	return (struct shard_prefix){ inet_addr(net), inet_addr(mask) };
}

static void test_prefixes_from_config(void **state)
{
	const struct shard_prefix want[] = {
		pfx("192.168.10.0", "255.255.255.0"), pfx("10.2.5.0", "255.255.255.0"),
		pfx("10.2.0.0", "255.255.0.0"), pfx("172.16.0.0", "255.240.0.0"),
	};
	struct shard_prefix got[SHARD_L2L_MAX];
	struct conf c;
	int n;

	(void)state;
	parse(cfg, &c);
	n = shard_l2l_prefixes(&c, got, SHARD_L2L_MAX);
	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++) {
		assert_int_equal(got[i].net, want[i].net);
		assert_int_equal(got[i].mask, want[i].mask);
	}
	/* a short list keeps the first networks in file order */
	assert_int_equal(shard_l2l_prefixes(&c, got, 2), 4);
	assert_int_equal(got[0].net, inet_addr("192.168.10.0"));
	assert_int_equal(got[1].net, inet_addr("10.2.0.0"));
	conf_free(&c);
}

static void test_prefixes_bounded(void **state)
{
	char *text = malloc(16384), line[160];
	struct shard_prefix got[SHARD_L2L_MAX];
	struct conf c;

	(void)state;
	assert_non_null(text);
	snprintf(text, 16384, "%s", cfg);
	for (int i = 0; i < 70; i++) {		/* 70 more networks on entry 10 */
		snprintf(line, sizeof line, "access-list A extended permit ip 10.100.0.0 "
			 "255.255.255.0 10.50.%d.0 255.255.255.0\n", i);
		strcat(text, line);
	}
	parse(text, &c);
	assert_int_equal(shard_l2l_prefixes(&c, got, SHARD_L2L_MAX), 74);
	/* the first 64 in file order: A's two and 62 of 10.50/16, then B's */
	for (int i = 0; i < SHARD_L2L_MAX; i++)
		assert_int_not_equal(got[i].net, inet_addr("10.2.5.0"));
	conf_free(&c);
	free(text);
}

/* ---- the steering decision ---- */

struct steer_case {
	const char *dst;
	unsigned want;		/* with 4 workers */
};

/* Owners with 4 workers (shard_of_net): 192.168.10.0/24 -> 1, 10.2.5.0/24
 * -> 3, 10.2.0.0/16 -> 1, 172.16.0.0/12 -> 0.  Where a network holds a
 * destination, the destination's own address % 4 is another queue. */
static const struct steer_case steer_cases[] = {
	{ "10.2.5.10", 3 },		/* the /24, not the /16 (which says 1) */
	{ "10.2.5.12", 3 },
	{ "10.2.7.2", 1 },		/* the /16 */
	{ "10.2.255.255", 1 },
	{ "192.168.10.78", 1 },		/* above 128.0.0.0 */
	{ "192.168.10.80", 1 },
	{ "172.20.1.2", 0 },
	{ "172.31.255.255", 0 },
	{ "10.3.0.1", 1 },		/* none: by address, 0x0a030001 % 4 */
	{ "192.168.11.6", 2 },
	{ "0.0.0.1", 1 },
	{ "255.255.255.255", 3 },
};

static int config_table(struct shard_prefix *p)
{
	struct conf c;
	int n;

	parse(cfg, &c);
	n = shard_l2l_prefixes(&c, p, SHARD_L2L_MAX);
	conf_free(&c);
	return n;
}

static void test_steer_decision(void **state)
{
	struct shard_prefix p[SHARD_L2L_MAX];
	int np = config_table(p);

	(void)state;
	for (size_t i = 0; i < sizeof steer_cases / sizeof steer_cases[0]; i++) {
		unsigned q = shard_steer(p, np, inet_addr(steer_cases[i].dst), 4);

		if (q != steer_cases[i].want)
			fail_msg("%s: queue %u, want %u", steer_cases[i].dst, q, steer_cases[i].want);
	}
	/* networks spread over the workers even when n is a power of two */
	assert_int_equal(shard_of_net(inet_addr("10.201.0.0"), inet_addr("255.255.255.0"), 2), 1);
	assert_int_equal(shard_of_net(inet_addr("10.202.0.0"), inet_addr("255.255.255.0"), 2), 0);
	assert_int_equal(shard_of_net(inet_addr("10.202.0.0"), inet_addr("255.255.255.0"), 1), 0);
	/* no networks: the clients' rule alone */
	assert_int_equal(shard_steer(p, 0, inet_addr("10.2.5.10"), 4), 2);
}

/* ---- the program, run by the kernel ---- */

/* An Ethernet header (the test run strips it) and the IPv4 header: the
 * socket filter sees the packet from the IP header on, as on the TUN. */
static size_t fake_packet(uint8_t *b, uint8_t version, uint32_t dst)
{
	memset(b, 0, 14 + 20);
	b[12] = 0x08;			/* ETH_P_IP */
	b[14] = (uint8_t)(version << 4 | 5);
	b[14 + 9] = 17;
	memcpy(b + 14 + 12, "\x0a\x64\x00\x01", 4);
	memcpy(b + 14 + 16, &dst, 4);
	return 14 + 20;
}

/* Runs the program on one packet: its return value, or -1 (errno). */
static long long prog_run(int fd, const uint8_t *pkt, size_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = (uint32_t)len;
	a.test.repeat = 1;
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof a) < 0)
		return -1;
	return a.test.retval;
}

/* The program or a skip: no privilege, no bpf(). */
static int load_or_skip(const struct shard_prefix *p, int np, int n)
{
	int fd = master_steer_load(p, np, n);

	if (fd < 0 && (errno == EPERM || errno == ENOSYS || errno == EACCES))
		skip();
	if (fd < 0)
		fail_msg("the verifier refused the steering program (%d networks): %s", np,
			 strerror(errno));
	return fd;
}

static void test_program_matches_decision(void **state)
{
	struct shard_prefix p[SHARD_L2L_MAX];
	int np = config_table(p), fd = load_or_skip(p, np, 4);
	uint8_t pkt[64];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof steer_cases / sizeof steer_cases[0]; i++) {
		long long q;

		len = fake_packet(pkt, 4, inet_addr(steer_cases[i].dst));
		q = prog_run(fd, pkt, len);
		if (q < 0 && i == 0) {	/* no test runs here: loaded (verified) is all */
			print_message("BPF_PROG_TEST_RUN: %s\n", strerror(errno));
			close(fd);
			skip();
		}
		if (q != steer_cases[i].want)
			fail_msg("%s: program says %lld, want %u (%s)", steer_cases[i].dst, q,
				 steer_cases[i].want, q < 0 ? strerror(errno) : "");
	}
	/* not IPv4, and a packet too short for a destination: queue 0 */
	len = fake_packet(pkt, 6, inet_addr("10.2.5.10"));
	assert_int_equal(prog_run(fd, pkt, len), 0);
	len = fake_packet(pkt, 4, inet_addr("10.2.5.10"));
	pkt[12] = 0x88;		/* (the test run checks an IPv4 header's length) */
	pkt[13] = 0xb5;
	assert_int_equal(prog_run(fd, pkt, 14 + 12), 0);
	assert_int_equal(prog_run(fd, pkt, len), 3);	/* the same packet, whole */
	close(fd);
}

/* A full table: the verifier takes it and the last network still decides. */
static void test_program_full_table(void **state)
{
	struct shard_prefix p[SHARD_L2L_MAX];
	uint8_t pkt[64];
	int fd;

	(void)state;
	for (int i = 0; i < SHARD_L2L_MAX; i++)
		p[i] = (struct shard_prefix){ htonl(0xc0a80000u | (uint32_t)i << 8 | 0u),
					      htonl(0xffffff00u) };
	p[SHARD_L2L_MAX - 1].net = htonl(0xc0a8fe00u);	/* 192.168.254.0/24 */
	fd = load_or_skip(p, SHARD_L2L_MAX, 5);
	/* owners with 5 workers: 192.168.254.0/24 -> 3, 192.168.62.0/24 -> 2 */
	assert_int_equal(prog_run(fd, pkt, fake_packet(pkt, 4, inet_addr("192.168.254.9"))), 3);
	assert_int_equal(prog_run(fd, pkt, fake_packet(pkt, 4, inet_addr("192.168.62.3"))), 2);
	assert_int_equal(prog_run(fd, pkt, fake_packet(pkt, 4, inet_addr("192.168.255.9"))),
			 0xc0a8ff09u % 5);		/* not in the table */
	close(fd);
}

/* ---- the IKE worker's placement ---- */

static void test_sa_worker_follows_steering(void **state)
{
	static const struct { const char *rnet; unsigned want; } cases[] = {
		{ "10.2.0.0", 1 },		/* an ACL network: its owner */
		{ "10.2.5.0", 3 },
		{ "10.2.9.0", 1 },		/* a subset the peer proposed: the /16's */
		{ "10.2.5.128", 3 },		/* inside the /24 */
		{ "192.168.10.64", 1 },
		{ "10.77.0.0", 0 },		/* ACL C is in no map entry: by address */
	};
	struct conf c;

	(void)state;
	parse(cfg, &c);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (shard_of_l2l(&c, inet_addr(cases[i].rnet), 4) != cases[i].want)
			fail_msg("%s: worker %u, want %u", cases[i].rnet,
				 shard_of_l2l(&c, inet_addr(cases[i].rnet), 4), cases[i].want);
	assert_int_equal(shard_of_l2l(&c, inet_addr("10.2.9.0"), 1), 0);
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes_from_config),
		cmocka_unit_test(test_prefixes_bounded),
		cmocka_unit_test(test_steer_decision),
		cmocka_unit_test(test_program_matches_decision),
		cmocka_unit_test(test_program_full_table),
		cmocka_unit_test(test_sa_worker_follows_steering),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
