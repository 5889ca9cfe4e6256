/* ESP transport mode in the ESP worker (esp-worker/transport.c and the
 * transport paths of esp_crypt.c / sa.c): the IP payload a transport SA
 * protects, the IPv4 header rebuilt around an opened payload (header and
 * TCP/UDP checksums against an independent RFC 1071 oracle), a sealed
 * packet that opens to the same payload with the next header = the IP
 * protocol, the outbound lookup by the peer's own address, and the route
 * announcements that follow the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "buf.h"
#include "../../esp-worker/esp_crypt.h"
#include "../../esp-worker/sa.h"
#include "../../esp-worker/transport.h"

#define PEER	"10.99.0.2"
#define LOCAL	"10.99.0.1"
#define LEASE	"10.200.0.9"

#include "esp_table_fixture.h"

/* RFC 1071, byte pairs as big-endian words: the oracle, written apart
 * from the worker's word-at-a-time sum. */
static uint16_t ref_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint8_t ph[12];

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return ref_csum(ph, sizeof ph, 0);
}

/* An IPv4 packet: hl header bytes (options zero), then a payload of
 * plen bytes, flags/fragment word frag. */
static size_t mk_ip(uint8_t *buf, size_t hl, size_t plen, uint8_t proto, uint16_t frag,
		    const char *src, const char *dst)
{
	uint32_t s = inet_addr(src), d = inet_addr(dst);
	size_t tot = hl + plen;

	memset(buf, 0, tot);
	buf[0] = (uint8_t)(0x40 | hl / 4);
	buf[2] = (uint8_t)(tot >> 8);
	buf[3] = (uint8_t)tot;
	buf[6] = (uint8_t)(frag >> 8);
	buf[7] = (uint8_t)frag;
	buf[8] = 64;
	buf[9] = proto;
	memcpy(buf + 12, &s, 4);
	memcpy(buf + 16, &d, 4);
	for (size_t i = 0; i < plen; i++)
		buf[hl + i] = (uint8_t)(i * 13 + 5);
	return tot;
}

/* ---- what a transport SA protects ---- */

struct payload_case {
	const char *name;
	size_t hl, plen;
	uint16_t frag;
	int version;		/* 0: 4 */
	size_t extra;		/* bytes after the datagram (ignored) or, <0, missing */
	size_t cut;		/* bytes cut from the end */
	bool ok;
};

static void test_payload(void **state)
{
	static const struct payload_case cases[] = {
		{ "plain", 20, 40, 0, 0, 0, 0, true },
		{ "options", 24, 40, 0, 0, 0, 0, true },
		{ "DF set", 20, 40, 0x4000, 0, 0, 0, true },
		{ "trailing bytes", 20, 40, 0, 0, 6, 0, true },
		{ "empty payload", 20, 0, 0, 0, 0, 0, true },
		{ "more fragments", 20, 40, 0x2000, 0, 0, 0, false },
		{ "fragment offset", 20, 40, 0x0010, 0, 0, 0, false },
		{ "ipv6", 20, 40, 0, 6, 0, 0, false },
		{ "truncated", 20, 40, 0, 0, 0, 1, false },
		{ "ihl 4", 16, 40, 0, 0, 0, 0, false },
	};
	uint8_t buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct payload_case *c = &cases[i];
		size_t n = mk_ip(buf, c->hl, c->plen, 6, c->frag, "1.2.3.4", "5.6.7.8");
		const uint8_t *p = NULL;
		size_t plen = 0;
		uint8_t proto = 0;
		bool ok;

		if (c->version)
			buf[0] = (uint8_t)(c->version << 4 | (buf[0] & 15));
		ok = esp_transport_payload(buf, n + c->extra - c->cut, &p, &plen, &proto);
		if (ok != c->ok)
			fail_msg("case %s: got %d", c->name, ok);
		if (!ok)
			continue;
		assert_ptr_equal(p, buf + c->hl);
		assert_int_equal(plen, c->plen);
		assert_int_equal(proto, 6);
	}
}

/* ---- the rebuilt header ---- */

struct rebuild_case {
	const char *name;
	uint8_t proto;
	size_t n;
	bool fix;
	uint16_t udp_csum;	/* UDP: the checksum field as sent (0 = none) */
};

/* The L4 segment of a packet built by mk_ip with a bogus checksum in it,
 * as a NATed peer would have computed it for its private address. */
static void bogus_l4(uint8_t *seg, uint8_t proto, uint16_t udp_csum)
{
	if (proto == 6) {
		seg[16] = 0xde;
		seg[17] = 0xad;
	} else if (proto == 17) {
		seg[6] = (uint8_t)(udp_csum >> 8);
		seg[7] = (uint8_t)udp_csum;
	}
}

