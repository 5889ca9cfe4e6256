/* Sharding the data plane: `crypto engine workers N`, the owner function
 * of lib/shard.h, the TUN steering program (a real 2-queue TUN in a
 * private network namespace: every packet must come out of the queue of
 * its destination's owner), and NAT rebinding on authenticated ESP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "shard.h"
#include "../../esp-worker/datapath.h"
#include "../../esp-worker/esp_crypt.h"
#include "../../esp-worker/sa.h"
#include "../../master/master.h"

/* ---- configuration ---- */

static const char base[] =
	"interface gw0\n nameif outside\n ip address 10.99.0.1 255.255.255.0\n"
	"crypto ikev1 enable outside\n";

static bool parse(const char *extra, struct conf *c, char *err, size_t n)
{
	char text[1024];

	snprintf(text, sizeof text, "%s%s", base, extra);
	return conf_parse_text(text, strlen(text), "t.conf", c, err, n);
}

static void test_conf_engine_workers(void **state)
{
	static const struct { const char *line; bool ok; int want; } cases[] = {
		{ "", true, 0 },
		{ "crypto engine workers 1\n", true, 1 },
		{ "crypto engine workers 2\n", true, 2 },
		{ "crypto engine workers 16\n", true, 16 },
		{ "crypto engine workers 0\n", false, 0 },
		{ "crypto engine workers 17\n", false, 0 },
		{ "crypto engine workers\n", false, 0 },
		{ "crypto engine workers 2 3\n", false, 0 },
		{ "crypto engine threads 2\n", false, 0 },
	};
	char err[CONF_ERR];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conf c;
		bool ok = parse(cases[i].line, &c, err, sizeof err);

		if (ok != cases[i].ok)
			fail_msg("'%s': parse %d, want %d (%s)", cases[i].line, ok, cases[i].ok, err);
		if (!ok)
			continue;
		assert_int_equal(c.esp_workers, cases[i].want);
		if (cases[i].want)
			assert_int_equal(master_esp_count(&c), cases[i].want);
		else	/* not configured: one per CPU */
			assert_int_equal(master_esp_count(&c),
					 sysconf(_SC_NPROCESSORS_ONLN) > 16 ? 16
					 : sysconf(_SC_NPROCESSORS_ONLN));
		conf_free(&c);
	}
}

/* ---- the owner function ---- */

static void test_shard_of_addr(void **state)
{
	static const struct { const char *addr; unsigned n, want; } cases[] = {
		{ "10.200.0.1", 1, 0 }, { "10.200.0.1", 0, 0 }, { "10.200.0.1", 2, 1 },
		{ "10.200.0.2", 2, 0 }, { "10.200.0.7", 3, (0x0ac80007u) % 3 },
		{ "10.200.0.254", 16, 0x0ac800feu % 16 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct in_addr a;

		assert_int_equal(inet_pton(AF_INET, cases[i].addr, &a), 1);
		assert_int_equal(shard_of_addr(a.s_addr, cases[i].n), cases[i].want);
	}
}

/* ---- TUN steering (needs root: skipped otherwise) ---- */

#define TUN_NAME "h10steer0"
#define NQ 2

static int tun_queue(void)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", TUN_NAME);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0)
		return -1;
	return fd;
}

/* 10.211.0.1/24 on the TUN, up. */
static int tun_up(void)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", TUN_NAME);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.211.0.1", &sin->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return -1;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return -1;
	close(s);
	return 0;
}

/* Counts the IPv4 packets of queue qi; returns how many went to a queue
 * their destination's owner is not (IPv6 noise is ignored). */
static int drain_queue(int fd, int qi, int *got)
{
	uint8_t pkt[2048];
	ssize_t n;
	int wrong = 0;

	while ((n = read(fd, pkt, sizeof pkt)) > 0) {
		uint32_t dst;

		if (n < 20 || pkt[0] >> 4 != 4)
			continue;
		memcpy(&dst, pkt + 16, 4);
		if (shard_of_addr(dst, NQ) != (unsigned)qi)
			wrong++;
		(*got)++;
	}
	return wrong;
}

/* In the forked child: 0 all steered right, 1 wrong, 2 setup failed,
 * 77 no privilege. */
static int steer_child(void)
{
	int q[NQ], s, got = 0, wrong = 0;

	if (unshare(CLONE_NEWNET) < 0)
		return 77;
	for (int i = 0; i < NQ; i++)
		if ((q[i] = tun_queue()) < 0)
			return 2;
	if (master_tun_steer(q[0], NQ) < 0 || tun_up() < 0)
		return 2;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	for (int host = 2; host < 42; host++) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };

		to.sin_addr.s_addr = htonl(0x0ad30000u | (uint32_t)host);	/* 10.211.0.host */
		for (int k = 0; k < 3; k++)	/* different source ports: different flow hashes */
			if (sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to) < 0)
				return 2;
		close(s);
		s = socket(AF_INET, SOCK_DGRAM, 0);
	}
	usleep(50000);
	for (int i = 0; i < NQ; i++)
		wrong += drain_queue(q[i], i, &got);
	fprintf(stderr, "steering: %d packets, %d on a wrong queue\n", got, wrong);
	return got == 120 && wrong == 0 ? 0 : 1;
}

