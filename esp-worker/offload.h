/* Offloads without I/O: the virtio-net header of a TUN queue opened with
 * IFF_VNET_HDR, TCP segmentation of a super-segment the kernel handed us
 * (TUN_F_TSO4), completion of a checksum it left partial (TUN_F_CSUM),
 * the split of a UDP GRO batch and the rule for growing a UDP GSO send.
 * io.c does the reads and writes; these are pure functions, unit-tested. */
#ifndef ESP_OFFLOAD_H
#define ESP_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* struct virtio_net_hdr (linux/virtio_net.h): 10 bytes, little endian on
 * a TUN device unless TUNSETVNETBE (never set here). */
#define ESP_VNET_LEN		10
#define ESP_VNET_NEEDS_CSUM	1	/* VIRTIO_NET_HDR_F_NEEDS_CSUM */
#define ESP_VNET_DATA_VALID	2	/* VIRTIO_NET_HDR_F_DATA_VALID */
#define ESP_GSO_NONE		0
#define ESP_GSO_TCPV4		1
#define ESP_GSO_UDP_L4		5	/* VIRTIO_NET_HDR_GSO_UDP_L4: a TUN takes it since Linux 6.2 */
#define ESP_GSO_ECN		0x80
#define ESP_PROTO_TCP		6
#define ESP_PROTO_UDP		17

/* UDP GSO limits: segments per send (UDP_MAX_SEGMENTS of older kernels)
 * and the bytes one UDP datagram can carry in IPv4. */
#define ESP_GSO_MAX_SEGS	64
#define ESP_GSO_MAX_BYTES	(65535 - 20 - 8)

struct esp_vnet {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

/* Reads the header at the front of r (which then points at the packet). */
bool esp_vnet_parse(struct rbuf *r, struct esp_vnet *v);
/* Writes v into out[ESP_VNET_LEN]. */
void esp_vnet_write(uint8_t out[ESP_VNET_LEN], const struct esp_vnet *v);
/* Writes a header with no GSO and the given flags into out[ESP_VNET_LEN]. */
void esp_vnet_put(uint8_t out[ESP_VNET_LEN], uint8_t flags);

/* One's complement sum (RFC 1071) of n bytes added to sum, in the host's
 * byte order; n must be even except for the last piece of a sum. */
uint64_t esp_csum_add(uint64_t sum, const uint8_t *p, size_t n);
/* Folds and complements: the checksum in host byte order of the words
 * summed (store it with memcpy, or ntohs() it for wbuf_put_u16_at). */
uint16_t esp_csum_fold(uint64_t sum);
/* Finishes a checksum the sender left partial: the field at start + off
 * holds the pseudo-header sum; the checksum covers start .. len.  False
 * if the offsets do not fit the packet. */
bool esp_csum_complete(uint8_t *pkt, size_t len, uint16_t start, uint16_t off);
/* Recomputes the IPv4 header checksum (header of ip_hlen bytes at w->p),
 * after its lengths or id changed. */
void esp_ip4_csum_fix(struct wbuf *w, size_t ip_hlen);
/* The pseudo-header sum (RFC 793, RFC 768) folded but not complemented, in
 * host order: what a partial checksum field starts from. */
uint16_t esp_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t l4_len);

/* TCP segmentation of one IPv4 super-segment into packets carrying at most
 * mss payload bytes each: IP total length, id (+1 per segment) and header
 * checksum fixed, sequence number advanced, FIN and PSH only on the last
 * segment, CWR only on the first, TCP checksum computed. */
struct esp_tso {
	const uint8_t *ip;		/* IP header (with options) as received */
	const uint8_t *tcp;		/* TCP header (with options) */
	const uint8_t *payload;
	size_t ip_hlen, tcp_hlen, payload_len;
	size_t done;			/* payload bytes emitted */
	uint16_t mss, id;
	uint32_t seq;
	uint8_t flags;			/* TCP flags of the super-segment */
	unsigned index;			/* segments emitted */
};

/* Parses pkt (IPv4 + TCP).  Returns how many segments it makes, or -1
 * (not IPv4/TCP, fragment, bad lengths, mss 0). */
int esp_tso_start(struct esp_tso *t, const uint8_t *pkt, size_t len, uint16_t mss);
/* Builds the next segment into out.  Returns its length, 0 when all were
 * emitted, -1 if out is too small. */
int esp_tso_next(struct esp_tso *t, uint8_t *out, size_t cap);

/* The next datagram of a UDP GRO batch of seg-byte segments (the last may
 * be shorter): points *p at it and returns its length, 0 at the end. */