static void check_rebuilt(const struct rebuild_case *c, const uint8_t *pkt, int tot,
			  const uint8_t *orig)
{
	uint32_t src = inet_addr(PEER), dst = inet_addr(LOCAL);
	const uint8_t *seg = pkt + 20;

	assert_int_equal(tot, (int)c->n + 20);
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(pkt[2] << 8 | pkt[3], tot);
	assert_int_equal(pkt[6] & 0x3f, 0);		/* not a fragment */
	assert_int_equal(pkt[9], c->proto);
	assert_memory_equal(pkt + 12, &src, 4);
	assert_memory_equal(pkt + 16, &dst, 4);
	assert_int_equal(ref_csum(pkt, 20, 0), 0xffff);	/* header checksum holds */
	if (c->proto == 6 && c->fix && c->n >= 20) {
		assert_int_equal(ref_csum(seg, c->n, pseudo_sum(src, dst, 6, c->n)), 0xffff);
	} else if (c->proto == 17 && c->fix && c->udp_csum) {
		assert_int_equal(ref_csum(seg, c->n, pseudo_sum(src, dst, 17, c->n)), 0xffff);
	} else {
		assert_memory_equal(seg, orig, c->n);	/* untouched */
		return;
	}
	/* only the checksum field changed */
	for (size_t i = 0; i < c->n; i++)
		if (seg[i] != orig[i] && !(i == (c->proto == 6 ? 16u : 6u) ||
					   i == (c->proto == 6 ? 17u : 7u)))
			fail_msg("case %s: byte %zu changed", c->name, i);
}

static void test_rebuild(void **state)
{
	static const struct rebuild_case cases[] = {
		{ "tcp fixed", 6, 60, true, 0 },
		{ "tcp odd length", 6, 61, true, 0 },
		{ "tcp as sent", 6, 60, false, 0 },
		{ "udp fixed", 17, 36, true, 0x1234 },
		{ "udp no checksum stays", 17, 36, true, 0 },
		{ "icmp as sent", 1, 64, true, 0 },
		{ "runt tcp as sent", 6, 12, true, 0 },
		{ "empty", 50, 0, false, 0 },
	};
	uint8_t buf[256], orig[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct rebuild_case *c = &cases[i];
		int tot;

		for (size_t k = 0; k < c->n; k++)
			buf[k] = (uint8_t)(k * 29 + 3);
		bogus_l4(buf, c->n >= 20 || c->proto != 6 ? c->proto : 0, c->udp_csum);
		memcpy(orig, buf, c->n);
		tot = esp_transport_rebuild(buf, sizeof buf, c->n, c->proto, inet_addr(PEER),
					    inet_addr(LOCAL), c->fix);
		check_rebuilt(c, buf, tot, orig);
	}
}

static void test_rebuild_bounds(void **state)
{
	uint8_t buf[100];

	(void)state;
	assert_int_equal(esp_transport_rebuild(buf, sizeof buf, 80, 6, 1, 2, true), 100);
	assert_int_equal(esp_transport_rebuild(buf, sizeof buf, 81, 6, 1, 2, true), -1);
}

/* ---- SAs ---- */

static struct ipc_sa_add mk_sa(uint8_t dir, uint32_t spi, uint8_t mode, uint8_t encap)
{
	struct ipc_sa_add a = {
		.sid = (uint64_t)1 << 56 | 7, .spi = spi, .dir = dir, .encap = encap,
		.enc = ESP_ENC_AES_CBC, .auth = ESP_AUTH_HMAC_SHA1, .enc_key_len = 16,
		.auth_key_len = 20, .peer_port = 4500, .peer_addr = inet_addr(PEER),
		.local_addr = inet_addr(LOCAL), .inner_addr = inet_addr(LEASE),
		.replay_window = 64, .mode = mode,
	};

	for (int i = 0; i < 64; i++)
		a.enc_key[i] = a.auth_key[i] = (uint8_t)(i * 3 + 1);
	return a;
}

struct trip_case {
	const char *name;
	uint8_t proto, encap;
	size_t plen;
};

/* The gateway's TCP/UDP/ICMP packet to the peer, sealed by the outbound
 * transport SA and opened by an inbound SA with the same keys: the
 * payload comes back behind a header peer -> local with its protocol. */
