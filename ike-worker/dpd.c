/* Dead peer detection (RFC 3706), the ASA way: once a client that
 * announced DPD has been silent for the tunnel-group's keepalive threshold,
 * send R-U-THERE every retry seconds; after DPD_TRIES unanswered ones the
 * peer is dead and its session ends with cause "dpd", freeing its SAs and
 * lease at once.  IKEv2 clients get the same timers with empty
 * INFORMATIONAL requests (RFC 7296 2.4). */
#include "ike.h"
#include "log.h"

#define DPD_TRIES	3

void dpd_ack(struct ike_sa *sa, uint32_t seq)
{
	if (sa->dpd_tries && seq == sa->dpd_seq)
		sa->dpd_tries = 0;
}

static void dpd_limits(const struct ike_sa *sa, uint32_t *threshold, uint32_t *retry)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);

	*threshold = tg ? tg->dpd_threshold : 0;
	*retry = tg && tg->dpd_retry ? tg->dpd_retry : 2;
}

static void dpd_probe(struct ike_sa *sa, long long now)
{
	if (!sa->dpd_tries) {
		sa->dpd_seq = sa->dpd_seq ? sa->dpd_seq + 1 : 1;
		log_debug("peer %s: idle, DPD R-U-THERE %u", sa_peer_str(sa), sa->dpd_seq);
	}
	if (sa->v2)
		v2_send_liveness(sa, sa->dpd_tries > 0);
	else
		dpd_send(sa, sa->dpd_seq);
	sa->dpd_sent_ms = now;
	sa->dpd_tries++;
}

void dpd_tick(struct ike_sa *sa, long long now)
{
	uint32_t threshold, retry;
	long long idle = now - (sa->last_rx_ms > sa->state_ms ? sa->last_rx_ms : sa->state_ms);

	dpd_limits(sa, &threshold, &retry);
	if (sa->state != ST_ESTABLISHED || !sa->peer_dpd || !threshold || sa->p1_dead)
		return;
	if (!sa->dpd_tries) {
		if (idle >= (long long)threshold * 1000)
			dpd_probe(sa, now);
		return;
	}
	if (now - sa->dpd_sent_ms < (long long)retry * 1000)
		return;
	if (sa->dpd_tries < DPD_TRIES) {
		dpd_probe(sa, now);
		return;
	}
	log_warn("peer %s user %s: dead peer: %d DPD R-U-THERE unanswered", sa_peer_str(sa),
		 sa->user, DPD_TRIES);
	sa_end(sa, "dpd", false);
}
