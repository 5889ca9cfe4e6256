/* Decrypted packets of one flow into one TUN write with GSO (struct
 * esp_coal, offload.h): what a NIC's GRO does, so the kernel routes one
 * packet instead of dozens.  TCP segments merge as TCPV4 super-segments;
 * UDP datagrams of one size as a UDP_L4 (USO) packet that the kernel cuts
 * back into the same datagrams.  Only exact continuations merge; anything
 * else ends the packet being built, so order is kept. */
#include "offload.h"

#include <arpa/inet.h>
#include <string.h>

#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define IP_DF		0x4000
#define COAL_MAX_SEGS	64
#define IP_MAX		65535

static bool ip4_parse(struct rbuf *r, size_t len, struct esp_flow4 *t)
{
	rbuf_u8(r, &t->vhl);
	rbuf_u8(r, &t->tos);
	rbuf_u16(r, &t->tot_len);
	rbuf_u16(r, &t->id);
	rbuf_u16(r, &t->frag);
	rbuf_u8(r, &t->ttl);
	rbuf_u8(r, &t->proto);
	rbuf_skip(r, 2);			/* checksum */
	rbuf_u32(r, &t->src);
	rbuf_u32(r, &t->dst);
	if (!rbuf_ok(r) || t->vhl >> 4 != 4 || (t->vhl & 15) < 5 ||
	    (t->proto != ESP_PROTO_TCP && t->proto != ESP_PROTO_UDP) ||
	    (t->frag & 0x3fff) || t->tot_len != len)
		return false;
	t->ip_hlen = (size_t)(t->vhl & 15) * 4;
	return rbuf_ptr(r, &t->ip_opts, t->ip_hlen - 20);
}

static bool tcp4_parse(struct rbuf *r, struct esp_flow4 *t)
{
	rbuf_u16(r, &t->sport);
	rbuf_u16(r, &t->dport);
	rbuf_u32(r, &t->seq);
	rbuf_u32(r, &t->ack);
	rbuf_u8(r, &t->doff);
	rbuf_u8(r, &t->flags);
	rbuf_u16(r, &t->window);
	rbuf_skip(r, 2);			/* checksum */
	rbuf_u16(r, &t->urg);
	if (!rbuf_ok(r) || t->doff >> 4 < 5)
		return false;
	t->l4_hlen = (size_t)(t->doff >> 4) * 4;
	return rbuf_ptr(r, &t->tcp_opts, t->l4_hlen - 20);
}

static bool udp4_parse(struct rbuf *r, struct esp_flow4 *t)
{
	uint16_t ulen = 0;

	rbuf_u16(r, &t->sport);
	rbuf_u16(r, &t->dport);
	rbuf_u16(r, &ulen);
	rbuf_skip(r, 2);			/* checksum */
	t->l4_hlen = 8;
	return rbuf_ok(r) && ulen == t->tot_len - t->ip_hlen;
}

bool esp_flow4_parse(const uint8_t *pkt, size_t len, struct esp_flow4 *t)
{
	struct rbuf r;

	memset(t, 0, sizeof *t);
	rbuf_init(&r, pkt, len);
	if (!ip4_parse(&r, len, t))
		return false;
	if (!(t->proto == ESP_PROTO_TCP ? tcp4_parse(&r, t) : udp4_parse(&r, t)))
		return false;
	t->payload_len = rbuf_left(&r);
	return rbuf_ptr(&r, &t->payload, t->payload_len);
}

/* Everything but length, id, checksums, sequence number and PSH equal
 * (for UDP the TCP fields are all zero). */
static bool same_flow(const struct esp_flow4 *a, const struct esp_flow4 *b)
{
	return a->vhl == b->vhl && a->tos == b->tos && a->ttl == b->ttl && a->frag == b->frag &&
	       a->proto == b->proto && a->src == b->src && a->dst == b->dst &&
	       a->sport == b->sport && a->dport == b->dport && a->ack == b->ack &&
	       a->doff == b->doff && a->window == b->window && a->urg == b->urg &&
	       a->l4_hlen == b->l4_hlen &&
	       memcmp(a->ip_opts, b->ip_opts, a->ip_hlen - 20) == 0 &&
	       (a->proto != ESP_PROTO_TCP || memcmp(a->tcp_opts, b->tcp_opts, a->l4_hlen - 20) == 0);
}

void esp_coal_init(struct esp_coal *c, uint8_t *buf, size_t cap)
{
	memset(c, 0, sizeof *c);
	c->pkt = buf;
	c->cap = cap < IP_MAX ? cap : IP_MAX;
	c->udp = true;
}

/* The first packet: copied whole; its header is what the others match. */
static bool coal_start(struct esp_coal *c, const uint8_t *pkt, size_t len,
		       const struct esp_flow4 *t)
{
	if (len > c->cap)
		return false;
	memcpy(c->pkt, pkt, len);
	esp_flow4_parse(c->pkt, len, &c->head);	/* the same bytes: parses again */
	c->len = len;
	c->mss = t->payload_len;
	c->count = 1;
	c->next_seq = t->seq + (uint32_t)t->payload_len;
	c->psh = false;
	c->closed = t->payload_len == 0 ||
		    (t->proto == ESP_PROTO_TCP && t->flags != TCP_ACK);
	return true;
}

