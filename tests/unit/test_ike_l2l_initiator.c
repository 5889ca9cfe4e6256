/* Protocol test of the LAN-to-LAN initiator's quick mode and of hard
 * expiry: the test plays the peer gateway (responder) over loopback UDP
 * on an IKE SA whose keys it shares, and the ESP worker and db on
 * socketpairs.  It checks that our quick mode 1 offers every transform
 * set of the static map entry, each as its own proposal, that the SA
 * installed has the algorithms of the set the peer chose, that an answer
 * naming a set we never offered installs nothing, and that an SA removed
 * at its hard lifetime (time, or the ESP worker's byte/sequence limit) is
 * announced to the peer by an ISAKMP DELETE of our inbound SPI - unless
 * the IKE SA is gone. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../ike-worker/ike.h"
#include "log.h"
#include "ike_harness.h"

struct ike_ctx ike;

static const char CONF[] =
	"interface gw0\n nameif outside\n ip address 127.0.0.1 255.0.0.0\n"
	"crypto ikev1 policy 10\n authentication pre-share\n encryption aes-256\n hash sha\n group 2\n"
	"crypto ipsec ikev1 transform-set TS1 esp-aes-256 esp-sha-hmac\n"
	"crypto ipsec ikev1 transform-set TS2 esp-aes esp-sha256-hmac\n"
	"crypto ipsec ikev1 transform-set TS3 esp-3des esp-md5-hmac\n"
	"access-list L2L extended permit ip 10.100.0.0 255.255.255.0 10.201.0.0 255.255.255.0\n"
	"crypto map M 10 match address L2L\n"
	"crypto map M 10 set peer 127.0.0.1\n"
	"crypto map M 10 set ikev1 transform-set TS1 TS2\n"
	"crypto map M 10 set security-association lifetime seconds 3600\n"
	"crypto map M interface outside\n"
	"crypto ikev1 enable outside\n"
	"tunnel-group 127.0.0.1 type ipsec-l2l\n"
	"tunnel-group 127.0.0.1 ipsec-attributes\n ikev1 pre-shared-key k\n";

static int peer;			/* the peer gateway's UDP socket */
static struct sockaddr_in peer_addr, gw;
static struct ipc_msg msg;

/* What the peer knows of the IKE SA: the same keys and phase 1 IV. */
struct peer_view {
	uint8_t icky[8], rcky[8];
	struct v1_keys k;
	uint8_t p1_iv[16];
	uint8_t qm_iv[16];		/* the running IV of our quick mode */
};

/* An established LAN-to-LAN IKE SA that we initiated, as after main mode. */
static struct ike_sa *l2l_sa(struct peer_view *v)
{
	uint8_t icky[8], gxy[128];
	struct ike_sa *sa;

	random_bytes(icky, sizeof icky);
	random_bytes(gxy, sizeof gxy);
	sa = sa_new(icky, &peer_addr);
	assert_non_null(sa);
	sa_set_state(sa, ST_ESTABLISHED);
	sa->l2l = sa->initiator = true;
	strcpy(sa->group_name, "127.0.0.1");
	strcpy(sa->user, "127.0.0.1");
	sa->enc = IKE_ENC_AES;
	sa->key_bits = 256;
	sa->hash = IKE_HASH_SHA1;
	sa->group = 2;
	sa->block = 16;
	sa->keys.prf = IKE_HASH_SHA1;
	sa->keys.hlen = 20;
	random_bytes(sa->keys.skeyid, 20);
	assert_true(v1_derive(&sa->keys, gxy, sizeof gxy, sa->icky, sa->rcky, 32));
	random_bytes(sa->p1_iv, sizeof sa->p1_iv);
	memcpy(v->icky, sa->icky, 8);
	memcpy(v->rcky, sa->rcky, 8);
	v->k = sa->keys;
	memcpy(v->p1_iv, sa->p1_iv, 16);
	return sa;
}

