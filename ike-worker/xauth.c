/* XAUTH (draft-beaulieu-ike-xauth-02), the gateway's side: after phase 1
 * we send CFG_REQUEST(user, password); the client's CFG_REPLY goes to
 * authd; its verdict returns as CFG_SET(STATUS) which the client ACKs. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ike.h"
#include "log.h"

/* Prompts repeated after an Access-Reject that carries a Reply-Message
 * (the ASA's behaviour): vpnc shows XAUTH_MESSAGE of a CFG_REQUEST but not
 * of the final CFG_SET, which must hold the STATUS attribute alone. */
#define XAUTH_MAX_RETRIES 2

/* text: XAUTH_MESSAGE of a prompt, NULL for none. */
static void send_attrs(struct ike_sa *sa, uint32_t msgid, uint8_t cfg_type, uint16_t ident,
		       void (*fill)(struct v1_out *, const char *), const char *text)
{
	struct v1_out o;
	size_t hash, attr;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_TRANSACTION, 0, msgid);
	hash = crypt_reserve_hash(sa, &o);
	attr = v1_out_open(&o, PL_ATTR);
	wbuf_u8(&o.w, cfg_type);
	wbuf_u8(&o.w, 0);
	wbuf_u16(&o.w, ident);
	fill(&o, text);
	v1_out_close(&o, attr);
	crypt_seal_send(sa, &o, hash, NULL, 0);
	net_set_reply(sa, o.buf, o.w.len);
}

static void fill_request(struct v1_out *o, const char *text)
{
	v1_out_attr16(o, CA_XAUTH_TYPE, 0);	/* generic */
	if (text && text[0])
		v1_out_attr_var(o, CA_XAUTH_MESSAGE, text, strlen(text));
	v1_out_attr_var(o, CA_XAUTH_USER_NAME, NULL, 0);
	v1_out_attr_var(o, CA_XAUTH_USER_PASSWORD, NULL, 0);
}

static void fill_ok(struct v1_out *o, const char *text)
{
	(void)text;
	v1_out_attr16(o, CA_XAUTH_STATUS, 1);
}

static void fill_fail(struct v1_out *o, const char *text)
{
	(void)text;
	v1_out_attr16(o, CA_XAUTH_STATUS, 0);
}

/* A new XAUTH round: CFG_REQUEST(user, password), with text shown to the
 * user when not NULL. */
static void xauth_prompt(struct ike_sa *sa, const char *text)
{
	sa->xauth_msgid = crypt_new_msgid();
	sa_set_state(sa, ST_XAUTH_REQ);
	send_attrs(sa, sa->xauth_msgid, CFG_REQUEST, 1, fill_request, text);
}

void xauth_start(struct ike_sa *sa)
{
	sa->xauth_retries = 0;
	xauth_prompt(sa, NULL);
}

static void xauth_fail(struct ike_sa *sa)
{
	sa_set_state(sa, ST_XAUTH_FAILED);
	send_attrs(sa, crypt_new_msgid(), CFG_SET, 2, fill_fail, NULL);
}

/* The tunnel-group authenticates against RADIUS: its reject messages are
 * the server's Reply-Message, for the user.  LOCAL's ("unknown user")
 * would tell a guesser which names exist. */
static bool xauth_by_radius(const struct ike_sa *sa)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);

	return tg && tg->auth_server_group[0] && strcmp(tg->auth_server_group, "LOCAL") != 0;
}

/* A RADIUS reject with a Reply-Message prompts again showing it, at most
 * XAUTH_MAX_RETRIES times; then (or without a message) XAUTH fails. */
static void xauth_rejected(struct ike_sa *sa, const struct ipc_auth_ans *a, const char *msg)
{
	log_warn("peer %s group %s user %s: XAUTH failed: %s", sa_peer_str(sa),
		 sa->group_name, sa->user, msg[0] ? msg : "rejected");
	if (a->result == AUTH_REJECT && msg[0] && xauth_by_radius(sa) &&
	    sa->xauth_retries < XAUTH_MAX_RETRIES) {
		sa->xauth_retries++;
		log_info("peer %s user %s: XAUTH prompt %u of %u again with \"%s\"",
			 sa_peer_str(sa), sa->user, sa->xauth_retries, XAUTH_MAX_RETRIES, msg);
		xauth_prompt(sa, msg);
		return;
	}
	xauth_fail(sa);
}

static bool copy_attr_string(const struct v1_attr *a, char *out, size_t cap)
{
	if (a->tv || a->len >= cap || (a->len && memchr(a->val, 0, a->len)))
		return false;
	memcpy(out, a->val, a->len);
	out[a->len] = 0;
	return true;
}

