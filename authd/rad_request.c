/* One XAUTH login as a RADIUS Access-Request, on a RADIUS pool thread:
 * build the attributes, try the group's hosts in order, turn the answer
 * into an ipc_auth_ans.  libradcli's rc_send_server blocks for up to the
 * host's timeout; only this thread waits. */
#include "radius.h"
#include "child.h"
#include "log.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void ip_text(uint32_t addr, char out[16])
{
	struct in_addr a = { .s_addr = addr };

	inet_ntop(AF_INET, &a, out, 16);
}

/* The Access-Request's attributes.  Message-Authenticator goes first, as
 * zeroes: rad_shim.c signs the packet radcli builds (RFC 3579 3.2). */
static VALUE_PAIR *build_pairs(rc_handle *rh, const struct auth_job *job)
{
	static const uint8_t zero[16];
	VALUE_PAIR *send = NULL;
	char peer[16], nas[16];
	uint32_t nas_h = ntohl(job->nas_addr), virt = PW_VIRTUAL, framed = PW_FRAMED;

	ip_text(job->req.peer_addr, peer);
	ip_text(job->nas_addr, nas);
	if (!rc_avpair_add(rh, &send, PW_MESSAGE_AUTHENTICATOR, zero, sizeof zero, 0) ||
	    !rc_avpair_add(rh, &send, PW_USER_NAME, job->req.user, -1, 0) ||
	    !rc_avpair_add(rh, &send, PW_USER_PASSWORD, job->req.pass, -1, 0) ||
	    !rc_avpair_add(rh, &send, PW_NAS_IP_ADDRESS, &nas_h, 0, 0) ||
	    !rc_avpair_add(rh, &send, PW_NAS_IDENTIFIER, job->nas_ident, -1, 0) ||
	    !rc_avpair_add(rh, &send, PW_NAS_PORT_TYPE, &virt, 0, 0) ||
	    !rc_avpair_add(rh, &send, PW_SERVICE_TYPE, &framed, 0, 0) ||
	    !rc_avpair_add(rh, &send, PW_CALLING_STATION_ID, peer, -1, 0) ||
	    !rc_avpair_add(rh, &send, PW_CALLED_STATION_ID, nas, -1, 0) ||
	    !rc_avpair_add(rh, &send, PW_ACCT_SESSION_ID, job->ans.acct_session_id, -1, 0) ||
	    !rad_add_state(rh, &send, &job->req)) {
		rc_avpair_free(send);
		return NULL;
	}
	return send;
}

/* The pairs hold a copy of the password. */
static void free_pairs(VALUE_PAIR *vp)
{
	for (VALUE_PAIR *p = vp; p; p = p->next)
		sodium_memzero(p->strvalue, sizeof p->strvalue);
	rc_avpair_free(vp);
}

static enum rad_outcome outcome_of(int rc)
{
	switch (rc) {
	case OK_RC: return RAD_ACCEPT;
	case REJECT_RC: return RAD_REJECT;
	case CHALLENGE_RC: return RAD_CHALLENGE;
	case TIMEOUT_RC: return RAD_TIMEOUT;
	case BADRESP_RC: case BADRESPID_RC: return RAD_BAD;
	default: return RAD_ERROR;
	}
}

static const char *const outcome_names[] = {
	[RAD_ACCEPT] = "Access-Accept", [RAD_REJECT] = "Access-Reject",
	[RAD_CHALLENGE] = "Access-Challenge", [RAD_TIMEOUT] = "no answer (timeout)",
	[RAD_BAD] = "only bad or refused answers (wrong secret?)", [RAD_ERROR] = "a local error",
};

struct exchange {
	enum rad_outcome outcome;
	VALUE_PAIR *reply;
	char msg[PW_MAX_MSG_SIZE];
	int sends;
	uint32_t rtt_ms;
};

/* One exchange with host i.  ASA semantics: `timeout` is the time spent
 * on a host, `retry-interval` the wait between transmissions. */
