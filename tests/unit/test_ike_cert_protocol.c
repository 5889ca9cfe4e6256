/* Protocol test of main mode with RSA signatures: a scripted initiator
 * drives the IKE worker's responder over loopback UDP and plays master on
 * a socketpair (answering IPC_SIGN with master's own signing code), on
 * the PKI of pki_fixture.h.  It checks that SKEYID needs no round trip to
 * master, message 4's CERTREQ names our CA, master is asked to sign
 * exactly HASH_R with the trustpoint's key, message 6 carries our DN, our
 * certificate and a SIG_R that verifies, and the certificate's OU picks
 * the tunnel-group; and that a revoked certificate, a bad signature and
 * an ID that is not the certificate's are refused with their notify and
 * no signature asked of master. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../ike-worker/cert.h"
#include "../../ike-worker/ike.h"
#include "../../master/master.h"
#include "log.h"
#include "ike_harness.h"
#include "pki_fixture.h"

struct ike_ctx ike;

static int client;
static struct sockaddr_in gw_addr;
static struct ipc_msg msg;
static char key_path[128];

struct init {
	uint8_t icky[8], rcky[8];
	struct dh *dh;
	uint8_t gxi[128], gxr[128], gxy[128];
	uint8_t ni[20], nr[256];
	size_t nr_len;
	uint8_t sa_b[128], id_b[300];
	size_t sa_len, id_len;
	struct v1_keys k;
	uint8_t iv[16];
};

static void config_text(char *out, size_t cap)
{
	snprintf(out, cap,
		 "interface gw0\n nameif outside\n ip address 127.0.0.1 255.0.0.0\n"
		 "ip local pool P 10.200.0.1-10.200.0.9 mask 255.255.255.0\n"
		 "crypto ikev1 policy 10\n authentication rsa-sig\n encryption aes-256\n hash sha\n group 2\n"
		 "crypto ca trustpoint TP\n ca-certificate file %s/ca.pem\n certificate file %s/gw.pem\n"
		 " key file %s/gw.key\n crl file %s/crl.pem\n revocation-check crl\n"
		 "crypto ikev1 enable outside\n"
		 "tunnel-group Sales type remote-access\ntunnel-group Sales general-attributes\n"
		 " address-pool P\n"
		 "tunnel-group DefaultRAGroup type remote-access\n"
		 "tunnel-group DefaultRAGroup general-attributes\n address-pool P\n"
		 "tunnel-group DefaultRAGroup ipsec-attributes\n ikev1 trust-point TP\n",
		 dir, dir, dir, dir);
}

/* ---- the scripted initiator ---- */

static void build_sa_body(struct init *in)
{
	struct wbuf w;
	size_t prop, tf;

	wbuf_init(&w, in->sa_b, sizeof in->sa_b);
	wbuf_u32(&w, 1);
	wbuf_u32(&w, 1);
	prop = wbuf_reserve(&w, 4);
	wbuf_u8(&w, 1); wbuf_u8(&w, PROTO_ISAKMP); wbuf_u8(&w, 0); wbuf_u8(&w, 1);
	tf = wbuf_reserve(&w, 4);
	wbuf_u8(&w, 1); wbuf_u8(&w, 1); wbuf_u16(&w, 0);
	wbuf_u16(&w, 0x8000 | P1_ENC); wbuf_u16(&w, IKE_ENC_AES);
	wbuf_u16(&w, 0x8000 | P1_KEY_LENGTH); wbuf_u16(&w, 256);
	wbuf_u16(&w, 0x8000 | P1_HASH); wbuf_u16(&w, IKE_HASH_SHA1);
	wbuf_u16(&w, 0x8000 | P1_AUTH); wbuf_u16(&w, AUTH_XAUTH_INIT_RSA);
	wbuf_u16(&w, 0x8000 | P1_GROUP); wbuf_u16(&w, 2);
	wbuf_put_u16_at(&w, tf + 2, (uint16_t)(w.len - tf));
	wbuf_put_u16_at(&w, prop + 2, (uint16_t)(w.len - prop));
	assert_true(wbuf_ok(&w));
	in->sa_len = w.len;
}