static bool tcp_continues(const struct esp_coal *c, const struct esp_flow4 *t)
{
	return t->seq == c->next_seq && (t->flags & ~TCP_PSH) == TCP_ACK;
}

/* The kernel's UDP segmentation numbers the datagrams' IP ids from the
 * first one: only ids that already run that way may merge, unless DF is
 * set (RFC 6864 4.1: then the id means nothing). */
static bool udp_continues(const struct esp_coal *c, const struct esp_flow4 *t)
{
	return (t->frag & IP_DF) || t->id == (uint16_t)(c->head.id + c->count);
}

bool esp_coal_add_flow(struct esp_coal *c, const uint8_t *pkt, size_t len,
		       const struct esp_flow4 *t)
{
	if (t->proto == ESP_PROTO_UDP && !c->udp)
		return false;
	if (c->len == 0)
		return coal_start(c, pkt, len, t);
	if (c->closed || !same_flow(&c->head, t) || t->payload_len == 0 ||
	    t->payload_len > c->mss || c->count >= COAL_MAX_SEGS ||
	    t->payload_len > c->cap - c->len ||
	    !(t->proto == ESP_PROTO_TCP ? tcp_continues(c, t) : udp_continues(c, t)))
		return false;
	memcpy(c->pkt + c->len, t->payload, t->payload_len);
	c->len += t->payload_len;
	c->count++;
	c->next_seq += (uint32_t)t->payload_len;
	c->psh = (t->flags & TCP_PSH) != 0;
	c->closed = t->payload_len < c->mss || c->psh;
	return true;
}

bool esp_coal_add(struct esp_coal *c, const uint8_t *pkt, size_t len)
{
	struct esp_flow4 t;

	return esp_flow4_parse(pkt, len, &t) && esp_coal_add_flow(c, pkt, len, &t);
}

/* ---- several flows at once ---- */

void esp_coalset_init(struct esp_coalset *s, uint8_t *bufs, size_t each)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < ESP_COAL_FLOWS; i++)
		esp_coal_init(&s->flow[i], bufs + (size_t)i * each + ESP_COAL_ROOM,
			      each - ESP_COAL_ROOM);
}

static bool same_tuple(const struct esp_flow4 *a, const struct esp_flow4 *b)
{
	return a->proto == b->proto && a->src == b->src && a->dst == b->dst &&
	       a->sport == b->sport && a->dport == b->dport;
}

struct esp_coal *esp_coalset_pick(struct esp_coalset *s, const struct esp_flow4 *t)
{
	struct esp_coal *free_one = NULL, *oldest = &s->flow[0];

	s->clock++;
	for (int i = 0; i < ESP_COAL_FLOWS; i++) {
		struct esp_coal *c = &s->flow[i];

		if (c->len && same_tuple(&c->head, t)) {
			c->used_at = s->clock;
			return c;
		}
		if (!c->len && !free_one)
			free_one = c;
		if (c->used_at < oldest->used_at)
			oldest = c;
	}
	if (free_one)
		oldest = free_one;
	oldest->used_at = s->clock;
	return oldest;		/* the caller flushes what it holds */
}

void esp_coalset_no_udp(struct esp_coalset *s)
{
	for (int i = 0; i < ESP_COAL_FLOWS; i++)
		s->flow[i].udp = false;
}

/* Lengths, IP checksum, PSH, and the partial L4 checksum. */
static void coal_fix_header(struct esp_coal *c)
{
	const struct esp_flow4 *h = &c->head;
	struct wbuf w = { .p = c->pkt, .cap = c->cap, .len = c->len };
	size_t l4_len = c->len - h->ip_hlen;

	wbuf_put_u16_at(&w, 2, (uint16_t)c->len);
	esp_ip4_csum_fix(&w, h->ip_hlen);
	if (h->proto == ESP_PROTO_UDP) {
		wbuf_put_u16_at(&w, h->ip_hlen + 4, (uint16_t)l4_len);
		wbuf_put_u16_at(&w, h->ip_hlen + 6, ntohs(esp_pseudo_sum(h->src, h->dst, h->proto, l4_len)));
		return;
	}
	if (c->psh)
		wbuf_put_u8_at(&w, h->ip_hlen + 13, TCP_ACK | TCP_PSH);
	wbuf_put_u16_at(&w, h->ip_hlen + 16, ntohs(esp_pseudo_sum(h->src, h->dst, h->proto, l4_len)));
}

size_t esp_coal_finish(struct esp_coal *c, struct esp_vnet *v)
{
	size_t n = c->len;
	bool udp = c->head.proto == ESP_PROTO_UDP;

	memset(v, 0, sizeof *v);
	if (n == 0)
		return 0;
	if (c->count > 1) {
		coal_fix_header(c);
		v->flags = ESP_VNET_NEEDS_CSUM;
		v->gso_type = udp ? ESP_GSO_UDP_L4 : ESP_GSO_TCPV4;
		v->hdr_len = (uint16_t)(c->head.ip_hlen + c->head.l4_hlen);
		v->gso_size = (uint16_t)c->mss;
		v->csum_start = (uint16_t)c->head.ip_hlen;
		v->csum_offset = udp ? 6 : 16;
	} else {
		v->flags = ESP_VNET_DATA_VALID;	/* as received: checksums intact */
	}
	c->len = 0;
	c->count = 0;
	c->closed = false;
	return n;
}
