/* Protocol test: a scripted IKEv2 initiator in this process drives the
 * IKE worker's responder message by message over loopback UDP, and plays
 * master, poold, ESP and db on socketpairs.  The initiator seals its SK
 * payloads with its own code (AES-CBC and HMAC from lib/crypto), so the
 * worker's decoder meets an independent encoder.  It checks IKE_SA_INIT,
 * IKE_AUTH with PSK, CP and TS narrowing, the ChaCha20-Poly1305 keys the
 * worker installs, retransmissions, refusals, the client's Delete and its
 * child SA rekeys (with and without PFS). */
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
	"ip local pool P 10.200.0.1-10.200.0.9 mask 255.255.255.0\n"
	"crypto ikev2 policy 10\n encryption aes\n integrity sha256\n group 14 19\n"
	"crypto ipsec ikev2 ipsec-proposal AEAD\n"
	" protocol esp encryption chacha20-poly1305 aes-gcm-256\n protocol esp integrity null\n"
	"crypto dynamic-map DYN 10 set ikev2 ipsec-proposal AEAD\n"
	"crypto map M 65535 ipsec-isakmp dynamic DYN\ncrypto map M interface outside\n"
	"crypto ikev2 enable outside\n"
	"access-list SPLIT standard permit 10.100.0.0 255.255.255.0\n"
	"group-policy GP internal\ngroup-policy GP attributes\n dns-server value 10.100.0.53\n"
	" split-tunnel-policy tunnelspecified\n split-tunnel-network-list value SPLIT\n"
	"tunnel-group vpngroup type remote-access\ntunnel-group vpngroup general-attributes\n"
	" address-pool P\n default-group-policy GP\n"
	"tunnel-group vpngroup ipsec-attributes\n"
	" ikev2 remote-authentication pre-shared-key v2groupsecret\n";

#define PSK		"v2groupsecret"
#define LEASED		0x0ac80005	/* 10.200.0.5 */
#define CLIENT_SPI	0x12345678

static int client;
static struct sockaddr_in gw;
static struct ipc_msg msg;

/* ---- the scripted initiator ---- */
struct initiator {
	uint8_t spi_i[8], spi_r[8];
	struct dh *dh;
	uint8_t ni[32], nr[256];
	size_t nr_len;
	uint8_t msg1[2048], msg2[2048];
	size_t msg1_len, msg2_len;
	struct v2_keys k;
	uint8_t last[4096];		/* our last request, for retransmissions */
	size_t last_len;
};

static void send_raw(const uint8_t *p, size_t len)
{
	assert_int_equal(sendto(client, p, len, 0, (struct sockaddr *)&gw, sizeof gw), (ssize_t)len);
	net_receive(ike.sock500, false);
}

static size_t recv_raw(uint8_t *buf, size_t cap)
{
	ssize_t n = recv(client, buf, cap, MSG_DONTWAIT);

	assert_true(n > 0);
	return (size_t)n;
}

static bool nothing_received(void)
{
	uint8_t b[64];

	return recv(client, b, sizeof b, MSG_DONTWAIT) < 0;
}

static void ipc_expect(int fd, uint16_t type)
{
	for (;;) {
		assert_int_equal(ipc_recv(fd, &msg), IPC_OK);
		if (msg.hdr.type == type)
			return;
		assert_true(fd == db_end || msg.hdr.type >= IPC_DB_SESSION_NEW ||
			    msg.hdr.type == IPC_LEASE_FREE || msg.hdr.type == IPC_SA_DEL);
	}
}

static void send_init(struct initiator *in, int ke_group)
{
	struct v2_ike_choice ch = { .prop_num = 1, .encr = V2_ENCR_AES_CBC, .key_bits = 128,
				    .prf = V2_PRF_HMAC_SHA2_256,
				    .integ = V2_AUTH_HMAC_SHA2_256_128, .dh = 14 };
	uint8_t gx[CRYPTO_MAX_DH];
	size_t pub = dh_pub_len(ke_group);
	struct v1_out o;

	memset(in, 0, sizeof *in);
	random_bytes(in->spi_i, 8);
	random_bytes(in->ni, sizeof in->ni);
	in->dh = dh_new(ke_group);
	assert_true(dh_public(in->dh, gx, pub));
	v2_out_begin(&o, in->spi_i, in->spi_r, V2_IKE_SA_INIT, V2_F_INITIATOR, 0);
	v2_build_ike_sa(&o, &ch, NULL);
	v2_out_ke(&o, ke_group, gx, pub);
	v1_out_payload(&o, V2_PL_NONCE, in->ni, sizeof in->ni);
	v1_out_finish(&o);
	memcpy(in->msg1, o.buf, o.w.len);
	in->msg1_len = o.w.len;
	send_raw(o.buf, o.w.len);
}

