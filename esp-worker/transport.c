/* ESP transport mode framing: the IP payload out, a rebuilt IPv4 header
 * in, and the set of peers master routes into the TUN (transport.h). */
#include "transport.h"

#include <arpa/inet.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "offload.h"		/* esp_csum_add / esp_csum_fold */

#define PROTO_TCP 6
#define PROTO_UDP 17
#define IP_MF_OFFSET 0x3fff	/* more-fragments flag and fragment offset */

bool esp_transport_payload(const uint8_t *pkt, size_t len, const uint8_t **payload,
			   size_t *plen, uint8_t *proto)
{
	struct rbuf r;
	uint8_t vhl = 0, ttl = 0;
	uint16_t tot = 0, frag = 0;
	size_t hl;

	rbuf_init(&r, pkt, len);
	rbuf_u8(&r, &vhl);
	rbuf_skip(&r, 1);
	rbuf_u16(&r, &tot);
	rbuf_skip(&r, 2);		/* identification */
	rbuf_u16(&r, &frag);
	rbuf_u8(&r, &ttl);
	rbuf_u8(&r, proto);
	hl = (size_t)(vhl & 15) * 4;
	/* RFC 4303 3.1.1: transport mode carries whole datagrams only */
	if (!rbuf_ok(&r) || vhl >> 4 != 4 || hl < ESP_IPV4_HDR_LEN || tot < hl || tot > len ||
	    (frag & IP_MF_OFFSET))
		return false;
	rbuf_init(&r, pkt, tot);
	rbuf_skip(&r, hl);
	*plen = tot - hl;
	return rbuf_ptr(&r, payload, *plen);
}

/* TCP/UDP checksum of the segment at seg (n bytes) over the pseudo-header
 * src, dst, proto, n, written at off within the segment. */
static void l4_checksum(uint8_t *seg, size_t n, size_t off, uint8_t proto, uint32_t src,
			uint32_t dst)
{
	uint8_t pseudo[12];
	struct wbuf w;
	uint16_t c;

	wbuf_init(&w, pseudo, sizeof pseudo);
	wbuf_bytes(&w, &src, 4);
	wbuf_bytes(&w, &dst, 4);
	wbuf_u8(&w, 0);
	wbuf_u8(&w, proto);
	wbuf_u16(&w, (uint16_t)n);
	wbuf_init(&w, seg + off, 2);	/* off + 2 <= n: checked by fix_l4 */
	wbuf_u16(&w, 0);
	/* the sum runs over native 16-bit words: ntohs gives the wire value */
	c = ntohs(esp_csum_fold(esp_csum_add(esp_csum_add(0, pseudo, sizeof pseudo), seg, n)));
	if (proto == PROTO_UDP && c == 0)
		c = 0xffff;		/* RFC 768: a computed zero is sent as all ones */
	wbuf_init(&w, seg + off, 2);
	wbuf_u16(&w, c);
}

/* RFC 3948 3.1.2: the checksum the NATed peer computed covers its private
 * address; the ICV vouched for the payload, so it is recomputed. */
static void fix_l4(uint8_t *seg, size_t n, uint8_t proto, uint32_t src, uint32_t dst)
{
	struct rbuf r;
	uint16_t old = 0;

	if (proto == PROTO_TCP && n >= 20) {
		l4_checksum(seg, n, 16, proto, src, dst);
	} else if (proto == PROTO_UDP && n >= 8) {
		rbuf_init(&r, seg, n);
		rbuf_skip(&r, 6);
		if (rbuf_u16(&r, &old) && old != 0)	/* zero: the sender sent none */
			l4_checksum(seg, n, 6, proto, src, dst);
	}
}

int esp_transport_rebuild(uint8_t *buf, size_t cap, size_t n, uint8_t proto, uint32_t src,
			  uint32_t dst, bool fix_csum)
{
	size_t tot = n + ESP_IPV4_HDR_LEN;
	struct wbuf w;
	uint8_t hdr[ESP_IPV4_HDR_LEN];
	uint16_t c;

	if (tot > cap || tot > 65535)
		return -1;
	memmove(buf + ESP_IPV4_HDR_LEN, buf, n);
	if (fix_csum)
		fix_l4(buf + ESP_IPV4_HDR_LEN, n, proto, src, dst);
	wbuf_init(&w, hdr, sizeof hdr);
	wbuf_u8(&w, 0x45);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)tot);
	wbuf_u32(&w, 0);		/* id, flags, offset: a whole datagram */
	wbuf_u8(&w, 64);
	wbuf_u8(&w, proto);
	wbuf_u16(&w, 0);
	wbuf_bytes(&w, &src, 4);
	wbuf_bytes(&w, &dst, 4);
	c = ntohs(esp_csum_fold(esp_csum_add(0, hdr, sizeof hdr)));
	wbuf_put_u16_at(&w, 10, c);
	memcpy(buf, hdr, sizeof hdr);
	return (int)tot;
}

/* ---- the routes master holds for this worker ---- */

static bool table_has(const struct esp_sa_table *t, uint32_t addr)
{
	for (const struct esp_sa *s = t->all; s; s = s->next_all)
		if (s->transport && s->inner_addr == addr)
			return true;
	return false;
}

static bool routes_have(const struct esp_transport_routes *r, uint32_t addr)
{
	for (int i = 0; i < r->n; i++)
		if (r->addr[i] == addr)
			return true;
	return false;
}

/* Transport SAs are rare and change only on IPC: walks are fine here. */
void esp_transport_sync(struct esp_transport_routes *r, const struct esp_sa_table *t,
			esp_transport_announce_fn fn, void *arg)
{
	for (int i = 0; i < r->n;) {
		if (table_has(t, r->addr[i])) {
			i++;
			continue;
		}
		fn(arg, r->addr[i], r->local[i], false);
		r->n--;
		r->addr[i] = r->addr[r->n];
		r->local[i] = r->local[r->n];
	}
	for (const struct esp_sa *s = t->all; s; s = s->next_all) {
		if (!s->transport || routes_have(r, s->inner_addr))
			continue;
		if (r->n >= ESP_TRANSPORT_PEERS_MAX) {	/* the host's packets to it stay unrouted */
			log_err("esp: more than %d transport peers: one not routed into the TUN",
				ESP_TRANSPORT_PEERS_MAX);
			break;
		}
		r->addr[r->n] = s->inner_addr;
		r->local[r->n] = s->local_addr;
		r->n++;
		fn(arg, s->inner_addr, s->local_addr, true);
	}
}