static void send_raw(const uint8_t *p, size_t len)
{
	assert_int_equal(sendto(client, p, len, 0, (struct sockaddr *)&gw_addr, sizeof gw_addr),
			 (ssize_t)len);
	net_receive(ike.sock500, false);
}

static ssize_t recv_msg(uint8_t *buf, size_t cap, struct v1_msg *m)
{
	ssize_t n = recv(client, buf, cap, MSG_DONTWAIT);

	assert_true(n > ISAKMP_HDR_LEN);
	assert_true(v1_parse_header(buf, (size_t)n, m));
	return n;
}

/* Message 4's CR names our CA: certificate type 4 + the CA's DN. */
static void check_certreq(const struct v1_msg *m)
{
	const struct v1_payload *cr = need(m, PL_CR);
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(ca), &der);

	assert_int_equal(cr->body[0], CERT_X509_SIG);
	assert_int_equal(cr->len, (size_t)len + 1);
	assert_memory_equal(cr->body + 1, der, (size_t)len);
	OPENSSL_free(der);
}

/* Messages 1 to 4; the keys from SKEYID = prf(Ni | Nr, g^xy). */
static void to_msg4(struct init *in)
{
	static const uint8_t zero[8];
	uint8_t buf[4096], nonces[276];
	struct chunk gxy = { in->gxy, 128 };
	struct v1_out o;
	struct v1_msg m;
	ssize_t n;

	memset(in, 0, sizeof *in);
	random_bytes(in->icky, 8);
	random_bytes(in->ni, sizeof in->ni);
	in->dh = dh_new(2);
	assert_true(in->dh && dh_public(in->dh, in->gxi, 128));
	build_sa_body(in);
	v1_out_begin(&o, in->icky, zero, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_SA, in->sa_b, in->sa_len);
	v1_out_finish(&o);
	send_raw(o.buf, o.w.len);
	recv_msg(buf, sizeof buf, &m);				/* 2 */
	memcpy(in->rcky, m.rcky, 8);
	v1_out_begin(&o, in->icky, in->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_KE, in->gxi, 128);
	v1_out_payload(&o, PL_NONCE, in->ni, sizeof in->ni);
	v1_out_finish(&o);
	send_raw(o.buf, o.w.len);				/* 3 */
	assert_int_equal(ipc_recv(master_end, &msg), IPC_AGAIN);	/* no SKEYID asked */
	n = recv_msg(buf, sizeof buf, &m);			/* 4 */
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN));
	check_certreq(&m);
	memcpy(in->gxr, need(&m, PL_KE)->body, 128);
	in->nr_len = need(&m, PL_NONCE)->len;
	memcpy(in->nr, need(&m, PL_NONCE)->body, in->nr_len);
	assert_true(dh_shared(in->dh, in->gxr, 128, in->gxy, 128));
	memcpy(nonces, in->ni, sizeof in->ni);
	memcpy(nonces + sizeof in->ni, in->nr, in->nr_len);
	in->k.prf = IKE_HASH_SHA1;
	in->k.hlen = 20;
	assert_true(prf_chunks(IKE_HASH_SHA1, nonces, sizeof in->ni + in->nr_len, &gxy, 1,
			       in->k.skeyid));
	assert_true(v1_derive(&in->k, in->gxy, 128, in->icky, in->rcky, 32));
	assert_true(v1_phase1_iv(IKE_HASH_SHA1, in->gxi, 128, in->gxr, 128, 16, in->iv));
}

static size_t dn_id(X509 *x, uint8_t *out, size_t cap)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(x), &der);

	assert_true(len > 0 && (size_t)len + 4 <= cap);
	memset(out, 0, 4);
	out[0] = ID_DER_ASN1_DN;
	memcpy(out + 4, der, (size_t)len);
	OPENSSL_free(der);
	return (size_t)len + 4;
}