static void test_round_trip(void **state)
{
	static const struct trip_case cases[] = {
		{ "tcp esp", 6, ENCAP_NONE, 100 },
		{ "tcp udp-encap", 6, ENCAP_UDP, 1000 },
		{ "udp udp-encap", 17, ENCAP_UDP, 33 },
		{ "icmp", 1, ENCAP_NONE, 64 },
		{ "gre (l2tp-ish)", 47, ENCAP_NONE, 7 },
	};
	uint8_t pkt[2048], esp[2048], out[2048];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct trip_case *c = &cases[i];
		struct ipc_sa_add a = mk_sa(SA_OUT, 0x5000 + (uint32_t)i, SA_MODE_TRANSPORT, c->encap);
		struct esp_sa *o = esp_sa_add(tab, &a), *in;
		enum esp_verdict why = ESP_DROP_MAX;
		size_t n = mk_ip(pkt, 20, c->plen, c->proto, 0x4000, LOCAL, PEER);
		int e, d;

		a.dir = SA_IN;
		in = esp_sa_add(tab, &a);
		assert_non_null(o);
		assert_non_null(in);
		e = esp_encrypt(o, pkt, n, esp, sizeof esp);
		assert_true(e > 0);
		d = esp_decrypt(in, esp, (size_t)e, out, sizeof out, &why);
		if (d != (int)n)
			fail_msg("case %s: opened %d bytes, want %zu (%s)", c->name, d, n,
				 esp_verdict_name(why));
		assert_int_equal(out[9], c->proto);
		assert_memory_equal(out + 12, &a.peer_addr, 4);
		assert_memory_equal(out + 16, &a.local_addr, 4);
		if (c->encap == ENCAP_NONE || (c->proto != 6 && c->proto != 17))
			assert_memory_equal(out + 20, pkt + 20, c->plen);	/* as sent */
		else	/* RFC 3948 3.1.2: recomputed for the rebuilt pseudo-header */
			assert_int_equal(ref_csum(out + 20, c->plen,
						  pseudo_sum(a.peer_addr, a.local_addr, c->proto,
							     c->plen)), 0xffff);
		assert_int_equal(ref_csum(out, 20, 0), 0xffff);
	}
}

/* Transport framing: the ESP payload is the IP payload, not the packet:
 * a sealed 100-byte TCP payload is 20 bytes shorter than tunnel mode's. */
static void test_transport_shorter_than_tunnel(void **state)
{
	struct ipc_sa_add t = mk_sa(SA_OUT, 0x6001, SA_MODE_TRANSPORT, ENCAP_NONE);
	struct ipc_sa_add u = mk_sa(SA_OUT, 0x6002, SA_MODE_TUNNEL, ENCAP_NONE);
	struct esp_sa *ts = esp_sa_add(tab, &t), *us = esp_sa_add(tab, &u);
	uint8_t pkt[256], a[512], b[512];
	size_t n = mk_ip(pkt, 20, 108, 6, 0, LOCAL, PEER);	/* 108 + 2: a block multiple */

	(void)state;
	assert_int_equal(esp_encrypt(us, pkt, n, b, sizeof b) -
			 esp_encrypt(ts, pkt, n, a, sizeof a), 32);	/* 20 + CBC padding */
	/* a fragment cannot travel in transport mode (RFC 4303 3.1.1) */
	n = mk_ip(pkt, 20, 108, 6, 0x2000, LOCAL, PEER);
	assert_int_equal(esp_encrypt(ts, pkt, n, a, sizeof a), -1);
	assert_true(esp_encrypt(us, pkt, n, b, sizeof b) > 0);
}

/* A tunnel SA still wants an IPv4 packet inside: next header 6 from a
 * transport peer on a tunnel SA is malformed. */
static void test_tunnel_refuses_transport_payload(void **state)
{
	struct ipc_sa_add t = mk_sa(SA_OUT, 0x6100, SA_MODE_TRANSPORT, ENCAP_NONE);
	struct ipc_sa_add u = mk_sa(SA_IN, 0x6100, SA_MODE_TUNNEL, ENCAP_NONE);
	struct esp_sa *ts = esp_sa_add(tab, &t), *us = esp_sa_add(tab, &u);
	uint8_t pkt[256], esp[512], out[512];
	enum esp_verdict why = ESP_OK;
	size_t n = mk_ip(pkt, 20, 40, 6, 0, LOCAL, PEER);
	int e = esp_encrypt(ts, pkt, n, esp, sizeof esp);

	(void)state;
	assert_true(e > 0);
	assert_int_equal(esp_decrypt(us, esp, (size_t)e, out, sizeof out, &why), -1);
	assert_int_equal(why, ESP_DROP_MALFORMED);
}

/* Outbound: the host's packets are found by their destination, the peer. */
static void test_lookup_by_peer(void **state)
{
	struct ipc_sa_add a = mk_sa(SA_OUT, 0x7000, SA_MODE_TRANSPORT, ENCAP_NONE);
	struct ipc_sa_add bad = mk_sa(SA_OUT, 0x7001, 9, ENCAP_NONE);
	struct ipc_sa_add nolocal = mk_sa(SA_OUT, 0x7002, SA_MODE_TRANSPORT, ENCAP_NONE);
	struct esp_sa *s = esp_sa_add(tab, &a);

	(void)state;
	assert_non_null(s);
	assert_ptr_equal(esp_sa_find_out(tab, inet_addr(PEER)), s);
	assert_null(esp_sa_find_out(tab, inet_addr(LEASE)));
	assert_null(esp_sa_add(tab, &bad));		/* unknown mode */
	nolocal.local_addr = 0;
	assert_null(esp_sa_add(tab, &nolocal));
}

