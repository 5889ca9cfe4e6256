/* Protocol test: a scripted IKEv1 initiator in this process drives the
 * IKE worker's responder code message by message over loopback UDP, and
 * plays master, authd, poold, ESP and db on socketpairs.  It checks the
 * whole vpnc flow (aggressive mode, XAUTH, mode-config, quick mode, SA
 * install), retransmission, refusals, and the keys the worker installs. */
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
#include "../../ike-worker/proposal.h"

struct ike_ctx ike;

static const char CONF[] =
	"interface gw0\n nameif outside\n ip address 127.0.0.1 255.0.0.0\n"
	"ip local pool P 10.200.0.1-10.200.0.9 mask 255.255.255.0\n"
	"crypto ikev1 policy 10\n authentication pre-share\n encryption aes-256\n hash sha\n group 2\n"
	"crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac\n"
	"crypto dynamic-map DYN 10 set ikev1 transform-set TS\n"
	"crypto map M 65535 ipsec-isakmp dynamic DYN\ncrypto map M interface outside\n"
	"crypto ikev1 enable outside\n"
	"access-list SPLIT standard permit 10.100.0.0 255.255.255.0\n"
	"group-policy GP internal\ngroup-policy GP attributes\n dns-server value 10.100.0.53\n"
	" split-tunnel-policy tunnelspecified\n split-tunnel-network-list value SPLIT\n"
	"tunnel-group vpngroup type remote-access\ntunnel-group vpngroup general-attributes\n"
	" address-pool P\n default-group-policy GP\n"
	"tunnel-group vpngroup ipsec-attributes\n ikev1 pre-shared-key groupsecret\n"
	"tunnel-group DefaultRAGroup type remote-access\n"
	"tunnel-group DefaultRAGroup general-attributes\n address-pool P\n default-group-policy GP\n"
	"tunnel-group DefaultRAGroup ipsec-attributes\n ikev1 pre-shared-key mainmodesecret\n";

/* The far ends of the worker's channels, played by the test. */
static int client;			/* the initiator's UDP socket */
static struct sockaddr_in gw;		/* the worker's UDP 500 */
static struct ipc_msg msg;
static bool inject_garbage;		/* a forged message before the XAUTH reply */

/* ---- the scripted initiator ---- */
struct initiator {
	uint8_t icky[8], rcky[8];
	struct dh *dh;
	uint8_t gxi[128], gxr[128], gxy[128];
	uint8_t ni[20], nr[256];
	size_t nr_len;
	uint8_t sa_b[128], id_b[32];
	size_t sa_len, id_len;
	struct v1_keys k;
	uint8_t iv[16];			/* running phase 1 IV, then its last block */
	uint32_t ivs_msgid[8];
	uint8_t ivs[8][16];
	int n_ivs;
	uint8_t msg1[1024];
	size_t msg1_len;
};

static void build_sa_body(struct initiator *in, int enc_id)
{
	struct wbuf w;
	size_t prop, tf;

	wbuf_init(&w, in->sa_b, sizeof in->sa_b);
	wbuf_u32(&w, 1);			/* DOI IPsec */
	wbuf_u32(&w, 1);			/* identity only */
	prop = wbuf_reserve(&w, 4);
	wbuf_u8(&w, 1); wbuf_u8(&w, PROTO_ISAKMP); wbuf_u8(&w, 0); wbuf_u8(&w, 1);
	tf = wbuf_reserve(&w, 4);
	wbuf_u8(&w, 1); wbuf_u8(&w, 1); wbuf_u16(&w, 0);
	wbuf_u16(&w, 0x8000 | P1_ENC); wbuf_u16(&w, (uint16_t)enc_id);
	wbuf_u16(&w, 0x8000 | P1_KEY_LENGTH); wbuf_u16(&w, 256);
	wbuf_u16(&w, 0x8000 | P1_HASH); wbuf_u16(&w, IKE_HASH_SHA1);
	wbuf_u16(&w, 0x8000 | P1_AUTH); wbuf_u16(&w, AUTH_XAUTH_INIT_PSK);
	wbuf_u16(&w, 0x8000 | P1_GROUP); wbuf_u16(&w, 2);
	wbuf_u16(&w, 0x8000 | P1_LIFE_TYPE); wbuf_u16(&w, 1);
	wbuf_u16(&w, 0x8000 | P1_LIFE_DURATION); wbuf_u16(&w, 28800);
	wbuf_put_u16_at(&w, tf + 2, (uint16_t)(w.len - tf));
	wbuf_put_u16_at(&w, prop + 2, (uint16_t)(w.len - prop));
	assert_true(wbuf_ok(&w));
	in->sa_len = w.len;
}

static void build_msg1(struct initiator *in, const char *group, int enc_id)
{
	struct v1_out o;
	static const uint8_t zero[8];

	memset(in, 0, sizeof *in);
	random_bytes(in->icky, 8);
	random_bytes(in->ni, sizeof in->ni);
	in->dh = dh_new(2);
	assert_non_null(in->dh);
	assert_true(dh_public(in->dh, in->gxi, 128));
	build_sa_body(in, enc_id);
	in->id_b[0] = ID_KEY_ID;
	memcpy(in->id_b + 4, group, strlen(group));
	in->id_len = 4 + strlen(group);
	v1_out_begin(&o, in->icky, zero, EXCH_AGGRESSIVE, 0, 0);
	v1_out_payload(&o, PL_SA, in->sa_b, in->sa_len);
	v1_out_payload(&o, PL_KE, in->gxi, 128);
	v1_out_payload(&o, PL_NONCE, in->ni, sizeof in->ni);
	v1_out_payload(&o, PL_ID, in->id_b, in->id_len);
	v1_out_finish(&o);
	memcpy(in->msg1, o.buf, o.w.len);
	in->msg1_len = o.w.len;
}

