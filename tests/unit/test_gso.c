/* Offloads of the ESP worker (esp-worker/offload.c): TCP segmentation of
 * a TUN super-segment, checksum completion, the UDP GRO split, the UDP
 * GSO append rule and the virtio-net header.  Checksums are checked with
 * a plain RFC 1071 reference written here, byte pair by byte pair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "../../esp-worker/offload.h"

#define FIN 0x01
#define SYN 0x02
#define PSH 0x08
#define ACK 0x10
#define ECE 0x40
#define CWR 0x80

/* ---- reference helpers ---- */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* RFC 1071 over big-endian 16-bit words, odd byte padded with zero. */
static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The sum over a packet including its checksum is 0xffff when it is right. */
static bool ip_csum_ok(const uint8_t *ip, size_t hlen)
{
	return ref_fold(ref_sum(0, ip, hlen)) == 0xffff;
}

static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	uint32_t s = ref_sum(0, ip + 12, 8);

	return s + proto + (uint32_t)l4_len;
}

static bool l4_csum_ok(const uint8_t *ip, size_t hlen, size_t len, uint8_t proto)
{
	return ref_fold(ref_sum(pseudo_sum(ip, proto, len - hlen), ip + hlen, len - hlen)) == 0xffff;
}

/* ---- a super-segment to split ---- */

struct tso_case {
	const char *name;
	size_t ip_opts;		/* bytes of IP options (multiple of 4) */
	size_t tcp_opts;	/* bytes of TCP options (multiple of 4) */
	size_t payload;
	uint16_t mss;
	uint8_t flags;
	int segments;		/* expected */
};

static uint8_t super[70000];
static uint8_t seg[10000];

static size_t build_super(const struct tso_case *c, uint32_t seq, uint16_t id)
{
	size_t ihl = 20 + c->ip_opts, thl = 20 + c->tcp_opts, n = ihl + thl + c->payload;
	uint8_t *ip = super, *tcp = super + ihl;

	memset(super, 0, ihl + thl);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(ip + 2, (uint16_t)(n > 65535 ? 0 : n));
	put16(ip + 4, id);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = 6;
	put16(ip + 10, 0x1234);		/* stale: must be recomputed */
	put32(ip + 12, 0x0a000101);
	put32(ip + 16, 0xc0a80a02);
	for (size_t i = 20; i < ihl; i++)
		ip[i] = 1;		/* NOP options */
	put16(tcp, 5201);
	put16(tcp + 2, 40000);
	put32(tcp + 4, seq);
	put32(tcp + 8, 0x01020304);
	tcp[12] = (uint8_t)(thl / 4 << 4);
	tcp[13] = c->flags;
	put16(tcp + 14, 501);
	put16(tcp + 16, 0xabcd);	/* a pseudo-header sum, as the kernel leaves it */
	for (size_t i = 20; i < thl; i++)
		tcp[i] = 1;
	for (size_t i = 0; i < c->payload; i++)
		super[ihl + thl + i] = (uint8_t)(i * 7 + i / 251);
	return n;
}

static void check_segment(const struct tso_case *c, const uint8_t *s, size_t n, int i,
			  uint32_t seq, uint16_t id)
{
	size_t ihl = 20 + c->ip_opts, thl = 20 + c->tcp_opts;
	size_t off = (size_t)i * c->mss;
	size_t want = c->payload - off < c->mss ? c->payload - off : c->mss;
	bool last = i == c->segments - 1;
	uint8_t f = c->flags;

	if (c->payload == 0)
		want = 0;
	assert_int_equal(n, ihl + thl + want);
	assert_int_equal(get16(s + 2), n);
	assert_int_equal(get16(s + 4), (uint16_t)(id + i));
	assert_true(ip_csum_ok(s, ihl));
	assert_int_equal(get32(s + ihl + 4), seq + (uint32_t)off);
	if (!last)
		f &= (uint8_t)~(FIN | PSH);
	if (i > 0)
		f &= (uint8_t)~CWR;
	assert_int_equal(s[ihl + 13], f);
	assert_memory_equal(s + ihl + 20, super + ihl + 20, c->tcp_opts);
	assert_int_equal(get32(s + ihl + 8), 0x01020304);
	assert_memory_equal(s + ihl + thl, super + ihl + thl + off, want);
	assert_true(l4_csum_ok(s, ihl, n, 6));
}