static void xauth_reply(struct ike_sa *sa, struct rbuf *attrs)
{
	struct ipc_auth q = { .sid = sa->sid, .peer_addr = sa->peer.sin_addr.s_addr,
			      .peer_port = ntohs(sa->peer.sin_port) };
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);
	struct v1_attr a;
	bool user = false, pass = false;

	while (v1_next_attr(attrs, &a)) {
		if (a.type == CA_XAUTH_USER_NAME)
			user = copy_attr_string(&a, q.user, sizeof q.user);
		else if (a.type == CA_XAUTH_USER_PASSWORD)
			pass = copy_attr_string(&a, q.pass, sizeof q.pass);
	}
	if (!user || !pass || !tg) {
		log_warn("peer %s: XAUTH reply without user name or password", sa_peer_str(sa));
		sodium_memzero(&q, sizeof q);
		sa_end(sa, "auth-failed", true);
		return;
	}
	ipc_strcpy(sa->user, sizeof sa->user, q.user);
	/* the answer to a challenge carries its State, once */
	q.state_len = sa->rad_state_len;
	memcpy(q.state, sa->rad_state, sa->rad_state_len);
	sa->rad_state_len = 0;
	ipc_strcpy(q.tunnel_group, sizeof q.tunnel_group, sa->group_name);
	ipc_strcpy(q.server_group, sizeof q.server_group,
		   tg->auth_server_group[0] ? tg->auth_server_group : "LOCAL");
	sa_set_state(sa, ST_XAUTH_CHECK);
	peers_send(ROLE_AUTHD, 0, IPC_AUTH, 0, &q, sizeof q);
	sodium_memzero(&q, sizeof q);
}

void xauth_input(struct ike_sa *sa, const struct v1_msg *m, uint8_t cfg_type, struct rbuf *attrs)
{
	if (cfg_type == CFG_REPLY && sa->state == ST_XAUTH_REQ && m->msgid == sa->xauth_msgid) {
		xauth_reply(sa, attrs);
	} else if (cfg_type == CFG_ACK && sa->state == ST_XAUTH_SET) {
		sa_set_state(sa, ST_CFG_WAIT);
	} else if (cfg_type == CFG_ACK && sa->state == ST_XAUTH_FAILED) {
		sa_end(sa, "auth-failed", true);
	} else {
		log_debug("peer %s: unexpected XAUTH message type %u", sa_peer_str(sa), cfg_type);
	}
}

/* RADIUS Access-Challenge (one-time codes): a new XAUTH round shows the
 * server's prompt; the answer goes back with the challenge's State. */
static void xauth_challenged(struct ike_sa *sa, const struct ipc_auth_ans *a, const char *msg)
{
	if (a->state_len > sizeof sa->rad_state) {
		log_warn("peer %s user %s: RADIUS State too long", sa_peer_str(sa), sa->user);
		xauth_fail(sa);
		return;
	}
	memcpy(sa->rad_state, a->state, a->state_len);
	sa->rad_state_len = a->state_len;
	log_info("peer %s group %s user %s: XAUTH challenge: \"%s\"", sa_peer_str(sa),
		 sa->group_name, sa->user, msg);
	xauth_prompt(sa, msg);
}

/* What the authentication server decided beyond yes: the group-policy
 * (RADIUS Class OU=), address or pool, session timeout. */
static void xauth_authorize(struct ike_sa *sa, const struct ipc_auth_ans *a)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);
	char gp[NAME_LEN];

	ipc_strcpy(gp, sizeof gp, a->group_policy);
	ipc_strcpy(sa->policy, sizeof sa->policy, tg ? tg->default_policy : "DfltGrpPolicy");
	if (gp[0] && conf_group_policy(&ike.c.conf, gp))
		ipc_strcpy(sa->policy, sizeof sa->policy, gp);
	else if (gp[0])
		log_warn("peer %s user %s: group-policy %s from the server is not configured; "
			 "using %s", sa_peer_str(sa), sa->user, gp, sa->policy);
	sa->framed_addr = a->framed_addr;
	memcpy(sa->framed_pool, a->framed_pool, sizeof sa->framed_pool);
	sa->framed_pool[sizeof sa->framed_pool - 1] = 0;
	sa->session_timeout = a->session_timeout;
	if (!sa->session_timeout && conf_group_policy(&ike.c.conf, sa->policy))
		sa->session_timeout = conf_group_policy(&ike.c.conf, sa->policy)->session_timeout;
	ipc_strcpy(sa->acct_session_id, sizeof sa->acct_session_id, a->acct_session_id);
	sa->class_len = a->class_len <= sizeof sa->class_attr ? a->class_len : 0;
	memcpy(sa->class_attr, a->class_attr, sa->class_len);
	sa->up_ms = now_ms();
	timeouts_start(sa, a->idle_timeout);
}

void xauth_answer(const struct ipc_auth_ans *a)
{
	struct ike_sa *sa = sa_by_sid(a->sid);
	char msg[sizeof a->message];

	if (!sa || sa->state != ST_XAUTH_CHECK)
		return;
	ipc_strcpy(msg, sizeof msg, a->message);
	if (a->result == AUTH_CHALLENGE) {
		xauth_challenged(sa, a, msg);
		return;
	}
	if (a->result != AUTH_OK) {
		xauth_rejected(sa, a, msg);
		return;
	}
	log_notice("peer %s group %s user %s: XAUTH succeeded", sa_peer_str(sa), sa->group_name,
		   sa->user);
	xauth_authorize(sa, a);
	ic_apply(sa);	/* INITIAL-CONTACT: the same user's older session from this address goes */
	reauth_adopt(sa);	/* a re-authentication takes the live session over (reauth.c) */
	if (!sa_login_limit(sa)) {
		xauth_fail(sa);
		return;
	}
	peers_db_session_new(sa);
	timeouts_db(sa);
	peers_db_ike_sa(sa, false);
	sa_set_state(sa, ST_XAUTH_SET);
	send_attrs(sa, crypt_new_msgid(), CFG_SET, 2, fill_ok, NULL);
}
