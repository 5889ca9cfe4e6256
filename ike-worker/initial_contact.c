/* INITIAL-CONTACT (RFC 2407 4.6.3.3): a peer that sends it in phase 1 (or
 * in an informational exchange protected by it) has no other SA with us,
 * so every older session of the same identity is state left behind by a
 * peer that rebooted or was killed.  Those sessions end at once, cause
 * "initial-contact": IKE and IPsec SAs, lease, db row.  The identity is
 * the peer's address plus the XAUTH user for remote access, the address
 * alone for a LAN-to-LAN peer; XAUTH clients are matched after XAUTH. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ike.h"
#include "log.h"

void ic_scan(struct ike_sa *sa, const struct v1_msg *m)
{
	for (int i = 0; i < m->n; i++) {
		const struct v1_payload *p = &m->pl[i];
		struct rbuf r;
		uint32_t doi;
		uint8_t proto, spi_len;
		uint16_t type;

		if (p->type != PL_NOTIFY)
			continue;
		rbuf_init(&r, p->body, p->len);
		if (rbuf_u32(&r, &doi) && rbuf_u8(&r, &proto) && rbuf_u8(&r, &spi_len) &&
		    rbuf_u16(&r, &type) && type == N_INITIAL_CONTACT) {
			log_info("peer %s: INITIAL-CONTACT received", sa_peer_str(sa));
			sa->initial_contact = true;
		}
	}
}

/* Same identity: same address, and for remote access the same user. */
bool ic_same_identity(const struct ike_sa *a, const struct ike_sa *b)
{
	if (a->peer.sin_addr.s_addr != b->peer.sin_addr.s_addr || a->l2l != b->l2l)
		return false;
	return a->l2l || (a->user[0] && !strcmp(a->user, b->user));
}

void ic_apply(struct ike_sa *sa)
{
	struct ike_sa *next;
	char peer[40];

	if (!sa->initial_contact || (!sa->l2l && !sa->user[0]))
		return;
	sa->initial_contact = false;
	snprintf(peer, sizeof peer, "%s", sa_peer_str(sa));	/* static buffer */
	for (struct ike_sa *o = ike.sas; o; o = next) {
		next = o->next;
		if (o == sa || !ic_same_identity(sa, o))
			continue;
		log_notice("peer %s user %s: INITIAL-CONTACT from %s: ending the older session "
			   "(%016llx)", sa_peer_str(o), o->user, peer, (unsigned long long)o->sid);
		/* The peer holds no state for it any more: no DELETE to send. */
		sa_end(o, "initial-contact", false);
	}
}
