/* Main mode with RSA signatures, responder side (RFC 2409 5.1):
 *   3  HDR, KE, Ni [, CR]               client -> us
 *   4  HDR, KE, Nr, CR                  us -> client (our CA, so the
 *                                       client sends its certificate)
 *   5  HDR*, IDii, CERT, SIG_I          client -> us
 *   6  HDR*, IDir, CERT, SIG_R          us -> client
 * SKEYID = prf(Ni_b | Nr_b, g^xy) needs no secret, so it is made here.
 * SIG_I is checked with the client certificate's key once the certificate
 * chains to our trustpoint's CA (and is not on its CRL); SIG_R is made by
 * master, which alone holds our private key (IPC_SIGN).  The certificate
 * then picks the tunnel-group (cert_map.c), and XAUTH follows. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <openssl/x509.h>
#include <string.h>

#include "cert.h"
#include "ike.h"
#include "log.h"

bool cert_mm_is_sig(const struct ike_sa *sa)
{
	return sa->auth == IKE_AUTH_RSA_SIG || sa->auth == AUTH_XAUTH_INIT_RSA;
}

/* Ours: the tunnel-group's `ikev1 trust-point`, else the first trustpoint
 * with a certificate of our own. */
static const struct cert_tp *pick_trustpoint(struct ike_sa *sa)
{
	const struct conf *c = &ike.c.conf;
	const struct conf_tunnel_group *tg = conf_tunnel_group(c, sa->group_name);
	const struct cert_tp *tp;

	if (tg && tg->trustpoint[0]) {
		ipc_strcpy(sa->trustpoint, sizeof sa->trustpoint, tg->trustpoint);
		tp = cert_trustpoint(sa->trustpoint);
		return tp && tp->cert ? tp : NULL;
	}
	for (int i = 0; i < c->n_trustpoints; i++) {
		tp = cert_trustpoint(c->trustpoints[i].name);
		if (tp && tp->cert) {
			ipc_strcpy(sa->trustpoint, sizeof sa->trustpoint, tp->name);
			return tp;
		}
	}
	return NULL;
}

void cert_mm_local_skeyid(struct ike_sa *sa)
{
	struct ipc_skeyid_ans a = { .len = (uint32_t)hash_len(sa->hash) };
	struct chunk gxy = { sa->gxy, dh_shared_len(sa->group) };
	uint8_t key[sizeof sa->ni + sizeof sa->nr];

	if (!pick_trustpoint(sa)) {
		log_warn("peer %s group %s: main mode with RSA signatures but no trustpoint with "
			 "a certificate of ours (crypto ca trustpoint / ikev1 trust-point)",
			 sa_peer_str(sa), sa->group_name);
		sa_end(sa, "error", false);
		return;
	}
	memcpy(key, sa->ni, sa->ni_len);
	memcpy(key + sa->ni_len, sa->nr, sa->nr_len);
	if (!prf_chunks(sa->hash, key, sa->ni_len + sa->nr_len, &gxy, 1, a.skeyid))
		a.status = -1;
	sa->req_id = ++ike.next_req_id;
	p1_skeyid_answer(sa->req_id, &a);	/* derives the keys, sends message 4 */
	explicit_bzero(&a, sizeof a);
}

/* One CR payload per CA of our trustpoint: certificates it issued are the
 * ones we accept. */
void cert_mm_add_certreq(struct ike_sa *sa, struct v1_out *o)
{
	const struct cert_tp *tp;

	if (!cert_mm_is_sig(sa) || !(tp = cert_trustpoint(sa->trustpoint)))
		return;
	for (int i = 0; i < sk_X509_num(tp->cas); i++) {
		unsigned char *der = NULL;
		int len = i2d_X509_NAME(X509_get_subject_name(sk_X509_value(tp->cas, i)), &der);
		size_t p;

		if (len <= 0)
			continue;
		p = v1_out_open(o, PL_CR);
		wbuf_u8(&o->w, CERT_X509_SIG);
		wbuf_bytes(&o->w, der, (size_t)len);
		v1_out_close(o, p);
		OPENSSL_free(der);
	}
}

