/* Outbound batches: sealed ESP packets go back to back into an arena and
 * leave in one sendmmsg.  On the UDP 4500 socket, consecutive packets to
 * the same peer that are all of one size but the last (the segments of a
 * split TCP super-segment are exactly that) form one message with a
 * UDP_SEGMENT cmsg: the kernel (or the NIC) cuts it into datagrams. */
#include "io.h"

#include <errno.h>
#include <netinet/udp.h>
#include <string.h>

#include "log.h"

void esp_tx_init(struct tx_batch *b)
{
	for (int i = 0; i < BATCH; i++)
		b->m[i].msg_hdr = (struct msghdr){ .msg_iov = &b->iov[i], .msg_iovlen = 1,
						   .msg_name = &b->to[i],
						   .msg_namelen = sizeof b->to[i] };
}

/* A GSO message carries its segment size; a single packet carries nothing. */
static void tx_set_ctl(struct tx_batch *b, int i)
{
	struct msghdr *h = &b->m[i].msg_hdr;
	struct cmsghdr *c;

	if (b->count[i] < 2) {
		h->msg_control = NULL;
		h->msg_controllen = 0;
		return;
	}
	h->msg_control = b->ctl[i].b;
	h->msg_controllen = sizeof b->ctl[i].b;
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(c), &b->seg[i], sizeof(uint16_t));
}

static void count_sent(struct esp_worker *w, const struct tx_batch *b, int from, int n)
{
	for (int i = from; i < from + n; i++)
		if (b->count[i] > 1) {
			w->off.gso_sends++;
			w->off.gso_segs += b->count[i];
		}
}

/* The kernel refused a GSO message: send its packets one by one.  EINVAL
 * is this peer's path (a segment over its MTU); anything else (EIO: no
 * checksum offload on the way, ENOPROTOOPT) is the socket's, and ends GSO
 * on it.  Returns false if message i was no GSO send. */
static bool gso_fallback(struct esp_worker *w, struct tx_batch *b, int i, int fd, int err)
{
	const uint8_t *p = b->iov[i].iov_base;
	size_t left = b->iov[i].iov_len;

	if (b->count[i] < 2 || (err != EIO && err != EINVAL && err != ENOPROTOOPT &&
				err != EOPNOTSUPP))
		return false;
	if (w->off.gso_refused++ == 0)
		log_warn("esp: UDP GSO send refused (%s): sending its ESP packets one by one%s",
			 strerror(err), err == EINVAL ? "" : ", no more GSO");
	if (err != EINVAL) {
		w->io->gso_failed = true;
		b->gso = false;
	}
	while (left > 0) {
		size_t n = left < b->seg[i] ? left : b->seg[i];

		if (sendto(fd, p, n, MSG_DONTWAIT, (struct sockaddr *)&b->to[i],
			   sizeof b->to[i]) < 0)
			w->iost.tx_dropped++;
		p += n;
		left -= n;
	}
	return true;
}

static void tx_flush(struct esp_worker *w, struct tx_batch *b, int fd)
{
	int done = 0, err = 0;

	for (int i = 0; i < b->n; i++)
		tx_set_ctl(b, i);
	while (done < b->n && fd >= 0) {
		int r = sendmmsg(fd, b->m + done, (unsigned)(b->n - done), MSG_DONTWAIT);

		if (r > 0) {
			count_sent(w, b, done, r);
			done += r;
			continue;
		}
		err = errno;
		if (!gso_fallback(w, b, done, fd, err))
			break;
		done++;
	}
	if (done < b->n) {
		if (w->iost.tx_dropped == 0)
			log_warn("esp: sending ESP failed (%s), dropping",
				 fd < 0 ? "no socket for this encapsulation" : strerror(err));
		for (int i = done; i < b->n; i++)
			w->iost.tx_dropped += b->count[i];
	}
	b->n = 0;
	b->used = 0;
}

static int tx_fd(const struct esp_worker *w, bool udp)
{
	return udp ? w->c->fds[FD_UDP4500] : w->c->fds[FD_RAW_ESP];
}

/* The packet just sealed at arena + used joins the last message or
 * starts one. */
static void tx_place(struct tx_batch *b, const struct esp_sa *sa, size_t n)
{
	/* raw IP sockets take no port: the kernel builds an ESP IP header */
	const struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = sa->encap == ENCAP_UDP ? htons(sa->peer_port) : 0,
		.sin_addr.s_addr = sa->peer_addr,
	};
	int i = b->n - 1;

	if (b->gso && i >= 0 && b->to[i].sin_addr.s_addr == to.sin_addr.s_addr &&
	    b->to[i].sin_port == to.sin_port &&
	    esp_gso_can_append(b->seg[i], b->iov[i].iov_len, b->count[i], n)) {
		b->iov[i].iov_len += n;
		b->count[i]++;
		b->used += n;
		return;
	}
	i = b->n++;
	b->iov[i] = (struct iovec){ b->arena + b->used, n };
	b->to[i] = to;
	b->seg[i] = (uint16_t)n;
	b->count[i] = 1;
	b->used += n;
}

void esp_tx_seal(struct esp_worker *w, struct esp_sa *sa, const uint8_t *pkt, size_t len)
{
	bool udp = sa->encap == ENCAP_UDP;
	struct tx_batch *b = udp ? &w->io->tx_udp : &w->io->tx_raw;
	int n;

	if (b->n == BATCH || TX_ARENA - b->used < TX_PKT_MAX)
		tx_flush(w, b, tx_fd(w, udp));
	n = esp_out_seal(sa, &w->path, pkt, len, b->arena + b->used, TX_PKT_MAX);
	if (n > 0)
		tx_place(b, sa, (size_t)n);
}

void esp_tx_flush_all(struct esp_worker *w)
{
	tx_flush(w, &w->io->tx_udp, tx_fd(w, true));
	tx_flush(w, &w->io->tx_raw, tx_fd(w, false));
}
