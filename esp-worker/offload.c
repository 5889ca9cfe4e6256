#include "offload.h"

#include <arpa/inet.h>
#include <string.h>

#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80
#define IPPROTO_TCP_	6

/* ---- virtio-net header ---- */

static bool le16(struct rbuf *r, uint16_t *v)
{
	uint8_t lo = 0, hi = 0;

	rbuf_u8(r, &lo);
	if (!rbuf_u8(r, &hi))
		return false;
	*v = (uint16_t)(lo | hi << 8);
	return true;
}

bool esp_vnet_parse(struct rbuf *r, struct esp_vnet *v)
{
	rbuf_u8(r, &v->flags);
	rbuf_u8(r, &v->gso_type);
	le16(r, &v->hdr_len);
	le16(r, &v->gso_size);
	le16(r, &v->csum_start);
	return le16(r, &v->csum_offset);
}

void esp_vnet_write(uint8_t out[ESP_VNET_LEN], const struct esp_vnet *v)
{
	const uint16_t f[4] = { v->hdr_len, v->gso_size, v->csum_start, v->csum_offset };

	out[0] = v->flags;
	out[1] = v->gso_type;
	for (int i = 0; i < 4; i++) {
		out[2 + 2 * i] = (uint8_t)f[i];
		out[3 + 2 * i] = (uint8_t)(f[i] >> 8);
	}
}

void esp_vnet_put(uint8_t out[ESP_VNET_LEN], uint8_t flags)
{
	const struct esp_vnet v = { .flags = flags };

	esp_vnet_write(out, &v);
}

/* ---- checksums ---- */

/* The one's complement sum is the plain sum of the 16-bit words modulo
 * 0xffff, and 2^16 = 1 modulo 0xffff: so 64-bit words may be added into
 * a wider integer and folded at the end (RFC 1071 2(B)), a quarter of
 * the additions of 16-bit words. */
static uint64_t csum_words64(uint64_t sum, const uint8_t *p, size_t n)
{
	unsigned __int128 acc = sum;
	uint64_t a, b, c, d, lo, hi;

	for (; n >= 32; p += 32, n -= 32) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		acc += (unsigned __int128)a + b + c + d;
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&a, p, 8);
		acc += a;
	}
	lo = (uint64_t)acc;
	hi = (uint64_t)(acc >> 64);
	lo += hi;
	return lo + (lo < hi);		/* the end-around carry */
}

uint64_t esp_csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	uint32_t w;
	uint16_t h;

	sum = csum_words64(sum, p, n & ~(size_t)7);
	sum = (sum & 0xffffffff) + (sum >> 32);	/* room for the tail below */
	p += n & ~(size_t)7;
	n &= 7;
	if (n >= 4) {
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		const uint8_t last[2] = { p[0], 0 };	/* pad as if followed by a zero */

		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

uint16_t esp_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t esp_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t l4_len)
{
	uint8_t ph[12];
	struct wbuf p;

	wbuf_init(&p, ph, sizeof ph);
	wbuf_u32(&p, src);
	wbuf_u32(&p, dst);
	wbuf_u8(&p, 0);
	wbuf_u8(&p, proto);
	wbuf_u16(&p, (uint16_t)l4_len);
	return (uint16_t)~esp_csum_fold(esp_csum_add(0, ph, sizeof ph));
}

void esp_ip4_csum_fix(struct wbuf *w, size_t ip_hlen)
{
	wbuf_put_u16_at(w, 10, 0);
	wbuf_put_u16_at(w, 10, ntohs(esp_csum_fold(esp_csum_add(0, w->p, ip_hlen))));
}

bool esp_csum_complete(uint8_t *pkt, size_t len, uint16_t start, uint16_t off)
{
	uint16_t c;

	if (start > len || (size_t)off + 2 > len - start)
		return false;
	c = esp_csum_fold(esp_csum_add(0, pkt + start, len - start));
	if (c == 0)
		c = 0xffff;	/* 0 means "no checksum" to UDP; the same value to TCP */
	memcpy(pkt + start + off, &c, 2);
	return true;
}

/* ---- TCP segmentation ---- */

/* IPv4 header: version/IHL, no fragment, protocol TCP. */
static bool tso_ip(struct esp_tso *t, struct rbuf *r)
{
	struct rbuf h = *r;
	uint8_t vhl = 0, proto = 0;
	uint16_t frag = 0;

	rbuf_u8(&h, &vhl);
	rbuf_skip(&h, 3);
	rbuf_u16(&h, &t->id);
	rbuf_u16(&h, &frag);
	rbuf_skip(&h, 1);
	rbuf_u8(&h, &proto);
	if (!rbuf_ok(&h) || vhl >> 4 != 4 || (vhl & 15) < 5 || (frag & 0x3fff) ||
	    proto != IPPROTO_TCP_)
		return false;
	t->ip_hlen = (size_t)(vhl & 15) * 4;
	return rbuf_ptr(r, &t->ip, t->ip_hlen);
}