static void send_raw(const uint8_t *p, size_t len)
{
	assert_int_equal(sendto(client, p, len, 0, (struct sockaddr *)&gw, sizeof gw), (ssize_t)len);
	net_receive(ike.sock500, false);
}

static ssize_t recv_raw(uint8_t *buf, size_t cap)
{
	return recv(client, buf, cap, MSG_DONTWAIT);
}

/* Receives one IPC message the worker sent on fd, skipping db events. */
static void ipc_expect(int fd, uint16_t type)
{
	for (;;) {
		assert_int_equal(ipc_recv(fd, &msg), IPC_OK);
		if (msg.hdr.type == type)
			return;
		/* events that need no answer may come first */
		assert_true(fd == db_end || msg.hdr.type >= IPC_DB_SESSION_NEW ||
			    msg.hdr.type == IPC_LEASE_FREE || msg.hdr.type == IPC_SA_DEL);
	}
}

/* master's part: SKEYID from the group's PSK. */
static void answer_skeyid_for(const char *group, const char *psk)
{
	struct ipc_skeyid q;
	struct ipc_skeyid_ans a = { .len = 20 };

	ipc_expect(master_end, IPC_SKEYID);
	memcpy(&q, msg.data, sizeof q);
	assert_string_equal(q.group, group);
	assert_true(v1_skeyid_psk(q.prf, psk, strlen(psk), q.ni, q.ni_len, q.nr, q.nr_len,
				  a.skeyid));
	assert_int_equal(ipc_send(master_end, IPC_SKEYID_ANS, msg.hdr.id, &a, sizeof a, -1), 0);
	peers_input(ike.c.master, ROLE_MASTER, 0);
}

static void answer_skeyid(struct initiator *in)
{
	(void)in;
	answer_skeyid_for("vpngroup", "groupsecret");
}

/* Message 2: derive the keys and check HASH_R. */
static void check_msg2(struct initiator *in, uint8_t *buf, size_t len)
{
	struct v1_msg m;
	const struct v1_payload *ke, *nr, *id, *h;
	uint8_t want[20], skeyid[20];

	assert_true(v1_parse_header(buf, len, &m));
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN));
	memcpy(in->rcky, m.rcky, 8);
	ke = need(&m, PL_KE);
	nr = need(&m, PL_NONCE);
	id = need(&m, PL_ID);
	h = need(&m, PL_HASH);
	memcpy(in->gxr, ke->body, 128);
	memcpy(in->nr, nr->body, nr->len);
	in->nr_len = nr->len;
	assert_true(dh_shared(in->dh, in->gxr, 128, in->gxy, 128));
	assert_true(v1_skeyid_psk(IKE_HASH_SHA1, "groupsecret", 11, in->ni, 20, in->nr,
				  in->nr_len, skeyid));
	in->k.prf = IKE_HASH_SHA1;
	in->k.hlen = 20;
	memcpy(in->k.skeyid, skeyid, 20);
	assert_true(v1_derive(&in->k, in->gxy, 128, in->icky, in->rcky, 32));
	assert_true(v1_phase1_iv(IKE_HASH_SHA1, in->gxi, 128, in->gxr, 128, 16, in->iv));
	v1_auth_hash(&in->k, in->gxr, 128, in->gxi, 128, in->rcky, in->icky, in->sa_b, in->sa_len,
		     id->body, id->len, want);
	assert_int_equal(h->len, 20);
	assert_memory_equal(want, h->body, 20);
}

static size_t phase1(struct initiator *in, uint8_t *msg2, size_t cap)
{
	ssize_t n;

	build_msg1(in, "vpngroup", IKE_ENC_AES);
	send_raw(in->msg1, in->msg1_len);
	answer_skeyid(in);
	n = recv_raw(msg2, cap);
	assert_true(n > ISAKMP_HDR_LEN);
	check_msg2(in, msg2, (size_t)n);
	return (size_t)n;
}

static uint8_t *iv_for(struct initiator *in, uint32_t msgid)
{
	for (int i = 0; i < in->n_ivs; i++)
		if (in->ivs_msgid[i] == msgid)
			return in->ivs[i];
	in->ivs_msgid[in->n_ivs] = msgid;
	v1_phase2_iv(IKE_HASH_SHA1, in->iv, 16, msgid, in->ivs[in->n_ivs]);
	return in->ivs[in->n_ivs++];
}

/* Pads, encrypts (msgid 0: the phase 1 IV chain) and sends o. */
static void seal_send(struct initiator *in, struct v1_out *o, uint32_t msgid)
{
	size_t body = o->w.len - ISAKMP_HDR_LEN;

	wbuf_zero(&o->w, (16 - body % 16) % 16);
	v1_out_finish(o);
	assert_true(cbc_crypt(IKE_ENC_AES, in->k.enc_key, 32, msgid ? iv_for(in, msgid) : in->iv,
			      o->buf + ISAKMP_HDR_LEN, o->w.len - ISAKMP_HDR_LEN, true));
	send_raw(o->buf, o->w.len);
}