static void add_cert(struct v1_out *o, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	size_t p = v1_out_open(o, PL_CERT);

	wbuf_u8(&o->w, CERT_X509_SIG);
	wbuf_bytes(&o->w, der, (size_t)len);
	v1_out_close(o, p);
	OPENSSL_free(der);
}

/* Message 5: ID (id_of's DN), CERT (cert), SIG_I (with the leaves' key). */
static void send_msg5(struct init *in, X509 *cert, X509 *id_of, bool corrupt_sig)
{
	uint8_t h[20], sig[512];
	size_t sig_len = sizeof sig, body;
	struct v1_out o;

	in->id_len = dn_id(id_of, in->id_b, sizeof in->id_b);
	v1_auth_hash(&in->k, in->gxi, 128, in->gxr, 128, in->icky, in->rcky, in->sa_b, in->sa_len,
		     in->id_b, in->id_len, h);
	assert_true(master_sign_file(key_path, h, sizeof h, sig, &sig_len));
	sig[10] ^= corrupt_sig;
	v1_out_begin(&o, in->icky, in->rcky, EXCH_MAIN, FLAG_ENC, 0);
	v1_out_payload(&o, PL_ID, in->id_b, in->id_len);
	add_cert(&o, cert);
	v1_out_payload(&o, PL_SIG, sig, sig_len);
	body = o.w.len - ISAKMP_HDR_LEN;
	wbuf_zero(&o.w, (16 - body % 16) % 16);
	v1_out_finish(&o);
	assert_true(cbc_crypt(IKE_ENC_AES, in->k.enc_key, 32, in->iv, o.buf + ISAKMP_HDR_LEN,
			      o.w.len - ISAKMP_HDR_LEN, true));
	send_raw(o.buf, o.w.len);
}

/* master's part: the signature, with master's own code and key file. */
static void answer_sign(uint8_t asked[20])
{
	struct ipc_sign q;
	struct ipc_sign_ans a = { 0 };
	size_t len = sizeof a.sig;

	assert_int_equal(ipc_recv(master_end, &msg), IPC_OK);
	assert_int_equal(msg.hdr.type, IPC_SIGN);
	memcpy(&q, msg.data, sizeof q);
	assert_string_equal(q.trustpoint, "TP");
	assert_int_equal(q.len, 20);
	memcpy(asked, q.data, 20);
	assert_true(master_sign_file(key_path, q.data, q.len, a.sig, &len));
	a.len = (uint32_t)len;
	assert_int_equal(ipc_send(master_end, IPC_SIGN_ANS, msg.hdr.id, &a, sizeof a, -1), 0);
	peers_input(ike.c.master, ROLE_MASTER, 0);
}

static void check_msg6(struct init *in, const uint8_t asked[20])
{
	uint8_t buf[4096], want[20], id[300];
	struct v1_msg m;
	const struct v1_payload *idr, *cert, *sig;
	const unsigned char *p;
	ssize_t n = recv_msg(buf, sizeof buf, &m);
	X509 *got;

	assert_true(m.flags & FLAG_ENC);
	assert_true(cbc_crypt(IKE_ENC_AES, in->k.enc_key, 32, in->iv, buf + ISAKMP_HDR_LEN,
			      (size_t)n - ISAKMP_HDR_LEN, false));
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, (size_t)n - ISAKMP_HDR_LEN));
	idr = need(&m, PL_ID);
	assert_int_equal(idr->len, dn_id(gw, id, sizeof id));
	assert_memory_equal(idr->body, id, idr->len);
	cert = need(&m, PL_CERT);
	assert_int_equal(cert->body[0], CERT_X509_SIG);
	p = cert->body + 1;
	got = d2i_X509(NULL, &p, (long)cert->len - 1);
	assert_non_null(got);
	assert_int_equal(X509_cmp(got, gw), 0);
	X509_free(got);
	v1_auth_hash(&in->k, in->gxr, 128, in->gxi, 128, in->rcky, in->icky, in->sa_b, in->sa_len,
		     idr->body, idr->len, want);
	assert_memory_equal(asked, want, 20);		/* master signed HASH_R */
	sig = need(&m, PL_SIG);
	assert_true(cert_check_sig(gw, want, 20, sig->body, sig->len));
}

