/* IKE_AUTH, responder, with pre-shared keys (RFC 7296 1.2, 2.15).
 *
 * The client's IKE ID picks the tunnel-group: the whole ID names it, or
 * the part after its last '@' (user@group, the user being the part
 * before).  Master, which alone holds the group's ikev2 keys, computes
 * the AUTH the client must have sent and ours; poold then leases the
 * address the CP reply carries, and the child SA comes up with the
 * answer.  The request waits in sa->v2_req meanwhile. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike.h"
#include "log.h"

static const struct conf_tunnel_group *group_of_id(const char *id, char *user, size_t cap)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, id);
	const char *at = strrchr(id, '@');

	ipc_strcpy(user, cap, id);
	if (!tg && at && (tg = conf_tunnel_group(&ike.c.conf, at + 1)) && (size_t)(at - id) < cap)
		user[at - id] = 0;
	return tg && !tg->l2l && tg->has_v2_psk_remote ? tg : NULL;
}

/* Keeps the decrypted payloads of the request for the answer. */
static bool keep_request(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *last = &m->pl[m->n - 1];
	size_t len = (size_t)(last->raw + last->raw_len - m->pl[0].raw);

	free(sa->v2_req);
	if (!(sa->v2_req = malloc(len)))
		return false;
	memcpy(sa->v2_req, m->pl[0].raw, len);
	sa->v2_req_len = len;
	sa->v2_req_first = m->pl[0].type;
	sa->v2_req_msgid = m->msgid;
	return true;
}

static bool request_again(const struct ike_sa *sa, struct v1_msg *m)
{
	memset(m, 0, sizeof *m);
	memcpy(m->icky, sa->icky, 8);
	memcpy(m->rcky, sa->rcky, 8);
	m->first = sa->v2_req_first;
	m->exch = V2_IKE_AUTH;
	m->msgid = sa->v2_req_msgid;
	return sa->v2_req && v1_parse_payloads(m, sa->v2_req, sa->v2_req_len);
}

static void drop_request(struct ike_sa *sa)
{
	free(sa->v2_req);
	sa->v2_req = NULL;
	sa->v2_req_len = 0;
}

/* Our ID: the outside address (what clients configure as the gateway's). */
static size_t own_id(uint8_t body[8])
{
	body[0] = V2_ID_IPV4_ADDR;
	memset(body + 1, 0, 3);
	memcpy(body + 4, &ike.local_addr, 4);
	return 8;
}

/* Sends the answer o (SK payload at sk) to the pending request. */
static void answer(struct ike_sa *sa, struct v1_out *o, size_t sk)
{
	if (v2_sk_send(sa, o, sk))
		net_set_reply(sa, o->buf, o->w.len);
	sa->v2_rx_msgid = sa->v2_req_msgid + 1;
	drop_request(sa);
}

void v2_auth_refuse(struct ike_sa *sa, uint16_t notify)
{
	struct v1_out o;
	size_t sk;

	if (!sa->v2_req)
		return;
	sk = v2_sk_begin(sa, &o, V2_IKE_AUTH, V2_F_RESPONSE, sa->v2_req_msgid);
	v2_out_notify(&o, notify, NULL, 0);
	answer(sa, &o, sk);
}

static bool ask_master(struct ike_sa *sa, const struct v1_payload *idi)
{
	static struct ipc_v2_auth q;
	uint8_t idr[8];
	size_t idr_len = own_id(idr);
	const struct v2_keys *k = &sa->v2k;

	memset(&q, 0, sizeof q);
	ipc_strcpy(q.group, sizeof q.group, sa->group_name);
	q.prf = (uint8_t)sa->v2_prf;
	q.i_len = (uint32_t)v2_signed_octets(k->prf, k->sk_pi, k->prf_len, sa->v2_msg1,
					     sa->v2_msg1_len, sa->nr, sa->nr_len, idi->body,
					     idi->len, q.i_octets, sizeof q.i_octets);
	q.r_len = (uint32_t)v2_signed_octets(k->prf, k->sk_pr, k->prf_len, sa->v2_msg2,
					     sa->v2_msg2_len, sa->ni, sa->ni_len, idr, idr_len,
					     q.r_octets, sizeof q.r_octets);
	if (!q.i_len || !q.r_len)
		return false;
	sa->req_id = ++ike.next_req_id;
	peers_send(ROLE_MASTER, 0, IPC_V2_AUTH, sa->req_id, &q, sizeof q);
	sa_set_state(sa, ST_V2_AUTH_CHECK);
	return true;
}

