/* ESP packet protection per packet: build (outbound), verify and open
 * (inbound).  Parsing and building go through lib/buf.h. */
#include "esp_crypt.h"

#include <arpa/inet.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "log.h"
#include "transport.h"

/* HMAC of p with the SA's key (keyed once; a NULL key re-uses it). */
static bool mac_compute(struct esp_sa *sa, const uint8_t *p, size_t n, uint8_t out[EVP_MAX_MD_SIZE])
{
	size_t outl = 0;

	return EVP_MAC_init(sa->mac, NULL, 0, NULL) && EVP_MAC_update(sa->mac, p, n) &&
	       EVP_MAC_final(sa->mac, out, &outl, EVP_MAX_MD_SIZE) && outl >= sa->icv_len;
}

/* CBC over n bytes (a multiple of the block) with a fresh IV. */
static bool cbc_run(struct esp_sa *sa, const uint8_t *iv, const uint8_t *in, uint8_t *out, size_t n)
{
	int outl = 0;

	if (!sa->cipher) {		/* ESP_ENC_NULL */
		if (out != in)
			memmove(out, in, n);
		return true;
	}
	return EVP_CipherInit_ex2(sa->cipher, NULL, NULL, iv, -1, NULL) &&
	       EVP_CipherUpdate(sa->cipher, out, &outl, in, (int)n) && (size_t)outl == n;
}

/* Logs the first drop of each reason on an SA, then every power of two,
 * so a flood cannot flood the log. */
static void count_drop(struct esp_sa *sa, enum esp_verdict v)
{
	uint64_t n = ++sa->cnt.drops[v];

	if ((n & (n - 1)) == 0)
		log_info("esp: sa spi 0x%08x sid %016llx: %s drop #%llu", sa->spi,
			 (unsigned long long)sa->sid, esp_verdict_name(v), (unsigned long long)n);
}

/* ---- outbound ---- */

static bool put_payload(struct wbuf *w, const struct esp_sa *sa, const uint8_t *inner, size_t len,
			uint8_t next)
{
	size_t pad = (sa->align - (len + 2) % sa->align) % sa->align;

	wbuf_bytes(w, inner, len);
	for (size_t i = 1; i <= pad; i++)
		wbuf_u8(w, (uint8_t)i);	/* RFC 4303 2.4: 1, 2, 3, ... */
	wbuf_u8(w, (uint8_t)pad);
	return wbuf_u8(w, next);
}

/* Encrypts the payload (ct_off .. end of w) and appends the ICV.  The
 * IV slot of an AEAD packet gets the counter, of a CBC packet random
 * bytes. */
static bool protect(struct esp_sa *sa, struct wbuf *w, size_t iv_off, size_t ct_off)
{
	uint8_t *out = w->p, icv[EVP_MAX_MD_SIZE];
	size_t n = w->len - ct_off, icv_off;

	if (sa->aead) {
		icv_off = wbuf_reserve(w, sa->icv_len);
		return icv_off != SIZE_MAX &&
		       esp_aead_seal(sa, out, out + iv_off, out + ct_off, n, out + icv_off);
	}
	if (sa->iv_len && RAND_bytes(out + iv_off, sa->iv_len) != 1)
		return false;
	if (!cbc_run(sa, out + iv_off, out + ct_off, out + ct_off, n))
		return false;
	if (!sa->mac)
		return true;
	if (!mac_compute(sa, out, w->len, icv))
		return false;
	icv_off = wbuf_reserve(w, sa->icv_len);
	if (icv_off == SIZE_MAX)
		return false;
	memcpy(out + icv_off, icv, sa->icv_len);
	return true;
}

