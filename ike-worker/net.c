/* ISAKMP datagrams in and out, on UDP 500 and (after the NAT-T float,
 * behind the zero non-ESP marker) UDP 4500. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike.h"
#include "log.h"
#include "udp_gro.h"

void net_send_to(const struct sockaddr_in *to, bool on4500, const uint8_t *p, size_t len)
{
	uint8_t buf[V1_MAX_MSG + 4];
	size_t off = on4500 ? 4 : 0;

	if (len > V1_MAX_MSG)
		return;
	memset(buf, 0, 4);
	memcpy(buf + off, p, len);
	if (sendto(on4500 ? ike.sock4500 : ike.sock500, buf, len + off, 0,
		   (const struct sockaddr *)to, sizeof *to) < 0)
		log_warn("send to %s failed: %s", inet_ntoa(to->sin_addr), strerror(errno));
}

void net_send(struct ike_sa *sa, const uint8_t *p, size_t len)
{
	net_send_to(&sa->peer, sa->on4500, p, len);
}

static void digest(const uint8_t *p, size_t len, uint8_t out[32])
{
	struct chunk c = { p, len };

	hash_chunks(IKE_HASH_SHA256, &c, 1, out);
}

void net_note_request(struct ike_sa *sa, const uint8_t *in, size_t in_len)
{
	digest(in, in_len, sa->last_in_hash);
	free(sa->last_out);
	sa->last_out = NULL;
	sa->last_out_len = 0;
}

void net_set_reply(struct ike_sa *sa, const uint8_t *out, size_t out_len)
{
	uint8_t *copy = malloc(out_len);

	if (!copy)
		return;
	memcpy(copy, out, out_len);
	free(sa->last_out);
	sa->last_out = copy;
	sa->last_out_len = out_len;
	sa->sent_ms = now_ms();
}

/* A peer that did not get our answer sends its request again, byte for
 * byte: answer with the stored reply instead of processing it twice. */
bool net_is_retransmit(struct ike_sa *sa, const uint8_t *in, size_t in_len)
{
	uint8_t h[32];

	if (!sa->last_out)
		return false;
	digest(in, in_len, h);
	if (memcmp(h, sa->last_in_hash, sizeof h))
		return false;
	log_debug("peer %s: retransmitted request, resending our reply", sa_peer_str(sa));
	net_send(sa, sa->last_out, sa->last_out_len);
	return true;
}

/* Follows the client to a new address or port once a packet of its SA
 * arrived there (the float to 4500, or a NAT rebinding). */
void net_track_peer(struct ike_sa *sa, const struct sockaddr_in *from, bool is4500)
{
	bool moved = sa->peer.sin_addr.s_addr != from->sin_addr.s_addr ||
		     sa->peer.sin_port != from->sin_port;

	if (is4500 && !sa->on4500)
		log_info("peer %s: floated to UDP 4500", sa_peer_str(sa));
	else if (moved && sa->state == ST_ESTABLISHED)
		log_notice("peer %s user %s: NAT mapping changed to %s:%u", sa_peer_str(sa),
			   sa->user, inet_ntoa(from->sin_addr), ntohs(from->sin_port));
	sa->peer = *from;
	sa->on4500 = sa->on4500 || is4500;
	if (moved && sa->state == ST_ESTABLISHED)
		peers_peer_moved(sa);
}

static void dispatch_encrypted(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt,
			       size_t len, const struct sockaddr_in *from, bool is4500)
{
	struct v1_msg m;

	if (!crypt_decrypt(sa, hdr, pkt, len, &m)) {
		log_warn("peer %s: undecryptable or malformed %u message dropped",
			 sa_peer_str(sa), hdr->exch);
		return;
	}
	if (m.exch == EXCH_INFO && !info_authentic(sa, &m, pkt, len))
		return;
	net_track_peer(sa, from, is4500);
	sa->last_rx_ms = now_ms();
	switch (m.exch) {
	case EXCH_AGGRESSIVE:
		am_msg3(sa, &m);
		break;
	case EXCH_MAIN:
		if (sa->state == ST_MI_SENT5)	/* we initiated (mm_init.c) */
			mi_msg6(sa, &m);
		else
			mm_msg5(sa, &m);
		break;
	case EXCH_TRANSACTION:
		transaction_input(sa, &m);
		break;
	case EXCH_QUICK:
		qm_input(sa, &m);
		break;
	case EXCH_INFO:
		info_input(sa, &m);
		break;
	default:
		log_warn("peer %s: unsupported exchange type %u", sa_peer_str(sa), m.exch);
	}
}