static void send_msg3(struct initiator *in, bool corrupt)
{
	struct v1_out o;
	uint8_t h[20];

	v1_auth_hash(&in->k, in->gxi, 128, in->gxr, 128, in->icky, in->rcky, in->sa_b, in->sa_len,
		     in->id_b, in->id_len, h);
	h[0] ^= corrupt;
	v1_out_begin(&o, in->icky, in->rcky, EXCH_AGGRESSIVE, FLAG_ENC, 0);
	v1_out_payload(&o, PL_HASH, h, 20);
	seal_send(in, &o, 0);
}

/* Receives, decrypts and hash-checks one post-phase-1 message. */
static void recv_enc(struct initiator *in, uint8_t *buf, struct v1_msg *m)
{
	ssize_t n;
	uint8_t want[20];
	size_t rest = 0;

	/* Messages for another initiator sharing the socket are skipped. */
	do {
		n = recv_raw(buf, 4096);
		assert_true(n > ISAKMP_HDR_LEN);
		assert_true(v1_parse_header(buf, (size_t)n, m));
	} while (memcmp(m->icky, in->icky, 8));
	assert_true(m->flags & FLAG_ENC);
	assert_true(cbc_crypt(IKE_ENC_AES, in->k.enc_key, 32, iv_for(in, m->msgid),
			      buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN, false));
	assert_true(v1_parse_payloads(m, buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN));
	assert_int_equal(m->pl[0].type, PL_HASH);
	for (int i = 1; i < m->n; i++)
		rest += m->pl[i].raw_len;
	if (m->exch != EXCH_QUICK) {
		v1_hash_msgid(&in->k, m->msgid, m->pl[0].raw + m->pl[0].raw_len, rest, want);
		assert_memory_equal(want, m->pl[0].body, 20);
	}
}

/* Sends a transaction message: HASH, ATTR(type, id, attrs). */
static void send_cfg(struct initiator *in, uint32_t msgid, uint8_t type, const uint8_t *attrs,
		     size_t alen)
{
	struct v1_out o;
	size_t h, a;

	v1_out_begin(&o, in->icky, in->rcky, EXCH_TRANSACTION, FLAG_ENC, msgid);
	h = v1_out_open(&o, PL_HASH);
	wbuf_zero(&o.w, 20);
	v1_out_close(&o, h);
	a = v1_out_open(&o, PL_ATTR);
	wbuf_u8(&o.w, type); wbuf_u8(&o.w, 0); wbuf_u16(&o.w, 7);
	wbuf_bytes(&o.w, attrs, alen);
	v1_out_close(&o, a);
	v1_hash_msgid(&in->k, msgid, o.buf + a, o.w.len - a, o.buf + h + 4);
	seal_send(in, &o, msgid);
}

/* Finds attribute type in an ATTR payload; returns its value length or -1. */
static int attr_of(const struct v1_payload *p, uint16_t type, uint8_t *cfg_type, uint8_t *val)
{
	struct rbuf r;
	struct v1_attr a;

	rbuf_init(&r, p->body, p->len);
	rbuf_u8(&r, cfg_type);
	rbuf_skip(&r, 3);
	while (v1_next_attr(&r, &a))
		if (a.type == type) {
			if (a.tv)
				val[0] = (uint8_t)(a.num >> 8), val[1] = (uint8_t)a.num;
			else if (a.len)
				memcpy(val, a.val, a.len);
			return a.tv ? 2 : a.len;
		}
	return -1;
}

static void put_attr(struct wbuf *w, uint16_t type, const char *s)
{
	wbuf_u16(w, type);
	wbuf_u16(w, (uint16_t)strlen(s));
	wbuf_bytes(w, s, strlen(s));
}

/* An encrypted-looking message of the exchange that does not decrypt to
 * payloads: the worker must drop it without losing the exchange's IV. */
static void send_garbage(struct initiator *in, uint32_t msgid)
{
	struct v1_out o;
	uint8_t junk[48];

	random_bytes(junk, sizeof junk);
	junk[0] = 0xff;		/* next payload of the hash: no such type chain */
	v1_out_begin(&o, in->icky, in->rcky, EXCH_TRANSACTION, FLAG_ENC, msgid);
	wbuf_put_u8_at(&o.w, 16, PL_HASH);
	wbuf_bytes(&o.w, junk, sizeof junk);
	v1_out_finish(&o);
	send_raw(o.buf, o.w.len);
}