size_t esp_gro_next(struct rbuf *r, size_t seg, const uint8_t **p);

/* The reverse of esp_tso_*, for the TUN write (coalesce.c): consecutive
 * decrypted packets of one flow become one packet the kernel takes with
 * GSO and a partial checksum, as if a NIC's GRO had made it.  TCP:
 * headers equal but for IP length, id and checksum, TCP sequence number
 * and checksum, all full-sized but the last, ACK only (PSH allowed last),
 * gso_type TCPV4.  UDP: headers equal but for lengths, id (consecutive,
 * or DF set) and checksums, all one size but a shorter last, gso_type
 * UDP_L4. */
struct esp_flow4 {			/* what decides whether a packet continues a flow */
	uint8_t vhl, tos, ttl, proto, doff, flags;	/* doff, flags: TCP only */
	uint16_t tot_len, id, frag, sport, dport, window, urg;
	uint32_t src, dst, seq, ack;
	const uint8_t *ip_opts, *tcp_opts, *payload;
	size_t ip_hlen, l4_hlen, payload_len;
};

struct esp_coal {
	struct esp_flow4 head;		/* the first packet's header (in pkt) */
	bool psh;			/* the last segment had PSH */
	bool udp;			/* UDP may merge (not on a TUN that refused UDP_L4) */
	uint8_t *pkt;			/* caller's buffer for the packet being built */
	size_t cap;
	size_t len;			/* 0: empty */
	size_t mss;			/* payload of the first packet */
	unsigned count;
	uint32_t next_seq;
	bool closed;			/* a short or PSH segment, or not mergeable */
	uint64_t used_at;		/* esp_coalset: when its flow last had a packet */
};

void esp_coal_init(struct esp_coal *c, uint8_t *buf, size_t cap);
/* Takes pkt into c: starts c when it is empty (false for anything but
 * IPv4 TCP or UDP: write that alone), or appends it (false when it does not
 * continue c: finish c, then add again). */
bool esp_coal_add(struct esp_coal *c, const uint8_t *pkt, size_t len);
/* The same for a packet already parsed into t. */
bool esp_coal_add_flow(struct esp_coal *c, const uint8_t *pkt, size_t len,
		       const struct esp_flow4 *t);
/* Finishes c's packet (length, IP checksum; with more than one segment
 * the TCP checksum field becomes the pseudo-header sum) and describes it
 * in v (no GSO for a single segment).  Returns its length and empties c. */
size_t esp_coal_finish(struct esp_coal *c, struct esp_vnet *v);
/* Several flows coalesced at once, as a NIC's GRO keeps several: the
 * packets of many clients arrive interleaved in one receive batch.  Each
 * flow (addresses, ports, protocol) has its own esp_coal; a new flow takes
 * a free one, else the one idle longest, which the caller flushes first.
 * Packets of one flow keep their order; different flows may pass each
 * other, as through GRO. */
#define ESP_COAL_FLOWS	8
#define ESP_COAL_ROOM	16		/* bytes kept free before each packet (virtio-net header) */

struct esp_coalset {
	struct esp_coal flow[ESP_COAL_FLOWS];
	uint64_t clock;
};

/* bufs: ESP_COAL_FLOWS buffers of each bytes, back to back. */
void esp_coalset_init(struct esp_coalset *s, uint8_t *bufs, size_t each);
/* The esp_coal for t's flow: the one holding it, else a free one, else the
 * one idle longest (holding another flow: flush it before adding). */
struct esp_coal *esp_coalset_pick(struct esp_coalset *s, const struct esp_flow4 *t);
/* No UDP merging any more (a TUN that refused UDP_L4). */
void esp_coalset_no_udp(struct esp_coalset *s);

/* Parses an IPv4 TCP or UDP packet (no fragment, lengths consistent). */
bool esp_flow4_parse(const uint8_t *pkt, size_t len, struct esp_flow4 *t);

/* uso.c: datagram i of the UDP_L4 packet pkt of total bytes (h its parsed
 * header, mss the datagrams' payload size), built into out as the kernel's
 * segmentation would: id h->id + i, lengths and both checksums.  Returns
 * its length, 0 past the last one, -1 when cap is too small. */
int esp_uso_segment(const uint8_t *pkt, size_t total, const struct esp_flow4 *h, size_t mss,
		    unsigned i, uint8_t *out, size_t cap);

/* May a packet of n bytes join a GSO send of count segments of seg bytes
 * holding total bytes?  Only while every earlier segment is full size. */
bool esp_gso_can_append(size_t seg, size_t total, unsigned count, size_t n);

#endif