/* A NAT rebinding the worker follows moves where sealed packets go, not
 * the address the host talks to: opened packets keep the installed peer as
 * their source and the outbound SA stays found by it. */
static void test_rebind_keeps_source(void **state)
{
	struct ipc_sa_add a = mk_sa(SA_OUT, 0x7100, SA_MODE_TRANSPORT, ENCAP_UDP);
	struct esp_sa *o = esp_sa_add(tab, &a), *in;
	uint8_t pkt[256], esp[512], out[512];
	enum esp_verdict why = ESP_DROP_MAX;
	size_t n = mk_ip(pkt, 20, 40, 1, 0, LOCAL, PEER);
	uint32_t moved = inet_addr("10.99.0.77");
	int e;

	(void)state;
	a.dir = SA_IN;
	in = esp_sa_add(tab, &a);
	assert_non_null(o);
	assert_non_null(in);
	assert_int_equal(esp_sa_rebind(tab, a.sid, moved, 40000), 2);
	assert_int_equal(o->peer_addr, moved);
	assert_ptr_equal(esp_sa_find_out(tab, inet_addr(PEER)), o);
	e = esp_encrypt(o, pkt, n, esp, sizeof esp);
	assert_true(e > 0);
	assert_int_equal(esp_decrypt(in, esp, (size_t)e, out, sizeof out, &why), (int)n);
	assert_memory_equal(out + 12, &a.peer_addr, 4);		/* not the moved address */
}

/* ---- route announcements ---- */

struct ann {
	uint32_t addr;
	bool up;
};
static struct ann seen[16];
static int n_seen;

static void record(void *arg, uint32_t addr, uint32_t local, bool up)
{
	(void)arg;
	assert_int_equal(local, inet_addr(LOCAL));
	seen[n_seen++] = (struct ann){ addr, up };
}

enum ev_kind { EV_ADD, EV_DEL };
struct sync_step {
	enum ev_kind kind;
	uint32_t spi;
	uint8_t dir, mode;
	const char *peer;
	int announcements;	/* after this step */
	bool up;		/* of the last one */
};

static void test_sync(void **state)
{
	static const struct sync_step steps[] = {
		{ EV_ADD, 0x8001, SA_OUT, SA_MODE_TUNNEL, PEER, 0, false },	/* tunnel: none */
		{ EV_ADD, 0x8000, SA_IN, SA_MODE_TRANSPORT, PEER, 1, true },	/* inbound first */
		{ EV_ADD, 0x8002, SA_OUT, SA_MODE_TRANSPORT, PEER, 1, true },
		{ EV_ADD, 0x8003, SA_OUT, SA_MODE_TRANSPORT, PEER, 1, true },	/* rekey overlap */
		{ EV_ADD, 0x8004, SA_OUT, SA_MODE_TRANSPORT, "10.99.0.7", 2, true },
		{ EV_DEL, 0x8002, 0, 0, NULL, 2, true },			/* 0x8003 remains */
		{ EV_DEL, 0x8003, 0, 0, NULL, 2, true },			/* 0x8000 remains */
		{ EV_DEL, 0x8000, 0, 0, NULL, 3, false },
		{ EV_DEL, 0x8004, 0, 0, NULL, 4, false },
	};
	struct esp_transport_routes r = { .n = 0 };

	(void)state;
	n_seen = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const struct sync_step *s = &steps[i];

		if (s->kind == EV_ADD) {
			struct ipc_sa_add a = mk_sa(s->dir, s->spi, s->mode, ENCAP_NONE);

			a.peer_addr = inet_addr(s->peer);
			assert_non_null(esp_sa_add(tab, &a));
		} else {
			assert_int_equal(esp_sa_del(tab, s->spi, 0), 1);
		}
		esp_transport_sync(&r, tab, record, NULL);
		if (n_seen != s->announcements)
			fail_msg("step %zu: %d announcements, want %d", i, n_seen, s->announcements);
		if (n_seen)
			assert_int_equal(seen[n_seen - 1].up, s->up);
	}
	assert_int_equal(r.n, 0);
	assert_int_equal(seen[0].addr, inet_addr(PEER));
	assert_int_equal(seen[2].addr, inet_addr(PEER));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_payload),
		T(test_rebuild),
		T(test_rebuild_bounds),
		T(test_round_trip),
		T(test_transport_shorter_than_tunnel),
		T(test_tunnel_refuses_transport_payload),
		T(test_lookup_by_peer),
		T(test_rebind_keeps_source),
		T(test_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