/* XAUTH through authd; returns the leased address after mode-config. */
static uint32_t xauth_and_modecfg(struct initiator *in, const char *pass)
{
	uint8_t buf[4096], v[64], t, attrs[64];
	struct v1_msg m;
	struct wbuf w;
	struct ipc_auth q;
	struct ipc_auth_ans aa = { 0 };
	struct ipc_lease lq;
	struct ipc_lease_ans la = { .addr = htonl(0x0ac80005), .mask = htonl(0xffffff00) };
	uint32_t addr;

	recv_enc(in, buf, &m);				/* XAUTH request */
	assert_int_equal(m.exch, EXCH_TRANSACTION);
	assert_true(attr_of(need(&m, PL_ATTR), CA_XAUTH_USER_PASSWORD, &t, v) >= 0);
	assert_int_equal(t, CFG_REQUEST);
	if (inject_garbage)
		send_garbage(in, m.msgid);
	wbuf_init(&w, attrs, sizeof attrs);
	put_attr(&w, CA_XAUTH_USER_NAME, "alice");
	put_attr(&w, CA_XAUTH_USER_PASSWORD, pass);
	send_cfg(in, m.msgid, CFG_REPLY, attrs, w.len);
	ipc_expect(authd_end, IPC_AUTH);			/* authd's part */
	memcpy(&q, msg.data, sizeof q);
	assert_string_equal(q.user, "alice");
	assert_string_equal(q.pass, pass);
	aa.sid = q.sid;
	aa.result = strcmp(pass, "alicepass") ? AUTH_REJECT : AUTH_OK;
	ipc_send(authd_end, IPC_AUTH_ANS, 0, &aa, sizeof aa, -1);
	peers_input(ike.c.chan[ROLE_AUTHD][0], ROLE_AUTHD, 0);
	recv_enc(in, buf, &m);				/* XAUTH status */
	assert_int_equal(attr_of(need(&m, PL_ATTR), CA_XAUTH_STATUS, &t, v), 2);
	assert_int_equal(t, CFG_SET);
	if (aa.result != AUTH_OK || v[1] == 0) {	/* rejected, or refused by policy */
		assert_int_equal(v[1], 0);
		return 0;
	}
	assert_int_equal(v[1], 1);
	send_cfg(in, m.msgid, CFG_ACK, NULL, 0);
	wbuf_init(&w, attrs, sizeof attrs);
	wbuf_u16(&w, CA_IP4_ADDRESS); wbuf_u16(&w, 0);
	wbuf_u16(&w, CA_IP4_DNS); wbuf_u16(&w, 0);
	wbuf_u16(&w, CA_UNITY_SPLIT_INCLUDE); wbuf_u16(&w, 0);
	send_cfg(in, crypt_new_msgid(), CFG_REQUEST, attrs, w.len);
	ipc_expect(poold_end, IPC_LEASE);			/* poold's part */
	memcpy(&lq, msg.data, sizeof lq);
	assert_string_equal(lq.pool, "P");
	la.sid = lq.sid;
	memcpy(la.pool, "P", 2);
	ipc_send(poold_end, IPC_LEASE_ANS, 0, &la, sizeof la, -1);
	peers_input(ike.c.chan[ROLE_POOLD][0], ROLE_POOLD, 0);
	recv_enc(in, buf, &m);				/* mode-config reply */
	assert_int_equal(attr_of(need(&m, PL_ATTR), CA_IP4_ADDRESS, &t, v), 4);
	assert_int_equal(t, CFG_REPLY);
	memcpy(&addr, v, 4);
	assert_int_equal(addr, la.addr);
	assert_int_equal(attr_of(need(&m, PL_ATTR), CA_IP4_DNS, &t, v), 4);
	assert_int_equal(attr_of(need(&m, PL_ATTR), CA_UNITY_SPLIT_INCLUDE, &t, v), 14);
	return addr;
}

/* ---- fixtures ---- */
static int setup(void **state)
{
	(void)state;
	harness_start(CONF, sizeof CONF - 1, &gw);
	client = udp_sock(NULL);
	return 0;
}

/* Each test starts with no session: ends what the last one left and
 * drains every channel and the client socket. */
static int teardown(void **state)
{
	(void)state;
	harness_reset(client);
	return 0;
}

/* ---- tests ---- */
static void test_aggressive_mode_and_retransmit(void **state)
{
	struct initiator in;
	uint8_t m2[2048], again[2048];
	size_t n = phase1(&in, m2, sizeof m2);

	(void)state;
	send_raw(in.msg1, in.msg1_len);			/* message 1 again */
	assert_int_equal(recv_raw(again, sizeof again), (ssize_t)n);
	assert_memory_equal(m2, again, n);
	assert_non_null(sa_find(in.icky, in.rcky));
	dh_free(in.dh);
}

static void test_bad_hash_i_ends_the_sa(void **state)
{
	struct initiator in;
	uint8_t m2[2048];

	(void)state;
	phase1(&in, m2, sizeof m2);
	send_msg3(&in, true);
	assert_null(sa_find(in.icky, in.rcky));
	assert_true(recv_raw(m2, sizeof m2) < 0);	/* no XAUTH request */
	dh_free(in.dh);
}

static void expect_notify(uint16_t type)
{
	uint8_t buf[512];
	struct v1_msg m;
	const struct v1_payload *n;
	ssize_t len = recv_raw(buf, sizeof buf);

	assert_true(len > ISAKMP_HDR_LEN);
	assert_true(v1_parse_header(buf, (size_t)len, &m));
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, (size_t)len - ISAKMP_HDR_LEN));
	n = need(&m, PL_NOTIFY);
	assert_int_equal(n->body[6] << 8 | n->body[7], type);
}

