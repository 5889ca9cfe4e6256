/* RFC 5176 Disconnect- and CoA-Requests on the socket master opened
 * (FD_DAE).
 *
 * A request is accepted only from a listed client (a host of an
 * aaa-server group with `dynamic-authorization`) whose key verifies its
 * Request Authenticator and, when it carries one, its Message-
 * Authenticator; anything else is dropped and logged (at most one line per
 * client per DAE_DROP_LOG_MS, with the count held back), unanswered.  The
 * answer carries a Message-Authenticator when the request did.
 * The session is named by Acct-Session-Id (our "%016llX" of the sid),
 * Framed-IP-Address or User-Name, in that order of preference; every IKE
 * worker gets an IPC_LOGOFF and the sum of their answers decides: some
 * session ended (or changed) -> ACK, none -> NAK with Error-Cause 503.
 * A CoA-Request changes Session-Timeout and Idle-Timeout (counted from
 * now) through a coa IPC_LOGOFF; one with a Service-Type (RFC 5176 3.2:
 * "Authorize Only" asks for an Access-Request round we do not make; no
 * other value means anything in a CoA) is refused with Error-Cause 405
 * (Unsupported Service), one with any other attribute than those, State,
 * Proxy-State and session identification with 401, one that changes
 * nothing or names no session with 402.  Answers echo the request's
 * State (CoA) and Proxy-State attributes (RFC 5176 3.1, 3.3). */
#include "dae.h"
#include "buf.h"
#include "chanloop.h"
#include "child.h"
#include "log.h"
#include "ratelog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DAE_MAX_PENDING		32
#define DAE_ANSWER_MS		1000	/* IKE workers that have not answered by then count 0 */
#define DAE_DROP_LOG_MS		10000	/* at most one dropped-packet line per client per 10 s */

struct dae_pending {
	bool used;
	uint32_t id;			/* of our IPC_LOGOFF */
	struct sockaddr_in from;
	struct dae_request req;
	char secret[128];
	int waiting;			/* IKE workers yet to answer */
	uint32_t count;			/* sessions ended so far */
	long long deadline_ms;
};

static struct dae_pending pend[DAE_MAX_PENDING];
static struct child *cc;
static uint32_t next_id = 0x44414500;	/* "DAE": apart from master's ids in logs */
static struct auth_ratelog drop_log = AUTH_RATELOG_INIT(DAE_DROP_LOG_MS);

/* The key of a listed client, NULL when addr is not one. */
static const char *client_secret(const struct conf *c, uint32_t addr)
{
	for (int i = 0; i < c->n_aaa; i++)
		for (int k = 0; c->aaa[i].dae && k < c->aaa[i].n_hosts; k++)
			if (c->aaa[i].hosts[k].addr == addr && c->aaa[i].hosts[k].key[0])
				return c->aaa[i].hosts[k].key;
	return NULL;
}

static void reply(const struct sockaddr_in *to, const struct dae_request *q, uint8_t code,
		  uint32_t error_cause, const char *secret)
{
	uint8_t out[DAE_MAX_PACKET];
	size_t n = auth_dae_answer(out, sizeof out, q, code, error_cause, secret);

	if (n && sendto(cc->fds[FD_DAE], out, n, 0, (const struct sockaddr *)to, sizeof *to) < 0)
		log_warn("authd: DAE answer to %s: %s", inet_ntoa(to->sin_addr), strerror(errno));
}

static void conclude(struct dae_pending *p)
{
	bool found = p->count > 0, coa = p->req.code == DAE_COA_REQUEST;

	log_notice("authd: %s from %s (user %s, session %s): %u session(s) %s, %s",
		   coa ? "CoA-Request" : "Disconnect-Request", inet_ntoa(p->from.sin_addr),
		   p->req.user[0] ? p->req.user : "-",
		   p->req.acct_session_id[0] ? p->req.acct_session_id : "-", p->count,
		   coa ? "changed" : "ended", found ? "ACK" : "NAK (503 Session-Context-Not-Found)");
	if (coa)
		reply(&p->from, &p->req, found ? DAE_COA_ACK : DAE_COA_NAK,
		      found ? 0 : DAE_ERR_SESSION_NOT_FOUND, p->secret);
	else
		reply(&p->from, &p->req, found ? DAE_DISCONNECT_ACK : DAE_DISCONNECT_NAK,
		      found ? 0 : DAE_ERR_SESSION_NOT_FOUND, p->secret);
	memset(p, 0, sizeof *p);
}