static const struct tso_case tso_cases[] = {
	{ "even split", 0, 0, 4000, 1000, ACK | PSH, 4 },
	{ "last short", 0, 0, 3500, 1000, ACK | PSH | FIN, 4 },
	{ "one byte over", 0, 12, 1349, 1348, ACK | PSH, 2 },
	{ "single segment", 0, 12, 900, 1348, ACK | PSH | FIN, 1 },
	{ "odd payload, odd mss", 4, 12, 9999, 1333, ACK | ECE | CWR | PSH, 8 },
	{ "64 KB", 0, 12, 65483, 1348, ACK | PSH, 49 },
	{ "no payload", 0, 0, 0, 1000, ACK | FIN, 1 },
	{ "tiny mss", 0, 0, 100, 7, ACK | PSH | CWR, 15 },
};

static void test_tso_table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof tso_cases / sizeof tso_cases[0]; k++) {
		const struct tso_case *c = &tso_cases[k];
		const uint32_t seq = 0xfffff000u;	/* wraps within the 64 KB case */
		const uint16_t id = 0xfffe;		/* wraps too */
		size_t n = build_super(c, seq, id);
		struct esp_tso t;
		int got, i = 0;

		print_message("case %s\n", c->name);
		assert_int_equal(esp_tso_start(&t, super, n, c->mss), c->segments);
		while ((got = esp_tso_next(&t, seg, sizeof seg)) > 0) {
			assert_true(i < c->segments);
			check_segment(c, seg, (size_t)got, i, seq, id);
			i++;
		}
		assert_int_equal(got, 0);
		assert_int_equal(i, c->segments);
		assert_int_equal(esp_tso_next(&t, seg, sizeof seg), 0);
	}
}

static void test_tso_rejects(void **state)
{
	const struct tso_case c = { "base", 0, 0, 3000, 1000, ACK, 3 };
	size_t n = build_super(&c, 1, 1);
	struct esp_tso t;

	(void)state;
	assert_int_equal(esp_tso_start(&t, super, n, 0), -1);		/* mss 0 */
	assert_int_equal(esp_tso_start(&t, super, 39, 1000), -1);	/* TCP header cut */
	super[9] = 17;
	assert_int_equal(esp_tso_start(&t, super, n, 1000), -1);	/* UDP */
	super[9] = 6;
	put16(super + 6, 0x2000);					/* more fragments */
	assert_int_equal(esp_tso_start(&t, super, n, 1000), -1);
	put16(super + 6, 0x4000);
	super[0] = 0x60;						/* IPv6 */
	assert_int_equal(esp_tso_start(&t, super, n, 1000), -1);
	super[0] = 0x44;						/* IHL 4 */
	assert_int_equal(esp_tso_start(&t, super, n, 1000), -1);
	super[0] = 0x45;
	super[32] = 0x40;						/* TCP doff 4 */
	assert_int_equal(esp_tso_start(&t, super, n, 1000), -1);
	super[32] = 0x50;
	assert_int_equal(esp_tso_start(&t, super, n, 1000), 3);
	assert_int_equal(esp_tso_next(&t, seg, 1000), -1);		/* out too small */
}

/* ---- checksum completion (TUN_F_CSUM, no GSO) ---- */