static void test_refusals(void **state)
{
	struct initiator in;

	(void)state;
	build_msg1(&in, "nosuchgroup", IKE_ENC_AES);
	send_raw(in.msg1, in.msg1_len);
	expect_notify(N_INVALID_ID_INFORMATION);
	dh_free(in.dh);
	build_msg1(&in, "vpngroup", IKE_ENC_3DES);	/* no 3DES policy */
	send_raw(in.msg1, in.msg1_len);
	expect_notify(N_NO_PROPOSAL_CHOSEN);
	dh_free(in.dh);
	assert_int_equal(ipc_recv(master_end, &msg), IPC_AGAIN);	/* no SKEYID asked */
}

static void test_wrong_password(void **state)
{
	struct initiator in;
	uint8_t m2[2048];

	(void)state;
	phase1(&in, m2, sizeof m2);
	send_msg3(&in, false);
	assert_int_equal(xauth_and_modecfg(&in, "wrong"), 0);
	dh_free(in.dh);
	drain(db_end);
}

/* Quick mode; the keys installed in the ESP worker must be the KEYMAT the
 * initiator computes for each SPI. */
static void quick_mode_pfs(struct initiator *in, uint32_t addr, int group)
{
	uint8_t buf[4096], ni[20], sa_b[64], ids[2][16], want[20], km[36];
	uint8_t gx[128], gy[128], gxy[128];
	struct dh *dh = group ? dh_new(group) : NULL;
	struct v1_out o;
	struct v1_msg m;
	struct wbuf w;
	uint32_t msgid = crypt_new_msgid(), spi_c = 0x11223344, spi_r;
	struct ipc_sa_add add;
	size_t h, rest = 0;

	random_bytes(ni, sizeof ni);
	wbuf_init(&w, sa_b, sizeof sa_b);
	wbuf_u32(&w, 1); wbuf_u32(&w, 1);
	wbuf_u8(&w, 0); wbuf_u8(&w, 0); wbuf_u16(&w, group ? 40 : 36);	/* proposal */
	wbuf_u8(&w, 1); wbuf_u8(&w, PROTO_ESP); wbuf_u8(&w, 4); wbuf_u8(&w, 1);
	wbuf_u32(&w, spi_c);
	wbuf_u8(&w, 0); wbuf_u8(&w, 0); wbuf_u16(&w, group ? 28 : 24);	/* transform */
	wbuf_u8(&w, 1); wbuf_u8(&w, ESP_ENC_AES_CBC); wbuf_u16(&w, 0);
	wbuf_u16(&w, 0x8000 | P2_LIFE_TYPE); wbuf_u16(&w, 1);
	wbuf_u16(&w, 0x8000 | P2_LIFE_DURATION); wbuf_u16(&w, 3600);
	wbuf_u16(&w, 0x8000 | P2_ENCAP); wbuf_u16(&w, ENCAP_MODE_TUNNEL);
	wbuf_u16(&w, 0x8000 | P2_AUTH); wbuf_u16(&w, ESP_AUTH_HMAC_SHA1);
	if (group) {
		wbuf_u16(&w, 0x8000 | P2_GROUP); wbuf_u16(&w, (uint16_t)group);
		assert_true(dh_public(dh, gx, 128));
	}
	assert_true(wbuf_ok(&w));
	memset(ids, 0, sizeof ids);
	ids[0][0] = ID_IPV4_ADDR;
	memcpy(ids[0] + 4, &addr, 4);
	ids[1][0] = ID_IPV4_ADDR_SUBNET;
	v1_out_begin(&o, in->icky, in->rcky, EXCH_QUICK, FLAG_ENC, msgid);
	h = v1_out_open(&o, PL_HASH);
	wbuf_zero(&o.w, 20);
	v1_out_close(&o, h);
	v1_out_payload(&o, PL_SA, sa_b, w.len);
	v1_out_payload(&o, PL_NONCE, ni, sizeof ni);
	if (group)
		v1_out_payload(&o, PL_KE, gx, 128);
	v1_out_payload(&o, PL_ID, ids[0], 8);
	v1_out_payload(&o, PL_ID, ids[1], 12);
	v1_hash_msgid(&in->k, msgid, o.buf + h + 24, o.w.len - h - 24, o.buf + h + 4);
	seal_send(in, &o, msgid);
	recv_enc(in, buf, &m);				/* quick mode 2 */
	if (dh) {
		memcpy(gy, need(&m, PL_KE)->body, 128);
		assert_true(dh_shared(dh, gy, 128, gxy, 128));
		dh_free(dh);
	}
	for (int i = 1; i < m.n; i++)
		rest += m.pl[i].raw_len;
	v1_qm_hash2(&in->k, msgid, ni, sizeof ni, m.pl[0].raw + m.pl[0].raw_len, rest, want);
	assert_memory_equal(want, m.pl[0].body, 20);
	memcpy(&spi_r, need(&m, PL_SA)->body + 16, 4);	/* DOI, sit, proposal hdr, #, proto, size, n */
	{
		const struct v1_payload *nr = need(&m, PL_NONCE);
		uint8_t nrb[64];
		size_t nrl = nr->len;
		uint32_t spin;

		memcpy(nrb, nr->body, nrl);
		v1_out_begin(&o, in->icky, in->rcky, EXCH_QUICK, FLAG_ENC, msgid);
		h = v1_out_open(&o, PL_HASH);
		v1_qm_hash3(&in->k, msgid, ni, sizeof ni, nrb, nrl, want);
		wbuf_bytes(&o.w, want, 20);
		v1_out_close(&o, h);
		seal_send(in, &o, msgid);
		ipc_expect(esp_end, IPC_SA_ADD);	/* inbound: the responder's SPI */
		memcpy(&add, msg.data, sizeof add);
		assert_int_equal(add.dir, SA_IN);
		assert_int_equal(htonl(add.spi), spi_r);
		v1_keymat(&in->k, group ? gxy : NULL, group ? 128 : 0, PROTO_ESP, (uint8_t *)&spi_r, ni,
			  sizeof ni, nrb, nrl, km, 36);
		assert_memory_equal(add.enc_key, km, 16);
		assert_memory_equal(add.auth_key, km + 16, 20);
		ipc_expect(esp_end, IPC_SA_ADD);	/* outbound: the client's SPI */
		memcpy(&add, msg.data, sizeof add);
		assert_int_equal(add.dir, SA_OUT);
		assert_int_equal(add.spi, spi_c);
		assert_int_equal(add.inner_addr, addr);
		spin = htonl(spi_c);
		v1_keymat(&in->k, group ? gxy : NULL, group ? 128 : 0, PROTO_ESP, (uint8_t *)&spin, ni,
			  sizeof ni, nrb, nrl, km, 36);
		assert_memory_equal(add.enc_key, km, 16);
		assert_memory_equal(add.auth_key, km + 16, 20);
	}
}