/* The logoff that names the request's session; false if it names none. */
static bool logoff_for(const struct dae_request *q, struct ipc_logoff *lo)
{
	char *end;

	memset(lo, 0, sizeof *lo);
	ipc_strcpy(lo->cause, sizeof lo->cause, "dae-disconnect");
	if (q->acct_session_id[0]) {
		lo->by = LOGOFF_SID;
		lo->sid = strtoull(q->acct_session_id, &end, 16);
		return strlen(q->acct_session_id) == 16 && !*end;
	}
	if (q->framed_addr) {
		lo->by = LOGOFF_ADDR;
		lo->addr = q->framed_addr;
		return true;
	}
	lo->by = LOGOFF_NAME;
	ipc_strcpy(lo->user, sizeof lo->user, q->user);
	return q->user[0] != 0;
}

static struct dae_pending *pending_new(void)
{
	for (int i = 0; i < DAE_MAX_PENDING; i++)
		if (!pend[i].used)
			return &pend[i];
	return NULL;
}

/* Sends lo (when named is true) to every IKE worker; their answers
 * conclude the request. */
static void to_ike_workers(const struct sockaddr_in *from, const struct dae_request *q,
			   const char *secret, const struct ipc_logoff *lo, bool named)
{
	struct dae_pending *p = pending_new();

	if (!p) {
		log_warn("authd: DAE request from %s: too many in progress, dropped",
			 inet_ntoa(from->sin_addr));
		return;
	}
	*p = (struct dae_pending){ .used = true, .id = ++next_id, .from = *from, .req = *q,
				   .deadline_ms = now_ms() + DAE_ANSWER_MS };
	ipc_strcpy(p->secret, sizeof p->secret, secret);
	if (named)
		for (int i = 0; i < cc->start.n_ike && i < MAX_WORKERS; i++) {
			int fd = cc->chan[ROLE_IKE][i];

			if (fd >= 0 && ipc_send(fd, IPC_LOGOFF, p->id, lo, sizeof *lo, -1) == 0)
				p->waiting++;
		}
	if (!p->waiting)
		conclude(p);
}

static void disconnect(const struct sockaddr_in *from, const struct dae_request *q,
		       const char *secret)
{
	struct ipc_logoff lo;
	bool named = logoff_for(q, &lo);

	to_ike_workers(from, q, secret, &lo, named);
}

static void coa_refuse(const struct sockaddr_in *from, const struct dae_request *q,
		       const char *secret, uint32_t error_cause, const char *why)
{
	log_notice("authd: CoA-Request from %s (user %s): %s, NAK (%u)", inet_ntoa(from->sin_addr),
		   q->user[0] ? q->user : "-", why, error_cause);
	reply(from, q, DAE_COA_NAK, error_cause, secret);
}

/* RFC 5176 3: a CoA changes Session-Timeout / Idle-Timeout, nothing else;
 * a CoA-ACK is never sent to one with a Service-Type (3.2). */
static void coa(const struct sockaddr_in *from, const struct dae_request *q, const char *secret)
{
	struct ipc_logoff lo;
	uint32_t error_cause;
	char why[64];
	bool named;

	error_cause = auth_dae_coa_refusal(q, why, sizeof why);
	if (error_cause) {
		coa_refuse(from, q, secret, error_cause, why);
		return;
	}
	named = logoff_for(q, &lo);	/* false: an Acct-Session-Id that is none of ours */
	lo.coa = 1;
	lo.has_session_timeout = q->has_session_timeout;
	lo.session_timeout = q->session_timeout;
	lo.has_idle_timeout = q->has_idle_timeout;
	lo.idle_timeout = q->idle_timeout;
	to_ike_workers(from, q, secret, &lo, named);
}

