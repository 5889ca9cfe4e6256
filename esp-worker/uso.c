/* UDP segmentation by hand (the kernel's USO): a UDP_L4 packet the TUN
 * handed over (TUN_F_USO4), or one our TUN write was refused (a kernel
 * before 6.2), cut into the datagrams it stands for. */
#include "offload.h"

#include <arpa/inet.h>
#include <string.h>

int esp_uso_segment(const uint8_t *pkt, size_t total, const struct esp_flow4 *h, size_t mss,
		    unsigned i, uint8_t *out, size_t cap)
{
	size_t hl = h->ip_hlen + 8, off = hl + (size_t)i * mss, pay, n;
	struct wbuf w;

	if (mss == 0 || off >= total)
		return 0;
	pay = total - off < mss ? total - off : mss;
	n = hl + pay;
	if (n > cap)
		return -1;
	memcpy(out, pkt, hl);
	memcpy(out + hl, pkt + off, pay);
	wbuf_init(&w, out, cap);
	w.len = n;
	wbuf_put_u16_at(&w, 2, (uint16_t)n);
	wbuf_put_u16_at(&w, 4, (uint16_t)(h->id + i));
	esp_ip4_csum_fix(&w, h->ip_hlen);
	wbuf_put_u16_at(&w, h->ip_hlen + 4, (uint16_t)(n - h->ip_hlen));
	wbuf_put_u16_at(&w, h->ip_hlen + 6,
			ntohs(esp_pseudo_sum(h->src, h->dst, h->proto, n - h->ip_hlen)));
	return esp_csum_complete(out, n, (uint16_t)h->ip_hlen, 6) ? (int)n : -1;
}