/* Receives and decrypts one message of the SA: chain, the next message
 * of our quick mode (its running IV), else the first of an exchange the
 * worker starts (the fresh phase 2 IV).  Checks HASH(1) of an
 * informational; returns false if nothing came. */
static bool peer_recv(struct peer_view *v, bool chain, uint8_t *buf, struct v1_msg *m)
{
	ssize_t n = recv(peer, buf, 4096, MSG_DONTWAIT);
	uint8_t iv[16], want[20];
	size_t rest = 0;

	if (n < 0)
		return false;
	assert_true(n > ISAKMP_HDR_LEN);
	assert_true(v1_parse_header(buf, (size_t)n, m));
	assert_memory_equal(m->icky, v->icky, 8);
	assert_true(m->flags & FLAG_ENC);
	if (chain)
		memcpy(iv, v->qm_iv, 16);
	else
		v1_phase2_iv(IKE_HASH_SHA1, v->p1_iv, 16, m->msgid, iv);
	assert_true(cbc_crypt(IKE_ENC_AES, v->k.enc_key, 32, iv, buf + ISAKMP_HDR_LEN,
			      (size_t)n - ISAKMP_HDR_LEN, false));
	if (m->exch == EXCH_QUICK)
		memcpy(v->qm_iv, iv, 16);
	assert_true(v1_parse_payloads(m, buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN));
	assert_int_equal(m->pl[0].type, PL_HASH);
	for (int i = 1; i < m->n; i++)
		rest += m->pl[i].raw_len;
	if (m->exch != EXCH_QUICK) {
		v1_hash_msgid(&v->k, m->msgid, m->pl[0].raw + m->pl[0].raw_len, rest, want);
		assert_memory_equal(want, m->pl[0].body, 20);
	}
	return true;
}

/* ---- reading our SA payload, independently of proposal.c ---- */
struct offered {
	uint8_t num, enc;
	uint32_t spi;
	uint16_t auth, key_bits;
	const uint8_t *raw;		/* the proposal substructure */
	size_t raw_len;
};

static void read_transform(struct rbuf *t, struct offered *o)
{
	struct v1_attr a;
	uint8_t num;
	uint16_t res;

	assert_true(rbuf_u8(t, &num) && rbuf_u8(t, &o->enc) && rbuf_u16(t, &res));
	while (v1_next_attr(t, &a))
		if (a.type == P2_AUTH)
			o->auth = (uint16_t)a.num;
		else if (a.type == P2_KEY_LENGTH)
			o->key_bits = (uint16_t)a.num;
	assert_true(rbuf_ok(t));
}

/* Every proposal of an SA payload body; returns how many. */
static int read_offer(const struct v1_payload *sap, struct offered *out, int max)
{
	struct rbuf r, p, t;
	uint8_t next = PL_PROPOSAL, res, proto, spi_size, n_tf, tnext;
	uint16_t len = 0, tlen = 0;
	int n = 0;

	rbuf_init(&r, sap->body, sap->len);
	assert_true(rbuf_skip(&r, 8));			/* DOI, situation */
	while (next == PL_PROPOSAL) {
		assert_true(n < max);
		out[n].raw = rbuf_cur(&r);
		assert_true(rbuf_u8(&r, &next) && rbuf_u8(&r, &res) && rbuf_u16(&r, &len));
		assert_true(rbuf_sub(&r, len - 4u, &p));
		out[n].raw_len = len;
		assert_true(rbuf_u8(&p, &out[n].num) && rbuf_u8(&p, &proto) &&
			    rbuf_u8(&p, &spi_size) && rbuf_u8(&p, &n_tf));
		assert_int_equal(proto, PROTO_ESP);
		assert_int_equal(spi_size, 4);
		assert_int_equal(n_tf, 1);
		assert_true(rbuf_u32(&p, &out[n].spi));
		assert_true(rbuf_u8(&p, &tnext) && rbuf_u8(&p, &res) && rbuf_u16(&p, &tlen));
		assert_int_equal(tnext, 0);
		assert_true(rbuf_sub(&p, tlen - 4u, &t));
		read_transform(&t, &out[n]);
		n++;
	}
	assert_int_equal(rbuf_left(&r), 0);
	return n;
}

