/* Phase 1 lifetime.  When the IKE SA's negotiated lifetime runs out it is
 * deleted (one informational DELETE for the ISAKMP SA, then no more IKE
 * traffic with those cookies), but the session's IPsec SAs carry traffic
 * on until their own lifetime ends - without a phase 1 they cannot be
 * rekeyed - or until a new phase 1 of the same peer (a client that
 * re-authenticates) brings up an IPsec SA of its own: the old session
 * then ends with cause "reauth".  With no IPsec SA left the session ends
 * with cause "lifetime". */
#include "ike.h"
#include "log.h"

static bool any_child(const struct ike_sa *sa)
{
	for (int i = 0; i < SA_CHILDREN; i++)
		if (sa->children[i].used)
			return true;
	return false;
}

bool p1_expire_tick(struct ike_sa *sa, long long now)
{
	if (!sa->p1_dead && sa->lifetime && now - sa->created_ms >= (long long)sa->lifetime * 1000) {
		log_notice("peer %s user %s: IKE SA lifetime (%u s) expired: IKE SA deleted, "
			   "IPsec SAs kept until their own expiry", sa_peer_str(sa), sa->user,
			   sa->lifetime);
		info_send_delete_ike(sa);
		rekey_abandon(sa);
		qm_abandon(sa);
		sa->p1_dead = true;
		peers_db_ike_sa(sa, true);
	}
	if (sa->p1_dead && !any_child(sa)) {
		log_notice("peer %s user %s: last IPsec SA of an expired IKE SA gone: session ends",
			   sa_peer_str(sa), sa->user);
		sa_end(sa, "lifetime", false);
		return true;
	}
	return false;
}

void p1_replace_expired(struct ike_sa *sa)
{
	struct ike_sa *next;

	for (struct ike_sa *o = ike.sas; o; o = next) {
		next = o->next;
		if (o == sa || !o->p1_dead || !ic_same_identity(sa, o))
			continue;
		log_notice("peer %s user %s: new phase 1 and IPsec SA up: the session of the "
			   "expired IKE SA ends (%016llx)", sa_peer_str(o), o->user,
			   (unsigned long long)o->sid);
		sa_end(o, "reauth", false);
	}
}