static void quick_mode(struct initiator *in, uint32_t addr)
{
	quick_mode_pfs(in, addr, 0);
}

/* A quick mode the responder refuses: an encrypted NO-PROPOSAL-CHOSEN. */
static void quick_mode_refused(struct initiator *in, uint32_t addr)
{
	uint8_t buf[4096];
	struct v1_msg m;
	const struct v1_payload *n;

	(void)addr;
	recv_enc(in, buf, &m);
	assert_int_equal(m.exch, EXCH_INFO);
	n = need(&m, PL_NOTIFY);
	assert_int_equal(n->body[6] << 8 | n->body[7], N_NO_PROPOSAL_CHOSEN);
}

static void test_full_flow_installs_keymat(void **state)
{
	struct initiator in;
	uint8_t m2[2048];
	uint32_t addr;

	(void)state;
	phase1(&in, m2, sizeof m2);
	send_msg3(&in, false);
	addr = xauth_and_modecfg(&in, "alicepass");
	quick_mode(&in, addr);
	dh_free(in.dh);
	drain(db_end);
}

static void test_forged_message_keeps_the_exchange(void **state)
{
	struct initiator in;
	uint8_t m2[2048];

	(void)state;
	phase1(&in, m2, sizeof m2);
	send_msg3(&in, false);
	inject_garbage = true;
	assert_int_not_equal(xauth_and_modecfg(&in, "alicepass"), 0);
	inject_garbage = false;
	dh_free(in.dh);
	drain(db_end);
}

/* Main mode with the DefaultRAGroup PSK, then the same XAUTH, mode-config
 * and quick mode as aggressive mode. */
static void main_mode(struct initiator *in)
{
	struct v1_out o;
	struct v1_msg m;
	uint8_t buf[4096], skeyid[20];
	ssize_t n;
	static const uint8_t zero[8];

	build_msg1(in, "unused", IKE_ENC_AES);
	v1_out_begin(&o, in->icky, zero, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_SA, in->sa_b, in->sa_len);
	v1_out_finish(&o);
	send_raw(o.buf, o.w.len);
	n = recv_raw(buf, sizeof buf);			/* 2: SA */
	assert_true(v1_parse_header(buf, (size_t)n, &m));
	assert_int_equal(m.exch, EXCH_MAIN);
	memcpy(in->rcky, m.rcky, 8);
	v1_out_begin(&o, in->icky, in->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_KE, in->gxi, 128);
	v1_out_payload(&o, PL_NONCE, in->ni, sizeof in->ni);
	v1_out_finish(&o);
	send_raw(o.buf, o.w.len);			/* 3: KE, Ni */
	answer_skeyid_for("DefaultRAGroup", "mainmodesecret");
	n = recv_raw(buf, sizeof buf);			/* 4: KE, Nr */
	assert_true(v1_parse_header(buf, (size_t)n, &m));
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN));
	memcpy(in->gxr, need(&m, PL_KE)->body, 128);
	in->nr_len = need(&m, PL_NONCE)->len;
	memcpy(in->nr, need(&m, PL_NONCE)->body, in->nr_len);
	assert_true(dh_shared(in->dh, in->gxr, 128, in->gxy, 128));
	assert_true(v1_skeyid_psk(IKE_HASH_SHA1, "mainmodesecret", 14, in->ni, 20, in->nr,
				  in->nr_len, skeyid));
	in->k.prf = IKE_HASH_SHA1;
	in->k.hlen = 20;
	memcpy(in->k.skeyid, skeyid, 20);
	assert_true(v1_derive(&in->k, in->gxy, 128, in->icky, in->rcky, 32));
	assert_true(v1_phase1_iv(IKE_HASH_SHA1, in->gxi, 128, in->gxr, 128, 16, in->iv));
	memset(in->id_b, 0, sizeof in->id_b);		/* 5: IDii = ID_IPV4_ADDR, HASH_I */
	in->id_b[0] = ID_IPV4_ADDR;
	in->id_b[4] = 127, in->id_b[7] = 1;
	in->id_len = 8;
	{
		uint8_t h[20];

		v1_auth_hash(&in->k, in->gxi, 128, in->gxr, 128, in->icky, in->rcky, in->sa_b,
			     in->sa_len, in->id_b, in->id_len, h);
		v1_out_begin(&o, in->icky, in->rcky, EXCH_MAIN, FLAG_ENC, 0);
		v1_out_payload(&o, PL_ID, in->id_b, in->id_len);
		v1_out_payload(&o, PL_HASH, h, 20);
		seal_send(in, &o, 0);
	}
	n = recv_raw(buf, sizeof buf);			/* 6: IDir, HASH_R */
	assert_true(n > ISAKMP_HDR_LEN);
	assert_true(v1_parse_header(buf, (size_t)n, &m));
	assert_true(cbc_crypt(IKE_ENC_AES, in->k.enc_key, 32, in->iv, buf + ISAKMP_HDR_LEN,
			      (size_t)n - ISAKMP_HDR_LEN, false));
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN));
	{
		const struct v1_payload *id = need(&m, PL_ID);
		uint8_t want[20];

		v1_auth_hash(&in->k, in->gxr, 128, in->gxi, 128, in->rcky, in->icky, in->sa_b,
			     in->sa_len, id->body, id->len, want);
		assert_memory_equal(want, need(&m, PL_HASH)->body, 20);
	}
}