static void test_csum_complete(void **state)
{
	static const size_t lens[] = { 8, 9, 100, 1001, 1400 };
	uint8_t p[1500];

	(void)state;
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t n = 20 + lens[k];

		memset(p, 0, 20);
		p[0] = 0x45;
		p[9] = 17;
		put32(p + 12, 0x0a000101);
		put32(p + 16, 0xc0a80a02);
		for (size_t i = 20; i < n; i++)
			p[i] = (uint8_t)(i * 13);
		put16(p + 24, (uint16_t)lens[k]);
		/* the kernel leaves the pseudo-header sum, not complemented */
		put16(p + 26, ref_fold(pseudo_sum(p, 17, lens[k])));
		assert_true(esp_csum_complete(p, n, 20, 6));
		assert_true(l4_csum_ok(p, 20, n, 17));
		assert_int_not_equal(get16(p + 26), 0);
	}
	assert_false(esp_csum_complete(p, 30, 31, 0));
	assert_false(esp_csum_complete(p, 30, 20, 9));
	assert_true(esp_csum_complete(p, 30, 20, 8));
}

static uint16_t mine_be(uint64_t sum)
{
	uint16_t mine = esp_csum_fold(sum), be;

	memcpy(&be, &mine, 2);		/* host order -> bytes */
	return get16((const uint8_t *)&be);
}

/* Every tail length, carries (all 0xff), a 64 KB packet, and a sum built
 * in pieces split at even offsets equal to the sum of the whole. */
static void test_csum_matches_reference(void **state)
{
	static uint8_t p[65536];
	static const struct { const char *fill; size_t max, step; } cases[] = {
		{ "pattern", 301, 1 }, { "ones", 301, 1 }, { "pattern", 65535, 4093 },
		{ "ones", 65535, 4093 }, { "carry", 301, 1 }, { "carry", 65535, 4093 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		bool ones = strcmp(cases[c].fill, "ones") == 0;
		bool carry = strcmp(cases[c].fill, "carry") == 0;

		print_message("case %s up to %zu\n", cases[c].fill, cases[c].max);
		for (size_t i = 0; i < sizeof p; i++)
			/* carry: two all-ones 64-bit words and a 1 per 24 bytes,
			 * whose 64-bit sum runs over again and again */
			p[i] = ones || (carry && i % 24 < 16) ? 0xff :
			       carry ? (uint8_t)(i % 24 == 16) : (uint8_t)(i * 31 + 5 + i / 509);
		for (size_t n = 0; n <= cases[c].max; n += cases[c].step) {
			uint16_t want = (uint16_t)~ref_fold(ref_sum(0, p, n));
			size_t half = n / 2 & ~(size_t)1;

			assert_int_equal(mine_be(esp_csum_add(0, p, n)), want);
			assert_int_equal(mine_be(esp_csum_add(esp_csum_add(0, p, half), p + half,
							      n - half)), want);
		}
	}
}

/* ---- UDP GRO split ---- */

struct gro_case {
	size_t len, seg;
	int n;
	size_t last;
};

static void test_gro_split(void **state)
{
	static const struct gro_case cases[] = {
		{ 4000, 1000, 4, 1000 }, { 3500, 1000, 4, 500 }, { 1000, 1000, 1, 1000 },
		{ 999, 1000, 1, 999 }, { 1434 * 44 + 98, 1434, 45, 98 }, { 700, 0, 1, 700 },
		{ 0, 1000, 0, 0 },
	};
	static uint8_t buf[65536];

	(void)state;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i / 3);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct gro_case *c = &cases[k];
		struct rbuf r;
		const uint8_t *p;
		size_t n, off = 0, last = 0;
		int count = 0;

		rbuf_init(&r, buf, c->len);
		while ((n = esp_gro_next(&r, c->seg, &p)) > 0) {
			assert_ptr_equal(p, buf + off);
			if (c->seg && off + n < c->len)
				assert_int_equal(n, c->seg);
			off += n;
			last = n;
			count++;
		}
		assert_int_equal(count, c->n);
		assert_int_equal(off, c->len);
		assert_int_equal(last, c->last);
	}
}

/* ---- UDP GSO append rule ---- */