/* IKE_SA_INIT answer: the keys, as the client derives them. */
static void recv_init(struct initiator *in)
{
	struct v1_msg m;
	const struct v1_payload *ke, *nr;
	const uint8_t *gx;
	uint8_t gir[CRYPTO_MAX_DH];
	uint16_t group;
	size_t gx_len;

	in->msg2_len = recv_raw(in->msg2, sizeof in->msg2);
	assert_true(isakmp_parse_header(in->msg2, in->msg2_len, &m));
	assert_int_equal(m.exch, V2_IKE_SA_INIT);
	assert_int_equal(m.flags, V2_F_RESPONSE);
	assert_true(v1_parse_payloads(&m, in->msg2 + ISAKMP_HDR_LEN, in->msg2_len - ISAKMP_HDR_LEN));
	memcpy(in->spi_r, m.rcky, 8);
	ke = need(&m, V2_PL_KE);
	nr = need(&m, V2_PL_NONCE);
	assert_true(v2_read_ke(ke, &group, &gx, &gx_len));
	assert_int_equal(group, 14);
	memcpy(in->nr, nr->body, nr->len);
	in->nr_len = nr->len;
	assert_true(dh_shared(in->dh, gx, gx_len, gir, dh_shared_len(14)));
	in->k = (struct v2_keys){ .prf = IKE_HASH_SHA256, .prf_len = 32, .integ_len = 32,
				  .enc_len = 16 };
	assert_true(v2_derive(&in->k, in->ni, sizeof in->ni, in->nr, in->nr_len, gir,
			      dh_shared_len(14), in->spi_i, in->spi_r));
}

/* Our own SK sealing: inner payloads (first type `first`) in plain. */
static void seal_send_flags(struct initiator *in, uint8_t exch, uint32_t msgid, uint8_t flags,
			    uint8_t first, const uint8_t *plain, size_t len)
{
	uint8_t out[4096], iv[16], body[2048];
	size_t pad = 15 - len % 16, n = len + pad + 1, total = ISAKMP_HDR_LEN + 4 + 16 + n + 16;
	struct wbuf w;
	struct chunk c;

	if (len)
		memcpy(body, plain, len);
	memset(body + len, 0, pad);
	body[n - 1] = (uint8_t)pad;
	random_bytes(iv, sizeof iv);
	wbuf_init(&w, out, sizeof out);
	wbuf_bytes(&w, in->spi_i, 8);
	wbuf_bytes(&w, in->spi_r, 8);
	wbuf_u8(&w, V2_PL_SK);
	wbuf_u8(&w, V2_VERSION);
	wbuf_u8(&w, exch);
	wbuf_u8(&w, flags);
	wbuf_u32(&w, msgid);
	wbuf_u32(&w, (uint32_t)total);
	wbuf_u8(&w, first);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, (uint16_t)(4 + 16 + n + 16));
	wbuf_bytes(&w, iv, sizeof iv);
	assert_true(cbc_crypt(IKE_ENC_AES, in->k.sk_ei, 16, iv, body, n, true));
	wbuf_bytes(&w, body, n);
	c = (struct chunk){ out, w.len };
	assert_true(prf_chunks(IKE_HASH_SHA256, in->k.sk_ai, 32, &c, 1, out + w.len));
	w.len += 16;
	memcpy(in->last, out, w.len);
	in->last_len = w.len;
	send_raw(out, w.len);
}

static void seal_send(struct initiator *in, uint8_t exch, uint32_t msgid, uint8_t first,
		      const uint8_t *plain, size_t len)
{
	seal_send_flags(in, exch, msgid, V2_F_INITIATOR, first, plain, len);
}

/* The worker's encrypted answer, opened with the responder's keys. */
static void recv_sk(struct initiator *in, uint8_t *buf, size_t cap, struct v1_msg *m)
{
	static struct ike_sa mirror;
	size_t len = recv_raw(buf, cap);
	struct v1_msg hdr;

	memset(&mirror, 0, sizeof mirror);
	mirror.v2_integ = V2_AUTH_HMAC_SHA2_256_128;
	mirror.v2k = in->k;
	memcpy(mirror.v2k.sk_ai, in->k.sk_ar, 32);
	memcpy(mirror.v2k.sk_ei, in->k.sk_er, 16);
	assert_true(isakmp_parse_header(buf, len, &hdr));
	assert_true(v2_sk_open(&mirror, buf, len, &hdr, m));
}

/* ---- IKE_AUTH request ---- */
static void put_ts(struct v1_out *o, uint8_t type, uint32_t lo, uint32_t hi)
{
	size_t s = v1_out_open(o, type);

	wbuf_u8(&o->w, 1);
	wbuf_zero(&o->w, 3);
	wbuf_u8(&o->w, V2_TS_IPV4_ADDR_RANGE);
	wbuf_u8(&o->w, 0);
	wbuf_u16(&o->w, 16);
	wbuf_u16(&o->w, 0);
	wbuf_u16(&o->w, 65535);
	wbuf_u32(&o->w, lo);
	wbuf_u32(&o->w, hi);
	v1_out_close(o, s);
}

