/* IKEv2 messages in: the dispatch by exchange and message ID (RFC 7296
 * 2.2: a responder answers each request once and resends that answer to
 * a retransmitted request; answers to our own requests end a liveness
 * check; a replaced IKE SA still answers its Delete), and the unencrypted
 * error answer to IKE_SA_INIT. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"

void v2_send_init_error(const struct v1_msg *m, const struct sockaddr_in *to, bool on4500,
			uint16_t type, const void *data, size_t len)
{
	static const uint8_t zero[8];
	struct v1_out o;

	v2_out_begin(&o, m->icky, zero, V2_IKE_SA_INIT, V2_F_RESPONSE, m->msgid);
	v2_out_notify(&o, type, data, len);
	v1_out_finish(&o);
	if (wbuf_ok(&o.w))
		net_send_to(to, on4500, o.buf, o.w.len);
}

/* A retransmitted IKE_SA_INIT request: the answer again, or nothing. */
static bool init_retransmit(const struct v1_msg *hdr, uint8_t *pkt, size_t len,
			    const struct sockaddr_in *from)
{
	struct ike_sa *sa = sa_find_half(hdr->icky, from);

	if (!sa || !sa->v2)
		return false;
	if (!net_is_retransmit(sa, pkt, len))
		log_debug("peer %s: second IKE_SA_INIT for a known SPI ignored", sa_peer_str(sa));
	return true;
}

static void dispatch_request(struct ike_sa *sa, const struct v1_msg *m)
{
	switch (m->exch) {
	case V2_IKE_AUTH:
		v2_auth_request(sa, m);
		break;
	case V2_INFORMATIONAL:
		v2_info_request(sa, m);
		break;
	case V2_CREATE_CHILD_SA:
		v2_create_child_request(sa, m);
		break;
	default:
		log_warn("peer %s: IKEv2 exchange type %u not supported", sa_peer_str(sa), m->exch);
	}
}

/* A request of the client on an IKE SA: only the next message ID is new
 * (window size 1); the previous one is a retransmission. */
static void request_in(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len,
		       const struct sockaddr_in *from, bool is4500)
{
	struct v1_msg m;

	if (hdr->msgid + 1 == sa->v2_rx_msgid && net_is_retransmit(sa, pkt, len))
		return;
	if (hdr->msgid != sa->v2_rx_msgid || sa->v2_req) {
		log_debug("peer %s: IKEv2 request with message ID %u dropped (expected %u%s)",
			  sa_peer_str(sa), hdr->msgid, sa->v2_rx_msgid,
			  sa->v2_req ? ", one is being answered" : "");
		return;
	}
	net_note_request(sa, pkt, len);	/* before the SK payload is decrypted in place */
	if (!v2_sk_open(sa, pkt, len, hdr, &m)) {
		log_warn("peer %s: IKEv2 message with a bad checksum or malformed dropped",
			 sa_peer_str(sa));
		return;
	}
	net_track_peer(sa, from, is4500);
	sa->last_rx_ms = now_ms();
	dispatch_request(sa, &m);
}

/* An answer to our request (a liveness check): authentic and for the
 * message ID we last used. */
static void response_in(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len)
{
	struct v1_msg m;

	if (hdr->msgid + 1 != sa->v2_tx_msgid || !v2_sk_open(sa, pkt, len, hdr, &m))
		return;
	sa->last_rx_ms = now_ms();
	v2_response(sa, &m);
}

void v2_input(uint8_t *pkt, size_t len, const struct sockaddr_in *from, bool is4500)
{
	struct v1_msg hdr;
	struct ike_sa *sa;

	if (!isakmp_parse_header(pkt, len, &hdr) || (hdr.version >> 4) != 2) {
		log_debug("malformed IKEv2 header from %s dropped", inet_ntoa(from->sin_addr));
		return;
	}
	len = hdr.len;
	if (hdr.exch == V2_IKE_SA_INIT && !(hdr.flags & V2_F_RESPONSE)) {
		if (!init_retransmit(&hdr, pkt, len, from))
			v2_init_request(&hdr, pkt, len, from, is4500);
		return;
	}
	sa = sa_find(hdr.icky, hdr.rcky);
	if (!sa && (sa = v2_prev_owner(hdr.icky, hdr.rcky))) {
		if ((hdr.flags & (V2_F_INITIATOR | V2_F_RESPONSE)) == V2_F_INITIATOR)
			v2_prev_input(sa, &hdr, pkt, len);	/* an IKE SA a rekey replaced */
		return;
	}
	if (!sa || !sa->v2) {
		log_debug("IKEv2 message for an unknown IKE SA from %s dropped",
			  inet_ntoa(from->sin_addr));
		return;
	}
	if (!(hdr.flags & V2_F_INITIATOR))
		return;		/* we never initiate an IKE SA */
	if (hdr.flags & V2_F_RESPONSE)
		response_in(sa, &hdr, pkt, len);
	else
		request_in(sa, &hdr, pkt, len, from, is4500);
}
