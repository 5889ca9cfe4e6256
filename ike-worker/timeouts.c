/* Session timers of an established session: the session-timeout
 * (vpn-session-timeout, RADIUS Session-Timeout) and the idle-timeout
 * (vpn-idle-timeout, RADIUS Idle-Timeout), and their change by a RADIUS
 * CoA-Request (RFC 5176) that authd forwards as a coa IPC_LOGOFF.
 *
 * Idle means no ESP data in either direction: the ESP workers report each
 * SA's packet count (IPC_SA_SEQ) every couple of seconds when it moved,
 * so the idle clock has that resolution.  IKE traffic (DPD, rekeys) is
 * not data and never resets it. */
#include <string.h>

#include "ike.h"
#include "log.h"

/* At XAUTH success: the timeouts RADIUS gave win over the group-policy's. */
void timeouts_start(struct ike_sa *sa, uint32_t radius_idle_timeout)
{
	const struct conf_group_policy *gp = conf_group_policy(&ike.c.conf, sa->policy);

	sa->session_end_ms = sa->session_timeout ?
		sa->up_ms + (long long)sa->session_timeout * 1000 : 0;
	sa->idle_timeout = radius_idle_timeout ? radius_idle_timeout : conf_idle_timeout(gp);
	sa->idle_from_policy = !radius_idle_timeout;
	sa->last_data_ms = sa->up_ms;
}

static long long wall_of(long long mono_ms)
{
	return now_wall() + (mono_ms - now_ms() + 500) / 1000;
}

/* What `show vpn-sessiondb detail` needs from us. */
void timeouts_db(struct ike_sa *sa)
{
	struct ipc_db_session_authz z = {
		.sid = sa->sid, .session_timeout = sa->session_timeout,
		.idle_timeout = sa->idle_timeout,
		.session_deadline = sa->session_end_ms ? wall_of(sa->session_end_ms) : 0,
	};

	z.class_len = sa->class_len <= sizeof z.class_attr ? sa->class_len : 0;
	memcpy(z.class_attr, sa->class_attr, z.class_len);
	if (sa->session_in_db)
		peers_send(ROLE_DB, 0, IPC_DB_SESSION_AUTHZ, 0, &z, sizeof z);
}

enum timeout_kind timeouts_due(const struct ike_sa *sa, long long now)
{
	if (sa->state != ST_ESTABLISHED)
		return TIMEOUT_NONE;
	if (sa->session_end_ms && now >= sa->session_end_ms)
		return TIMEOUT_SESSION;
	if (sa->idle_timeout && now - sa->last_data_ms >= (long long)sa->idle_timeout * 1000)
		return TIMEOUT_IDLE;
	return TIMEOUT_NONE;
}

bool timeouts_tick(struct ike_sa *sa, long long now)
{
	switch (timeouts_due(sa, now)) {
	case TIMEOUT_SESSION:
		log_notice("peer %s user %s: session timeout (%u s)", sa_peer_str(sa), sa->user,
			   sa->session_timeout);
		sa_end(sa, "session-timeout", true);
		return true;
	case TIMEOUT_IDLE:
		log_notice("peer %s user %s: idle timeout (%u s without data)", sa_peer_str(sa),
			   sa->user, sa->idle_timeout);
		sa_end(sa, "idle-timeout", true);
		return true;
	default:
		return false;
	}
}

/* A report whose packet count moved is data traffic on that SA. */
void timeouts_esp_report(const struct ipc_sa_seq *q)
{
	struct ike_sa *sa = sa_by_sid(q->sid);

	for (int i = 0; sa && i < SA_CHILDREN; i++) {
		struct child_sa *ch = &sa->children[i];
		uint32_t spi = q->dir == SA_IN ? ch->spi_in : ch->spi_out;

		if (!ch->used || spi != q->spi || (q->dir != SA_IN && q->dir != SA_OUT))
			continue;
		if (q->packets != ch->packets_seen)
			sa->last_data_ms = now_ms();
		ch->packets_seen = q->packets;
		return;
	}
}

/* RFC 5176 CoA: a new Session-Timeout / Idle-Timeout counts from now. */
void timeouts_coa(struct ike_sa *sa, const struct ipc_logoff *l)
{
	long long now = now_ms();

	if (l->has_session_timeout) {
		sa->session_timeout = l->session_timeout;
		sa->session_end_ms = l->session_timeout ?
			now + (long long)l->session_timeout * 1000 : 0;
	}
	if (l->has_idle_timeout) {
		sa->idle_timeout = l->idle_timeout;
		sa->idle_from_policy = false;	/* RADIUS's now: a reload keeps it */
		sa->last_data_ms = now;
	}
	if (l->has_session_timeout)
		log_notice("peer %s user %s: CoA: session-timeout %u s from now", sa_peer_str(sa),
			   sa->user, l->session_timeout);
	if (l->has_idle_timeout)
		log_notice("peer %s user %s: CoA: idle-timeout %u s", sa_peer_str(sa), sa->user,
			   l->idle_timeout);
	timeouts_db(sa);
}

/* The idle clock is not restarted: a shorter timeout that has already run
 * out ends the session at the next tick, as it would for a new login. */
void timeouts_reload(void)
{
	int changed = 0;

	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next) {
		uint32_t idle;

		if (!sa->idle_from_policy)
			continue;
		idle = conf_idle_timeout(conf_group_policy(&ike.c.conf, sa->policy));
		if (idle == sa->idle_timeout)
			continue;
		log_debug("peer %s user %s: reload: idle-timeout %u s -> %u s (group-policy %s)",
			  sa_peer_str(sa), sa->user, sa->idle_timeout, idle, sa->policy);
		sa->idle_timeout = idle;
		timeouts_db(sa);
		changed++;
	}
	if (changed)
		log_notice("reload: vpn-idle-timeout applied to %d live session(s)", changed);
}