static const uint8_t IDI[] = "\x03\0\0\0alice@vpngroup";

/* AUTH over msg | nonce | prf(SK_p, ID body), with key. */
static void psk_auth(const struct initiator *in, const char *key, bool ours, const uint8_t *id,
		     size_t id_len, uint8_t out[32])
{
	uint8_t oct[4096];
	size_t n = v2_signed_octets(IKE_HASH_SHA256, ours ? in->k.sk_pi : in->k.sk_pr, 32,
				    ours ? in->msg1 : in->msg2, ours ? in->msg1_len : in->msg2_len,
				    ours ? in->nr : in->ni, ours ? in->nr_len : sizeof in->ni,
				    id, id_len, oct, sizeof oct);

	assert_true(n > 0);
	assert_true(prf_v2_psk_auth(IKE_HASH_SHA256, key, strlen(key), oct, n, out));
}

static bool initial_contact;		/* send_auth adds INITIAL_CONTACT */

static void send_auth(struct initiator *in, int esp_enc, uint32_t tsr_lo, uint32_t tsr_hi)
{
	struct v2_esp_choice esp = { .prop_num = 1, .enc = esp_enc, .auth = ESP_AUTH_NONE };
	uint8_t auth[32];
	struct v1_out o;
	size_t s;

	/* the builder's header is not sent: only the inner payload chain */
	v2_out_begin(&o, in->spi_i, in->spi_r, V2_IKE_AUTH, V2_F_INITIATOR, 1);
	v1_out_payload(&o, V2_PL_IDI, IDI, sizeof IDI - 1);
	if (initial_contact)
		v2_out_notify(&o, V2N_INITIAL_CONTACT, NULL, 0);
	psk_auth(in, PSK, true, IDI, sizeof IDI - 1, auth);
	s = v1_out_open(&o, V2_PL_AUTH);
	wbuf_u8(&o.w, V2_AUTH_SHARED_KEY);
	wbuf_zero(&o.w, 3);
	wbuf_bytes(&o.w, auth, sizeof auth);
	v1_out_close(&o, s);
	s = v1_out_open(&o, V2_PL_CP);
	wbuf_u8(&o.w, V2_CFG_REQUEST);
	wbuf_zero(&o.w, 3);
	v1_out_attr_var(&o, V2_CA_IP4_ADDRESS, NULL, 0);
	v1_out_close(&o, s);
	v2_build_esp_sa(&o, &esp, CLIENT_SPI);
	put_ts(&o, V2_PL_TSI, 0, UINT32_MAX);
	put_ts(&o, V2_PL_TSR, tsr_lo, tsr_hi);
	seal_send(in, V2_IKE_AUTH, 1, o.buf[16], o.buf + ISAKMP_HDR_LEN, o.w.len - ISAKMP_HDR_LEN);
}

/* master's part: both AUTH values with key (the worker's octets must be
 * the ones the client signs). */
static void answer_auth(struct initiator *in, const char *key)
{
	struct ipc_v2_auth *q = malloc(sizeof *q);
	struct ipc_v2_auth_ans a = { .len = 32 };
	uint8_t want[32];

	ipc_expect(master_end, IPC_V2_AUTH);
	memcpy(q, msg.data, sizeof *q);
	assert_string_equal(q->group, "vpngroup");
	assert_int_equal(q->prf, V2_PRF_HMAC_SHA2_256);
	assert_true(prf_v2_psk_auth(IKE_HASH_SHA256, key, strlen(key), q->i_octets, q->i_len,
				    a.auth_i));
	psk_auth(in, key, true, IDI, sizeof IDI - 1, want);
	assert_memory_equal(a.auth_i, want, 32);
	assert_true(prf_v2_psk_auth(IKE_HASH_SHA256, key, strlen(key), q->r_octets, q->r_len,
				    a.auth_r));
	free(q);
	assert_int_equal(ipc_send(master_end, IPC_V2_AUTH_ANS, msg.hdr.id, &a, sizeof a, -1), 0);
	peers_input(ike.c.master, ROLE_MASTER, 0);
}

static void answer_lease(void)
{
	struct ipc_lease q;
	struct ipc_lease_ans a = { .addr = htonl(LEASED), .mask = htonl(0xffffff00) };

	ipc_expect(poold_end, IPC_LEASE);
	memcpy(&q, msg.data, sizeof q);
	assert_string_equal(q.pool, "P");
	assert_string_equal(q.user, "alice");
	a.sid = q.sid;
	strcpy(a.pool, "P");
	assert_int_equal(ipc_send(poold_end, IPC_LEASE_ANS, 0, &a, sizeof a, -1), 0);
	peers_input(ike.c.chan[ROLE_POOLD][0], ROLE_POOLD, 0);
}

