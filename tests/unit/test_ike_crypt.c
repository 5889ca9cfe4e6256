/* ike-worker/crypt.c and info_authentic(): the IVs of informationals.
 * Each informational is its own one-message exchange (RFC 2408 4.8), so
 * it decrypts with the fresh hash(phase 1 IV | M-ID) even when its M-ID
 * was seen before (vpnc's two closing DELETEs draw their M-IDs from one
 * random byte and share it 1 time in 256) or is 0 after phase 1 (vpnc,
 * 1 in 256); other exchanges still chain; a replayed informational or
 * one with a bad HASH(1) is refused; what we send is sealed the same
 * way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "crypto.h"
#include "log.h"
#include "../../ike-worker/ike.h"

struct ike_ctx ike;

static const uint8_t ICKY[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t RCKY[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t P1_IV[16] = { 0xa5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x5a };

static struct ike_sa sa;

static int setup(void **state)
{
	(void)state;
	log_init("test", false, false);
	crypto_init();
	memset(&sa, 0, sizeof sa);
	memcpy(sa.icky, ICKY, 8);
	memcpy(sa.rcky, RCKY, 8);
	sa.state = ST_ESTABLISHED;
	sa.enc = IKE_ENC_AES;
	sa.hash = IKE_HASH_SHA1;
	sa.block = 16;
	memcpy(sa.p1_iv, P1_IV, 16);
	sa.keys.prf = IKE_HASH_SHA1;
	sa.keys.hlen = 20;
	memset(sa.keys.skeyid_a, 0x3c, 20);
	memset(sa.keys.enc_key, 0x7e, 32);
	sa.keys.enc_key_len = 32;
	return 0;
}

/* A peer's encrypted message: HASH(1) | one payload of `type` (a DELETE
 * carries `tag`), encrypted under iv (the peer's choice, as on the wire). */
static size_t peer_msg(uint8_t exch, uint32_t msgid, uint8_t type, uint8_t tag, const uint8_t *iv,
		       uint8_t *out)
{
	struct v1_out o;
	uint8_t civ[16];
	size_t h = 0, p, rest;

	v1_out_begin(&o, ICKY, RCKY, exch, FLAG_ENC, msgid);
	h = crypt_reserve_hash(&sa, &o);
	p = v1_out_open(&o, type);
	wbuf_u32(&o.w, 1);
	wbuf_u8(&o.w, PROTO_ESP);
	wbuf_u8(&o.w, 4);
	wbuf_u16(&o.w, 1);
	wbuf_u32(&o.w, 0x11223300u | tag);
	v1_out_close(&o, p);
	rest = h + 4 + sa.keys.hlen;
	v1_hash_msgid(&sa.keys, msgid, o.buf + rest, o.w.len - rest, o.buf + h + 4);
	wbuf_zero(&o.w, (16 - (o.w.len - ISAKMP_HDR_LEN) % 16) % 16);
	v1_out_finish(&o);
	memcpy(civ, iv, 16);
	assert_true(cbc_crypt(sa.enc, sa.keys.enc_key, sa.keys.enc_key_len, civ,
			      o.buf + ISAKMP_HDR_LEN, o.w.len - ISAKMP_HDR_LEN, true));
	memcpy(out, o.buf, o.w.len);
	return o.w.len;
}

static void fresh_iv(uint32_t msgid, uint8_t iv[16])
{
	assert_true(v1_phase2_iv(sa.hash, sa.p1_iv, 16, msgid, iv));
}

/* Decrypts a copy of pkt; the tag of its DELETE, or -1 when refused. */
static int receive(const uint8_t *pkt, size_t len, bool authenticate)
{
	uint8_t buf[V1_MAX_MSG];
	struct v1_msg hdr, m;

	memcpy(buf, pkt, len);
	assert_true(v1_parse_header(buf, len, &hdr));
	if (!crypt_decrypt(&sa, &hdr, buf, len, &m) || m.n != 2 || m.pl[1].type != PL_DELETE)
		return -1;
	if (authenticate && !info_authentic(&sa, &m, buf, len))
		return -1;
	return m.pl[1].body[11];
}

static void test_informationals_sharing_an_msgid(void **state)
{
	uint8_t iv[16], a[256], b[256];
	size_t la, lb;

	(void)state;
	fresh_iv(0x42, iv);
	la = peer_msg(EXCH_INFO, 0x42, PL_DELETE, 1, iv, a);
	lb = peer_msg(EXCH_INFO, 0x42, PL_DELETE, 2, iv, b);
	assert_int_equal(receive(a, la, true), 1);
	assert_int_equal(receive(b, lb, true), 2);
}

