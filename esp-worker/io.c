/* Packet I/O: UDP 4500 and the raw ESP socket in, the TUN queue out and
 * in (tx.c sends the sealed packets).  Everything is allocated once at
 * start-up; the per-packet path neither allocates nor logs (beyond the
 * rate-limited drop lines).
 *
 * Offloads, each probed when the fd arrives and skipped (logged once)
 * when the kernel lacks it or `crypto engine offload disable` is set: a
 * TUN queue with a virtio-net header (master opened it with IFF_VNET_HDR
 * and TSO4/USO4/CSUM offloads) hands over TCP and UDP super-segments,
 * which are split here; UDP_GRO hands over several ESP datagrams of one
 * size at once; UDP_SEGMENT (tx.c) sends equal-sized ESP packets as one
 * message; decrypted packets reach the TUN coalesced per flow. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "rxmod.h"
#include "udp_gro.h"

#define TUN_BURST	64			/* TUN reads per wake-up */
#define RX_BURST	8			/* recvmmsg calls per wake-up */

_Static_assert(ESP_COAL_ROOM >= VNET_ROOM, "room for the virtio-net header before a coalesced packet");

static bool set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

/* The TUN queue's virtio-net header length (0: none), from the device. */
static int tun_vnet_len(int tun)
{
	struct ifreq ifr;
	int sz = 0;

	memset(&ifr, 0, sizeof ifr);
	if (ioctl(tun, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	if (ioctl(tun, TUNGETVNETHDRSZ, &sz) < 0 || sz < ESP_VNET_LEN || sz > VNET_ROOM)
		fatal("TUN queue has a virtio-net header of %d bytes; %d..%d supported", sz,
		      ESP_VNET_LEN, VNET_ROOM);
	return sz;
}

static bool udp_opt(int fd, int opt, int v)
{
	return setsockopt(fd, SOL_UDP, opt, &v, sizeof v) == 0;
}

/* UDP_SEGMENT 0 only asks whether the kernel knows the option (a
 * non-zero socket default would cut every send). */
static void udp_offloads(struct esp_worker *w, int fd)
{
	struct esp_io *io = w->io;
	bool off = w->c->conf.offload_disable;

	io->tx_udp.gso = !off && !io->gso_failed && udp_opt(fd, UDP_SEGMENT, 0);
	io->udp_gro = !off && udp_opt(fd, UDP_GRO, 1);
	if (!off && (!io->tx_udp.gso || !io->udp_gro))
		log_warn("esp: UDP offloads missing (GSO %s, GRO %s): one datagram per packet",
			 io->tx_udp.gso ? "on" : "off", io->udp_gro ? "on" : "off");
}

static void udp_ready(void *arg);
static void raw_ready(void *arg);
static void tun_ready(void *arg);

void esp_io_watch(struct esp_worker *w)
{
	struct child *c = w->c;
	struct esp_io *io = w->io;

	chanloop_watch(&w->loop, c->fds[FD_UDP4500], udp_ready, w);
	chanloop_watch(&w->loop, c->fds[FD_RAW_ESP], raw_ready, w);
	if (c->fds[FD_UDP4500] >= 0)
		udp_offloads(w, c->fds[FD_UDP4500]);
	if (c->fds[FD_TUN] >= 0) {
		io->tun_nonblock = set_nonblock(c->fds[FD_TUN]);
		io->vnet_len = tun_vnet_len(c->fds[FD_TUN]);
		chanloop_watch(&w->loop, c->fds[FD_TUN], tun_ready, w);
	}
	log_info("esp: offloads: TUN virtio-net header %d bytes, UDP GSO %s, UDP GRO %s%s",
		 io->vnet_len, io->tx_udp.gso ? "on" : "off", io->udp_gro ? "on" : "off",
		 c->conf.offload_disable ? " (crypto engine offload disable)" : "");
}

void esp_io_init(struct esp_worker *w)
{
	struct esp_io *io = calloc(1, sizeof *io);

	if (!io)
		fatal("out of memory for packet buffers");
	for (int i = 0; i < BATCH; i++) {
		io->rx.iov[i] = (struct iovec){ io->rx.buf[i], RX_SLOT };
		io->rx.m[i].msg_hdr = (struct msghdr){ .msg_iov = &io->rx.iov[i], .msg_iovlen = 1 };
	}
	esp_tx_init(&io->tx_udp);
	esp_tx_init(&io->tx_raw);
	esp_coalset_init(&io->coal, &io->coal_buf[0][0], sizeof io->coal_buf[0]);
	w->io = io;
	if (w->c->fds[FD_UDP4500] < 0 || w->c->fds[FD_TUN] < 0)
		fatal("master sent no UDP 4500 socket or no TUN queue");
	esp_io_watch(w);
	if (!w->io->tun_nonblock)
		log_warn("TUN queue stays blocking: one read per wake-up");
}

/* ---- inbound ---- */

/* Writes n bytes at pkt, behind the virtio-net header v when the queue
 * has one (pkt has VNET_ROOM bytes of room before it).  Returns 0 or the
 * write's errno. */
static int tun_write_errno(struct esp_worker *w, uint8_t *pkt, size_t n,
			   const struct esp_vnet *v)
{
	struct esp_io *io = w->io;
	uint8_t *p = pkt - io->vnet_len;

	if (io->vnet_len) {
		memset(p, 0, (size_t)io->vnet_len);
		esp_vnet_write(p, v);
	}
	n += (size_t)io->vnet_len;
	errno = 0;
	if (write(w->c->fds[FD_TUN], p, n) == (ssize_t)n)
		return 0;
	return errno ? errno : EIO;	/* a short write sets none */
}

static void tun_write(struct esp_worker *w, uint8_t *pkt, size_t n, const struct esp_vnet *v)
{
	int err = tun_write_errno(w, pkt, n, v);

	if (err && w->iost.tun_write_err++ == 0)
		log_warn("esp: write to TUN failed: %s", strerror(err));
}

/* A kernel before 6.2 refuses UDP_L4 on a TUN: stop merging UDP and
 * write the datagrams of c's packet (n bytes) one by one. */
static void uso_refused(struct esp_worker *w, const struct esp_coal *c, size_t n)
{
	static const struct esp_vnet valid = { .flags = ESP_VNET_DATA_VALID };
	struct esp_io *io = w->io;
	uint8_t *out = io->useg + VNET_ROOM;
	int k;

	esp_coalset_no_udp(&io->coal);
	log_warn("esp: the TUN refuses UDP segmentation offload (Linux < 6.2?): "
		 "UDP datagrams are written one by one");
	for (unsigned i = 0; (k = esp_uso_segment(c->pkt, n, &c->head, c->mss, i, out, SLOT)) > 0;
	     i++)
		tun_write(w, out, (size_t)k, &valid);
}

/* Writes c's coalesced packets out (one packet, GSO when several). */
static void coal_flush_one(struct esp_worker *w, struct esp_coal *c)
{
	unsigned segs = c->count;
	struct esp_vnet v;
	size_t n = esp_coal_finish(c, &v);
	int err;

	if (n == 0)
		return;
	err = tun_write_errno(w, c->pkt, n, &v);
	if (err == EINVAL && v.gso_type == ESP_GSO_UDP_L4) {
		uso_refused(w, c, n);
		return;
	}
	if (err) {
		if (w->iost.tun_write_err++ == 0)
			log_warn("esp: write to TUN failed: %s", strerror(err));
		return;
	}
	if (segs > 1) {
		w->off.tun_gso_writes++;
		w->off.tun_gso_segs += segs;
	}
}

/* The end of a receive batch: every flow's packet goes out. */
static void coal_flush(struct esp_worker *w)
{
	for (int i = 0; i < ESP_COAL_FLOWS; i++)
		coal_flush_one(w, &w->io->coal.flow[i]);
}

/* The packet decrypted at inner + VNET_ROOM: joins its flow's packets
 * being coalesced, or is written (DATA_VALID: the ICV was verified, the
 * kernel need not check the inner checksum again). */
static void tun_deliver(struct esp_worker *w, size_t n)
{
	static const struct esp_vnet valid = { .flags = ESP_VNET_DATA_VALID };
	struct esp_io *io = w->io;
	uint8_t *pkt = io->inner + VNET_ROOM;
	struct esp_flow4 t;

	if (io->vnet_len && esp_flow4_parse(pkt, n, &t)) {
		struct esp_coal *c = esp_coalset_pick(&io->coal, &t);

		if (esp_coal_add_flow(c, pkt, n, &t))
			return;
		coal_flush_one(w, c);
		if (esp_coal_add_flow(c, pkt, n, &t))
			return;
	}
	tun_write(w, pkt, n, &valid);
}

static void open_one(struct esp_worker *w, const struct sockaddr_in *from, const uint8_t *d,
		     size_t len)
{
	uint8_t *out = w->io->inner + VNET_ROOM;
	int n;

	esp_rxmod_drained(&w->rxmod, 1);
	if (from)
		n = esp_in_udp_from(&w->sas, &w->path, from->sin_addr.s_addr,
				    ntohs(from->sin_port), d, len, out, SLOT);
	else
		n = esp_in_raw(&w->sas, &w->path, d, len, out, SLOT);
	if (n > 0)
		tun_deliver(w, (size_t)n);
}

/* Datagram i of the batch: one ESP packet, or a GRO batch of them. */
static void rx_open(struct esp_worker *w, int i, bool udp)
{
	struct rx_batch *rx = &w->io->rx;
	size_t len = rx->m[i].msg_len, seg = 0, n;
	const uint8_t *p;
	struct rbuf r;

	if (!udp) {
		open_one(w, NULL, rx->buf[i], len);
		return;
	}
	if (w->io->udp_gro)
		seg = udp_gro_segment(&rx->m[i].msg_hdr);
	if (seg == 0 || seg >= len) {
		open_one(w, &rx->from[i], rx->buf[i], len);
		return;
	}
	w->off.gro_batches++;
	rbuf_init(&r, rx->buf[i], len);
	while ((n = esp_gro_next(&r, seg, &p)) > 0) {
		w->off.gro_segs++;
		open_one(w, &rx->from[i], p, n);
	}
}

/* The kernel overwrites msg_namelen, msg_controllen and msg_flags: reset
 * before each call. */
static void rx_rearm(struct rx_batch *rx)
{
	for (int i = 0; i < BATCH; i++) {
		rx->m[i].msg_hdr.msg_name = &rx->from[i];
		rx->m[i].msg_hdr.msg_namelen = sizeof rx->from[i];
		rx->m[i].msg_hdr.msg_control = rx->ctl[i].b;
		rx->m[i].msg_hdr.msg_controllen = sizeof rx->ctl[i].b;
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
			if (rx->m[i].msg_hdr.msg_flags & MSG_TRUNC) {
				if (w->iost.rx_truncated++ == 0)
					log_warn("esp: datagram over %d bytes dropped", RX_SLOT);
				continue;
			}
			rx_open(w, i, udp);
		}
		coal_flush(w);
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

static void tx_packet(struct esp_worker *w, const uint8_t *pkt, size_t len)
{
	struct esp_sa *sa = esp_out_route(&w->sas, &w->path, pkt, len);

	esp_rxmod_drained(&w->rxmod, 1);
	if (sa)
		esp_tx_seal(w, sa, pkt, len);
}

static void tso_bad(struct esp_worker *w, const char *why)
{
	if (w->off.tso_bad++ == 0)
		log_warn("esp: TUN super-segment dropped: %s", why);
	w->path.seal_failed++;
}

/* A TCP super-segment: one SA lookup, then each MSS-sized segment sealed
 * into the batch, where they line up as one GSO send. */
static void tx_super(struct esp_worker *w, const uint8_t *pkt, size_t len, uint16_t mss)
{
	struct esp_sa *sa = esp_out_route(&w->sas, &w->path, pkt, len);
	struct esp_tso t;
	int k, n;

	if (!sa)
		return;
	k = esp_tso_start(&t, pkt, len, mss);
	if (k < 0) {
		tso_bad(w, "not IPv4/TCP or bad lengths");
		return;
	}
	while ((n = esp_tso_next(&t, w->io->seg, sizeof w->io->seg)) > 0)
		esp_tx_seal(w, sa, w->io->seg, (size_t)n);
	if (n < 0) {
		tso_bad(w, "segment larger than a slot");
		return;
	}
	w->off.tso_split++;
	w->off.tso_segs += (uint64_t)k;
	esp_rxmod_drained(&w->rxmod, (unsigned)k);
}

/* A UDP_L4 packet (TUN_F_USO4: a local or GRO-merged UDP GSO send): one
 * SA lookup, then each datagram rebuilt and sealed into the batch. */
static void tx_uso(struct esp_worker *w, const uint8_t *pkt, size_t len, uint16_t mss)
{
	struct esp_sa *sa = esp_out_route(&w->sas, &w->path, pkt, len);
	struct esp_flow4 h;
	unsigned i = 0;
	int n;

	if (!sa)
		return;
	if (!esp_flow4_parse(pkt, len, &h) || h.proto != ESP_PROTO_UDP) {
		tso_bad(w, "UDP_L4 packet that is not IPv4/UDP or has bad lengths");
		return;
	}
	while ((n = esp_uso_segment(pkt, len, &h, mss, i, w->io->seg, sizeof w->io->seg)) > 0) {
		esp_tx_seal(w, sa, w->io->seg, (size_t)n);
		i++;
	}
	if (n < 0 || i == 0) {
		tso_bad(w, n < 0 ? "datagram larger than a slot" : "UDP_L4 with no payload");
		return;
	}
	w->off.tso_split++;
	w->off.tso_segs += i;
	esp_rxmod_drained(&w->rxmod, i);
}

/* A read from a queue with a virtio-net header: a super-segment to
 * split, a packet whose checksum the kernel left to us, or a plain one. */
static void tun_vnet_packet(struct esp_worker *w, size_t n)
{
	struct esp_io *io = w->io;
	size_t hl = (size_t)io->vnet_len, len;
	struct esp_vnet v;
	struct rbuf r;
	uint8_t *pkt;

	rbuf_init(&r, io->tun_pkt, n);
	if (n <= hl || !esp_vnet_parse(&r, &v)) {
		w->path.not_ipv4++;
		return;
	}
	pkt = io->tun_pkt + hl;		/* n > hl: checked above */
	len = n - hl;
	if ((v.gso_type & ~ESP_GSO_ECN) == ESP_GSO_TCPV4)
		tx_super(w, pkt, len, v.gso_size);
	else if (v.gso_type == ESP_GSO_UDP_L4)
		tx_uso(w, pkt, len, v.gso_size);
	else if (v.gso_type != ESP_GSO_NONE)
		tso_bad(w, "GSO type other than TCPv4 and UDP_L4");
	else if ((v.flags & ESP_VNET_NEEDS_CSUM) &&
		 !esp_csum_complete(pkt, len, v.csum_start, v.csum_offset))
		tso_bad(w, "checksum offsets outside the packet");
	else
		tx_packet(w, pkt, len);
}

static void tun_ready(void *arg)
{
	struct esp_worker *w = arg;
	struct esp_io *io = w->io;
	int tun = w->c->fds[FD_TUN];
	int burst = io->tun_nonblock ? TUN_BURST : 1;

	for (int i = 0; i < burst; i++) {
		ssize_t n = read(tun, io->tun_pkt, sizeof io->tun_pkt);

		if (n <= 0)
			break;
		if (io->vnet_len)
			tun_vnet_packet(w, (size_t)n);
		else
			tx_packet(w, io->tun_pkt, (size_t)n);
	}
	esp_tx_flush_all(w);
}