/* Only main mode message 3 travels in the clear once the SA exists. */
static void dispatch_clear(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len,
			   const struct sockaddr_in *from, bool is4500)
{
	struct v1_msg m = *hdr;

	if (mi_clear_input(sa, hdr, pkt, len))	/* main mode 2 and 4 to us (mm_init.c) */
		return;
	if (sa->state != ST_MM_SENT2 || hdr->exch != EXCH_MAIN ||
	    !v1_parse_payloads(&m, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN)) {
		log_warn("peer %s: unencrypted message dropped", sa_peer_str(sa));
		return;
	}
	net_track_peer(sa, from, is4500);
	mm_msg3(sa, &m);
}

static void dispatch(uint8_t *pkt, size_t len, const struct sockaddr_in *from, bool is4500)
{
	static const uint8_t zero[8];
	struct v1_msg hdr;
	struct ike_sa *sa;

	if (len >= ISAKMP_HDR_LEN && pkt[17] >> 4 == 2) {	/* major version 2 */
		v2_input(pkt, len, from, is4500);
		return;
	}
	if (!v1_parse_header(pkt, len, &hdr)) {
		log_debug("malformed ISAKMP header from %s dropped", inet_ntoa(from->sin_addr));
		return;
	}
	len = hdr.len;
	if (!memcmp(hdr.rcky, zero, 8)) {
		if (hdr.exch == EXCH_AGGRESSIVE) {
			am_msg1(&hdr, from, is4500, pkt, len);
		} else if (hdr.exch == EXCH_MAIN) {
			mm_msg1(&hdr, from, is4500, pkt, len);
		} else {
			log_warn("peer %s: exchange type %u not supported as a first message",
				 inet_ntoa(from->sin_addr), hdr.exch);
			info_send_notify_plain(&hdr, from, is4500, N_INVALID_EXCHANGE_TYPE);
		}
		return;
	}
	mi_adopt_rcky(&hdr);	/* the answer to our main mode 1 names its cookie */
	sa = sa_find(hdr.icky, hdr.rcky);
	if (!sa || sa->v2) {
		log_debug("message for unknown IKE SA from %s dropped", inet_ntoa(from->sin_addr));
		return;
	}
	if (net_is_retransmit(sa, pkt, len))
		return;
	if (!(hdr.flags & FLAG_ENC)) {
		dispatch_clear(sa, &hdr, pkt, len, from, is4500);
		return;
	}
	if (sa->state == ST_AM_WAIT_SKEYID || sa->state == ST_MM_WAIT_SKEYID ||
	    sa->state == ST_MM_SENT2 || (sa->state >= ST_MI_SENT1 && sa->state <= ST_MI_WAIT_SKEYID))
		return;		/* no keys yet */
	/* A late copy of the last phase 1 message (a client that resends it
	 * while waiting for us) must not touch the phase 1 IV every later
	 * exchange derives its IV from; our own timers resend what is due.
	 * An informational with M-ID 0 (vpnc's DELETE, 1 in 256) is not one:
	 * it never touches that IV (crypt.c) and needs a valid HASH(1). */
	if (hdr.msgid == 0 && sa->state >= ST_XAUTH_REQ && hdr.exch != EXCH_INFO) {
		log_debug("peer %s: late phase 1 message ignored", sa_peer_str(sa));
		return;
	}
	net_note_request(sa, pkt, len);
	dispatch_encrypted(sa, &hdr, pkt, len, from, is4500);
}

/* One datagram of UDP 4500: a 1-byte 0xff is a NAT-T keepalive, IKE has
 * a zero marker; anything else is ESP that reached us inside a GRO batch
 * led by an IKE message (the ESP workers get ESP) and is dropped. */
static void receive_4500(uint8_t *d, size_t n, const struct sockaddr_in *from)
{
	if (n < 4 + ISAKMP_HDR_LEN || n > 4 + V1_MAX_MSG || memcmp(d, "\0\0\0\0", 4))
		return;
	dispatch(d + 4, n - 4, from, true);
}

void net_receive(int sock, bool is4500)
{
	static uint8_t buf[65536];	/* a GRO batch */
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_in from;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr h = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = ctl.b,
				    .msg_controllen = sizeof ctl.b };
		ssize_t n = recvmsg(sock, &h, MSG_DONTWAIT);
		size_t seg, off;

		if (n < 0)
			return;
		if (!is4500) {
			if ((size_t)n <= V1_MAX_MSG)	/* our limit, as for anything we keep */
				dispatch(buf, (size_t)n, &from, false);
			continue;
		}
		/* master turns UDP_GRO on for our member of the group too
		 * (res_gro_ike_member): a buffer may hold several datagrams */
		seg = udp_gro_segment(&h);
		if (seg == 0 || seg >= (size_t)n)
			seg = (size_t)n;
		for (off = 0; off < (size_t)n; off += seg)
			receive_4500(buf + off, (size_t)n - off < seg ? (size_t)n - off : seg, &from);
	}
}
