#include "datapath.h"

#include <arpa/inet.h>

#include "buf.h"
#include "esp_crypt.h"
#include "l2l.h"
#include "log.h"

/* Where a datagram came from; addr 0 when not known (raw ESP, tests). */
struct esp_src {
	uint32_t addr;		/* network order */
	uint16_t port;		/* host order */
};

static void log_rebind(const struct esp_sa *sa, const struct esp_src *from,
		       const struct esp_src *to, int n)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &from->addr, a, sizeof a);
	inet_ntop(AF_INET, &to->addr, b, sizeof b);
	log_info("esp: NAT rebinding of sid %016llx (spi 0x%08x): peer %s:%u -> %s:%u, "
		 "%d SAs follow", (unsigned long long)sa->sid, sa->spi, a, from->port, b,
		 to->port, n);
}

/* RFC 3948 only defines the encapsulation; the rule that a NAT mapping
 * may be followed only on authenticated packets is RFC 7296 2.23's for
 * IKE, applied here to ESP.  The packet must also be the newest one seen
 * (a late packet from the old mapping does not move us back) and replay
 * protection must be on (else a captured packet re-sent from anywhere
 * would redirect the session's traffic). */
static void follow_rebinding(struct esp_sa_table *t, struct esp_path_stats *st,
			     struct esp_sa *sa, const struct esp_src *src, uint32_t seq)
{
	struct esp_src was;
	int n;

	if (!src || !src->addr || sa->encap != ENCAP_UDP || !sa->peer_addr ||
	    (src->addr == sa->peer_addr && src->port == sa->peer_port))
		return;
	if (sa->replay.size == 0 || sa->replay.top != seq)
		return;
	was = (struct esp_src){ .addr = sa->peer_addr, .port = sa->peer_port };
	st->rebinds++;
	n = esp_sa_rebind(t, sa->sid, src->addr, src->port);	/* sa itself included */
	log_rebind(sa, &was, src, n);
}

/* ESP proper: SPI first.  Looks the SA up and opens the packet. */
static int esp_in(struct esp_sa_table *t, struct esp_path_stats *st, const struct esp_src *src,
		  const uint8_t *esp, size_t len, uint8_t *out, size_t cap)
{
	struct rbuf r;
	uint32_t spi = 0, seq = 0;
	struct esp_sa *sa;
	enum esp_verdict why = ESP_DROP_MALFORMED;
	int n;

	rbuf_init(&r, esp, len);
	rbuf_u32(&r, &spi);
	rbuf_u32(&r, &seq);
	sa = esp_sa_find_in(t, spi);
	if (!sa) {
		uint64_t n = ++st->no_sa_in;

		if ((n & (n - 1)) == 0)	/* first, then every power of two */
			log_info("esp: packet for unknown spi 0x%08x (#%llu)", spi,
				 (unsigned long long)n);
		return -1;
	}
	n = esp_decrypt(sa, esp, len, out, cap, &why);
	if (n < 0) {
		st->in_drops[(unsigned)why < ESP_DROP_MAX ? why : ESP_DROP_MALFORMED]++;
		return -1;
	}
	st->in_packets++;
	st->in_bytes += (uint64_t)n;
	follow_rebinding(t, st, sa, src, seq);
	return n;
}

int esp_in_udp(struct esp_sa_table *t, struct esp_path_stats *st, const uint8_t *d, size_t len,
	       uint8_t *out, size_t cap)
{
	return esp_in_udp_from(t, st, 0, 0, d, len, out, cap);
}

int esp_in_udp_from(struct esp_sa_table *t, struct esp_path_stats *st, uint32_t src_addr,
		    uint16_t src_port, const uint8_t *d, size_t len, uint8_t *out, size_t cap)
{
	const struct esp_src src = { .addr = src_addr, .port = src_port };
	struct rbuf r;
	uint32_t marker = 0;

	/* RFC 3948 2.2: a zero "non-ESP marker" is IKE; one 0xFF byte is a
	 * NAT keepalive; an ESP header is at least SPI + sequence number. */
	rbuf_init(&r, d, len);
	if (len < ESP_HDR_LEN || !rbuf_u32(&r, &marker) || marker == 0) {
		st->not_esp++;
		return -1;
	}
	return esp_in(t, st, &src, d, len, out, cap);
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
	return esp_in(t, st, NULL, esp, esp_len, out, cap);
}

struct esp_sa *esp_out_route(struct esp_sa_table *t, struct esp_path_stats *st,
			     const uint8_t *pkt, size_t len)
{
	struct rbuf r;
	uint8_t vhl = 0;
	uint32_t src = 0, dst = 0;
	struct esp_sa *sa;

	rbuf_init(&r, pkt, len);
	rbuf_u8(&r, &vhl);
	rbuf_skip(&r, 11);		/* to the source address */
	rbuf_u32(&r, &src);
	rbuf_u32(&r, &dst);
	if (!rbuf_ok(&r) || vhl >> 4 != 4) {
		st->not_ipv4++;
		return NULL;
	}
	sa = esp_sa_find_out(t, htonl(dst));
	if (!sa) {
		st->no_sa_out++;
		esp_l2l_miss(htonl(src), htonl(dst));	/* LAN-to-LAN: negotiate (l2l.h) */
	}
	return sa;
}

int esp_out_seal(struct esp_sa *sa, struct esp_path_stats *st, const uint8_t *pkt, size_t len,
		 uint8_t *out, size_t cap)
{
	int n = esp_encrypt(sa, pkt, len, out, cap);

	if (n < 0) {
		st->seal_failed++;
		return n;
	}
	st->out_packets++;
	st->out_bytes += len;
	return n;
}