/* The AUTH payload of the request: method and value. */
static bool read_auth(const struct v1_payload *a, uint8_t *method, const uint8_t **v, size_t *n)
{
	struct rbuf r;

	rbuf_init(&r, a->body, a->len);
	if (!rbuf_u8(&r, method) || !rbuf_skip(&r, 3))
		return false;
	*n = rbuf_left(&r);
	*v = rbuf_cur(&r);
	return true;
}

/* Why the request cannot be authenticated with a pre-shared key, or NULL. */
static const char *auth_problem(struct ike_sa *sa, const struct v1_msg *m, const char *id)
{
	const struct v1_payload *auth = v1_find(m, V2_PL_AUTH, 0);
	uint8_t method = 0;
	const uint8_t *v;
	size_t n;
	const struct conf_tunnel_group *tg;

	if (!auth)
		return "no AUTH payload: EAP is not supported, only pre-shared keys";
	if (!read_auth(auth, &method, &v, &n) || method != V2_AUTH_SHARED_KEY)
		return "AUTH method is not a shared key MIC (only pre-shared keys are supported)";
	if (!(tg = group_of_id(id, sa->user, sizeof sa->user)))
		return "no remote-access tunnel-group with an ikev2 pre-shared key for this ID";
	ipc_strcpy(sa->group_name, sizeof sa->group_name, tg->name);
	return NULL;
}

void v2_auth_request(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *idi = v1_find(m, V2_PL_IDI, 0);
	char id[NAME_LEN] = "?";
	const char *why;

	if (sa->state != ST_V2_INIT_SENT) {
		log_warn("peer %s: IKE_AUTH out of order dropped", sa_peer_str(sa));
		return;
	}
	if (!keep_request(sa, m))
		return;
	sa->initial_contact = v2_find_notify(m, V2N_INITIAL_CONTACT) != NULL;
	if (!idi || !v2_id_text(idi, id, sizeof id))
		why = "no valid IDi payload";
	else
		why = auth_problem(sa, m, id);
	if (!why && !ask_master(sa, idi))
		why = "IKE_SA_INIT message too long to sign";
	if (why) {
		log_warn("peer %s id %s: IKEv2 authentication refused: %s", sa_peer_str(sa), id, why);
		v2_auth_refuse(sa, V2N_AUTHENTICATION_FAILED);
		sa_end(sa, "auth-failed", false);
	}
}

static struct ike_sa *sa_of_auth(uint32_t id)
{
	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		if (sa->v2 && sa->state == ST_V2_AUTH_CHECK && sa->req_id == id)
			return sa;
	return NULL;
}

static bool auth_matches(const struct ike_sa *sa, const struct ipc_v2_auth_ans *a)
{
	struct v1_msg m;
	const struct v1_payload *auth;
	uint8_t method;
	const uint8_t *v;
	size_t n;

	return a->status == 0 && request_again(sa, &m) && (auth = v1_find(&m, V2_PL_AUTH, 0)) &&
	       read_auth(auth, &method, &v, &n) && n == a->len && n <= sizeof a->auth_i &&
	       !CRYPTO_memcmp(v, a->auth_i, n);
}