static uint16_t notify_in(const struct v1_msg *m)
{
	const struct v1_payload *n = v1_find(m, V2_PL_NOTIFY, 0);

	return n ? v2_notify_type(n, NULL, NULL) : 0;
}

/* The CP reply's address and the one TS range of type. */
static uint32_t cp_addr(const struct v1_msg *m)
{
	const struct v1_payload *cp = need(m, V2_PL_CP);
	struct rbuf r;
	struct v1_attr a;
	uint32_t addr = 0;

	rbuf_init(&r, cp->body + 4, cp->len - 4);
	while (v1_next_attr(&r, &a))
		if (a.type == V2_CA_IP4_ADDRESS && a.len == 4)
			memcpy(&addr, a.val, 4);
	return ntohl(addr);
}

static void check_ts(const struct v1_msg *m, uint8_t type, uint32_t lo, uint32_t hi)
{
	struct v2_range r[V2_MAX_TS];

	assert_int_equal(v2_read_ts(need(m, type), r, V2_MAX_TS), 1);
	assert_int_equal(r[0].lo, lo);
	assert_int_equal(r[0].hi, hi);
}

/* The IPC_SA_ADD of dir: SPI and keys. */
static void expect_sa(uint8_t dir, uint32_t spi, const uint8_t *key)
{
	struct ipc_sa_add a;

	ipc_expect(esp_end, IPC_SA_ADD);
	memcpy(&a, msg.data, sizeof a);
	assert_int_equal(a.dir, dir);
	if (spi)
		assert_int_equal(a.spi, spi);
	assert_int_equal(a.enc, ESP_ENC_CHACHA20_POLY1305);
	assert_int_equal(a.enc_key_len, 36);
	assert_int_equal(a.auth_key_len, 0);
	assert_int_equal(a.encap, ENCAP_NONE);	/* no NAT-D payloads: plain ESP */
	assert_memory_equal(a.enc_key, key, 36);
}

/* IKE_SA_INIT and IKE_AUTH up to the installed child SA. */
static void v2_connect(struct initiator *in)
{
	uint8_t buf[4096], auth[32], i2r[36], r2i[36];
	const struct v1_payload *idr;
	struct v2_esp_choice esp;
	struct v1_msg m;

	send_init(in, 14);
	recv_init(in);
	send_auth(in, ESP_ENC_CHACHA20_POLY1305, 0, UINT32_MAX);
	answer_auth(in, PSK);
	answer_lease();
	recv_sk(in, buf, sizeof buf, &m);
	idr = need(&m, V2_PL_IDR);
	psk_auth(in, PSK, false, idr->body, idr->len, auth);
	assert_memory_equal(need(&m, V2_PL_AUTH)->body + 4, auth, sizeof auth);
	assert_int_equal(cp_addr(&m), LEASED);
	check_ts(&m, V2_PL_TSI, LEASED, LEASED);
	check_ts(&m, V2_PL_TSR, 0x0a640000, 0x0a6400ff);	/* narrowed to the split list */
	assert_true(v2_select_esp(need(&m, V2_PL_SA)->body, need(&m, V2_PL_SA)->len,
				  &ike.c.conf, -1, &esp));
	assert_int_equal(esp.enc, ESP_ENC_CHACHA20_POLY1305);
	assert_true(v2_child_keymat(&in->k, NULL, 0, in->ni, sizeof in->ni, in->nr, in->nr_len,
				    i2r, r2i, 36));
	expect_sa(SA_IN, esp.spi_out, i2r);
	expect_sa(SA_OUT, CLIENT_SPI, r2i);
}