static void test_gso_append(void **state)
{
	static const struct {
		size_t seg, total;
		unsigned count;
		size_t n;
		bool ok;
	} cases[] = {
		{ 1434, 1434, 1, 1434, true },		/* equal: joins */
		{ 1434, 1434, 1, 500, true },		/* shorter: joins as the last */
		{ 1434, 1934, 2, 1434, false },		/* after a short one: no */
		{ 1434, 1434, 1, 1435, false },		/* longer: no */
		{ 1000, 63000, 63, 1000, true },
		{ 1000, 64000, 64, 1000, false },	/* segment limit */
		{ 1434, 1434 * 45, 45, 1434, false },	/* 64 KB limit */
		{ 1434, 1434 * 44, 44, 1434, true },
		{ 1434, 1434, 1, 0, false },
	};

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
		assert_int_equal(esp_gso_can_append(cases[k].seg, cases[k].total, cases[k].count,
						    cases[k].n), cases[k].ok);
}

/* ---- virtio-net header ---- */

static void test_vnet(void **state)
{
	static const uint8_t h[] = { 1, 0x81, 0x36, 0, 0x44, 0x05, 34, 0, 16, 0, 0x45 };
	uint8_t out[ESP_VNET_LEN];
	struct esp_vnet v;
	struct rbuf r;
	uint8_t b = 0;

	(void)state;
	rbuf_init(&r, h, sizeof h);
	assert_true(esp_vnet_parse(&r, &v));
	assert_int_equal(v.flags, ESP_VNET_NEEDS_CSUM);
	assert_int_equal(v.gso_type & ~ESP_GSO_ECN, ESP_GSO_TCPV4);
	assert_int_equal(v.hdr_len, 54);
	assert_int_equal(v.gso_size, 1348);
	assert_int_equal(v.csum_start, 34);
	assert_int_equal(v.csum_offset, 16);
	assert_true(rbuf_u8(&r, &b));
	assert_int_equal(b, 0x45);			/* the packet follows */
	rbuf_init(&r, h, 9);
	assert_false(esp_vnet_parse(&r, &v));	/* short */
	memset(out, 0xee, sizeof out);
	esp_vnet_put(out, ESP_VNET_DATA_VALID);
	assert_int_equal(out[0], ESP_VNET_DATA_VALID);
	for (size_t i = 1; i < sizeof out; i++)
		assert_int_equal(out[i], 0);
}

/* ---- coalescing decrypted segments for the TUN write ---- */

static uint8_t segs[64][2048];
static size_t seg_len[64];
static uint8_t coal_buf[65536];

/* Splits the super-segment of c into segs[]; returns how many. */
static int split_case(const struct tso_case *c, uint32_t seq, uint16_t id, size_t *n)
{
	struct esp_tso t;
	int k = 0, got;

	*n = build_super(c, seq, id);
	assert_int_equal(esp_tso_start(&t, super, *n, c->mss), c->segments);
	while ((got = esp_tso_next(&t, segs[k], sizeof segs[k])) > 0)
		seg_len[k++] = (size_t)got;
	assert_int_equal(k, c->segments);
	return k;
}

