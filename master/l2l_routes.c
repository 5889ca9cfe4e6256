/* LAN-to-LAN: packets from the LAN side toward a static crypto map's
 * remote networks must enter the TUN, where the ESP worker finds their SA
 * or asks IKE to negotiate one.  A route per extended ACL line's
 * destination, at start and after every reload (a route of a removed
 * entry stays until restart, as pool routes do).  With several ESP
 * workers the TUN steering program must send each remote network to the
 * one worker holding its SA pair: a reload that changes the networks
 * loads a new program (shard.c). */
#include "master.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static void l2l_route(const struct conf_crypto_map *cm, const struct conf_acl *a)
{
	char n[INET_ADDRSTRLEN], k[INET_ADDRSTRLEN];
	int rc = master_tun_route(a->dst_net, a->dst_mask), e = errno;

	inet_ntop(AF_INET, &a->dst_net, n, sizeof n);
	inet_ntop(AF_INET, &a->dst_mask, k, sizeof k);
	if (rc < 0)
		log_err("route %s/%s dev %s for crypto map %s %d: %s", n, k, MASTER_TUN_NAME,
			cm->name, cm->seq, strerror(e));
	else if (rc == 0)
		log_info("route %s/%s dev %s (crypto map %s %d, access-list %s)", n, k,
			 MASTER_TUN_NAME, cm->name, cm->seq, cm->acl);
}

void master_add_l2l_routes(struct master *m)
{
	const struct conf *c = &m->conf;

	for (int i = 0; i < c->n_cmaps; i++) {
		const struct conf_crypto_map *cm = &c->cmaps[i];

		if (cm->dynamic[0] || !cm->acl[0] || !cm->peer)
			continue;
		for (const struct conf_acl *a = conf_acl_next(c, cm->acl, NULL); a;
		     a = conf_acl_next(c, cm->acl, a))
			if (a->extended && a->dst_mask)	/* never a default route */
				l2l_route(cm, a);
	}
	master_steer_attach(m);
}