/* ---- fixtures ---- */
static int setup(void **state)
{
	(void)state;
	harness_start(CONF, sizeof CONF - 1, &gw);
	client = udp_sock(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_reset(client);
	return 0;
}

/* ---- tests ---- */
static void test_connect_installs_keymat(void **state)
{
	struct initiator in;

	(void)state;
	v2_connect(&in);
	assert_non_null(ike.sas);
	assert_int_equal(ike.sas->state, ST_ESTABLISHED);
	assert_string_equal(ike.sas->user, "alice");
	dh_free(in.dh);
}

static void test_retransmissions_get_the_same_answer(void **state)
{
	struct initiator in;
	uint8_t a[4096], b[4096];
	size_t n;

	(void)state;
	v2_connect(&in);
	send_raw(in.last, in.last_len);		/* IKE_AUTH again */
	n = recv_raw(a, sizeof a);
	send_raw(in.last, in.last_len);
	assert_int_equal(recv_raw(b, sizeof b), n);
	assert_memory_equal(a, b, n);
	/* IKE_SA_INIT once the SA moved on: neither answered nor a new SA */
	send_raw(in.msg1, in.msg1_len);
	assert_true(nothing_received());
	assert_null(ike.sas->next);
	dh_free(in.dh);
}

static void test_init_retransmission(void **state)
{
	struct initiator in;
	uint8_t a[4096];
	size_t n;

	(void)state;
	send_init(&in, 14);
	recv_init(&in);
	send_raw(in.msg1, in.msg1_len);
	n = recv_raw(a, sizeof a);
	assert_int_equal(n, in.msg2_len);
	assert_memory_equal(a, in.msg2, n);
	assert_null(ike.sas->next);		/* no second SA */
	dh_free(in.dh);
}

static void test_wrong_psk_is_refused(void **state)
{
	struct initiator in;
	uint8_t buf[4096];
	struct v1_msg m;

	(void)state;
	send_init(&in, 14);
	recv_init(&in);
	send_auth(&in, ESP_ENC_CHACHA20_POLY1305, 0, UINT32_MAX);
	/* master's key differs from the client's: its AUTH does not verify */
	{
		struct ipc_v2_auth_ans a = { .len = 32 };

		ipc_expect(master_end, IPC_V2_AUTH);
		memset(a.auth_i, 0x77, 32);
		assert_int_equal(ipc_send(master_end, IPC_V2_AUTH_ANS, msg.hdr.id, &a, sizeof a, -1), 0);
		peers_input(ike.c.master, ROLE_MASTER, 0);
	}
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(notify_in(&m), V2N_AUTHENTICATION_FAILED);
	assert_null(v1_find(&m, V2_PL_AUTH, 0));
	assert_null(ike.sas);
	dh_free(in.dh);
}

static void test_invalid_ke_names_our_group(void **state)
{
	struct initiator in;
	uint8_t buf[1024];
	struct v1_msg m;
	const uint8_t *d;
	size_t n;

	(void)state;
	send_init(&in, 19);	/* proposes group 14, sends a KE of group 19 */
	n = recv_raw(buf, sizeof buf);
	assert_true(isakmp_parse_header(buf, n, &m));
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, n - ISAKMP_HDR_LEN));
	assert_int_equal(v2_notify_type(need(&m, V2_PL_NOTIFY), &d, &n), V2N_INVALID_KE_PAYLOAD);
	assert_int_equal(n, 2);
	assert_int_equal(d[0] << 8 | d[1], 14);
	assert_null(ike.sas);
	dh_free(in.dh);
}

static void test_no_proposal_then_delete(void **state)
{
	struct initiator in;
	uint8_t buf[4096];
	struct v1_msg m;

	(void)state;
	send_init(&in, 14);
	recv_init(&in);
	send_auth(&in, ESP_ENC_AES_CBC, 0, UINT32_MAX);	/* AES-CBC without integrity */
	answer_auth(&in, PSK);
	answer_lease();
	recv_sk(&in, buf, sizeof buf, &m);
	assert_non_null(v1_find(&m, V2_PL_AUTH, 0));	/* the IKE SA is authenticated */
	assert_int_equal(notify_in(&m), V2N_NO_PROPOSAL_CHOSEN);
	recv_sk(&in, buf, sizeof buf, &m);		/* then our Delete of it */
	assert_int_equal(m.exch, V2_INFORMATIONAL);
	assert_int_equal(m.flags & V2_F_RESPONSE, 0);
	assert_int_equal(need(&m, V2_PL_DELETE)->body[0], PROTO_ISAKMP);
	assert_null(ike.sas);
	dh_free(in.dh);
}

static void test_client_delete_ends_the_session(void **state)
{
	static const uint8_t del[] = { 0, 0, 0, 8, PROTO_ISAKMP, 0, 0, 0 };
	struct initiator in;
	uint8_t buf[4096];
	struct v1_msg m;

	(void)state;
	v2_connect(&in);
	seal_send(&in, V2_INFORMATIONAL, 2, V2_PL_DELETE, del, sizeof del);
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(m.exch, V2_INFORMATIONAL);
	assert_int_equal(m.flags, V2_F_RESPONSE);
	assert_int_equal(m.n, 0);
	assert_null(ike.sas);
	ipc_expect(esp_end, IPC_SA_DEL);
	ipc_expect(poold_end, IPC_LEASE_FREE);
	dh_free(in.dh);
}