static void test_coal_roundtrip(void **state)
{
	static const struct tso_case cases[] = {
		{ "four full", 0, 0, 4000, 1000, ACK | PSH, 4 },
		{ "last short", 0, 12, 3500, 1000, ACK, 4 },
		{ "64 KB with options", 4, 12, 65483 - 4, 1348, ACK | PSH, 49 },
		{ "one segment", 0, 12, 900, 1348, ACK | PSH, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tso_case *c = &cases[i];
		size_t ihl = 20 + c->ip_opts, thl = 20 + c->tcp_opts, n, got;
		int k = split_case(c, 0x7ffffff0u, 77, &n);
		struct esp_coal co;
		struct esp_vnet v;

		print_message("case %s\n", c->name);
		esp_coal_init(&co, coal_buf, sizeof coal_buf);
		for (int j = 0; j < k; j++)
			assert_true(esp_coal_add(&co, segs[j], seg_len[j]));
		got = esp_coal_finish(&co, &v);
		assert_int_equal(got, n);
		assert_int_equal(get16(coal_buf + 2), n);
		assert_int_equal(get16(coal_buf + 4), 77);
		assert_true(ip_csum_ok(coal_buf, ihl));
		assert_int_equal(get32(coal_buf + ihl + 4), 0x7ffffff0u);
		assert_int_equal(coal_buf[ihl + 13], c->flags);
		assert_memory_equal(coal_buf + ihl + thl, super + ihl + thl, c->payload);
		if (k == 1) {
			assert_int_equal(v.flags, ESP_VNET_DATA_VALID);
			assert_int_equal(v.gso_type, ESP_GSO_NONE);
			assert_true(l4_csum_ok(coal_buf, ihl, n, 6));
			continue;
		}
		assert_int_equal(v.flags, ESP_VNET_NEEDS_CSUM);
		assert_int_equal(v.gso_type, ESP_GSO_TCPV4);
		assert_int_equal(v.gso_size, c->mss);
		assert_int_equal(v.hdr_len, ihl + thl);
		assert_int_equal(v.csum_start, ihl);
		assert_int_equal(v.csum_offset, 16);
		/* the field holds the pseudo-header sum: finishing it as the
		 * kernel would gives the right checksum */
		assert_int_equal(get16(coal_buf + ihl + 16), ref_fold(pseudo_sum(coal_buf, 6, n - ihl)));
		assert_true(esp_csum_complete(coal_buf, n, v.csum_start, v.csum_offset));
		assert_true(l4_csum_ok(coal_buf, ihl, n, 6));
	}
}

/* A second segment changed in one way does not join the first. */
static void test_coal_breaks(void **state)
{
	static const struct { const char *what; size_t off; uint8_t x; } muts[] = {
		{ "sequence gap", 20 + 7, 1 }, { "other port", 20 + 3, 1 },
		{ "other ack", 20 + 11, 1 }, { "FIN", 20 + 13, FIN }, { "SYN", 20 + 13, SYN },
		{ "ECN mark (tos)", 1, 3 }, { "other ttl", 8, 1 }, { "other window", 20 + 15, 1 },
		{ "other source", 15, 1 },
	};
	const struct tso_case c = { "base", 0, 0, 3000, 1000, ACK, 3 };
	struct esp_coal co;
	struct esp_vnet v;
	uint8_t m[2048];
	size_t n;

	(void)state;
	split_case(&c, 1000, 1, &n);
	for (size_t i = 0; i < sizeof muts / sizeof muts[0]; i++) {
		print_message("mutation %s\n", muts[i].what);
		memcpy(m, segs[1], seg_len[1]);
		m[muts[i].off] ^= muts[i].x;
		esp_coal_init(&co, coal_buf, sizeof coal_buf);
		assert_true(esp_coal_add(&co, segs[0], seg_len[0]));
		assert_false(esp_coal_add(&co, m, seg_len[1]));
		assert_true(esp_coal_add(&co, segs[1], seg_len[1]));	/* unchanged: joins */
		assert_int_equal(esp_coal_finish(&co, &v), 20 + 20 + 2000);
	}
	/* after a short segment, nothing more */
	memcpy(m, segs[0], seg_len[0]);
	put16(m + 2, 20 + 20 + 400);					/* 400 bytes only */
	esp_coal_init(&co, coal_buf, sizeof coal_buf);
	assert_true(esp_coal_add(&co, m, 20 + 20 + 400));
	memcpy(m, segs[1], seg_len[1]);
	put32(m + 24, 1000 + 400);					/* continues it */
	assert_false(esp_coal_add(&co, m, seg_len[1]));
	/* PSH on the first closes it; a TCP header read as UDP does not parse */
	memcpy(m, segs[0], seg_len[0]);
	m[33] |= PSH;
	esp_coal_init(&co, coal_buf, sizeof coal_buf);
	assert_true(esp_coal_add(&co, m, seg_len[0]));
	assert_false(esp_coal_add(&co, segs[1], seg_len[1]));
	assert_int_equal(esp_coal_finish(&co, &v), seg_len[0]);
	assert_int_equal(v.gso_type, ESP_GSO_NONE);
	memcpy(m, segs[0], seg_len[0]);
	m[9] = 17;
	assert_false(esp_coal_add(&co, m, seg_len[0]));
	assert_false(esp_coal_add(&co, segs[0], seg_len[0] - 1));	/* length != IP length */
}

/* ---- UDP datagrams into one UDP_L4 write ---- */

static uint8_t dgrams[64][2048];
static size_t dgram_len[64];

/* Datagram i of a flow: payload bytes, right checksums, id first + i (DF
 * as given).  The originals the kernel's segmentation must give back. */
static size_t build_dgram(int i, size_t payload, uint16_t id, bool df, uint16_t sport)
{
	uint8_t *ip = dgrams[i], *udp = ip + 20;
	size_t n = 28 + payload;

	memset(ip, 0, 28);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)n);
	put16(ip + 4, id);
	put16(ip + 6, df ? 0x4000 : 0);
	ip[8] = 63;
	ip[9] = 17;
	put32(ip + 12, 0x0a000101);
	put32(ip + 16, 0xc0a80a02);
	put16(ip + 10, (uint16_t)~ref_fold(ref_sum(0, ip, 20)));
	put16(udp, sport);
	put16(udp + 2, 9);
	put16(udp + 4, (uint16_t)(n - 20));
	for (size_t k = 0; k < payload; k++)
		udp[8 + k] = (uint8_t)(k * 13 + (size_t)i);
	put16(udp + 6, (uint16_t)~ref_fold(ref_sum(pseudo_sum(ip, 17, n - 20), udp, n - 20)));
	dgram_len[i] = n;
	return n;
}