static void test_msgid_0_informational_after_phase_1(void **state)
{
	uint8_t iv[16], a[256];
	size_t la;

	(void)state;
	fresh_iv(0, iv);
	la = peer_msg(EXCH_INFO, 0, PL_DELETE, 3, iv, a);
	assert_int_equal(receive(a, la, true), 3);
	assert_memory_equal(sa.p1_iv, P1_IV, 16);	/* the phase 1 chain is untouched */
}

static void test_msgid_0_informational_in_phase_1_chains(void **state)
{
	uint8_t a[256];
	size_t la;

	(void)state;
	sa.state = ST_AM_SENT2;
	la = peer_msg(EXCH_INFO, 0, PL_DELETE, 4, P1_IV, a);
	assert_int_equal(receive(a, la, false), 4);
	assert_memory_equal(sa.p1_iv, a + la - 16, 16);
}

static void test_other_exchanges_still_chain(void **state)
{
	uint8_t iv[16], a[256], b[256], c[256];
	size_t la, lb, lc;

	(void)state;
	fresh_iv(0x12345678, iv);
	la = peer_msg(EXCH_QUICK, 0x12345678, PL_DELETE, 5, iv, a);
	lb = peer_msg(EXCH_QUICK, 0x12345678, PL_DELETE, 6, iv, b);		/* not chained */
	lc = peer_msg(EXCH_QUICK, 0x12345678, PL_DELETE, 7, a + la - 16, c);	/* chained */
	assert_int_equal(receive(a, la, false), 5);
	assert_int_equal(receive(b, lb, false), -1);
	assert_int_equal(receive(c, lc, false), 7);
}

static void test_replay_and_bad_hash_refused(void **state)
{
	uint8_t iv[16], a[256];
	size_t la;

	(void)state;
	fresh_iv(0x9abcdef0, iv);
	la = peer_msg(EXCH_INFO, 0x9abcdef0, PL_DELETE, 8, iv, a);
	assert_int_equal(receive(a, la, true), 8);
	assert_int_equal(receive(a, la, true), -1);	/* the same bytes again */
	sa.keys.skeyid_a[0] ^= 1;			/* HASH(1) no longer verifies */
	fresh_iv(0x9abcdef1, iv);
	la = peer_msg(EXCH_INFO, 0x9abcdef1, PL_DELETE, 9, iv, a);
	sa.keys.skeyid_a[0] ^= 1;
	assert_int_equal(receive(a, la, true), -1);
}

/* What we send: each informational under its own fresh IV, so the peer
 * (vpnc derives every informational's IV afresh) can read two in a row. */
static void test_sent_informationals_use_fresh_ivs(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t tl = sizeof to;
	int rx = socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	ike.sock500 = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(rx >= 0 && ike.sock500 >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&to, sizeof to), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&to, &tl), 0);
	sa.peer = to;
	for (int i = 0; i < 2; i++) {
		uint8_t buf[V1_MAX_MSG], iv[16];
		ssize_t n;
		struct v1_msg hdr;

		dpd_send(&sa, 7 + i);
		n = recv(rx, buf, sizeof buf, 0);
		assert_true(n > ISAKMP_HDR_LEN);
		assert_true(v1_parse_header(buf, (size_t)n, &hdr));
		fresh_iv(hdr.msgid, iv);
		assert_true(cbc_crypt(sa.enc, sa.keys.enc_key, sa.keys.enc_key_len, iv,
				      buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN, false));
		assert_true(v1_parse_payloads(&hdr, buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN));
		assert_true(crypt_check_hash(&sa, &hdr));
	}
	for (int i = 0; i < SA_IVS; i++)
		assert_int_equal(sa.ivs[i].msgid, 0);	/* nothing entered the IV table */
	close(rx);
	close(ike.sock500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_informationals_sharing_an_msgid, setup),
		cmocka_unit_test_setup(test_msgid_0_informational_after_phase_1, setup),
		cmocka_unit_test_setup(test_msgid_0_informational_in_phase_1_chains, setup),
		cmocka_unit_test_setup(test_other_exchanges_still_chain, setup),
		cmocka_unit_test_setup(test_replay_and_bad_hash_refused, setup),
		cmocka_unit_test_setup(test_sent_informationals_use_fresh_ivs, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
