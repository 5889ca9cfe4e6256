/* Packet I/O: UDP 4500 and the raw ESP socket in, the TUN queue out and
 * in, sealed packets out in sendmmsg batches.  Everything is allocated
 * once at start-up; the per-packet path neither allocates nor logs
 * (beyond the rate-limited drop lines). */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "esp_crypt.h"
#include "log.h"

#define BATCH		32
#define SLOT		9216			/* a jumbo frame; larger is dropped */
#define TUN_BURST	64			/* TUN reads per wake-up */
#define RX_BURST	8			/* recvmmsg calls per wake-up */

struct rx_batch {
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];		/* UDP: who sent it (NAT rebinding) */
	uint8_t buf[BATCH][SLOT];
};

struct tx_batch {
	int n;
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to[BATCH];
	uint8_t buf[BATCH][SLOT + ESP_OVERHEAD_MAX];
};

struct esp_io {
	struct rx_batch rx;
	struct tx_batch tx_udp, tx_raw;
	uint8_t inner[SLOT];			/* a decrypted packet */
	uint8_t tun_pkt[SLOT];			/* a packet read from the TUN */
	bool tun_nonblock;
};

static bool set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void udp_ready(void *arg);
static void raw_ready(void *arg);
static void tun_ready(void *arg);

void esp_io_watch(struct esp_worker *w)
{
	struct child *c = w->c;

	chanloop_watch(&w->loop, c->fds[FD_UDP4500], udp_ready, w);
	chanloop_watch(&w->loop, c->fds[FD_RAW_ESP], raw_ready, w);
	if (c->fds[FD_TUN] >= 0) {
		w->io->tun_nonblock = set_nonblock(c->fds[FD_TUN]);
		chanloop_watch(&w->loop, c->fds[FD_TUN], tun_ready, w);
	}
}

static void tx_prepare(struct tx_batch *b)
{
	for (int i = 0; i < BATCH; i++) {
		b->iov[i].iov_base = b->buf[i];
		b->m[i].msg_hdr = (struct msghdr){ .msg_iov = &b->iov[i], .msg_iovlen = 1,
						   .msg_name = &b->to[i],
						   .msg_namelen = sizeof b->to[i] };
	}
}

void esp_io_init(struct esp_worker *w)
{
	struct esp_io *io = calloc(1, sizeof *io);

	if (!io)
		fatal("out of memory for packet buffers");
	for (int i = 0; i < BATCH; i++) {
		io->rx.iov[i] = (struct iovec){ io->rx.buf[i], SLOT };
		io->rx.m[i].msg_hdr = (struct msghdr){ .msg_iov = &io->rx.iov[i], .msg_iovlen = 1 };
	}
	tx_prepare(&io->tx_udp);
	tx_prepare(&io->tx_raw);
	w->io = io;
	if (w->c->fds[FD_UDP4500] < 0 || w->c->fds[FD_TUN] < 0)
		fatal("master sent no UDP 4500 socket or no TUN queue");
	esp_io_watch(w);
	if (!w->io->tun_nonblock)
		log_warn("TUN queue stays blocking: one read per wake-up");
}

/* ---- inbound ---- */

static void tun_write(struct esp_worker *w, const uint8_t *p, size_t n)
{
	if (write(w->c->fds[FD_TUN], p, n) == (ssize_t)n)
		return;
	if (w->iost.tun_write_err++ == 0)
		log_warn("esp: write to TUN failed: %s", strerror(errno));
}

/* Opens datagram i of the batch (UDP: with its source, for rebinding). */
static int rx_open(struct esp_worker *w, int i, bool udp)
{
	struct rx_batch *rx = &w->io->rx;
	size_t len = rx->m[i].msg_len;

	if (!udp)
		return esp_in_raw(&w->sas, &w->path, rx->buf[i], len, w->io->inner,
				  sizeof w->io->inner);
	return esp_in_udp_from(&w->sas, &w->path, rx->from[i].sin_addr.s_addr,
			       ntohs(rx->from[i].sin_port), rx->buf[i], len, w->io->inner,
			       sizeof w->io->inner);
}

