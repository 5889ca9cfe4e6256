/* The generator's packets: an inner IPv4/UDP datagram, and the outer
 * IPv4/UDP headers the raw socket sends ESP in (RFC 3948). */
#include <arpa/inet.h>
#include <string.h>

#include "buf.h"
#include "gen.h"

#define IP_HDR	20
#define UDP_HDR	8

static uint16_t ip_checksum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < IP_HDR; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* src and dst in network order; the checksum is left 0 and set after. */
static void ip_header(struct wbuf *w, size_t total, uint8_t proto, uint32_t src, uint32_t dst)
{
	wbuf_u8(w, 0x45);
	wbuf_u8(w, 0);
	wbuf_u16(w, (uint16_t)total);
	wbuf_u32(w, 0x00004000);	/* id 0, DF */
	wbuf_u8(w, 64);
	wbuf_u8(w, proto);
	wbuf_u16(w, 0);
	wbuf_bytes(w, &src, 4);
	wbuf_bytes(w, &dst, 4);
}

size_t gen_inner(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint16_t port)
{
	struct wbuf w;

	wbuf_init(&w, buf, len);
	ip_header(&w, len, 17, src, dst);
	wbuf_u16(&w, 40000);
	wbuf_u16(&w, port);
	wbuf_u16(&w, (uint16_t)(len - IP_HDR));
	wbuf_u16(&w, 0);		/* no UDP checksum (IPv4) */
	for (size_t i = IP_HDR + UDP_HDR; i < len; i++)
		wbuf_u8(&w, (uint8_t)i);
	wbuf_put_u16_at(&w, 10, ip_checksum(buf));
	return wbuf_ok(&w) ? w.len : 0;
}

size_t gen_outer(uint8_t *buf, size_t n, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	struct wbuf w;

	wbuf_init(&w, buf, IP_HDR + UDP_HDR);
	ip_header(&w, IP_HDR + UDP_HDR + n, 17, src, dst);
	wbuf_u16(&w, sport);
	wbuf_u16(&w, dport);
	wbuf_u16(&w, (uint16_t)(UDP_HDR + n));
	wbuf_u16(&w, 0);
	wbuf_put_u16_at(&w, 10, ip_checksum(buf));
	return wbuf_ok(&w) ? IP_HDR + UDP_HDR + n : 0;
}