/* Authorization from the tunnel-group (no RADIUS with pre-shared keys). */
static void authorize(struct ike_sa *sa)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);
	const struct conf_group_policy *gp;

	ipc_strcpy(sa->policy, sizeof sa->policy, tg ? tg->default_policy : "DfltGrpPolicy");
	gp = conf_group_policy(&ike.c.conf, sa->policy);
	sa->session_timeout = gp ? gp->session_timeout : 0;
	sa->up_ms = now_ms();
	sa->peer_dpd = true;	/* liveness checks are part of IKEv2 (dpd.c) */
	timeouts_start(sa, 0);
}

void v2_auth_answer(uint32_t id, const struct ipc_v2_auth_ans *a)
{
	struct ike_sa *sa = sa_of_auth(id);

	if (!sa)
		return;
	if (!auth_matches(sa, a)) {
		log_warn("peer %s user %s group %s: IKEv2 authentication failed: %s",
			 sa_peer_str(sa), sa->user, sa->group_name, a->status ?
			 "the tunnel-group has no ikev2 pre-shared key" :
			 "the AUTH payload does not verify (pre-shared key mismatch)");
		v2_auth_refuse(sa, V2N_AUTHENTICATION_FAILED);
		sa_end(sa, "auth-failed", false);
		return;
	}
	memcpy(sa->v2_auth_r, a->auth_r, a->len);
	sa->v2_auth_len = a->len;
	log_notice("peer %s group %s user %s: IKEv2 pre-shared key authentication succeeded",
		   sa_peer_str(sa), sa->group_name, sa->user);
	authorize(sa);
	ic_apply(sa);	/* INITIAL_CONTACT: this user's older session from this address goes */
	if (!sa_login_limit(sa)) {
		v2_auth_refuse(sa, V2N_AUTHENTICATION_FAILED);
		sa_end(sa, "auth-failed", false);
		return;
	}
	peers_db_session_new(sa);
	timeouts_db(sa);
	peers_db_ike_sa(sa, false);
	modecfg_lease(sa);	/* then v2_auth_finish, from the lease answer */
}

static void put_id_auth(struct ike_sa *sa, struct v1_out *o)
{
	uint8_t idr[8];
	size_t s;

	v1_out_payload(o, V2_PL_IDR, idr, own_id(idr));
	s = v1_out_open(o, V2_PL_AUTH);
	wbuf_u8(&o->w, V2_AUTH_SHARED_KEY);
	wbuf_zero(&o->w, 3);
	wbuf_bytes(&o->w, sa->v2_auth_r, sa->v2_auth_len);
	v1_out_close(o, s);
}

/* Only AUTH signs the IKE_SA_INIT messages: not kept for the session. */
static void free_init_messages(struct ike_sa *sa)
{
	free(sa->v2_msg1);
	free(sa->v2_msg2);
	sa->v2_msg1 = sa->v2_msg2 = NULL;
	sa->v2_msg1_len = sa->v2_msg2_len = 0;
}

void v2_auth_finish(struct ike_sa *sa)
{
	struct v1_msg req;
	struct v1_out o;
	uint16_t notify = V2N_NO_PROPOSAL_CHOSEN;
	size_t sk;
	bool child;

	if (!request_again(sa, &req))
		return;
	child = v2_child_setup(sa, &req, -1, &notify) &&
		v2_child_keys(sa, NULL, 0, sa->ni, sa->ni_len, sa->nr, sa->nr_len);
	sk = v2_sk_begin(sa, &o, V2_IKE_AUTH, V2_F_RESPONSE, sa->v2_req_msgid);
	put_id_auth(sa, &o);
	if (child) {
		v2_child_cp(sa, &o);
		v2_child_reply(sa, &o);
	}
	else
		v2_out_notify(&o, notify, NULL, 0);
	answer(sa, &o, sk);
	sa_set_state(sa, ST_ESTABLISHED);
	free_init_messages(sa);
	if (!child) {	/* the IKE SA alone is of no use to a remote-access client */
		sa_end(sa, "no-proposal", true);
		return;
	}
	v2_child_install(sa);
}
