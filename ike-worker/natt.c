/* Vendor IDs and NAT traversal (RFC 3947, and the draft-02 payload number
 * older clients still use). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ike.h"
#include "log.h"

static const uint8_t VID_XAUTH[] = { 0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12 };
static const uint8_t VID_UNITY[] = { 0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
				     0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00 };
static const uint8_t VID_DPD[] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
				   0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
static const uint8_t VID_NATT_RFC[] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
					0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
static const uint8_t VID_NATT_02N[] = { 0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
					0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f };
static const uint8_t VID_NATT_02[] = { 0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
				       0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48 };

/* XAUTH, Cisco Unity and DPD always; NAT-T in the variant the client
 * offered (vpnc looks for each of these). */
void natt_add_vids(const struct ike_sa *sa, struct v1_out *o)
{
	v1_out_payload(o, PL_VID, VID_XAUTH, sizeof VID_XAUTH);
	v1_out_payload(o, PL_VID, VID_UNITY, sizeof VID_UNITY);
	v1_out_payload(o, PL_VID, VID_DPD, sizeof VID_DPD);
	if (sa->natd_type == PL_NATD)
		v1_out_payload(o, PL_VID, VID_NATT_RFC, sizeof VID_NATT_RFC);
	else if (sa->natd_type == PL_NATD_DRAFT)
		v1_out_payload(o, PL_VID, VID_NATT_02N, sizeof VID_NATT_02N);
}

static bool vid_is(const struct v1_payload *p, const uint8_t *v, size_t n)
{
	return p->len == n && !memcmp(p->body, v, n);
}

/* Notes what the client supports; RFC 3947 wins over the drafts. */
void natt_scan_vids(struct ike_sa *sa, const struct v1_msg *m)
{
	for (int i = 0; i < m->n; i++) {
		const struct v1_payload *p = &m->pl[i];

		if (p->type != PL_VID)
			continue;
		if (vid_is(p, VID_NATT_RFC, sizeof VID_NATT_RFC))
			sa->natd_type = PL_NATD;
		else if ((vid_is(p, VID_NATT_02N, sizeof VID_NATT_02N) ||
			  vid_is(p, VID_NATT_02, sizeof VID_NATT_02)) && sa->natd_type != PL_NATD)
			sa->natd_type = PL_NATD_DRAFT;
		else if (vid_is(p, VID_DPD, sizeof VID_DPD))
			sa->peer_dpd = true;
	}
}

/* NAT-D = HASH(CKY-I | CKY-R | IP | Port), RFC 3947 section 3.2. */
static void natd_hash(struct ike_sa *sa, uint32_t addr, uint16_t port_net, uint8_t *out)
{
	struct chunk c[4] = { { sa->icky, 8 }, { sa->rcky, 8 }, { &addr, 4 }, { &port_net, 2 } };

	hash_chunks(sa->hash, c, 4, out);
}

void natt_add_natd(struct ike_sa *sa, struct v1_out *o)
{
	uint8_t h[CRYPTO_MAX_HASH];
	size_t hl = hash_len(sa->hash);

	if (!sa->natd_type)
		return;
	/* First the receiver's address as we see it, then our own. */
	natd_hash(sa, sa->peer1.sin_addr.s_addr, sa->peer1.sin_port, h);
	v1_out_payload(o, sa->natd_type, h, hl);
	natd_hash(sa, ike.local_addr, htons(500), h);
	v1_out_payload(o, sa->natd_type, h, hl);
}

void natt_check_natd(struct ike_sa *sa, const struct v1_msg *m, uint16_t local_port)
{
	uint8_t us[CRYPTO_MAX_HASH], them[CRYPTO_MAX_HASH];
	size_t hl = hash_len(sa->hash);
	bool saw_us = false, saw_them = false, any = false;

	natd_hash(sa, ike.local_addr, htons(local_port), us);
	natd_hash(sa, sa->peer1.sin_addr.s_addr, sa->peer1.sin_port, them);
	for (int i = 0; i < m->n; i++) {
		const struct v1_payload *p = &m->pl[i];

		if (p->type != PL_NATD && p->type != PL_NATD_DRAFT)
			continue;
		any = true;
		if (p->len == hl && !memcmp(p->body, us, hl))
			saw_us = true;
		else if (p->len == hl && !memcmp(p->body, them, hl))
			saw_them = true;
	}
	if (!any)
		return;
	sa->nat_local = !saw_us;
	sa->nat_peer = !saw_them;
	log_info("peer %s: NAT detected: local %s, peer %s", sa_peer_str(sa),
		 sa->nat_local ? "yes" : "no", sa->nat_peer ? "yes" : "no");
}

/* NAT-T keepalives (RFC 3948 section 2.3): while NAT is detected on either
 * side of an SA that floated to 4500, send a one-octet 0xFF every
 * `crypto isakmp nat-traversal N` seconds, so the mapping of a client that
 * does not send its own keepalives stays open while its tunnel is idle.
 * Receivers drop it (it is neither IKE with its zero marker nor ESP). */
void natt_keepalive_tick(struct ike_sa *sa, long long now)
{
	static const uint8_t ka = 0xff;
	int interval = ike.c.conf.natt_keepalive;

	if (interval <= 0 || !sa->on4500 || !(sa->nat_peer || sa->nat_local))
		return;
	if (sa->natt_ka_ms && now - sa->natt_ka_ms < (long long)interval * 1000)
		return;
	if (sa->natt_ka_ms && sendto(ike.sock4500, &ka, 1, 0, (const struct sockaddr *)&sa->peer,
				     sizeof sa->peer) < 0)
		log_debug("peer %s: NAT keepalive not sent: %s", sa_peer_str(sa), strerror(errno));
	sa->natt_ka_ms = now;	/* the first tick only starts the interval */
}