static void test_coal_udp_roundtrip(void **state)
{
	static const struct {
		const char *name;
		int count;
		size_t size, last;	/* payload of each, of the last */
		bool df;
	} cases[] = {
		{ "DF, equal", 5, 1372, 1372, true },
		{ "no DF, consecutive ids, short last", 7, 512, 100, false },
		{ "64 of 1000", 64, 1000, 1000, true },
		{ "one alone", 1, 1400, 1400, true },
	};
	uint8_t out[2048];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct esp_coal co;
		struct esp_vnet v;
		size_t total = 28, got;
		int k;

		print_message("case %s\n", cases[i].name);
		esp_coal_init(&co, coal_buf, sizeof coal_buf);
		for (int j = 0; j < cases[i].count; j++) {
			size_t pay = j == cases[i].count - 1 ? cases[i].last : cases[i].size;

			build_dgram(j, pay, (uint16_t)(0xfffe + j), cases[i].df, 4000);
			total += pay;
			assert_true(esp_coal_add(&co, dgrams[j], dgram_len[j]));
		}
		got = esp_coal_finish(&co, &v);
		assert_int_equal(got, total);
		if (cases[i].count == 1) {
			assert_int_equal(v.gso_type, ESP_GSO_NONE);
			assert_memory_equal(coal_buf, dgrams[0], dgram_len[0]);
			continue;
		}
		assert_int_equal(v.gso_type, ESP_GSO_UDP_L4);
		assert_int_equal(v.flags, ESP_VNET_NEEDS_CSUM);
		assert_int_equal(v.gso_size, cases[i].size);
		assert_int_equal(v.hdr_len, 28);
		assert_int_equal(v.csum_start, 20);
		assert_int_equal(v.csum_offset, 6);
		assert_int_equal(get16(coal_buf + 2), total);
		assert_int_equal(get16(coal_buf + 24), total - 20);
		assert_true(ip_csum_ok(coal_buf, 20));
		assert_int_equal(get16(coal_buf + 26), ref_fold(pseudo_sum(coal_buf, 17, total - 20)));
		/* cut back as the kernel would: the very datagrams that came in */
		for (k = 0; (got = (size_t)esp_uso_segment(coal_buf, total, &co.head, co.mss,
							     (unsigned)k, out, sizeof out)) > 0; k++) {
			assert_int_equal(got, dgram_len[k]);
			assert_memory_equal(out, dgrams[k], got);
		}
		assert_int_equal(k, cases[i].count);
	}
}