static void test_forged_and_stale_requests_are_dropped(void **state)
{
	struct initiator in;

	(void)state;
	v2_connect(&in);
	in.last[in.last_len - 1] ^= 1;			/* a flipped ICV bit */
	in.last[20] = 0;				/* as message ID 2 */
	send_raw(in.last, in.last_len);
	assert_true(nothing_received());
	seal_send(&in, V2_INFORMATIONAL, 7, 0, NULL, 0);	/* a message ID from the future */
	assert_true(nothing_received());
	seal_send(&in, V2_INFORMATIONAL, 2, 0, NULL, 0);	/* the next one: a liveness check */
	assert_false(nothing_received());
	assert_int_equal(ike.sas->state, ST_ESTABLISHED);
	dh_free(in.dh);
}

/* ---- CREATE_CHILD_SA ---- */
static void put_rekey_sa(struct v1_out *o, uint32_t old_spi)
{
	size_t s = v1_out_open(o, V2_PL_NOTIFY);

	wbuf_u8(&o->w, PROTO_ESP);
	wbuf_u8(&o->w, 4);
	wbuf_u16(&o->w, V2N_REKEY_SA);
	wbuf_u32(&o->w, old_spi);
	v1_out_close(o, s);
}

/* Rekeys the child the client receives on old_spi; group 0: no PFS.
 * Checks the answer and the keys installed for the new SA. */
static void rekey(struct initiator *in, uint32_t msgid, uint32_t old_spi, uint32_t new_spi,
		  int group)
{
	struct v2_esp_choice esp = { .prop_num = 1, .enc = ESP_ENC_CHACHA20_POLY1305,
				     .auth = ESP_AUTH_NONE, .dh = group };
	uint8_t ni[32], gx[CRYPTO_MAX_DH], gir[CRYPTO_MAX_DH], buf[4096], i2r[36], r2i[36];
	const struct v1_payload *nr, *ke;
	struct dh *d = group ? dh_new(group) : NULL;
	struct v2_esp_choice got;
	const uint8_t *gy;
	uint16_t g;
	size_t gy_len;
	struct v1_out o;
	struct v1_msg m;

	random_bytes(ni, sizeof ni);
	v2_out_begin(&o, in->spi_i, in->spi_r, V2_CREATE_CHILD_SA, V2_F_INITIATOR, msgid);
	if (old_spi)	/* 0: a new child, no REKEY_SA */
		put_rekey_sa(&o, old_spi);
	v2_build_esp_sa(&o, &esp, new_spi);
	v1_out_payload(&o, V2_PL_NONCE, ni, sizeof ni);
	if (group) {
		assert_true(dh_public(d, gx, dh_pub_len(group)));
		v2_out_ke(&o, group, gx, dh_pub_len(group));
	}
	put_ts(&o, V2_PL_TSI, 0, UINT32_MAX);
	put_ts(&o, V2_PL_TSR, 0x0a640000, 0x0a6400ff);
	seal_send(in, V2_CREATE_CHILD_SA, msgid, o.buf[16], o.buf + ISAKMP_HDR_LEN,
		  o.w.len - ISAKMP_HDR_LEN);
	recv_sk(in, buf, sizeof buf, &m);
	assert_int_equal(notify_in(&m), 0);
	nr = need(&m, V2_PL_NONCE);
	assert_true(v2_select_esp(need(&m, V2_PL_SA)->body, need(&m, V2_PL_SA)->len, &ike.c.conf,
				  group, &got));
	assert_int_equal(got.dh, group);
	if (group) {
		ke = need(&m, V2_PL_KE);
		assert_true(v2_read_ke(ke, &g, &gy, &gy_len));
		assert_true(dh_shared(d, gy, gy_len, gir, dh_shared_len(group)));
		dh_free(d);
	}
	assert_true(v2_child_keymat(&in->k, group ? gir : NULL, group ? dh_shared_len(group) : 0,
				    ni, sizeof ni, nr->body, nr->len, i2r, r2i, 36));
	expect_sa(SA_IN, got.spi_out, i2r);
	expect_sa(SA_OUT, new_spi, r2i);
}

static void test_child_rekey_then_delete_of_the_old(void **state)
{
	static const uint8_t del[] = { 0, 0, 0, 12, PROTO_ESP, 4, 0, 1, 0x12, 0x34, 0x56, 0x78 };
	struct initiator in;
	uint8_t buf[4096];
	struct v1_msg m;
	uint32_t old_in;

	(void)state;
	v2_connect(&in);
	old_in = ike.sas->children[0].spi_in;
	rekey(&in, 2, CLIENT_SPI, 0x22222222, 0);
	rekey(&in, 3, 0x22222222, 0x33333333, 14);	/* with PFS */
	seal_send(&in, V2_INFORMATIONAL, 4, V2_PL_DELETE, del, sizeof del);
	recv_sk(&in, buf, sizeof buf, &m);
	/* our answer deletes our inbound half of the same SA */
	assert_int_equal(need(&m, V2_PL_DELETE)->body[0], PROTO_ESP);
	assert_int_equal(ntohl(*(const uint32_t *)(need(&m, V2_PL_DELETE)->body + 4)), old_in);
	ipc_expect(esp_end, IPC_SA_DEL);
	assert_int_equal(ike.sas->state, ST_ESTABLISHED);
	dh_free(in.dh);
}

