/* The client side at full speed: a ring of ESP-in-UDP datagrams sealed
 * beforehand with the ESP worker's esp_encrypt, then sendmmsg in batches
 * from a raw socket (the client's own address and port, so the gateway
 * takes them as the client's).  A ring re-sent repeats its sequence
 * numbers: the bench runs the gateway with the replay check disabled. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../esp-worker/esp_crypt.h"
#include "../../esp-worker/sa.h"
#include "gen.h"

#define OUTER_HDR 28

struct ring {
	uint8_t (*pkt)[GEN_PKT_MAX];
	size_t *len;
	unsigned n;
};

/* One sealed datagram into slot i (a flipped bit lands in the ciphertext). */
static bool seal_one(const struct gen_opts *o, struct esp_sa *sa, struct ring *r, unsigned i)
{
	uint8_t inner[GEN_PKT_MAX];
	size_t n = gen_inner(inner, o->size, o->spoof ? o->spoof : o->inner, o->dst, o->dport);
	int len = n ? esp_encrypt(sa, inner, n, r->pkt[i] + OUTER_HDR, GEN_PKT_MAX - OUTER_HDR) : -1;

	if (len < 0)
		return false;
	if (o->flip)
		r->pkt[i][OUTER_HDR + (size_t)len / 2] ^= 0x10;
	r->len[i] = gen_outer(r->pkt[i], (size_t)len, o->from, o->to, o->sport, 4500);
	return r->len[i] != 0;
}

static bool build_ring(const struct gen_opts *o, struct ring *r)
{
	struct esp_sa_table t;
	struct ipc_sa_add a;
	struct esp_sa *sa;
	bool ok = true;

	if (!gen_keylog_sa(o->keylog, o->from, o->to, SA_OUT, o->inner, &a) || !esp_crypto_init())
		return false;
	a.seq_out = o->seq;
	esp_sa_table_init(&t);
	if (!(sa = esp_sa_add(&t, &a)))
		return false;
	r->n = o->count && o->count < o->ring ? (unsigned)o->count : o->ring;
	r->pkt = calloc(r->n, sizeof *r->pkt);
	r->len = calloc(r->n, sizeof *r->len);
	for (unsigned i = 0; ok && r->pkt && r->len && i < r->n; i++)
		ok = seal_one(o, sa, r, i);
	esp_sa_table_clear(&t);
	return ok && r->pkt && r->len;
}

static int raw_socket(void)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), big = 4 << 20;

	if (s < 0)
		perror("espgen: raw socket");
	else
		setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	return s;
}

/* Sends packet k (of the ring, each repeated o->repeat times) onwards. */
static int send_batch(int s, const struct gen_opts *o, struct ring *r, uint64_t k, uint64_t left)
{
	struct mmsghdr m[GEN_BATCH];
	struct iovec iov[GEN_BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = o->to };
	unsigned n = left < GEN_BATCH ? (unsigned)left : GEN_BATCH;

	memset(m, 0, sizeof m);
	for (unsigned i = 0; i < n; i++) {
		unsigned slot = (unsigned)((k + i) / o->repeat % r->n);

		iov[i] = (struct iovec){ r->pkt[slot], r->len[slot] };
		m[i].msg_hdr = (struct msghdr){ .msg_name = &to, .msg_namelen = sizeof to,
						.msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	return sendmmsg(s, m, n, 0);
}

/* gso=N: a UDP socket of the client's address, port sport + 100 (the
 * client holds sport), with the ESP packets' size as UDP_SEGMENT. */
static int gso_socket(const struct gen_opts *o, const struct ring *r)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = o->from,
				  .sin_port = htons((uint16_t)(o->sport + 100)) };
	int s = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;
	int seg = (int)(r->len[0] - OUTER_HDR);

	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof me) < 0 ||
	    setsockopt(s, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg) < 0) {
		perror("espgen: GSO socket");
		if (s >= 0)
			close(s);
		return -1;
	}
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	return s;
}

/* As send_batch, but GSO_MSGS sends of per packets each (their ESP
 * payloads, all one size).  Returns the packets sent. */
#define GSO_MSGS 8
static int send_gso(int s, const struct gen_opts *o, struct ring *r, unsigned per, uint64_t k,
		    uint64_t left)
{
	static struct iovec iov[GSO_MSGS][64];
	struct mmsghdr m[GSO_MSGS];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = o->to,
				  .sin_port = htons(4500) };
	unsigned msgs = 0;
	int rc;

	memset(m, 0, sizeof m);
	for (; msgs < GSO_MSGS && left >= per; msgs++, left -= per) {
		for (unsigned i = 0; i < per; i++, k++) {
			unsigned slot = (unsigned)(k / o->repeat % r->n);

			iov[msgs][i] = (struct iovec){ r->pkt[slot] + OUTER_HDR,
						      r->len[slot] - OUTER_HDR };
		}
		m[msgs].msg_hdr = (struct msghdr){ .msg_name = &to, .msg_namelen = sizeof to,
						   .msg_iov = iov[msgs], .msg_iovlen = per };
	}
	rc = msgs ? sendmmsg(s, m, msgs, 0) : 0;
	return rc > 0 ? rc * (int)per : rc;
}

/* Packets per GSO send: at most 64 and 64 KB; 0 without gso=. */
static unsigned gso_per_send(const struct gen_opts *o, const struct ring *r)
{
	unsigned k = o->gso > 64 ? 64 : o->gso;

	while (k > 1 && k * (r->len[0] - OUTER_HDR) > 65000)
		k--;
	return k > 1 ? k : 0;
}

int gen_esp(const struct gen_opts *o)
{
	struct ring r = { 0 };
	uint64_t total = o->count ? o->count * o->repeat : UINT64_MAX, sent = 0;
	int s = -1, rc;
	unsigned per;
	double t0, end;

	if (!build_ring(o, &r)) {
		fprintf(stderr, "espgen: cannot build the packets\n");
		return 1;
	}
	per = gso_per_send(o, &r);
	s = per ? gso_socket(o, &r) : raw_socket();
	if (s < 0) {
		free(r.pkt);
		free(r.len);
		return 1;
	}
	t0 = gen_now();
	end = t0 + o->seconds;
	while (sent < total && gen_now() < end) {
		gen_pace(o, t0, sent);
		rc = per ? send_gso(s, o, &r, per, sent, total - sent)
			 : send_batch(s, o, &r, sent, total - sent);
		if (rc > 0)
			sent += (uint64_t)rc;
		else if (rc == 0)	/* fewer left than one GSO send */
			break;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			perror("espgen: sendmmsg");
			break;
		}
	}
	gen_report("sent", sent, sent * o->size, gen_now() - t0);
	close(s);
	free(r.pkt);
	free(r.len);
	return sent ? 0 : 1;
}