int esp_encrypt(struct esp_sa *sa, const uint8_t *inner, size_t len, uint8_t *out, size_t cap)
{
	uint32_t seq = (uint32_t)(sa->seq_out + 1);
	struct wbuf w;
	size_t iv_off, ct_off, plen = len;
	const uint8_t *payload = inner;
	uint8_t next = ESP_NEXT_IPV4;

	if (sa->seq_out >= UINT32_MAX) {	/* no ESN: never wrap */
		if (sa->seq_out++ == UINT32_MAX)
			log_warn("esp: sa spi 0x%08x: sequence numbers exhausted, dropping until rekey",
				 sa->spi);
		return -1;
	}
	/* transport mode protects the IP payload only (RFC 4303 3.1.1) */
	if (sa->transport && !esp_transport_payload(inner, len, &payload, &plen, &next))
		return -1;
	wbuf_init(&w, out, cap);
	wbuf_u32(&w, sa->spi);
	wbuf_u32(&w, seq);
	iv_off = w.len;
	if (sa->aead)
		wbuf_u64(&w, sa->iv_base + seq);	/* unique per key: a counter */
	else
		wbuf_reserve(&w, sa->iv_len);
	ct_off = w.len;
	if (!put_payload(&w, sa, payload, plen, next) || !wbuf_ok(&w) || !protect(sa, &w, iv_off, ct_off))
		return -1;
	sa->seq_out++;
	sa->cnt.packets++;
	sa->cnt.bytes += len;
	return (int)w.len;
}

/* ---- inbound ---- */

struct esp_parts {
	uint32_t spi, seq;
	const uint8_t *authed;		/* SPI .. end of ciphertext */
	size_t authed_len;
	const uint8_t *iv, *ct, *icv;
	size_t ct_len;
};

static bool split_packet(const struct esp_sa *sa, const uint8_t *pkt, size_t len, struct esp_parts *p)
{
	struct rbuf r, a;

	rbuf_init(&r, pkt, len);
	if (len < (size_t)ESP_HDR_LEN + sa->iv_len + sa->icv_len ||
	    !rbuf_sub(&r, len - sa->icv_len, &a) || !rbuf_ptr(&r, &p->icv, sa->icv_len))
		return false;
	p->authed = rbuf_cur(&a);
	p->authed_len = rbuf_left(&a);
	rbuf_u32(&a, &p->spi);
	rbuf_u32(&a, &p->seq);
	rbuf_ptr(&a, &p->iv, sa->iv_len);
	p->ct_len = rbuf_left(&a);
	rbuf_ptr(&a, &p->ct, p->ct_len);
	return rbuf_ok(&a) && p->spi == sa->spi;
}

static bool icv_ok(struct esp_sa *sa, const struct esp_parts *p)
{
	uint8_t mac[EVP_MAX_MD_SIZE];

	if (!sa->mac)
		return true;
	return mac_compute(sa, p->authed, p->authed_len, mac) &&
	       CRYPTO_memcmp(mac, p->icv, sa->icv_len) == 0;
}

/* Checks the trailer of the decrypted payload (pt, n bytes): padding
 * 1, 2, 3, ... and sets *next to the next header.  Returns the inner
 * length or -1. */
static long check_trailer(const uint8_t *pt, size_t n, uint8_t *next_out)
{
	struct rbuf r;
	uint8_t pad_len = 0, next = 0, b = 0;

	rbuf_init(&r, pt, n);
	if (n < 2 || !rbuf_skip(&r, n - 2) || !rbuf_u8(&r, &pad_len) || !rbuf_u8(&r, &next))
		return -1;
	if ((size_t)pad_len + 2 > n)
		return -1;
	*next_out = next;
	rbuf_init(&r, pt, n);
	rbuf_skip(&r, n - 2 - pad_len);
	for (unsigned i = 1; i <= pad_len; i++)
		if (!rbuf_u8(&r, &b) || b != i)
			return -1;
	return (long)(n - 2 - pad_len);
}

/* Checks the inner IPv4 header within n payload bytes.  Sets *tot_len
 * and *src (host order); false if it is not a sane IPv4 packet. */
static bool inner_header(const uint8_t *pt, size_t n, uint16_t *tot_len, uint32_t *src)
{
	struct rbuf r;
	uint8_t vhl = 0;

	rbuf_init(&r, pt, n);
	rbuf_u8(&r, &vhl);
	rbuf_skip(&r, 1);
	rbuf_u16(&r, tot_len);
	rbuf_skip(&r, 8);		/* id, fragment, ttl, protocol, checksum */
	rbuf_u32(&r, src);
	return rbuf_ok(&r) && vhl >> 4 == 4 && (vhl & 15) >= 5 &&
	       *tot_len >= (vhl & 15) * 4 && *tot_len <= n;
}