/* The refusal: one log line with the reason, the notify, the end. */
static void refuse(struct ike_sa *sa, uint16_t notify, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct ike_sa *sa, uint16_t notify, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	log_warn("peer %s group %s: main mode certificate authentication failed: %s (notify %u)",
		 sa_peer_str(sa), sa->group_name, why, notify);
	info_send_notify(sa, notify);
	sa_end(sa, "auth-failed", false);
}

/* The client's certificate (the first X.509 CERT payload) and any other
 * certificates it sent (intermediate CAs, untrusted until chained). */
static X509 *peer_certs(const struct v1_msg *m, STACK_OF(X509) *chain, bool *bad)
{
	X509 *peer = NULL;
	const struct v1_payload *c;

	*bad = false;
	for (int i = 0; (c = v1_find(m, PL_CERT, i)) != NULL; i++) {
		const unsigned char *p = c->body + 1;
		X509 *x;

		if (c->len < 2 || c->body[0] != CERT_X509_SIG)
			continue;
		x = d2i_X509(NULL, &p, (long)(c->len - 1));
		if (!x || p != c->body + c->len) {
			X509_free(x);
			*bad = true;
			continue;
		}
		if (!peer)
			peer = x;
		else if (!sk_X509_push(chain, x))
			X509_free(x);
	}
	return peer;
}

/* Our ID: ID_DER_ASN1_DN with our certificate's subject. */
static bool own_dn_id(struct ike_sa *sa, X509 *ours)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(ours), &der);
	struct wbuf w;

	wbuf_init(&w, sa->idr_b, sizeof sa->idr_b);
	wbuf_u8(&w, ID_DER_ASN1_DN);
	wbuf_u8(&w, 0);
	wbuf_u16(&w, 0);
	if (len > 0)
		wbuf_bytes(&w, der, (size_t)len);
	OPENSSL_free(der);
	sa->idr_len = w.len;
	return len > 0 && wbuf_ok(&w);
}

static void request_signature(struct ike_sa *sa)
{
	struct ipc_sign q = { .len = (uint32_t)sa->keys.hlen };

	ipc_strcpy(q.trustpoint, sizeof q.trustpoint, sa->trustpoint);
	p1_hash_r(sa, q.data);
	sa->req_id = ++ike.next_req_id;
	sa->sign_pending = true;
	peers_send(ROLE_MASTER, 0, IPC_SIGN, sa->req_id, &q, sizeof q);
}

/* Chain, identity and signature of message 5; true when all hold. */
static bool check_peer(struct ike_sa *sa, const struct v1_msg *m, const struct cert_tp *tp,
		       X509 *peer, STACK_OF(X509) *chain)
{
	const struct conf_trustpoint *ctp = conf_trustpoint(&ike.c.conf, tp->name);
	const struct v1_payload *sig = v1_find(m, PL_SIG, 0);
	uint8_t hash_i[CRYPTO_MAX_HASH];
	char why[128];
	uint16_t n;

	cert_dn_str(X509_get_subject_name(peer), sa->peer_dn, sizeof sa->peer_dn);
	n = cert_check_chain(tp, ctp && ctp->revocation == CONF_REVOKE_CRL, peer, chain, why,
			     sizeof why);
	if (n) {
		refuse(sa, n, "certificate '%s' refused: %s", sa->peer_dn, why);
		return false;
	}
	if (!cert_check_id(peer, sa->idi_b, sa->idi_len)) {
		refuse(sa, N_INVALID_ID_INFORMATION,
		       "certificate '%s': the ID payload names neither its subject nor its "
		       "subjectAltName", sa->peer_dn);
		return false;
	}
	v1_auth_hash(&sa->keys, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->icky, sa->rcky,
		     sa->sai_b, sa->sai_len, sa->idi_b, sa->idi_len, hash_i);
	if (!sig || !cert_check_sig(peer, hash_i, sa->keys.hlen, sig->body, sig->len)) {
		refuse(sa, N_AUTHENTICATION_FAILED, "certificate '%s': %s", sa->peer_dn,
		       sig ? "SIG_I does not verify with its key" : "no SIG payload");
		return false;
	}
	return true;
}