/* The encrypted informational refusal and its notify type. */
static void expect_notify(struct init *in, uint16_t type)
{
	uint8_t buf[1024], iv[16];
	struct v1_msg m;
	const struct v1_payload *n;
	ssize_t len = recv_msg(buf, sizeof buf, &m);

	assert_int_equal(m.exch, EXCH_INFO);
	assert_true(m.flags & FLAG_ENC);
	v1_phase2_iv(IKE_HASH_SHA1, in->iv, 16, m.msgid, iv);
	assert_true(cbc_crypt(IKE_ENC_AES, in->k.enc_key, 32, iv, buf + ISAKMP_HDR_LEN,
			      (size_t)len - ISAKMP_HDR_LEN, false));
	assert_true(v1_parse_payloads(&m, buf + ISAKMP_HDR_LEN, (size_t)len - ISAKMP_HDR_LEN));
	n = need(&m, PL_NOTIFY);
	assert_int_equal(n->body[6] << 8 | n->body[7], type);
}

/* ---- fixtures ---- */
static int setup(void **state)
{
	static struct master m;
	char text[4096], err[CONF_ERR];

	(void)state;
	harness_begin();
	pki_fixture_make();
	snprintf(key_path, sizeof key_path, "%s/gw.key", dir);
	config_text(text, sizeof text);
	assert_true(conf_parse_text(text, strlen(text), "test", &ike.c.conf, err, sizeof err));
	assert_true(conf_parse_text(text, strlen(text), "test", &m.conf, err, sizeof err));
	ike.c.fds[FD_PKI] = master_pki_fd(&m);		/* as master feeds it */
	conf_free(&m.conf);
	harness_wire(&gw_addr);
	client = udp_sock(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_reset(client);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	conf_free(&ike.c.conf);
	free(ike.c.msg);
	return pki_fixture_free();
}

/* ---- tests ---- */
static void test_certificate_main_mode(void **state)
{
	struct init in;
	uint8_t asked[20];

	(void)state;
	to_msg4(&in);
	send_msg5(&in, alice, alice, false);
	answer_sign(asked);
	check_msg6(&in, asked);
	assert_non_null(ike.sas);
	assert_string_equal(ike.sas->group_name, "Sales");	/* OU=Sales */
	assert_string_equal(ike.sas->peer_dn, "C=CH, O=ravpn, OU=Sales, CN=alice");
	assert_int_equal(ike.sas->state, ST_XAUTH_REQ);
	dh_free(in.dh);
}

struct refusal {
	const char *name;
	X509 **cert, **id_of;
	bool corrupt_sig;
	uint16_t notify;
};

static const struct refusal refusals[] = {
	{ "revoked certificate", &mallory, &mallory, false, N_INVALID_CERTIFICATE },
	{ "certificate of another CA", &stranger, &stranger, false, N_INVALID_CERT_AUTHORITY },
	{ "SIG_I does not verify", &alice, &alice, true, N_AUTHENTICATION_FAILED },
	{ "ID names another subject", &alice, &bob, false, N_INVALID_ID_INFORMATION },
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct refusal *r = &refusals[i];
		struct init in;

		print_message("refusal: %s\n", r->name);
		to_msg4(&in);
		send_msg5(&in, *r->cert, *r->id_of, r->corrupt_sig);
		expect_notify(&in, r->notify);
		assert_int_equal(ipc_recv(master_end, &msg), IPC_AGAIN);	/* nothing signed */
		assert_null(ike.sas);
		dh_free(in.dh);
		teardown(NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_certificate_main_mode, teardown),
		cmocka_unit_test_teardown(test_refusals, teardown),
	};

	return cmocka_run_group_tests(tests, setup, group_teardown);
}