/* ---- the exchange ---- */
struct qm1 {
	uint32_t msgid;
	uint8_t ni[64];
	size_t ni_len;
	uint8_t ids[2][16];
	size_t id_len[2];
	uint8_t sa_b[1024];
	struct offered offers[8];
	int n;
};

/* Starts our quick mode for the entry's ACL line and reads message 1. */
static void start_qm(struct peer_view *v, struct ike_sa *sa, struct qm1 *q)
{
	const struct conf_crypto_map *m = conf_l2l_by_peer(&ike.c.conf, inet_addr("127.0.0.1"));
	const struct conf_acl *acl;
	uint8_t buf[4096];
	struct v1_msg msg1;

	assert_non_null(m);
	acl = conf_acl_next(&ike.c.conf, m->acl, NULL);
	assert_non_null(acl);
	qmi_start(sa, m, acl);
	assert_true(peer_recv(v, false, buf, &msg1));
	assert_int_equal(msg1.exch, EXCH_QUICK);
	{
		uint8_t want[20];
		size_t rest = 0;

		for (int i = 1; i < msg1.n; i++)
			rest += msg1.pl[i].raw_len;
		v1_hash_msgid(&v->k, msg1.msgid, msg1.pl[0].raw + msg1.pl[0].raw_len, rest, want);
		assert_memory_equal(want, msg1.pl[0].body, 20);	/* HASH(1) */
	}
	q->msgid = msg1.msgid;
	q->ni_len = need(&msg1, PL_NONCE)->len;
	memcpy(q->ni, need(&msg1, PL_NONCE)->body, q->ni_len);
	for (int i = 0; i < 2; i++) {
		const struct v1_payload *id = v1_find(&msg1, PL_ID, i);

		assert_non_null(id);
		q->id_len[i] = id->len;
		memcpy(q->ids[i], id->body, id->len);
	}
	/* the proposals point into buf: keep a copy */
	memcpy(q->sa_b, need(&msg1, PL_SA)->body, need(&msg1, PL_SA)->len);
	{
		struct v1_payload copy = *need(&msg1, PL_SA);

		copy.body = q->sa_b;
		q->n = read_offer(&copy, q->offers, 8);
	}
}

/* The peer answers with proposal `raw` (one of ours, or a forged one),
 * its SPI in place of ours, and a fresh Nr (nr). */
static void answer_qm(struct peer_view *v, const struct qm1 *q, const uint8_t *raw,
		      size_t raw_len, uint32_t peer_spi, uint8_t *nr, size_t nr_len)
{
	uint8_t sa_b[256];
	struct wbuf w;
	struct v1_out o;
	size_t h;

	wbuf_init(&w, sa_b, sizeof sa_b);
	wbuf_u32(&w, 1);
	wbuf_u32(&w, 1);
	wbuf_bytes(&w, raw, raw_len);
	assert_true(wbuf_ok(&w));
	sa_b[8] = 0;					/* the only proposal */
	memcpy(sa_b + 8 + 8, (uint32_t[]){ htonl(peer_spi) }, 4);
	random_bytes(nr, nr_len);
	v1_out_begin(&o, v->icky, v->rcky, EXCH_QUICK, FLAG_ENC, q->msgid);
	h = v1_out_open(&o, PL_HASH);
	wbuf_zero(&o.w, 20);
	v1_out_close(&o, h);
	v1_out_payload(&o, PL_SA, sa_b, w.len);
	v1_out_payload(&o, PL_NONCE, nr, nr_len);
	v1_out_payload(&o, PL_ID, q->ids[0], q->id_len[0]);
	v1_out_payload(&o, PL_ID, q->ids[1], q->id_len[1]);
	v1_qm_hash2(&v->k, q->msgid, q->ni, q->ni_len, o.buf + h + 24, o.w.len - h - 24,
		    o.buf + h + 4);
	/* message 2 continues the exchange's IV chain (message 1's last block) */
	wbuf_zero(&o.w, (16 - (o.w.len - ISAKMP_HDR_LEN) % 16) % 16);
	v1_out_finish(&o);
	assert_true(cbc_crypt(IKE_ENC_AES, v->k.enc_key, 32, v->qm_iv, o.buf + ISAKMP_HDR_LEN,
			      o.w.len - ISAKMP_HDR_LEN, true));
	assert_int_equal(sendto(peer, o.buf, o.w.len, 0, (struct sockaddr *)&gw, sizeof gw),
			 (ssize_t)o.w.len);
	net_receive(ike.sock500, false);
}