static bool tso_tcp(struct esp_tso *t, struct rbuf *r)
{
	struct rbuf h = *r;
	uint8_t doff = 0;

	rbuf_skip(&h, 4);
	rbuf_u32(&h, &t->seq);
	rbuf_skip(&h, 4);
	rbuf_u8(&h, &doff);
	rbuf_u8(&h, &t->flags);
	if (!rbuf_ok(&h) || doff >> 4 < 5)
		return false;
	t->tcp_hlen = (size_t)(doff >> 4) * 4;
	return rbuf_ptr(r, &t->tcp, t->tcp_hlen);
}

int esp_tso_start(struct esp_tso *t, const uint8_t *pkt, size_t len, uint16_t mss)
{
	struct rbuf r;

	memset(t, 0, sizeof *t);
	rbuf_init(&r, pkt, len);
	if (mss == 0 || len > 65535 || !tso_ip(t, &r) || !tso_tcp(t, &r))
		return -1;
	t->mss = mss;
	t->payload_len = rbuf_left(&r);
	rbuf_ptr(&r, &t->payload, t->payload_len);
	if (t->payload_len == 0)
		return 1;
	return (int)((t->payload_len + mss - 1) / mss);
}

/* The TCP checksum over the segment just built in w (RFC 793 pseudo-header). */
static bool tso_tcp_csum(const struct esp_tso *t, struct wbuf *w)
{
	struct rbuf ip;
	uint32_t src = 0, dst = 0;
	size_t tcp_len = w->len - t->ip_hlen;
	uint64_t sum;

	rbuf_init(&ip, t->ip, t->ip_hlen);
	rbuf_skip(&ip, 12);
	rbuf_u32(&ip, &src);		/* the header is >= 20 bytes: checked in tso_ip */
	rbuf_u32(&ip, &dst);
	sum = esp_pseudo_sum(src, dst, IPPROTO_TCP_, tcp_len);
	sum = esp_csum_add(sum, w->p + t->ip_hlen, tcp_len);
	return wbuf_put_u16_at(w, t->ip_hlen + 16, ntohs(esp_csum_fold(sum)));
}

int esp_tso_next(struct esp_tso *t, uint8_t *out, size_t cap)
{
	size_t chunk = t->payload_len - t->done;
	uint8_t flags = t->flags;
	struct wbuf w;
	bool last;

	if (t->index > 0 && t->done >= t->payload_len)
		return 0;
	if (chunk > t->mss)
		chunk = t->mss;
	last = t->done + chunk == t->payload_len;
	if (!last)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (t->index > 0)
		flags &= (uint8_t)~TCP_CWR;	/* congestion window reduced: said once */
	wbuf_init(&w, out, cap);
	wbuf_bytes(&w, t->ip, t->ip_hlen);
	wbuf_bytes(&w, t->tcp, t->tcp_hlen);
	wbuf_bytes(&w, t->payload + t->done, chunk);
	wbuf_put_u16_at(&w, 2, (uint16_t)w.len);
	wbuf_put_u16_at(&w, 4, (uint16_t)(t->id + t->index));
	wbuf_put_u32_at(&w, t->ip_hlen + 4, t->seq + (uint32_t)t->done);
	wbuf_put_u8_at(&w, t->ip_hlen + 13, flags);
	wbuf_put_u16_at(&w, t->ip_hlen + 16, 0);
	if (!wbuf_ok(&w))
		return -1;
	esp_ip4_csum_fix(&w, t->ip_hlen);
	if (!tso_tcp_csum(t, &w))
		return -1;
	t->done += chunk;
	t->index++;
	return (int)w.len;
}

/* ---- UDP GRO / GSO ---- */

size_t esp_gro_next(struct rbuf *r, size_t seg, const uint8_t **p)
{
	size_t n = rbuf_left(r);

	if (seg && n > seg)
		n = seg;
	if (n == 0 || !rbuf_ptr(r, p, n))
		return 0;
	return n;
}

bool esp_gso_can_append(size_t seg, size_t total, unsigned count, size_t n)
{
	return count >= 1 && n > 0 && n <= seg && total == seg * count &&
	       count < ESP_GSO_MAX_SEGS && total + n <= ESP_GSO_MAX_BYTES;
}