static const char *request_name(const struct dae_request *q)
{
	return q->code == DAE_COA_REQUEST ? "CoA-Request" : "Disconnect-Request";
}

/* A dropped packet's line.  Anyone can send them, so lines are rate-
 * limited (ratelog.h): per listed client, and one budget for every
 * unlisted source (a spoofer picks as many as he likes). */
static void log_dropped(const struct sockaddr_in *from, const char *what, const char *why,
			bool listed)
{
	const char *addr = inet_ntoa(from->sin_addr);
	uint64_t held, total;

	if (!auth_ratelog_hit(&drop_log, listed ? addr : "unlisted", now_ms(), &held, &total))
		return;
	if (held)
		log_warn("authd: %s from %s: %s, dropped (%llu more from %s dropped unlogged since "
			 "the last line, %llu in all)", what, addr, why, (unsigned long long)held,
			 listed ? addr : "unlisted sources", (unsigned long long)total);
	else
		log_warn("authd: %s from %s: %s, dropped", what, addr, why);
}

static void on_packet(const uint8_t *pkt, size_t len, const struct sockaddr_in *from)
{
	const char *secret = client_secret(&cc->conf, from->sin_addr.s_addr);
	struct dae_request q;

	if (!secret) {
		log_dropped(from, "DAE packet", "not a dynamic-authorization client", false);
		return;
	}
	if (!auth_dae_parse(pkt, len, &q) ||
	    (q.code != DAE_DISCONNECT_REQUEST && q.code != DAE_COA_REQUEST)) {
		log_dropped(from, "DAE packet", "malformed or not a request", true);
		return;
	}
	if (!auth_dae_verify(pkt, len, secret)) {
		log_dropped(from, request_name(&q), "bad authenticator (wrong secret?)", true);
		return;
	}
	if (!auth_dae_msg_auth_ok(pkt, len, secret)) {
		log_dropped(from, request_name(&q), "bad Message-Authenticator", true);
		return;
	}
	if (q.code == DAE_COA_REQUEST)
		coa(from, &q, secret);
	else
		disconnect(from, &q, secret);
}

static void on_readable(void *arg)
{
	static uint8_t pkt[DAE_MAX_PACKET];
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t n;

	(void)arg;
	for (int i = 0; i < 32; i++) {
		flen = sizeof from;
		n = recvfrom(cc->fds[FD_DAE], pkt, sizeof pkt, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		if (flen == sizeof from && from.sin_family == AF_INET)
			on_packet(pkt, (size_t)n, &from);
	}
}

void auth_dae_watch(struct chanloop *l, struct child *c)
{
	cc = c;
	if (c->fds[FD_DAE] >= 0)
		chanloop_watch(l, c->fds[FD_DAE], on_readable, NULL);
}

void auth_dae_logoff_answer(int ike_index, const struct ipc_msg *m)
{
	struct ipc_logoff_ans a;
	struct rbuf r;

	rbuf_init(&r, m->data, m->hdr.len);
	if (!rbuf_copy(&r, &a, sizeof a))
		return;
	for (int i = 0; i < DAE_MAX_PENDING; i++) {
		struct dae_pending *p = &pend[i];

		if (!p->used || p->id != m->hdr.id)
			continue;
		p->count += a.count;
		if (--p->waiting <= 0)
			conclude(p);
		return;
	}
	log_debug("authd: late logoff answer from ike[%d]", ike_index);
}

long long auth_dae_due_ms(void)
{
	long long due = -1;

	for (int i = 0; i < DAE_MAX_PENDING; i++)
		if (pend[i].used && (due < 0 || pend[i].deadline_ms < due))
			due = pend[i].deadline_ms;
	return due;
}

void auth_dae_expire(void)
{
	long long now = now_ms();

	for (int i = 0; i < DAE_MAX_PENDING; i++)
		if (pend[i].used && pend[i].deadline_ms <= now)
			conclude(&pend[i]);
}
