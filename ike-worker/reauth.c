/* Re-authentication of a remote-access client (IKEv1 has no IKE SA rekey:
 * a client such as strongSwan makes a new phase 1 + XAUTH + mode-config
 * before its old IKE SA expires, and expects to keep its address and its
 * IPsec SAs).  When a new IKE SA of the same peer (address and port) and
 * the same XAUTH user completes XAUTH while the old session is up, the
 * new session takes over: the old one's IPsec SAs move to it (re-installed
 * under the new session id with the same keys, so the ESP worker keeps
 * their sequence numbers and replay windows), its lease is returned just
 * before the new session asks for one (poold gives the user the same
 * address again), and the old session ends with cause "reauth".  The
 * session row in db is a new one. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"

static struct ike_sa *reauth_old(const struct ike_sa *sa)
{
	for (struct ike_sa *o = ike.sas; o; o = o->next)
		if (o != sa && !o->l2l && o->state == ST_ESTABLISHED && o->session_in_db &&
		    o->peer.sin_addr.s_addr == sa->peer.sin_addr.s_addr &&
		    o->peer.sin_port == sa->peer.sin_port && !strcmp(o->user, sa->user))
			return o;
	return NULL;
}

void reauth_adopt(struct ike_sa *sa)
{
	struct ike_sa *o = reauth_old(sa);
	int n = 0;

	if (!o || sa->l2l)
		return;
	for (int i = 0; i < SA_CHILDREN; i++) {
		if (!o->children[i].used)
			continue;
		sa->children[n] = o->children[i];
		sa->children[n].installed = false;	/* installed again with the new sid */
		n++;
	}
	sa->reauth_addr = o->addr;
	log_notice("peer %s user %s: re-authentication: the new IKE SA takes over session "
		   "%016llx (%d IPsec SA(s), its address)", sa_peer_str(sa), sa->user,
		   (unsigned long long)o->sid, n);
	/* The ESP worker keeps forwarding with the old session's SAs until the
	 * new session installs them: sa_end must not delete them. */
	memset(o->children, 0, sizeof o->children);
	rekey_abandon(o);
	sa_end(o, "reauth", false);
}

/* The new session has its address: the adopted SAs go in under its id, or
 * out when the address is not the old one (the client must renegotiate). */
void reauth_install_adopted(struct ike_sa *sa)
{
	bool same = sa->reauth_addr && sa->reauth_addr == sa->addr;

	for (int i = 0; sa->reauth_addr && i < SA_CHILDREN; i++) {
		struct child_sa *c = &sa->children[i];

		if (!c->used || c->installed)
			continue;
		peers_install_child(sa, c);
		if (same) {
			peers_db_child_sa(sa, c, false);
			continue;
		}
		peers_remove_child(sa, c);
		memset(c, 0, sizeof *c);
	}
	if (sa->reauth_addr && !same)
		log_warn("peer %s user %s: re-authentication got another address: the old "
			 "IPsec SAs were removed", sa_peer_str(sa), sa->user);
	sa->reauth_addr = 0;
}