/* What keeps a datagram out of the packet being built. */
static void test_coal_udp_breaks(void **state)
{
	struct esp_coal co;
	struct esp_vnet v;

	(void)state;
	build_dgram(0, 1000, 100, false, 4000);
	build_dgram(1, 1000, 102, false, 4000);		/* id skips one, no DF */
	build_dgram(2, 1000, 101, false, 4001);		/* other source port */
	build_dgram(3, 1200, 101, false, 4000);		/* longer than the first */
	build_dgram(4, 1000, 101, false, 4000);		/* continues 0 */
	esp_coal_init(&co, coal_buf, sizeof coal_buf);
	assert_true(esp_coal_add(&co, dgrams[0], dgram_len[0]));
	for (int i = 1; i <= 3; i++)
		assert_false(esp_coal_add(&co, dgrams[i], dgram_len[i]));
	assert_true(esp_coal_add(&co, dgrams[4], dgram_len[4]));
	assert_int_equal(esp_coal_finish(&co, &v), 28 + 2000);
	/* after a short one nothing joins */
	build_dgram(0, 500, 100, true, 4000);
	build_dgram(1, 500, 101, true, 4000);
	esp_coal_init(&co, coal_buf, sizeof coal_buf);
	build_dgram(2, 1000, 99, true, 4000);
	assert_true(esp_coal_add(&co, dgrams[2], dgram_len[2]));
	assert_true(esp_coal_add(&co, dgrams[0], dgram_len[0]));
	assert_false(esp_coal_add(&co, dgrams[1], dgram_len[1]));
	assert_int_equal(esp_coal_finish(&co, &v), 28 + 1500);
	/* a fragment, a wrong UDP length and a TUN that refused UDP_L4 */
	build_dgram(0, 1000, 1, false, 4000);
	put16(dgrams[0] + 6, 0x2000);			/* MF */
	assert_false(esp_coal_add(&co, dgrams[0], dgram_len[0]));
	build_dgram(0, 1000, 1, false, 4000);
	put16(dgrams[0] + 24, 1000);
	assert_false(esp_coal_add(&co, dgrams[0], dgram_len[0]));
	build_dgram(0, 1000, 1, false, 4000);
	co.udp = false;
	assert_false(esp_coal_add(&co, dgrams[0], dgram_len[0]));
}

/* ---- several flows at once ---- */

static uint8_t set_bufs[ESP_COAL_FLOWS][ESP_COAL_ROOM + 65535];

/* Adds one packet as io.c does: its flow's esp_coal, flushed (counted in
 * *writes, its datagrams in *segs) when the packet does not join it. */
static void set_deliver(struct esp_coalset *s, const uint8_t *p, size_t n, int *writes)
{
	struct esp_flow4 t;
	struct esp_coal *c;
	struct esp_vnet v;

	assert_true(esp_flow4_parse(p, n, &t));
	c = esp_coalset_pick(s, &t);
	if (esp_coal_add_flow(c, p, n, &t))
		return;
	if (esp_coal_finish(c, &v))
		(*writes)++;
	assert_true(esp_coal_add_flow(c, p, n, &t));
}

/* Datagrams of 3 flows interleaved A B C A B C ...: each flow still
 * makes one packet; 9 flows for 8 slots: the one idle longest goes. */