static void test_rekey_refusals(void **state)
{
	struct initiator in;
	uint8_t buf[4096], ni[32] = { 1 };
	struct v1_out o;
	struct v1_msg m;

	(void)state;
	v2_connect(&in);
	/* a REKEY_SA naming an SPI the client does not have */
	v2_out_begin(&o, in.spi_i, in.spi_r, V2_CREATE_CHILD_SA, V2_F_INITIATOR, 2);
	put_rekey_sa(&o, 0x0badbad0);
	v1_out_payload(&o, V2_PL_NONCE, ni, sizeof ni);
	seal_send(&in, V2_CREATE_CHILD_SA, 2, o.buf[16], o.buf + ISAKMP_HDR_LEN,
		  o.w.len - ISAKMP_HDR_LEN);
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(notify_in(&m), V2N_CHILD_SA_NOT_FOUND);
	/* no REKEY_SA while the client has its child: a second child SA */
	v2_out_begin(&o, in.spi_i, in.spi_r, V2_CREATE_CHILD_SA, V2_F_INITIATOR, 3);
	v1_out_payload(&o, V2_PL_NONCE, ni, sizeof ni);
	seal_send(&in, V2_CREATE_CHILD_SA, 3, o.buf[16], o.buf + ISAKMP_HDR_LEN,
		  o.w.len - ISAKMP_HDR_LEN);
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(notify_in(&m), V2N_NO_ADDITIONAL_SAS);
	assert_int_equal(ike.sas->state, ST_ESTABLISHED);
	dh_free(in.dh);
}

/* The client rekeys the IKE SA: new SPIs and keys (2.18) for the same
 * session; the old SA answers its Delete, the new one counts from 0. */
static void test_ike_sa_rekey(void **state)
{
	static const uint8_t del[] = { 0, 0, 0, 8, PROTO_ISAKMP, 0, 0, 0 };
	struct v2_ike_choice ch = { .prop_num = 1, .encr = V2_ENCR_AES_CBC, .key_bits = 128,
				    .prf = V2_PRF_HMAC_SHA2_256,
				    .integ = V2_AUTH_HMAC_SHA2_256_128, .dh = 14 }, got;
	uint8_t ni[32], gx[CRYPTO_MAX_DH], gir[CRYPTO_MAX_DH], buf[4096], new_spi_i[8];
	const struct v1_payload *nr;
	struct dh *d = dh_new(14);
	struct v2_keys nk = { .prf = IKE_HASH_SHA256, .prf_len = 32, .integ_len = 32,
			      .enc_len = 16 };
	struct initiator in;
	const uint8_t *gy;
	uint64_t sid;
	uint16_t g;
	size_t gy_len;
	struct v1_out o;
	struct v1_msg m;

	(void)state;
	v2_connect(&in);
	sid = ike.sas->sid;
	random_bytes(ni, sizeof ni);
	random_bytes(new_spi_i, sizeof new_spi_i);
	assert_true(dh_public(d, gx, dh_pub_len(14)));
	v2_out_begin(&o, in.spi_i, in.spi_r, V2_CREATE_CHILD_SA, V2_F_INITIATOR, 2);
	v2_build_ike_sa(&o, &ch, new_spi_i);
	v1_out_payload(&o, V2_PL_NONCE, ni, sizeof ni);
	v2_out_ke(&o, 14, gx, dh_pub_len(14));
	seal_send(&in, V2_CREATE_CHILD_SA, 2, o.buf[16], o.buf + ISAKMP_HDR_LEN,
		  o.w.len - ISAKMP_HDR_LEN);
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(notify_in(&m), 0);
	assert_true(v2_select_ike(need(&m, V2_PL_SA)->body, need(&m, V2_PL_SA)->len,
				  &ike.c.conf, 14, &got));
	assert_true(got.has_spi);
	nr = need(&m, V2_PL_NONCE);
	assert_true(v2_read_ke(need(&m, V2_PL_KE), &g, &gy, &gy_len));
	assert_true(dh_shared(d, gy, gy_len, gir, dh_shared_len(14)));
	dh_free(d);
	assert_true(v2_derive_rekey(&nk, &in.k, gir, dh_shared_len(14), ni, sizeof ni, nr->body,
				    nr->len, new_spi_i, got.spi));
	/* the old SA: the client's Delete of it is answered, the session stays */
	seal_send(&in, V2_INFORMATIONAL, 3, V2_PL_DELETE, del, sizeof del);
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(m.flags, V2_F_RESPONSE);
	assert_false(ike.sas->v2_prev.live);
	assert_int_equal(ike.sas->sid, sid);
	assert_true(ike.sas->children[0].used);
	/* the new SA: message ID 0, the new keys */
	memcpy(in.spi_i, new_spi_i, 8);
	memcpy(in.spi_r, got.spi, 8);
	in.k = nk;
	seal_send(&in, V2_INFORMATIONAL, 0, 0, NULL, 0);
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(m.msgid, 0);
	assert_int_equal(ike.sas->state, ST_ESTABLISHED);
	dh_free(in.dh);
}

