/* The client side at full speed: a ring of ESP-in-UDP datagrams sealed
 * beforehand with the ESP worker's esp_encrypt, then sendmmsg in batches
 * from a raw socket (the client's own address and port, so the gateway
 * takes them as the client's).  A ring re-sent repeats its sequence
 * numbers: the bench runs the gateway with the replay check disabled. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

int gen_esp(const struct gen_opts *o)
{
	struct ring r = { 0 };
	uint64_t total = o->count ? o->count * o->repeat : UINT64_MAX, sent = 0;
	int s = raw_socket(), rc;
	double t0, end;

	if (s < 0 || !build_ring(o, &r)) {
		fprintf(stderr, "espgen: cannot build the packets\n");
		return 1;
	}
	t0 = gen_now();
	end = t0 + o->seconds;
	while (sent < total && gen_now() < end) {
		rc = send_batch(s, o, &r, sent, total - sent);
		if (rc > 0)
			sent += (uint64_t)rc;
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
