/* libFuzzer target: the ESP worker's offload code on packets nobody
 * vouches for.  Byte 0 picks the path:
 *  - even: a TUN read (virtio-net header + packet from a LAN host): the
 *    header parsed, a TCPV4 super-segment split with esp_tso_*, a UDP_L4
 *    one cut with esp_uso_segment, as io.c does;
 *  - odd: decrypted inner packets from a client (2-byte length, then the
 *    packet, repeated) into the flows' coalescers, each finished when a
 *    packet does not join it, and a UDP_L4 result cut back into datagrams.
 * Invariants: nothing written past a buffer (ASan), every segment fits its
 * slot, a merged packet fits its buffer.
 * The sources it links are listed in fuzz_offload.srcs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"

#define SLOT 9216

static uint8_t seg[SLOT];

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

/* A merged packet must fit its buffer; a UDP_L4 one cuts back cleanly. */
static void finish(struct esp_coal *c)
{
	struct esp_vnet v;
	size_t n = esp_coal_finish(c, &v);

	if (n > c->cap)
		abort();
	if (v.gso_type == ESP_GSO_UDP_L4)
		cut_udp(c->pkt, n, v.gso_size);
}

/* As io.c's tun_deliver: each packet to its flow's esp_coal, flushed when
 * the packet does not join it. */
static void coalesce(const uint8_t *d, size_t size)
{
	static uint8_t bufs[ESP_COAL_FLOWS][ESP_COAL_ROOM + 65535];
	struct esp_coalset s;
	struct rbuf r;

	esp_coalset_init(&s, &bufs[0][0], sizeof bufs[0]);
	rbuf_init(&r, d, size);
	for (;;) {
		uint16_t len = 0;
		const uint8_t *p;
		struct esp_flow4 t;
		struct esp_coal *c;

		if (!rbuf_u16(&r, &len) || !rbuf_ptr(&r, &p, len))
			break;
		if (!esp_flow4_parse(p, len, &t))
			continue;
		c = esp_coalset_pick(&s, &t);
		if (esp_coal_add_flow(c, p, len, &t))
			continue;
		finish(c);
		esp_coal_add_flow(c, p, len, &t);
	}
	for (int i = 0; i < ESP_COAL_FLOWS; i++)
		finish(&s.flow[i]);
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