static void test_main_mode_flow(void **state)
{
	struct initiator in;
	uint32_t addr;

	(void)state;
	main_mode(&in);
	addr = xauth_and_modecfg(&in, "alicepass");
	quick_mode(&in, addr);
	dh_free(in.dh);
	drain(db_end);
}

/* `set pfs group2` on the map: a quick mode without KE is refused, one with
 * group 2 is keyed with the new g^xy. */
static void test_pfs_required(void **state)
{
	struct initiator in;
	uint8_t m2[2048], buf[4096];
	struct sockaddr_in dummy;
	uint32_t addr;

	(void)state;
	(void)dummy;
	ike.c.conf.dynmaps[0].pfs_group = 2;
	phase1(&in, m2, sizeof m2);
	send_msg3(&in, false);
	addr = xauth_and_modecfg(&in, "alicepass");
	{
		/* no KE: refused (the SA_ADD of a refused exchange never comes) */
		struct initiator *p = &in;
		uint32_t msgid = crypt_new_msgid();
		struct v1_out o;
		uint8_t sa_b[64], ni[20] = { 1 };
		struct wbuf w;
		size_t h;

		wbuf_init(&w, sa_b, sizeof sa_b);
		wbuf_u32(&w, 1); wbuf_u32(&w, 1);
		wbuf_u8(&w, 0); wbuf_u8(&w, 0); wbuf_u16(&w, 32);
		wbuf_u8(&w, 1); wbuf_u8(&w, PROTO_ESP); wbuf_u8(&w, 4); wbuf_u8(&w, 1);
		wbuf_u32(&w, 0x55667788);
		wbuf_u8(&w, 0); wbuf_u8(&w, 0); wbuf_u16(&w, 20);
		wbuf_u8(&w, 1); wbuf_u8(&w, ESP_ENC_AES_CBC); wbuf_u16(&w, 0);
		wbuf_u16(&w, 0x8000 | P2_LIFE_TYPE); wbuf_u16(&w, 1);
		wbuf_u16(&w, 0x8000 | P2_ENCAP); wbuf_u16(&w, ENCAP_MODE_TUNNEL);
		wbuf_u16(&w, 0x8000 | P2_AUTH); wbuf_u16(&w, ESP_AUTH_HMAC_SHA1);
		v1_out_begin(&o, p->icky, p->rcky, EXCH_QUICK, FLAG_ENC, msgid);
		h = v1_out_open(&o, PL_HASH);
		wbuf_zero(&o.w, 20);
		v1_out_close(&o, h);
		v1_out_payload(&o, PL_SA, sa_b, w.len);
		v1_out_payload(&o, PL_NONCE, ni, sizeof ni);
		v1_hash_msgid(&p->k, msgid, o.buf + h + 24, o.w.len - h - 24, o.buf + h + 4);
		seal_send(p, &o, msgid);
		quick_mode_refused(p, addr);
		assert_int_equal(ipc_recv(esp_end, &msg), IPC_AGAIN);
	}
	quick_mode_pfs(&in, addr, 2);
	ike.c.conf.dynmaps[0].pfs_group = 0;
	(void)buf;
	dh_free(in.dh);
	drain(db_end);
}

/* Soft lifetime: the worker starts its own quick mode; the test answers
 * as the client would and checks HASH(3) and the new SAs' KEYMAT. */