/* Receives one IPC message of type on fd, skipping db events. */
static void ipc_expect(int fd, uint16_t type)
{
	for (;;) {
		assert_int_equal(ipc_recv(fd, &msg), IPC_OK);
		if (msg.hdr.type == type)
			return;
		assert_true(msg.hdr.type >= IPC_DB_SESSION_NEW);
	}
}

/* The SA_ADD of one direction: algorithms, key lengths, and (inbound)
 * the KEYMAT the peer computes for our SPI. */
struct want_sa {
	uint8_t enc, auth, enc_len, auth_len;
};

static void check_sa_add(const struct want_sa *w, uint8_t dir, uint32_t spi, const uint8_t *km)
{
	struct ipc_sa_add add;

	ipc_expect(esp_end, IPC_SA_ADD);
	memcpy(&add, msg.data, sizeof add);
	assert_int_equal(add.dir, dir);
	assert_int_equal(add.spi, spi);
	assert_int_equal(add.enc, w->enc);
	assert_int_equal(add.auth, w->auth);
	assert_int_equal(add.enc_key_len, w->enc_len);
	assert_int_equal(add.auth_key_len, w->auth_len);
	assert_int_equal(add.inner_addr, inet_addr("10.201.0.0"));
	if (km) {
		assert_memory_equal(add.enc_key, km, w->enc_len);
		assert_memory_equal(add.auth_key, km + w->enc_len, w->auth_len);
	}
}

/* Our quick mode; the peer chooses our proposal `pick` (0-based); the SA
 * must come up with w's algorithms.  Returns the child SA. */
static struct child_sa *bring_up(struct peer_view *v, struct ike_sa *sa, int pick,
				 const struct want_sa *w)
{
	struct qm1 q;
	uint8_t nr[20], buf[4096], want[20], km[128];
	uint32_t spi_peer = 0x0badcafe, spi_in;
	struct v1_msg m;

	start_qm(v, sa, &q);
	assert_true(pick < q.n);
	spi_in = q.offers[0].spi;
	answer_qm(v, &q, q.offers[pick].raw, q.offers[pick].raw_len, spi_peer, nr, sizeof nr);
	v1_keymat(&v->k, NULL, 0, PROTO_ESP, (uint8_t *)&(uint32_t){ htonl(spi_in) }, q.ni,
		  q.ni_len, nr, sizeof nr, km, (size_t)w->enc_len + w->auth_len);
	check_sa_add(w, SA_IN, spi_in, km);
	assert_true(peer_recv(v, true, buf, &m));		/* HASH(3) */
	v1_qm_hash3(&v->k, q.msgid, q.ni, q.ni_len, nr, sizeof nr, want);
	assert_int_equal(m.msgid, q.msgid);
	assert_memory_equal(want, m.pl[0].body, 20);
	check_sa_add(w, SA_OUT, spi_peer, NULL);
	for (int i = 0; i < SA_CHILDREN; i++)
		if (sa->children[i].used && sa->children[i].spi_in == spi_in)
			return &sa->children[i];
	fail_msg("no child SA with our SPI 0x%08x", spi_in);
	return NULL;
}