/* The kernel overwrites msg_namelen and msg_flags: reset before each call. */
static void rx_rearm(struct rx_batch *rx)
{
	for (int i = 0; i < BATCH; i++) {
		rx->m[i].msg_hdr.msg_name = &rx->from[i];
		rx->m[i].msg_hdr.msg_namelen = sizeof rx->from[i];
		rx->m[i].msg_hdr.msg_flags = 0;
	}
}

/* Drains a socket with recvmmsg, opening each datagram. */
static void rx_drain(struct esp_worker *w, int fd, bool udp)
{
	struct rx_batch *rx = &w->io->rx;

	for (int round = 0; round < RX_BURST; round++) {
		int n;

		rx_rearm(rx);
		n = recvmmsg(fd, rx->m, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			int len;

			if (rx->m[i].msg_hdr.msg_flags & MSG_TRUNC) {
				if (w->iost.rx_truncated++ == 0)
					log_warn("esp: datagram over %d bytes dropped", SLOT);
				continue;
			}
			len = rx_open(w, i, udp);
			if (len > 0)
				tun_write(w, w->io->inner, (size_t)len);
		}
		if (n < BATCH)
			return;
	}
}

static void udp_ready(void *arg)
{
	struct esp_worker *w = arg;

	rx_drain(w, w->c->fds[FD_UDP4500], true);
}

static void raw_ready(void *arg)
{
	struct esp_worker *w = arg;

	rx_drain(w, w->c->fds[FD_RAW_ESP], false);
}

/* ---- outbound ---- */

static void tx_flush(struct esp_worker *w, struct tx_batch *b, int fd)
{
	int done = 0, err = 0;

	while (done < b->n && fd >= 0) {
		int r = sendmmsg(fd, b->m + done, (unsigned)(b->n - done), MSG_DONTWAIT);

		if (r <= 0) {
			err = errno;
			break;
		}
		done += r;
	}
	if (done < b->n) {
		if (w->iost.tx_dropped == 0)
			log_warn("esp: sending ESP failed (%s), dropping",
				 fd < 0 ? "no socket for this encapsulation" : strerror(err));
		w->iost.tx_dropped += (uint64_t)(b->n - done);
	}
	b->n = 0;
}

/* Seals one TUN packet into the next slot of its encapsulation's batch. */
static void tx_add(struct esp_worker *w, const uint8_t *pkt, size_t len)
{
	struct esp_sa *sa = esp_out_route(&w->sas, &w->path, pkt, len);
	struct tx_batch *b;
	int fd, n;

	if (!sa)
		return;
	b = sa->encap == ENCAP_UDP ? &w->io->tx_udp : &w->io->tx_raw;
	fd = sa->encap == ENCAP_UDP ? w->c->fds[FD_UDP4500] : w->c->fds[FD_RAW_ESP];
	n = esp_out_seal(sa, &w->path, pkt, len, b->buf[b->n], sizeof b->buf[0]);
	if (n < 0)
		return;
	b->iov[b->n].iov_len = (size_t)n;
	/* raw IP sockets take no port: the kernel builds an ESP IP header */
	b->to[b->n] = (struct sockaddr_in){
		.sin_family = AF_INET,
		.sin_port = sa->encap == ENCAP_UDP ? htons(sa->peer_port) : 0,
		.sin_addr.s_addr = sa->peer_addr,
	};
	if (++b->n == BATCH)
		tx_flush(w, b, fd);
}

static void tun_ready(void *arg)
{
	struct esp_worker *w = arg;
	int tun = w->c->fds[FD_TUN];
	int burst = w->io->tun_nonblock ? TUN_BURST : 1;

	for (int i = 0; i < burst; i++) {
		ssize_t n = read(tun, w->io->tun_pkt, sizeof w->io->tun_pkt);

		if (n <= 0)
			break;
		tx_add(w, w->io->tun_pkt, (size_t)n);
	}
	tx_flush(w, &w->io->tx_udp, w->c->fds[FD_UDP4500]);
	tx_flush(w, &w->io->tx_raw, w->c->fds[FD_RAW_ESP]);
}