static void test_gateway_rekey(void **state)
{
	struct initiator in;
	uint8_t m2[2048], buf[4096], nr[16] = { 9, 9, 9 }, want[20], km[36];
	uint32_t addr, spi_gw, spi_cl = 0x0badcafe, spin;
	struct ike_sa *sa;
	struct v1_msg m;
	struct v1_out o;
	const struct v1_payload *sap, *ni;
	struct ipc_sa_add add;
	size_t h, rest = 0;

	(void)state;
	phase1(&in, m2, sizeof m2);
	send_msg3(&in, false);
	addr = xauth_and_modecfg(&in, "alicepass");
	quick_mode(&in, addr);
	drain(esp_end);
	sa = sa_find(in.icky, in.rcky);
	assert_non_null(sa);
	sa->children[0].installed_ms -= (long long)sa->children[0].lifetime * 1000 - 1000;
	sa_tick();					/* soft lifetime passed */
	recv_enc(&in, buf, &m);				/* the gateway's quick mode 1 */
	assert_int_equal(m.exch, EXCH_QUICK);
	for (int i = 1; i < m.n; i++)
		rest += m.pl[i].raw_len;
	v1_hash_msgid(&in.k, m.msgid, m.pl[0].raw + m.pl[0].raw_len, rest, want);
	assert_memory_equal(want, m.pl[0].body, 20);
	sap = need(&m, PL_SA);
	ni = need(&m, PL_NONCE);
	memcpy(&spi_gw, sap->body + 16, 4);
	assert_int_equal(v1_find(&m, PL_ID, 1)->body[0], ID_IPV4_ADDR);	/* IDcr: the client */
	{
		uint8_t nib[64], sab[256];
		size_t nil = ni->len, sal = sap->len;
		uint32_t msgid = m.msgid;

		memcpy(nib, ni->body, nil);
		memcpy(sab, sap->body, sal);
		memcpy(sab + 16, (uint32_t[]){ htonl(spi_cl) }, 4);
		v1_out_begin(&o, in.icky, in.rcky, EXCH_QUICK, FLAG_ENC, msgid);
		h = v1_out_open(&o, PL_HASH);
		wbuf_zero(&o.w, 20);
		v1_out_close(&o, h);
		v1_out_payload(&o, PL_SA, sab, sal);
		v1_out_payload(&o, PL_NONCE, nr, sizeof nr);
		v1_qm_hash2(&in.k, msgid, nib, nil, o.buf + h + 24, o.w.len - h - 24, o.buf + h + 4);
		seal_send(&in, &o, msgid);
		recv_enc(&in, buf, &m);			/* HASH(3) */
		v1_qm_hash3(&in.k, msgid, nib, nil, nr, sizeof nr, want);
		assert_memory_equal(want, m.pl[0].body, 20);
		ipc_expect(esp_end, IPC_SA_ADD);	/* the gateway's new inbound SA */
		memcpy(&add, msg.data, sizeof add);
		assert_int_equal(htonl(add.spi), spi_gw);
		v1_keymat(&in.k, NULL, 0, PROTO_ESP, (uint8_t *)&spi_gw, nib, nil, nr, sizeof nr, km, 36);
		assert_memory_equal(add.enc_key, km, 16);
		ipc_expect(esp_end, IPC_SA_ADD);	/* outbound, the client's SPI */
		memcpy(&add, msg.data, sizeof add);
		assert_int_equal(add.spi, spi_cl);
		spin = htonl(spi_cl);
		v1_keymat(&in.k, NULL, 0, PROTO_ESP, (uint8_t *)&spin, nib, nil, nr, sizeof nr, km, 36);
		assert_memory_equal(add.auth_key, km + 16, 20);
	}
	assert_true(sa->children[0].retire_ms > 0);	/* the old SA is on its way out */
	dh_free(in.dh);
	drain(db_end);
}

/* vpn-simultaneous-logins 1: a second login of alice logs the first off;
 * 0 refuses her. */
static void test_simultaneous_logins(void **state)
{
	struct conf_group_policy *gp = (struct conf_group_policy *)conf_group_policy(&ike.c.conf, "GP");
	struct initiator a, b;
	uint8_t m2[2048];

	(void)state;
	gp->has_simultaneous = true;
	gp->simultaneous_logins = 1;
	phase1(&a, m2, sizeof m2);
	send_msg3(&a, false);
	assert_int_not_equal(xauth_and_modecfg(&a, "alicepass"), 0);
	phase1(&b, m2, sizeof m2);
	send_msg3(&b, false);
	assert_int_not_equal(xauth_and_modecfg(&b, "alicepass"), 0);
	assert_null(sa_find(a.icky, a.rcky));		/* the first session was logged off */
	assert_non_null(sa_find(b.icky, b.rcky));
	gp->simultaneous_logins = 0;
	dh_free(a.dh);
	phase1(&a, m2, sizeof m2);
	send_msg3(&a, false);
	assert_int_equal(xauth_and_modecfg(&a, "alicepass"), 0);	/* refused */
	gp->has_simultaneous = false;
	dh_free(a.dh);
	dh_free(b.dh);
	drain(db_end);
	drain(poold_end);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_aggressive_mode_and_retransmit, teardown),
		cmocka_unit_test_teardown(test_bad_hash_i_ends_the_sa, teardown),
		cmocka_unit_test_teardown(test_refusals, teardown),
		cmocka_unit_test_teardown(test_wrong_password, teardown),
		cmocka_unit_test_teardown(test_full_flow_installs_keymat, teardown),
		cmocka_unit_test_teardown(test_forged_message_keeps_the_exchange, teardown),
		cmocka_unit_test_teardown(test_main_mode_flow, teardown),
		cmocka_unit_test_teardown(test_pfs_required, teardown),
		cmocka_unit_test_teardown(test_gateway_rekey, teardown),
		cmocka_unit_test_teardown(test_simultaneous_logins, teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
