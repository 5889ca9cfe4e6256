#include "datapath.h"

#include <arpa/inet.h>

#include "buf.h"
#include "esp_crypt.h"
#include "log.h"

/* ESP proper: SPI first.  Looks the SA up and opens the packet. */
static int esp_in(struct esp_sa_table *t, struct esp_path_stats *st, const uint8_t *esp, size_t len,
		  uint8_t *out, size_t cap)
{
	struct rbuf r;
	uint32_t spi = 0;
	struct esp_sa *sa;
	enum esp_verdict why;

	rbuf_init(&r, esp, len);
	rbuf_u32(&r, &spi);
	sa = esp_sa_find_in(t, spi);
	if (!sa) {
		uint64_t n = ++st->no_sa_in;

		if ((n & (n - 1)) == 0)	/* first, then every power of two */
			log_info("esp: packet for unknown spi 0x%08x (#%llu)", spi,
				 (unsigned long long)n);
		return -1;
	}
	return esp_decrypt(sa, esp, len, out, cap, &why);
}

int esp_in_udp(struct esp_sa_table *t, struct esp_path_stats *st, const uint8_t *d, size_t len,
	       uint8_t *out, size_t cap)
{
	struct rbuf r;
	uint32_t marker = 0;

	/* RFC 3948 2.2: a zero "non-ESP marker" is IKE; one 0xFF byte is a
	 * NAT keepalive; an ESP header is at least SPI + sequence number. */
	rbuf_init(&r, d, len);
	if (len < ESP_HDR_LEN || !rbuf_u32(&r, &marker) || marker == 0) {
		st->not_esp++;
		return -1;
	}
	return esp_in(t, st, d, len, out, cap);
}

int esp_in_raw(struct esp_sa_table *t, struct esp_path_stats *st, const uint8_t *d, size_t len,
	       uint8_t *out, size_t cap)
{
	struct rbuf r;
	uint8_t vhl = 0;
	const uint8_t *esp;
	size_t esp_len;

	rbuf_init(&r, d, len);
	rbuf_u8(&r, &vhl);
	rbuf_init(&r, d, len);
	if (vhl >> 4 != 4 || (vhl & 15) < 5 || !rbuf_skip(&r, (size_t)(vhl & 15) * 4)) {
		st->bad_ip++;
		return -1;
	}
	esp_len = rbuf_left(&r);
	rbuf_ptr(&r, &esp, esp_len);
	if (esp_len < ESP_HDR_LEN) {
		st->bad_ip++;
		return -1;
	}
	return esp_in(t, st, esp, esp_len, out, cap);
}

struct esp_sa *esp_out_route(struct esp_sa_table *t, struct esp_path_stats *st,
			     const uint8_t *pkt, size_t len)
{
	struct rbuf r;
	uint8_t vhl = 0;
	uint32_t dst = 0;
	struct esp_sa *sa;

	rbuf_init(&r, pkt, len);
	rbuf_u8(&r, &vhl);
	rbuf_skip(&r, 15);		/* to the destination address */
	rbuf_u32(&r, &dst);
	if (!rbuf_ok(&r) || vhl >> 4 != 4) {
		st->not_ipv4++;
		return NULL;
	}
	sa = esp_sa_find_out(t, htonl(dst));
	if (!sa)
		st->no_sa_out++;
	return sa;
}

int esp_out_seal(struct esp_sa *sa, struct esp_path_stats *st, const uint8_t *pkt, size_t len,
		 uint8_t *out, size_t cap)
{
	int n = esp_encrypt(sa, pkt, len, out, cap);

	if (n < 0)
		st->seal_failed++;
	return n;
}