static void test_child_created_anew_after_delete(void **state)
{
	static const uint8_t del[] = { 0, 0, 0, 12, PROTO_ESP, 4, 0, 1, 0x12, 0x34, 0x56, 0x78 };
	struct initiator in;
	uint8_t buf[4096];
	struct v1_msg m;

	(void)state;
	v2_connect(&in);
	seal_send(&in, V2_INFORMATIONAL, 2, V2_PL_DELETE, del, sizeof del);
	recv_sk(&in, buf, sizeof buf, &m);
	ipc_expect(esp_end, IPC_SA_DEL);
	/* no child left: a CREATE_CHILD_SA without REKEY_SA makes one */
	rekey(&in, 3, 0, 0x44444444, 0);
	assert_int_equal(ike.sas->state, ST_ESTABLISHED);
	dh_free(in.dh);
}

/* An idle client gets a liveness check (the tunnel-group's DPD timers,
 * ASA defaults 300 s and 2 s); answered, the session lives on; three
 * unanswered end it with cause dpd. */
static void test_liveness_checks(void **state)
{
	struct initiator in;
	uint8_t buf[4096];
	struct v1_msg m;
	long long past = now_ms() - 301000;

	(void)state;
	v2_connect(&in);
	ike.sas->last_rx_ms = ike.sas->state_ms = past;
	sa_tick();
	recv_sk(&in, buf, sizeof buf, &m);
	assert_int_equal(m.exch, V2_INFORMATIONAL);
	assert_int_equal(m.flags, 0);			/* a request of the responder */
	assert_int_equal(m.n, 0);
	assert_int_equal(ike.sas->dpd_tries, 1);
	seal_send_flags(&in, V2_INFORMATIONAL, m.msgid, V2_F_INITIATOR | V2_F_RESPONSE, 0, NULL, 0);
	assert_int_equal(ike.sas->dpd_tries, 0);	/* answered */
	ike.sas->last_rx_ms = ike.sas->state_ms = past;
	for (int i = 0; i < 3; i++) {			/* the client is gone */
		sa_tick();
		recv_sk(&in, buf, sizeof buf, &m);
		assert_int_equal(m.msgid, 1);		/* retries keep the message ID */
		ike.sas->dpd_sent_ms -= 3000;
	}
	sa_tick();
	assert_null(ike.sas);
	dh_free(in.dh);
}

/* A client that starts afresh (INITIAL_CONTACT) replaces its older
 * session from the same address; without it both stay (up to
 * vpn-simultaneous-logins, 3 by default). */
static void test_initial_contact_ends_the_older_session(void **state)
{
	struct initiator a, b, c;
	uint64_t sid_b;

	(void)state;
	v2_connect(&a);
	v2_connect(&b);
	assert_non_null(ike.sas->next);		/* two sessions of alice */
	sid_b = ike.sas->sid;
	initial_contact = true;
	v2_connect(&c);
	initial_contact = false;
	assert_null(ike.sas->next);		/* both older ones ended */
	assert_int_not_equal(ike.sas->sid, sid_b);
	dh_free(a.dh);
	dh_free(b.dh);
	dh_free(c.dh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_connect_installs_keymat, teardown),
		cmocka_unit_test_teardown(test_retransmissions_get_the_same_answer, teardown),
		cmocka_unit_test_teardown(test_init_retransmission, teardown),
		cmocka_unit_test_teardown(test_wrong_psk_is_refused, teardown),
		cmocka_unit_test_teardown(test_invalid_ke_names_our_group, teardown),
		cmocka_unit_test_teardown(test_no_proposal_then_delete, teardown),
		cmocka_unit_test_teardown(test_client_delete_ends_the_session, teardown),
		cmocka_unit_test_teardown(test_forged_and_stale_requests_are_dropped, teardown),
		cmocka_unit_test_teardown(test_child_rekey_then_delete_of_the_old, teardown),
		cmocka_unit_test_teardown(test_rekey_refusals, teardown),
		cmocka_unit_test_teardown(test_ike_sa_rekey, teardown),
		cmocka_unit_test_teardown(test_child_created_anew_after_delete, teardown),
		cmocka_unit_test_teardown(test_liveness_checks, teardown),
		cmocka_unit_test_teardown(test_initial_contact_ends_the_older_session, teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
