/* IKEv2 messages in: the dispatch by exchange and message ID (RFC 7296
 * 2.2: a responder answers each request once and resends that answer to
 * a retransmitted request), and the small builders and readers the
 * exchanges share. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "log.h"

void v2_out_begin(struct v1_out *o, const uint8_t spi_i[8], const uint8_t spi_r[8],
		  uint8_t exch, uint8_t flags, uint32_t msgid)
{
	v1_out_begin(o, spi_i, spi_r, exch, flags, msgid);
	wbuf_put_u8_at(&o->w, 17, V2_VERSION);
}

void v2_out_notify(struct v1_out *o, uint16_t type, const void *data, size_t len)
{
	size_t s = v1_out_open(o, V2_PL_NOTIFY);

	wbuf_u8(&o->w, 0);	/* protocol: none (about the IKE SA) */
	wbuf_u8(&o->w, 0);	/* SPI size */
	wbuf_u16(&o->w, type);
	wbuf_bytes(&o->w, data, len);
	v1_out_close(o, s);
}

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

bool v2_id_text(const struct v1_payload *id, char *out, size_t cap)
{
	struct rbuf r;
	uint8_t type;
	size_t n;

	rbuf_init(&r, id->body, id->len);
	if (!rbuf_u8(&r, &type) || !rbuf_skip(&r, 3) || cap < INET_ADDRSTRLEN)
		return false;
	n = rbuf_left(&r);
	if (type == V2_ID_IPV4_ADDR)
		return n == 4 && inet_ntop(AF_INET, rbuf_cur(&r), out, (socklen_t)cap);
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = isprint(rbuf_cur(&r)[i]) ? (char)rbuf_cur(&r)[i] : '?';
	out[n] = 0;
	return true;
}

uint16_t v2_notify_type(const struct v1_payload *n, const uint8_t **data, size_t *len)
{
	struct rbuf r;
	uint8_t proto, spi_size;
	uint16_t type;

	rbuf_init(&r, n->body, n->len);
	if (!rbuf_u8(&r, &proto) || !rbuf_u8(&r, &spi_size) || !rbuf_u16(&r, &type) ||
	    !rbuf_skip(&r, spi_size))
		return 0;
	if (data) {
		*len = rbuf_left(&r);
		*data = rbuf_cur(&r);
	}
	return type;
}

const struct v1_payload *v2_find_notify(const struct v1_msg *m, uint16_t type)
{
	for (int i = 0; i < m->n; i++)
		if (m->pl[i].type == V2_PL_NOTIFY && v2_notify_type(&m->pl[i], NULL, NULL) == type)
			return &m->pl[i];
	return NULL;
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
	if (!sa || !sa->v2) {
		log_debug("IKEv2 message for an unknown IKE SA from %s dropped",
			  inet_ntoa(from->sin_addr));
		return;
	}
	/* We initiate no exchange that waits for its answer: our only
	 * requests are the Deletes sent as an SA ends. */
	if ((hdr.flags & V2_F_RESPONSE) || !(hdr.flags & V2_F_INITIATOR))
		return;
	request_in(sa, &hdr, pkt, len, from, is4500);
}
