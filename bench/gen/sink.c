/* Sinks: count what arrives in batches (recvmmsg) until o->seconds have
 * passed, or one idle second after the last packet.  The rate is taken
 * between the first and the last packet counted.
 *   sink      a UDP port in the LAN namespace: the gateway's decrypted
 *             output (bytes: the inner IPv4 packet, payload + 28); gro=1
 *             takes coalesced datagrams whole (UDP_GRO) and counts each
 *   esp-sink  a raw UDP socket in the client namespace: ESP in UDP from the
 *             gateway's port 4500 (bytes: the ESP payload); the first
 *             o->verify packets are decrypted with the keylog's SA. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../esp-worker/esp_crypt.h"
#include "../../esp-worker/sa.h"
#include "buf.h"
#include "gen.h"
#include "udp_gro.h"

struct tally {
	uint64_t pkts, bytes;
	double first, last;
	/* esp-sink */
	const struct gen_opts *o;
	struct esp_sa *sa;
	unsigned tried, verified;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* SIGINT / SIGTERM end the count and still print it. */
static void catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Returns the bytes to count for datagram d, 0 to ignore it. */
typedef size_t (*count_fn)(struct tally *t, const uint8_t *d, size_t len);

/* Counts one datagram (len bytes at d) if fn takes it. */
static void tally_one(struct tally *t, count_fn fn, const uint8_t *d, size_t len)
{
	size_t b = fn(t, d, len);

	if (!b)
		return;
	t->last = gen_now();
	if (!t->pkts++)
		t->first = t->last;
	t->bytes += b;
}

static void recv_loop(int s, const struct gen_opts *o, count_fn fn, struct tally *t)
{
	static uint8_t bufs[GEN_BATCH][65536];
	static union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[GEN_BATCH];
	struct mmsghdr m[GEN_BATCH];
	struct iovec iov[GEN_BATCH];
	struct timeval tv = { 0, 200000 };
	double end = gen_now() + o->seconds;

	catch_stop();
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while (!stopping && gen_now() < end && !(t->pkts && gen_now() - t->last > 1.0)) {
		for (int i = 0; i < GEN_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
			m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1,
							.msg_control = ctl[i].b,
							.msg_controllen = sizeof ctl[i].b };
		}
		int n = recvmmsg(s, m, GEN_BATCH, MSG_WAITFORONE, NULL);

		for (int i = 0; i < n; i++) {
			size_t len = m[i].msg_len, seg = udp_gro_segment(&m[i].msg_hdr);

			if (seg == 0 || seg >= len)
				seg = len;
			for (size_t off = 0; off < len; off += seg)
				tally_one(t, fn, bufs[i] + off, len - off < seg ? len - off : seg);
		}
	}
}

static int bound_socket(int type, int proto, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, type, proto), big = 16 << 20;

	if (s < 0 || (port && bind(s, (struct sockaddr *)&a, sizeof a) < 0)) {
		perror("espgen: sink socket");
		if (s >= 0)
			close(s);
		return -1;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	return s;
}

static size_t count_udp(struct tally *t, const uint8_t *d, size_t len)
{
	(void)t;
	(void)d;
	return len + 28;
}

int gen_sink_udp(const struct gen_opts *o)
{
	struct tally t = { .o = o };
	int s = bound_socket(SOCK_DGRAM, 0, o->dport), one = 1;

	if (s < 0)
		return 1;
	/* gro=1: a receiver that takes the gateway's coalesced datagrams whole
	 * (UDP_GRO), as QUIC stacks do; counted one by one all the same */
	if (o->gro && setsockopt(s, SOL_UDP, UDP_GRO, &one, sizeof one) < 0)
		perror("espgen: UDP_GRO");
	printf("ready\n");
	fflush(stdout);
	recv_loop(s, o, count_udp, &t);
	gen_report("received", t.pkts, t.bytes, t.last - t.first);
	close(s);
	return 0;
}

/* Tries to open one ESP packet with the gateway's outbound SA. */
static void verify_one(struct tally *t, const uint8_t *esp, size_t len)
{
	static uint8_t out[GEN_PKT_MAX];
	enum esp_verdict why;

	t->tried++;
	if (esp_decrypt(t->sa, esp, len, out, sizeof out, &why) > 0)
		t->verified++;
	else
		fprintf(stderr, "espgen: sample %u: %s\n", t->tried, esp_verdict_name(why));
}

/* IPv4 + UDP from o->from port 4500 carrying ESP (not IKE, not keepalive). */
static size_t count_esp(struct tally *t, const uint8_t *d, size_t len)
{
	struct rbuf r;
	uint8_t vihl, proto;
	uint32_t src, marker;
	uint16_t sport;

	rbuf_init(&r, d, len);
	if (!rbuf_u8(&r, &vihl) || vihl >> 4 != 4 || !rbuf_skip(&r, 8) || !rbuf_u8(&r, &proto) ||
	    !rbuf_skip(&r, 2) || !rbuf_u32(&r, &src) || !rbuf_skip(&r, (size_t)(vihl & 15) * 4 - 16) ||
	    !rbuf_u16(&r, &sport) || !rbuf_skip(&r, 6) || proto != 17 || sport != 4500 ||
	    htonl(src) != t->o->from)
		return 0;
	const uint8_t *esp = rbuf_cur(&r);

	len = rbuf_left(&r);
	if (!rbuf_u32(&r, &marker) || marker == 0 || len < ESP_HDR_LEN)
		return 0;
	if (t->sa && t->tried < t->o->verify)
		verify_one(t, esp, len);
	return len;
}

int gen_sink_esp(const struct gen_opts *o)
{
	struct tally t = { .o = o };
	struct esp_sa_table tab;
	struct ipc_sa_add a;
	int s = bound_socket(SOCK_RAW, IPPROTO_UDP, 0);

	esp_sa_table_init(&tab);
	if (s < 0)
		return 1;
	if (o->keylog && o->verify && esp_crypto_init() &&
	    gen_keylog_sa(o->keylog, o->from, o->to, SA_IN, o->inner, &a))
		t.sa = esp_sa_add(&tab, &a);
	printf("ready\n");
	fflush(stdout);
	recv_loop(s, o, count_esp, &t);
	gen_report("received", t.pkts, t.bytes, t.last - t.first);
	if (t.sa)
		printf("verified=%u tried=%u\n", t.verified, t.tried);
	esp_sa_table_clear(&tab);
	close(s);
	return 0;
}