/* The certificate names the tunnel-group, as the ASA's tunnel-group-map. */
static bool map_group(struct ike_sa *sa, X509 *peer)
{
	char ip[INET_ADDRSTRLEN];
	const char *g;

	inet_ntop(AF_INET, &sa->peer.sin_addr, ip, sizeof ip);
	g = cert_map_group(&ike.c.conf, peer, sa->idi_b, sa->idi_len, ip);
	if (!g) {
		refuse(sa, N_AUTHENTICATION_FAILED, "certificate '%s': no tunnel-group (no "
		       "certificate map, OU, IKE ID, address or default group names one)",
		       sa->peer_dn);
		return false;
	}
	ipc_strcpy(sa->group_name, sizeof sa->group_name, g);
	return true;
}

static bool msg5_accept(struct ike_sa *sa, const struct v1_msg *m, const struct cert_tp *tp,
			X509 *peer, STACK_OF(X509) *chain)
{
	if (!check_peer(sa, m, tp, peer, chain) || !map_group(sa, peer))
		return false;
	if (!own_dn_id(sa, tp->cert)) {
		refuse(sa, N_AUTHENTICATION_FAILED, "certificate '%s' accepted, but our own "
		       "certificate's subject (trustpoint %s) does not fit an ID payload",
		       sa->peer_dn, tp->name);
		return false;
	}
	log_info("peer %s: certificate '%s' accepted (trustpoint %s), tunnel-group %s",
		 sa_peer_str(sa), sa->peer_dn, tp->name, sa->group_name);
	ic_scan(sa, m);		/* INITIAL-CONTACT, applied once phase 1 completes */
	request_signature(sa);
	return true;
}

void cert_mm_msg5(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct cert_tp *tp = cert_trustpoint(sa->trustpoint);
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *peer;
	bool bad;

	if (sa->sign_pending || !chain) {
		sk_X509_free(chain);
		return;
	}
	peer = peer_certs(m, chain, &bad);
	if (!tp || !tp->cert)
		refuse(sa, N_AUTHENTICATION_FAILED, "trustpoint %s has no certificate loaded",
		       sa->trustpoint);
	else if (!peer)
		refuse(sa, bad ? N_INVALID_CERT_ENCODING : N_AUTHENTICATION_FAILED,
		       "no X.509 certificate from the client (%s)",
		       bad ? "malformed CERT payload" : "no CERT payload");
	else
		msg5_accept(sa, m, tp, peer, chain);
	X509_free(peer);
	sk_X509_pop_free(chain, X509_free);
}

static void send6(struct ike_sa *sa, const struct ipc_sign_ans *a, const struct cert_tp *tp)
{
	unsigned char *der = NULL;
	int len = i2d_X509(tp->cert, &der);
	struct v1_out o;
	size_t p;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_MAIN, 0, 0);
	v1_out_payload(&o, PL_ID, sa->idr_b, sa->idr_len);
	p = v1_out_open(&o, PL_CERT);
	wbuf_u8(&o.w, CERT_X509_SIG);
	if (len > 0)
		wbuf_bytes(&o.w, der, (size_t)len);
	v1_out_close(&o, p);
	v1_out_payload(&o, PL_SIG, a->sig, a->len);
	OPENSSL_free(der);
	crypt_seal_plain(sa, &o, 0);
	net_set_reply(sa, o.buf, o.w.len);
}

void cert_mm_sign_answer(uint32_t id, const struct ipc_sign_ans *a)
{
	const struct cert_tp *tp;
	struct ike_sa *sa;

	for (sa = ike.sas; sa; sa = sa->next)
		if (sa->sign_pending && sa->req_id == id && sa->state == ST_MM_SENT4)
			break;
	if (!sa)
		return;
	sa->sign_pending = false;
	tp = cert_trustpoint(sa->trustpoint);
	if (a->status != 0 || a->len == 0 || a->len > sizeof a->sig || !tp || !tp->cert) {
		log_err("peer %s group %s: master could not sign with trustpoint %s's key",
			sa_peer_str(sa), sa->group_name, sa->trustpoint);
		info_send_notify(sa, N_AUTHENTICATION_FAILED);
		sa_end(sa, "error", false);
		return;
	}
	send6(sa, a, tp);
	p1_complete(sa, "main mode, RSA signature");
}