static void test_coalset_interleaved(void **state)
{
	static uint8_t flows[9][6][1100];
	struct esp_coalset s;
	int writes = 0, merged = 0;

	(void)state;
	for (int f = 0; f < 9; f++)
		for (int j = 0; j < 6; j++) {
			build_dgram(0, 1000, (uint16_t)(100 + j), false, (uint16_t)(5000 + f));
			memcpy(flows[f][j], dgrams[0], dgram_len[0]);
		}
	esp_coalset_init(&s, &set_bufs[0][0], sizeof set_bufs[0]);
	for (int j = 0; j < 6; j++)
		for (int f = 0; f < 3; f++)
			set_deliver(&s, flows[f][j], 1028, &writes);
	assert_int_equal(writes, 0);
	for (int i = 0; i < ESP_COAL_FLOWS; i++) {
		struct esp_vnet v;
		unsigned count = s.flow[i].count;
		size_t n = esp_coal_finish(&s.flow[i], &v);

		if (!n)
			continue;
		merged++;
		assert_int_equal(count, 6);
		assert_int_equal(n, 28 + 6000);
		assert_int_equal(v.gso_type, ESP_GSO_UDP_L4);
		assert_true(s.flow[i].pkt >= &set_bufs[0][0] + ESP_COAL_ROOM);
	}
	assert_int_equal(merged, 3);
	/* 9 flows, 8 slots: flow 8 takes flow 0's (idle longest) */
	esp_coalset_init(&s, &set_bufs[0][0], sizeof set_bufs[0]);
	for (int f = 0; f < 8; f++)
		set_deliver(&s, flows[f][0], 1028, &writes);
	set_deliver(&s, flows[1][1], 1028, &writes);	/* flow 1 busy again */
	assert_int_equal(writes, 0);
	set_deliver(&s, flows[8][0], 1028, &writes);
	assert_int_equal(writes, 1);			/* flow 0 was written out */
	set_deliver(&s, flows[1][2], 1028, &writes);	/* flows 1 and 2 untouched: join */
	set_deliver(&s, flows[2][1], 1028, &writes);
	assert_int_equal(writes, 1);
	set_deliver(&s, flows[0][1], 1028, &writes);	/* flow 0 is back: flow 3 goes */
	assert_int_equal(writes, 2);
}

/* ---- crypto engine offload disable | rx-usecs N ---- */

static void test_conf_offload(void **state)
{
	static const char base[] =
		"interface gw0\n nameif outside\n ip address 10.99.0.1 255.255.255.0\n"
		"crypto ikev1 enable outside\n";
	static const struct { const char *line; bool ok, off; unsigned rx_us; } cases[] = {
		{ "", true, false, CONF_RX_USECS_DEFAULT },
		{ "crypto engine offload disable\n", true, true, CONF_RX_USECS_DEFAULT },
		{ "crypto engine workers 2\ncrypto engine offload disable\n", true, true,
		  CONF_RX_USECS_DEFAULT },
		{ "crypto engine offload\n", false, false, 0 },
		{ "crypto engine offload enable\n", false, false, 0 },
		{ "crypto engine offload disable now\n", false, false, 0 },
		{ "crypto engine rx-usecs 0\n", true, false, 0 },
		{ "crypto engine rx-usecs 30\n", true, false, 30 },
		{ "crypto engine rx-usecs 1000\n", true, false, 1000 },
		{ "crypto engine rx-usecs 0\ncrypto engine rx-usecs 20\n", true, false, 20 },
		{ "crypto engine rx-usecs 1001\n", false, false, 0 },
		{ "crypto engine rx-usecs\n", false, false, 0 },
		{ "crypto engine rx-usecs -1\n", false, false, 0 },
		{ "crypto engine rx-usecs 50 us\n", false, false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512], err[CONF_ERR];
		struct conf c;
		bool ok;

		snprintf(text, sizeof text, "%s%s", base, cases[i].line);
		ok = conf_parse_text(text, strlen(text), "t.conf", &c, err, sizeof err);
		if (ok != cases[i].ok)
			fail_msg("'%s': parse %d, want %d (%s)", cases[i].line, ok, cases[i].ok, err);
		if (!ok)
			continue;
		assert_int_equal(c.offload_disable, cases[i].off);
		assert_int_equal(conf_rx_usecs(&c), cases[i].rx_us);
		conf_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tso_table),
		cmocka_unit_test(test_tso_rejects),
		cmocka_unit_test(test_csum_complete),
		cmocka_unit_test(test_csum_matches_reference),
		cmocka_unit_test(test_gro_split),
		cmocka_unit_test(test_gso_append),
		cmocka_unit_test(test_vnet),
		cmocka_unit_test(test_conf_offload),
		cmocka_unit_test(test_coal_roundtrip),
		cmocka_unit_test(test_coal_breaks),
		cmocka_unit_test(test_coal_udp_roundtrip),
		cmocka_unit_test(test_coal_udp_breaks),
		cmocka_unit_test(test_coalset_interleaved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