static void test_tun_steering(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(steer_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- NAT rebinding on the data path ---- */

#define CLIENT	0x0ac80005u	/* 10.200.0.5, host order */
#define PEER1	0x0a630002u	/* 10.99.0.2 */
#define PEER2	0x0a630063u	/* 10.99.0.99 */

static struct ipc_sa_add mk_add(uint8_t dir, uint32_t window)
{
	struct ipc_sa_add a = {
		.sid = (uint64_t)1 << 56 | 0x77, .spi = 0x5001, .dir = dir, .encap = ENCAP_UDP,
		.enc = ESP_ENC_AES_GCM_16, .auth = ESP_AUTH_NONE, .enc_key_len = 20,
		.peer_port = 4500, .peer_addr = htonl(PEER1), .inner_addr = htonl(CLIENT),
		.replay_window = window,
	};

	for (int i = 0; i < 20; i++)
		a.enc_key[i] = (uint8_t)(0x13 * i + 1);
	return a;
}

/* A client packet (inner source CLIENT) sealed with the outbound twin. */
static size_t seal(struct esp_sa *out, uint8_t *buf, size_t cap)
{
	uint8_t inner[60];
	struct wbuf w;
	int n;

	wbuf_init(&w, inner, sizeof inner);
	wbuf_u32(&w, 0x4500003c);
	wbuf_u32(&w, 0x00010000);
	wbuf_u32(&w, 0x40110000);
	wbuf_u32(&w, CLIENT);
	wbuf_u32(&w, 0x0a640001u);
	while (wbuf_ok(&w) && w.len < sizeof inner)
		wbuf_u8(&w, 0x5a);
	n = esp_encrypt(out, inner, sizeof inner, buf, cap);
	assert_true(n > 0);
	return (size_t)n;
}

struct rebind_fx {
	struct esp_sa_table sender, gw;		/* the client's view, the gateway's */
	struct esp_sa *c_out, *g_in, *g_out;
	struct esp_path_stats st;
};

static void fx_init(struct rebind_fx *f, uint32_t window)
{
	struct ipc_sa_add a = mk_add(SA_OUT, window);

	memset(&f->st, 0, sizeof f->st);
	esp_sa_table_init(&f->sender);
	esp_sa_table_init(&f->gw);
	f->c_out = esp_sa_add(&f->sender, &a);
	f->g_out = esp_sa_add(&f->gw, &a);		/* gateway -> client, same sid */
	a.dir = SA_IN;
	f->g_in = esp_sa_add(&f->gw, &a);
	assert_non_null(f->c_out);
	assert_non_null(f->g_out);
	assert_non_null(f->g_in);
}

static void fx_free(struct rebind_fx *f)
{
	esp_sa_table_clear(&f->sender);
	esp_sa_table_clear(&f->gw);
}

static int feed(struct rebind_fx *f, uint32_t from, uint16_t port, const uint8_t *p, size_t n)
{
	uint8_t out[2048];

	return esp_in_udp_from(&f->gw, &f->st, htonl(from), port, p, n, out, sizeof out);
}

static void test_rebind_follows_newest_authenticated(void **state)
{
	static struct rebind_fx f;
	uint8_t p1[256], p2[256], bad[256];
	size_t n1, n2;

	(void)state;
	assert_true(esp_crypto_init());
	fx_init(&f, 64);
	n1 = seal(f.c_out, p1, sizeof p1);
	n2 = seal(f.c_out, p2, sizeof p2);
	/* from the known peer: nothing changes */
	assert_true(feed(&f, PEER1, 4500, p1, n1) > 0);
	assert_int_equal(f.st.rebinds, 0);
	/* a forged packet from elsewhere must not move the session */
	memcpy(bad, p2, n2);
	bad[n2 - 1] ^= 1;
	assert_int_equal(feed(&f, PEER2, 31000, bad, n2), -1);
	assert_int_equal(f.st.rebinds, 0);
	assert_int_equal(f.g_out->peer_addr, htonl(PEER1));
	/* the genuine newest packet from a new mapping: both SAs follow */
	assert_true(feed(&f, PEER2, 31000, p2, n2) > 0);
	assert_int_equal(f.st.rebinds, 1);
	assert_int_equal(f.g_out->peer_addr, htonl(PEER2));
	assert_int_equal(f.g_out->peer_port, 31000);
	assert_int_equal(f.g_in->peer_addr, htonl(PEER2));
	assert_int_equal(f.st.in_packets, 2);
	assert_int_equal(f.st.in_drops[ESP_DROP_AUTH], 1);
	fx_free(&f);
}

static void test_rebind_ignores_late_packet(void **state)
{
	static struct rebind_fx f;
	uint8_t p1[256], p2[256];
	size_t n1, n2;

	(void)state;
	fx_init(&f, 64);
	n1 = seal(f.c_out, p1, sizeof p1);
	n2 = seal(f.c_out, p2, sizeof p2);
	assert_true(feed(&f, PEER2, 31000, p2, n2) > 0);	/* new mapping, seq 2 */
	assert_int_equal(f.st.rebinds, 1);
	/* seq 1, delayed on the old mapping: accepted, but no move back */
	assert_true(feed(&f, PEER1, 4500, p1, n1) > 0);
	assert_int_equal(f.st.rebinds, 1);
	assert_int_equal(f.g_out->peer_addr, htonl(PEER2));
	fx_free(&f);
}

static void test_rebind_off_without_replay_window(void **state)
{
	static struct rebind_fx f;
	uint8_t p1[256];
	size_t n1;

	(void)state;
	fx_init(&f, 0);
	n1 = seal(f.c_out, p1, sizeof p1);
	assert_true(feed(&f, PEER2, 31000, p1, n1) > 0);
	assert_int_equal(f.st.rebinds, 0);
	assert_int_equal(f.g_out->peer_addr, htonl(PEER1));
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_engine_workers),
		cmocka_unit_test(test_shard_of_addr),
		cmocka_unit_test(test_tun_steering),
		cmocka_unit_test(test_rebind_follows_newest_authenticated),
		cmocka_unit_test(test_rebind_ignores_late_packet),
		cmocka_unit_test(test_rebind_off_without_replay_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