static void exchange(struct rad_group *g, int i, VALUE_PAIR *send, struct exchange *x)
{
	struct rad_host *h = &g->hosts[i];
	int interval = h->conf.retry_interval > 0 ? h->conf.retry_interval : 10;
	int tries = h->conf.timeout / interval;
	SEND_DATA d;
	struct rad_wire w;
	int rc;

	memset(&d, 0, sizeof d);
	x->msg[0] = 0;
	d.send_pairs = send;
	/* radcli sends 1 + retries times, each waiting `timeout` seconds */
	rc_buildreq(g->rh, &d, PW_ACCESS_REQUEST, h->name, h->conf.auth_port, h->conf.key,
		    interval, tries > 1 ? tries - 1 : 0);
	rad_wire_begin(&w, h, interval);
	rc = rc_send_server(g->rh, &d, x->msg, AUTH);
	x->rtt_ms = w.last_send_ms ? (uint32_t)(now_ms() - w.last_send_ms) : 0;
	rad_wire_end();
	x->sends = w.sends;
	x->reply = d.receive_pairs;
	x->outcome = outcome_of(rc);
	/* only refused answers came (rad_shim.c logged each): a bad answer */
	if (x->outcome == RAD_TIMEOUT && w.dropped)
		x->outcome = RAD_BAD;
}

/* Reply-Message lines as one line for the client and the log. */
static void reply_text(const char *msg, char *out, size_t cap, const char *dflt)
{
	size_t n = 0;

	for (const char *s = msg; *s && n + 1 < cap; s++)
		out[n++] = *s == '\n' || *s == '\r' ? ' ' : *s;
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
	if (!n)
		ipc_strcpy(out, cap, dflt);
}

static void conclude(struct auth_job *job, const struct exchange *x)
{
	char text[sizeof job->ans.message];

	switch (x->outcome) {
	case RAD_ACCEPT:
		reply_text(x->msg, text, sizeof text, "ok");
		auth_answer(job, AUTH_OK, text);
		rad_fill_answer(x->reply, &job->ans);
		break;
	case RAD_REJECT:
		reply_text(x->msg, text, sizeof text, "rejected by RADIUS");
		auth_answer(job, AUTH_REJECT, text);
		break;
	default:	/* RAD_CHALLENGE: the client answers it in a new XAUTH round */
		reply_text(x->msg, text, sizeof text, "Enter the response:");
		auth_answer(job, AUTH_CHALLENGE, text);
		rad_take_state(x->reply, &job->ans);
		break;
	}
}

static bool answered(enum rad_outcome o)
{
	return o == RAD_ACCEPT || o == RAD_REJECT || o == RAD_CHALLENGE;
}

/* Tries the hosts in order until one answers. */
static bool try_hosts(struct auth_job *job, VALUE_PAIR *send, struct exchange *x)
{
	struct rad_group *g = job->group;

	for (int i = rad_pick_host(g, 0, now_wall()); i >= 0; i = rad_pick_host(g, i + 1, now_wall())) {
		exchange(g, i, send, x);
		rad_record(g, i, x->outcome, x->sends, x->rtt_ms, now_wall());
		log_info("authd: user %s: RADIUS server %s (aaa-server %s) gave %s after %d send(s), %u ms",
			 job->req.user, g->hosts[i].name, g->name, outcome_names[x->outcome],
			 x->sends, x->rtt_ms);
		if (answered(x->outcome))
			return true;
		rc_avpair_free(x->reply);
		x->reply = NULL;
	}
	return false;
}

void rad_authenticate(struct auth_job *job)
{
	static __thread struct exchange x;	/* 4 KiB of Reply-Message: off the stack */
	VALUE_PAIR *send;

	memset(&x, 0, sizeof x);
	job->ans.sid = job->req.sid;
	/* unique per session: the sid is random; accounting will echo it */
	snprintf(job->ans.acct_session_id, sizeof job->ans.acct_session_id, "%016llX",
		 (unsigned long long)job->req.sid);
	send = job->group->rh ? build_pairs(job->group->rh, job) : NULL;
	sodium_memzero(job->req.pass, sizeof job->req.pass);
	if (!send)
		auth_answer(job, AUTH_ERROR, "RADIUS request could not be built");
	else if (!try_hosts(job, send, &x))
		auth_answer(job, AUTH_ERROR, "no RADIUS server answered");
	else
		conclude(job, &x);
	rc_avpair_free(x.reply);
	free_pairs(send);
}
