/* libFuzzer target: the ESP worker's offload code on packets nobody
 * vouches for.  Byte 0 picks the path:
 *  - even: a TUN read (virtio-net header + packet from a LAN host): the
 *    header parsed, a TCPV4 super-segment split with esp_tso_*, a UDP_L4
 *    one cut with esp_uso_segment, as io.c does;
 *  - odd: decrypted inner packets from a client (2-byte length, then the
 *    packet, repeated) into the coalescer, finished, and a UDP_L4 result
 *    cut back into datagrams.
 * Invariants: nothing written past a buffer (ASan), every segment fits its
 * slot, a merged packet is at most 64 KB and never more than was added.
 * The sources it links are listed in fuzz_offload.srcs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"

#define SLOT 9216

static uint8_t seg[SLOT];
static uint8_t coal_buf[65535];

static void cut_udp(const uint8_t *pkt, size_t len, size_t mss)
{
	struct esp_flow4 h;
	int n;

	if (!esp_flow4_parse(pkt, len, &h) || h.proto != ESP_PROTO_UDP)
		return;
	for (unsigned i = 0; (n = esp_uso_segment(pkt, len, &h, mss, i, seg, sizeof seg)) > 0; i++)
		if ((size_t)n > sizeof seg || (size_t)n > h.ip_hlen + 8 + mss)
			abort();
}

static void tun_read(const uint8_t *d, size_t size)
{
	static uint8_t pkt[65535 + ESP_VNET_LEN];
	struct esp_vnet v;
	struct esp_tso t;
	struct rbuf r;
	size_t len;
	int n;

	if (size > sizeof pkt)
		return;
	memcpy(pkt, d, size);		/* the TUN read buffer is writable */
	rbuf_init(&r, pkt, size);
	if (size <= ESP_VNET_LEN || !esp_vnet_parse(&r, &v))
		return;
	len = size - ESP_VNET_LEN;
	if (v.gso_type == ESP_GSO_UDP_L4) {
		cut_udp(pkt + ESP_VNET_LEN, len, v.gso_size);
		return;
	}
	if (v.flags & ESP_VNET_NEEDS_CSUM)
		esp_csum_complete(pkt + ESP_VNET_LEN, len, v.csum_start, v.csum_offset);
	if (esp_tso_start(&t, pkt + ESP_VNET_LEN, len, v.gso_size) < 0)
		return;
	while ((n = esp_tso_next(&t, seg, sizeof seg)) > 0)
		if ((size_t)n > sizeof seg)
			abort();
}

static void coalesce(const uint8_t *d, size_t size)
{
	struct esp_coal c;
	struct esp_vnet v;
	size_t added = 0, n;
	struct rbuf r;

	esp_coal_init(&c, coal_buf, sizeof coal_buf);
	rbuf_init(&r, d, size);
	for (;;) {
		uint16_t len = 0;
		const uint8_t *p;

		if (!rbuf_u16(&r, &len) || !rbuf_ptr(&r, &p, len))
			break;
		if (esp_coal_add(&c, p, len)) {
			added += len;
			continue;
		}
		esp_coal_finish(&c, &v);
		if (esp_coal_add(&c, p, len))
			added = len;
	}
	n = esp_coal_finish(&c, &v);
	if (n > sizeof coal_buf || n > added)
		abort();
	if (v.gso_type == ESP_GSO_UDP_L4)
		cut_udp(coal_buf, n, v.gso_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		coalesce(data + 1, size - 1);
	else
		tun_read(data + 1, size - 1);
	return 0;
}