/* ---- fixtures ---- */
static int setup(void **state)
{
	(void)state;
	harness_start(CONF, sizeof CONF - 1, &gw);
	peer = udp_sock(&peer_addr);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_reset(peer);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ike.c.msg);
	conf_free(&ike.c.conf);
	return 0;
}

/* ---- tests ---- */
static const struct want_sa TS1 = { ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA1, 32, 20 };
static const struct want_sa TS2 = { ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA256, 16, 32 };

/* `set ikev1 transform-set TS1 TS2`: proposal 1 is TS1, proposal 2 TS2,
 * both ESP with our one inbound SPI. */
static void test_offer_carries_every_set(void **state)
{
	struct peer_view v;
	struct ike_sa *sa = l2l_sa(&v);
	struct qm1 q;

	(void)state;
	start_qm(&v, sa, &q);
	assert_int_equal(q.n, 2);
	assert_int_equal(q.offers[0].num, 1);
	assert_int_equal(q.offers[0].enc, ESP_ENC_AES_CBC);
	assert_int_equal(q.offers[0].key_bits, 256);
	assert_int_equal(q.offers[0].auth, ESP_AUTH_HMAC_SHA1);
	assert_int_equal(q.offers[1].num, 2);
	assert_int_equal(q.offers[1].enc, ESP_ENC_AES_CBC);
	assert_int_equal(q.offers[1].key_bits, 128);
	assert_int_equal(q.offers[1].auth, ESP_AUTH_HMAC_SHA256);
	assert_int_equal(q.offers[0].spi, q.offers[1].spi);
	assert_int_equal(q.offers[0].spi, sa->qmi.child.spi_in);
}

