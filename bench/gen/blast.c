/* The LAN side at full speed: one UDP datagram, inner packet size
 * o->size, sent to the client's address with sendmmsg in batches. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gen.h"

static int connected_udp(const struct gen_opts *o)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = o->dst,
				  .sin_port = htons(o->dport) };
	int s = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;

	if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof to) < 0) {
		perror("espgen: blast socket");
		if (s >= 0)
			close(s);
		return -1;
	}
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	return s;
}

/* Datagrams per send: 1, or as many as UDP GSO takes (64 segments, 64 KB). */
static unsigned per_send(const struct gen_opts *o, int s)
{
	unsigned k = o->gso > 64 ? 64 : o->gso;
	int seg = (int)(o->size - 28);

	if (k <= 1)
		return 1;
	while (k > 1 && k * (o->size - 28) > 65000)
		k--;
	if (setsockopt(s, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg) < 0) {
		perror("espgen: UDP_SEGMENT");
		return 1;
	}
	return k;
}

int gen_blast(const struct gen_opts *o)
{
	static uint8_t payload[65536];
	struct mmsghdr m[GEN_BATCH];
	struct iovec iov = { payload, o->size - 28 };
	uint64_t sent = 0;
	int s = connected_udp(o), rc;
	double t0 = gen_now(), end = t0 + o->seconds;
	unsigned k;

	if (s < 0)
		return 1;
	k = per_send(o, s);
	iov.iov_len *= k;
	memset(m, 0, sizeof m);
	for (int i = 0; i < GEN_BATCH; i++)
		m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1 };
	while ((!o->count || sent < o->count) && gen_now() < end) {
		gen_pace(o, t0, sent);
		rc = sendmmsg(s, m, GEN_BATCH, 0);
		if (rc > 0)
			sent += (uint64_t)rc * k;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR &&
			 errno != ECONNREFUSED) {
			perror("espgen: sendmmsg");
			break;
		}
	}
	gen_report("sent", sent, sent * o->size, gen_now() - t0);
	close(s);
	return sent ? 0 : 1;
}