static int drop(struct esp_sa *sa, enum esp_verdict v, enum esp_verdict *reason)
{
	count_drop(sa, v);
	*reason = v;
	return -1;
}

/* AEAD: the tag is verified while decrypting, then the window. */
static enum esp_verdict open_aead(struct esp_sa *sa, const struct esp_parts *p, uint8_t *out,
				  size_t cap)
{
	if (p->ct_len < 2 || p->ct_len > cap)
		return ESP_DROP_MALFORMED;
	if (!esp_aead_open(sa, p->authed, p->iv, p->ct, p->ct_len, p->icv, out))
		return ESP_DROP_AUTH;
	return esp_replay_check(&sa->replay, p->seq) ? ESP_OK : ESP_DROP_REPLAY;
}

/* Cipher + HMAC: ICV, window, then decryption. */
static enum esp_verdict open_cbc(struct esp_sa *sa, const struct esp_parts *p, uint8_t *out,
				 size_t cap)
{
	if (!icv_ok(sa, p))
		return ESP_DROP_AUTH;
	if (!esp_replay_check(&sa->replay, p->seq))
		return ESP_DROP_REPLAY;
	if (p->ct_len == 0 || p->ct_len % sa->align || p->ct_len > cap ||
	    !cbc_run(sa, p->iv, p->ct, out, p->ct_len))
		return ESP_DROP_MALFORMED;
	return ESP_OK;
}

/* Transport mode: the payload becomes a packet from the peer to our own
 * address (transport.h).  The source is the peer's address when the SA
 * was installed (inner_addr), not after an ESP-seen NAT rebinding: the
 * host's answers must go to the address master routes into the TUN. */
static int open_transport(struct esp_sa *sa, const struct esp_parts *p, uint8_t *out, size_t cap,
			  size_t n, uint8_t next, enum esp_verdict *reason)
{
	int tot = esp_transport_rebuild(out, cap, n, next, sa->inner_addr, sa->local_addr,
					sa->encap == ENCAP_UDP);

	if (tot < 0)
		return drop(sa, ESP_DROP_MALFORMED, reason);
	esp_replay_update(&sa->replay, p->seq);
	sa->cnt.packets++;
	sa->cnt.bytes += (uint64_t)tot;
	*reason = ESP_OK;
	return tot;
}

int esp_decrypt(struct esp_sa *sa, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
		enum esp_verdict *reason)
{
	struct esp_parts p;
	enum esp_verdict v;
	uint16_t tot_len = 0;
	uint32_t src = 0;
	long inner;
	uint8_t next = 0;

	if (!split_packet(sa, pkt, len, &p))
		return drop(sa, ESP_DROP_MALFORMED, reason);
	v = sa->aead ? open_aead(sa, &p, out, cap) : open_cbc(sa, &p, out, cap);
	if (v != ESP_OK)
		return drop(sa, v, reason);
	inner = check_trailer(out, p.ct_len, &next);
	if (inner >= 0 && sa->transport)
		return open_transport(sa, &p, out, cap, (size_t)inner, next, reason);
	if (inner < 0 || next != ESP_NEXT_IPV4 ||
	    !inner_header(out, (size_t)inner, &tot_len, &src))
		return drop(sa, ESP_DROP_MALFORMED, reason);
	/* a LAN-to-LAN SA admits its remote network (l2l.h), others one address */
	if ((src & (sa->inner_mask ? ntohl(sa->inner_mask) : 0xffffffffu)) != ntohl(sa->inner_addr))
		return drop(sa, ESP_DROP_SPOOF, reason);
	esp_replay_update(&sa->replay, p.seq);
	sa->cnt.packets++;
	sa->cnt.bytes += tot_len;
	*reason = ESP_OK;
	return tot_len;
}