/* Whichever set the peer chooses, the SA has its algorithms and keys. */
static void test_sa_has_the_chosen_set(void **state)
{
	static const struct { int pick; const struct want_sa *w; } cases[] = {
		{ 0, &TS1 },
		{ 1, &TS2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct peer_view v;
		struct ike_sa *sa = l2l_sa(&v);
		struct child_sa *c = bring_up(&v, sa, cases[i].pick, cases[i].w);

		assert_int_equal(c->enc, cases[i].w->enc);
		assert_int_equal(c->auth, cases[i].w->auth);
		assert_int_equal(c->enc_len, cases[i].w->enc_len);
		assert_int_equal(c->auth_len, cases[i].w->auth_len);
		assert_int_equal(sa->qmi.msgid, 0);		/* the exchange is over */
		teardown(NULL);
	}
}

/* An answer with a transform we never offered (TS3: 3DES-MD5) installs
 * nothing and gets no HASH(3). */
static void test_answer_not_offered_is_refused(void **state)
{
	struct peer_view v;
	struct ike_sa *sa = l2l_sa(&v);
	struct qm1 q;
	uint8_t prop[64], nr[20], buf[4096];
	struct wbuf w;
	struct v1_msg m;

	(void)state;
	start_qm(&v, sa, &q);
	wbuf_init(&w, prop, sizeof prop);
	wbuf_u8(&w, 0); wbuf_u8(&w, 0); wbuf_u16(&w, 8 + 4 + 24);
	wbuf_u8(&w, 1); wbuf_u8(&w, PROTO_ESP); wbuf_u8(&w, 4); wbuf_u8(&w, 1);
	wbuf_u32(&w, 0);
	wbuf_u8(&w, 0); wbuf_u8(&w, 0); wbuf_u16(&w, 24);
	wbuf_u8(&w, 1); wbuf_u8(&w, ESP_ENC_3DES); wbuf_u16(&w, 0);
	wbuf_u16(&w, 0x8000 | P2_LIFE_TYPE); wbuf_u16(&w, 1);
	wbuf_u16(&w, 0x8000 | P2_LIFE_DURATION); wbuf_u16(&w, 3600);
	wbuf_u16(&w, 0x8000 | P2_ENCAP); wbuf_u16(&w, ENCAP_MODE_TUNNEL);
	wbuf_u16(&w, 0x8000 | P2_AUTH); wbuf_u16(&w, ESP_AUTH_HMAC_MD5);
	assert_true(wbuf_ok(&w));
	answer_qm(&v, &q, prop, w.len, 0x0badcafe, nr, sizeof nr);
	drain(db_end);
	assert_int_equal(ipc_recv(esp_end, &msg), IPC_AGAIN);
	assert_false(peer_recv(&v, true, buf, &m));
	for (int i = 0; i < SA_CHILDREN; i++)
		assert_false(sa->children[i].used);
}

/* The DELETE of one ESP SA: our inbound SPI, network order. */
static void expect_delete(struct peer_view *v, uint32_t spi_in)
{
	uint8_t buf[4096];
	struct v1_msg m;
	const struct v1_payload *d;
	uint32_t spi;

	assert_true(peer_recv(v, false, buf, &m));
	assert_int_equal(m.exch, EXCH_INFO);
	d = need(&m, PL_DELETE);
	assert_int_equal(d->len, 4 + 4 + 4);
	assert_int_equal(d->body[3], 1);			/* DOI IPsec */
	assert_int_equal(d->body[4], PROTO_ESP);
	assert_int_equal(d->body[5], 4);			/* SPI size */
	assert_int_equal(d->body[6] << 8 | d->body[7], 1);
	memcpy(&spi, d->body + 8, 4);
	assert_int_equal(ntohl(spi), spi_in);
}

enum how { BY_BYTES, BY_SEQ, BY_TIME };

/* Hard lifetime, three ways; the IKE SA alive or already deleted. */
static void test_hard_expiry_sends_delete(void **state)
{
	static const struct { enum how how; bool p1_dead; } cases[] = {
		{ BY_BYTES, false }, { BY_SEQ, false }, { BY_TIME, false },
		{ BY_BYTES, true }, { BY_TIME, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct peer_view v;
		struct ike_sa *sa = l2l_sa(&v);
		struct child_sa *c = bring_up(&v, sa, 1, &TS2);
		uint32_t spi_in = c->spi_in;
		uint8_t buf[4096];
		struct v1_msg m;

		drain(db_end);
		sa->p1_dead = cases[i].p1_dead;
		if (cases[i].how == BY_TIME) {
			c->installed_ms -= (long long)c->lifetime * 1000 + 1;
			rekey_tick(sa, now_ms());
		} else {
			struct ipc_sa_expire e = {
				.sid = sa->sid, .spi = c->spi_out, .dir = SA_OUT, .hard = 1,
				.why = cases[i].how == BY_SEQ ? EXPIRE_SEQ : EXPIRE_BYTES,
			};

			assert_int_equal(ipc_send(esp_end, IPC_SA_EXPIRE, 0, &e, sizeof e, -1), 0);
			peers_input(ike.c.chan[ROLE_ESP][0], ROLE_ESP, 0);
		}
		if (cases[i].p1_dead)
			assert_false(peer_recv(&v, false, buf, &m));
		else
			expect_delete(&v, spi_in);
		assert_false(c->used);				/* the SA is gone */
		ipc_expect(esp_end, IPC_SA_DEL);
		teardown(NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_offer_carries_every_set, teardown),
		cmocka_unit_test_teardown(test_sa_has_the_chosen_set, teardown),
		cmocka_unit_test_teardown(test_answer_not_offered_is_refused, teardown),
		cmocka_unit_test_teardown(test_hard_expiry_sends_delete, teardown),
	};

	return cmocka_run_group_tests(tests, setup, group_teardown);
}
