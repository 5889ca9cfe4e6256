/* INFORMATIONAL exchanges (RFC 7296 1.4): the client deletes its IKE SA
 * or child SAs, or checks we are alive (an empty request); our own Delete
 * when a session ends here.  Also the timers of IKEv2 SAs. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"

#define V2_HALF_OPEN_MS	10000	/* IKE_SA_INIT answered, no IKE_AUTH */
#define V2_PENDING_MS	60000	/* IKE_AUTH at master or poold */

static void put_delete(struct v1_out *o, uint8_t proto, const uint32_t *spis, int n)
{
	size_t s = v1_out_open(o, V2_PL_DELETE);

	wbuf_u8(&o->w, proto);
	wbuf_u8(&o->w, proto == PROTO_ESP ? 4 : 0);
	wbuf_u16(&o->w, (uint16_t)n);
	for (int i = 0; i < n; i++)
		wbuf_u32(&o->w, spis[i]);
	v1_out_close(o, s);
}

void v2_respond(struct ike_sa *sa, const struct v1_msg *m, struct v1_out *o, size_t sk)
{
	if (v2_sk_send(sa, o, sk))
		net_set_reply(sa, o->buf, o->w.len);
	sa->v2_rx_msgid = m->msgid + 1;
}

void v2_answer_notify(struct ike_sa *sa, const struct v1_msg *m, uint16_t notify,
		      const void *data, size_t len)
{
	struct v1_out o;
	size_t sk = v2_sk_begin(sa, &o, m->exch, V2_F_RESPONSE, m->msgid);

	v2_out_notify(&o, notify, data, len);
	v2_respond(sa, m, &o, sk);
}

/* The client's Delete of ESP SAs names its inbound SPIs (our outbound);
 * our answer names ours (1.4.1). */
static int delete_children(struct ike_sa *sa, const struct v1_payload *d, uint32_t *ours, int max)
{
	struct rbuf r;
	uint8_t proto, spi_size;
	uint16_t n;
	uint32_t spi;
	int k = 0;

	rbuf_init(&r, d->body, d->len);
	if (!rbuf_u8(&r, &proto) || !rbuf_u8(&r, &spi_size) || !rbuf_u16(&r, &n) ||
	    proto != PROTO_ESP || spi_size != 4)
		return 0;
	for (int i = 0; i < n && rbuf_u32(&r, &spi); i++)
		for (int c = 0; c < SA_CHILDREN && k < max; c++) {
			struct child_sa *ch = &sa->children[c];

			if (!ch->used || ch->spi_out != spi)
				continue;
			ours[k++] = ch->spi_in;
			log_info("peer %s user %s: client deleted IPsec SA 0x%08x", sa_peer_str(sa),
				 sa->user, ch->spi_in);
			peers_remove_child(sa, ch);
			peers_db_child_sa(sa, ch, true);
			ch->used = false;
		}
	return k;
}

void v2_info_request(struct ike_sa *sa, const struct v1_msg *m)
{
	struct v1_out o;
	uint32_t ours[SA_CHILDREN];
	int n = 0;
	size_t sk = v2_sk_begin(sa, &o, V2_INFORMATIONAL, V2_F_RESPONSE, m->msgid);

	for (int i = 0; i < m->n; i++) {
		if (m->pl[i].type != V2_PL_DELETE)
			continue;
		if (v2_deletes_ike_sa(&m->pl[i])) {
			v2_respond(sa, m, &o, sk);		/* empty: the SA goes */
			log_notice("peer %s user %s: client deleted the IKE SA", sa_peer_str(sa),
				   sa->user[0] ? sa->user : "-");
			sa_end(sa, "user", false);
			return;
		}
		n += delete_children(sa, &m->pl[i], ours + n, SA_CHILDREN - n);
	}
	if (n)
		put_delete(&o, PROTO_ESP, ours, n);
	v2_respond(sa, m, &o, sk);		/* an empty request is a liveness check */
}

void v2_send_delete(struct ike_sa *sa)
{
	struct v1_out o;
	size_t sk = v2_sk_begin(sa, &o, V2_INFORMATIONAL, 0, sa->v2_tx_msgid++);

	put_delete(&o, PROTO_ISAKMP, NULL, 0);
	v2_sk_send(sa, &o, sk);
}

/* dpd.c's probe: a retry keeps the message ID of the first. */
void v2_send_liveness(struct ike_sa *sa, bool retry)
{
	struct v1_out o;
	size_t sk;

	if (!retry)
		sa->v2_dpd_msgid = sa->v2_tx_msgid++;
	sk = v2_sk_begin(sa, &o, V2_INFORMATIONAL, 0, sa->v2_dpd_msgid);
	v2_sk_send(sa, &o, sk);
}

/* The answer to one of our requests: a liveness probe's ends the wait. */
void v2_response(struct ike_sa *sa, const struct v1_msg *m)
{
	if (m->exch == V2_INFORMATIONAL && sa->dpd_tries && m->msgid == sa->v2_dpd_msgid)
		dpd_ack(sa, sa->dpd_seq);
}

void v2_end_notify(struct ike_sa *sa, const char *cause)
{
	if (sa->state == ST_ESTABLISHED)
		v2_send_delete(sa);
	else if (sa->v2_req)
		v2_auth_refuse(sa, !strcmp(cause, "no-address") ? V2N_INTERNAL_ADDRESS_FAILURE :
				   V2N_AUTHENTICATION_FAILED);
}

bool v2_tick(struct ike_sa *sa, long long now)
{
	long long idle = now - sa->state_ms;

	if (sa->state == ST_V2_INIT_SENT && idle > V2_HALF_OPEN_MS) {
		log_warn("peer %s: IKEv2 SA abandoned: no IKE_AUTH after IKE_SA_INIT",
			 sa_peer_str(sa));
		sa_end(sa, "timeout", false);
		return true;
	}
	if ((sa->state == ST_V2_AUTH_CHECK || sa->state == ST_CFG_LEASE) && idle > V2_PENDING_MS) {
		log_warn("peer %s: IKEv2 authentication not completed, giving up", sa_peer_str(sa));
		sa_end(sa, "timeout", true);
		return true;
	}
	if (sa->state != ST_ESTABLISHED)
		return false;
	if (timeouts_tick(sa, now))
		return true;
	v2_child_retire(sa, now);
	v2_prev_tick(sa, now);
	natt_keepalive_tick(sa, now);
	dpd_tick(sa, now);	/* may end and free sa */
	return false;
}
