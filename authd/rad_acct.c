/* One spooled accounting record as an Accounting-Request (RFC 2866), on an
 * accounting pool thread: the group's hosts in order, each on its
 * accounting port, until one answers with an Accounting-Response.  authd
 * keeps no accounting state of its own: db holds the record until the
 * answer is reported. */
#include "radius.h"
#include "child.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static bool add_int(rc_handle *rh, VALUE_PAIR **vp, int attr, uint32_t v)
{
	return rc_avpair_add(rh, vp, attr, &v, 0, 0) != NULL;
}

static bool add_str(rc_handle *rh, VALUE_PAIR **vp, int attr, const char *s)
{
	return !s[0] || rc_avpair_add(rh, vp, attr, s, -1, 0) != NULL;
}

static bool add_ip(rc_handle *rh, VALUE_PAIR **vp, int attr, uint32_t net)
{
	uint32_t h = ntohl(net);

	return !net || rc_avpair_add(rh, vp, attr, &h, 0, 0) != NULL;
}

/* Octets as two 32-bit halves: Acct-*-Octets and Acct-*-Gigawords (RFC 2869). */
static bool add_octets(rc_handle *rh, VALUE_PAIR **vp, int attr, int giga_attr, uint64_t v)
{
	return add_int(rh, vp, attr, (uint32_t)v) &&
	       (v >> 32 == 0 || add_int(rh, vp, giga_attr, (uint32_t)(v >> 32)));
}

/* The counters and time of Interim-Update and Stop. */
static bool add_usage(rc_handle *rh, VALUE_PAIR **vp, const struct ipc_acct_send *r)
{
	if (r->status_type != ACCT_INTERIM && r->status_type != ACCT_STOP)
		return true;
	return add_int(rh, vp, PW_ACCT_SESSION_TIME, r->session_time) &&
	       add_octets(rh, vp, PW_ACCT_INPUT_OCTETS, PW_ACCT_INPUT_GIGAWORDS, r->in_octets) &&
	       add_octets(rh, vp, PW_ACCT_OUTPUT_OCTETS, PW_ACCT_OUTPUT_GIGAWORDS, r->out_octets) &&
	       add_int(rh, vp, PW_ACCT_INPUT_PACKETS, (uint32_t)r->in_packets) &&
	       add_int(rh, vp, PW_ACCT_OUTPUT_PACKETS, (uint32_t)r->out_packets) &&
	       (r->status_type != ACCT_STOP ||
		add_int(rh, vp, PW_ACCT_TERMINATE_CAUSE, r->terminate_cause));
}

/* The session's own attributes (not in Accounting-On/Off). */
static bool add_session(rc_handle *rh, VALUE_PAIR **vp, const struct auth_job *job)
{
	const struct ipc_acct_send *r = &job->acct;
	char peer[16] = "", nas[16] = "";
	struct in_addr a = { .s_addr = r->calling_addr }, n = { .s_addr = job->nas_addr };

	if (r->status_type == ACCT_ON || r->status_type == ACCT_OFF)
		return true;
	if (r->calling_addr)
		inet_ntop(AF_INET, &a, peer, sizeof peer);
	inet_ntop(AF_INET, &n, nas, sizeof nas);
	return add_str(rh, vp, PW_USER_NAME, r->user) &&
	       add_ip(rh, vp, PW_FRAMED_IP_ADDRESS, r->framed_addr) &&
	       add_str(rh, vp, PW_CALLING_STATION_ID, peer) &&
	       add_str(rh, vp, PW_CALLED_STATION_ID, nas) &&
	       add_int(rh, vp, PW_NAS_PORT_TYPE, PW_VIRTUAL) &&
	       add_int(rh, vp, PW_SERVICE_TYPE, PW_FRAMED) &&
	       add_int(rh, vp, PW_ACCT_AUTHENTIC, PW_RADIUS) &&
	       (!r->class_len || r->class_len > sizeof r->class_attr ||
		rc_avpair_add(rh, vp, PW_CLASS, r->class_attr, r->class_len, 0));
}

/* Acct-Delay-Time: how long the event has waited, at this send. */
static VALUE_PAIR *build_acct(rc_handle *rh, const struct auth_job *job)
{
	const struct ipc_acct_send *r = &job->acct;
	long long delay = now_wall() - r->created;
	char asid[sizeof r->acct_session_id + 8];
	VALUE_PAIR *vp = NULL;

	if (r->acct_session_id[0])
		ipc_strcpy(asid, sizeof asid, r->acct_session_id);
	else	/* Accounting-On/Off: RFC 2866 wants one in every request */
		snprintf(asid, sizeof asid, "%08llX", (unsigned long long)r->created);
	if (!add_int(rh, &vp, PW_ACCT_STATUS_TYPE, r->status_type) ||
	    !add_str(rh, &vp, PW_ACCT_SESSION_ID, asid) ||
	    !add_ip(rh, &vp, PW_NAS_IP_ADDRESS, job->nas_addr) ||
	    !add_str(rh, &vp, PW_NAS_IDENTIFIER, job->nas_ident) ||
	    !add_int(rh, &vp, PW_ACCT_DELAY_TIME, delay > 0 ? (uint32_t)delay : 0) ||
	    !add_session(rh, &vp, job) || !add_usage(rh, &vp, r)) {
		rc_avpair_free(vp);
		return NULL;
	}
	return vp;
}

/* One exchange with host i (ASA semantics for timeout / retry-interval,
 * as for authentication). */
static int acct_exchange(struct rad_group *g, int i, VALUE_PAIR *send)
{
	struct rad_host *h = &g->hosts[i];
	int interval = h->conf.retry_interval > 0 ? h->conf.retry_interval : 10;
	int tries = h->conf.timeout / interval;
	char msg[PW_MAX_MSG_SIZE];
	struct rad_wire w;
	SEND_DATA d;
	int rc;

	memset(&d, 0, sizeof d);
	d.send_pairs = send;
	rc_buildreq(g->rh, &d, PW_ACCOUNTING_REQUEST, h->name, h->conf.acct_port, h->conf.key,
		    interval, tries > 1 ? tries - 1 : 0);
	/* the hooks check the Response Authenticator, which radcli does not */
	rad_wire_begin(&w, h, interval);
	rc = rc_send_server(g->rh, &d, msg, ACCT);
	rad_wire_end();
	rc_avpair_free(d.receive_pairs);
	return rc;
}

static const char *status_name(uint32_t t)
{
	switch (t) {
	case ACCT_START: return "Start";
	case ACCT_STOP: return "Stop";
	case ACCT_INTERIM: return "Interim-Update";
	case ACCT_ON: return "Accounting-On";
	case ACCT_OFF: return "Accounting-Off";
	default: return "?";
	}
}

void rad_account(struct auth_job *job)
{
	struct rad_group *g = job->group;
	VALUE_PAIR *send = g && g->rh ? build_acct(g->rh, job) : NULL;

	job->acct_ok = false;
	if (!send) {
		log_err("authd: accounting record %llu could not be built",
			(unsigned long long)job->acct.rec_id);
		return;
	}
	for (int i = 0; i < g->n_hosts && !job->acct_ok; i++) {
		int rc = acct_exchange(g, i, send);

		job->acct_ok = rc == OK_RC;
		log_info("authd: accounting %s for %s (%s) to %s (aaa-server %s): %s",
			 status_name(job->acct.status_type), job->acct.user[0] ? job->acct.user : "-",
			 job->acct.acct_session_id[0] ? job->acct.acct_session_id : "-",
			 g->hosts[i].name, g->name, job->acct_ok ? "answered" : "no answer");
	}
	rc_avpair_free(send);
}
