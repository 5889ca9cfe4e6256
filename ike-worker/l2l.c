/* LAN-to-LAN peers: a gateway named by a static crypto map entry (`set
 * peer`, `match address`) and an ipsec-l2l tunnel-group of its address.
 * No XAUTH or mode-config: after main mode the session is up and quick
 * modes carry subnet proxy IDs (checked against the crypto ACL: a subset
 * is accepted, a superset refused).  ravpn initiates when the ESP worker
 * reports traffic without an SA (IPC_ACQUIRE), and answers the peer's
 * main and quick modes; `clear crypto sa peer` and `clear crypto isakmp
 * sa` end here too. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"
#include "shard.h"

static uint32_t l2l_peer_addr(const struct ike_sa *sa)
{
	uint32_t a = 0;

	/* the tunnel-group is named by the configured address (a NAT may
	 * show another one in sa->peer) */
	if (inet_pton(AF_INET, sa->group_name, &a) != 1)
		a = sa->peer.sin_addr.s_addr;
	return a;
}

static const struct conf_crypto_map *l2l_entry(const struct ike_sa *sa)
{
	return conf_l2l_by_peer(&ike.c.conf, l2l_peer_addr(sa));
}

/* The traffic that made us initiate, else the entry's first ACL line. */
static const struct conf_acl *l2l_first_acl(const struct ike_sa *sa,
					    const struct conf_crypto_map *m)
{
	const struct conf_acl *acl = NULL;

	if (sa->acq_dst && conf_l2l_by_traffic(&ike.c.conf, sa->acq_src, sa->acq_dst, &acl) == m)
		return acl;
	for (acl = conf_acl_next(&ike.c.conf, m->acl, NULL); acl;
	     acl = conf_acl_next(&ike.c.conf, m->acl, acl))
		if (acl->extended)
			return acl;
	return NULL;
}

bool l2l_phase1_done(struct ike_sa *sa)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);
	const struct conf_crypto_map *m;
	const struct conf_acl *acl;

	if (!tg || !tg->l2l)
		return false;
	sa->l2l = true;
	ipc_strcpy(sa->user, sizeof sa->user, sa->group_name);
	ipc_strcpy(sa->policy, sizeof sa->policy, tg->default_policy);
	sa->up_ms = now_ms();
	sa_set_state(sa, ST_ESTABLISHED);
	peers_db_session_new(sa);
	peers_db_ike_sa(sa, false);
	log_notice("peer %s group %s: LAN-to-LAN IKE SA up (%s)", sa_peer_str(sa), sa->group_name,
		   sa->initiator ? "we initiated" : "the peer initiated");
	m = l2l_entry(sa);
	if (sa->initiator && m && (acl = l2l_first_acl(sa, m)))
		qmi_start(sa, m, acl);
	return true;
}

/* A live (not retiring) child SA already carries this traffic. */
static bool l2l_has_child(const struct ike_sa *sa, const struct conf_acl *acl)
{
	for (int i = 0; i < SA_CHILDREN; i++) {
		const struct child_sa *c = &sa->children[i];

		if (c->used && !c->retire_ms && c->rmask && c->rnet == acl->dst_net &&
		    c->rmask == acl->dst_mask)
			return true;
	}
	return false;
}

static struct ike_sa *l2l_sa_of(uint32_t peer)
{
	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		if (sa->l2l && l2l_peer_addr(sa) == peer)
			return sa;
	return NULL;
}

void l2l_acquire(const struct ipc_acquire *q)
{
	const struct conf_acl *acl;
	const struct conf_crypto_map *m = conf_l2l_by_traffic(&ike.c.conf, q->src, q->dst, &acl);
	struct ike_sa *sa;

	if (!m || ike.shutting_down)
		return;
	sa = l2l_sa_of(m->peer);
	if (!sa) {
		sa = mi_start(m);
		if (sa) {
			sa->acq_src = q->src;
			sa->acq_dst = q->dst;
		}
		return;
	}
	/* phase 1 in progress: its end starts the quick mode */
	if (sa->state != ST_ESTABLISHED)
		return;
	/* with a child, the packet raced its SA's installation */
	if (!l2l_has_child(sa, acl))
		qmi_start(sa, m, acl);
}

/* One ID payload body: an address (/32) or a subnet. */
static bool l2l_parse_id(const struct v1_payload *p, uint32_t *net, uint32_t *mask)
{
	struct rbuf r;
	uint8_t type;

	if (!p)
		return false;
	rbuf_init(&r, p->body, p->len);
	if (!rbuf_u8(&r, &type) || !rbuf_skip(&r, 3) || !rbuf_copy(&r, net, 4))
		return false;
	if (type == ID_IPV4_ADDR) {
		*mask = 0xffffffffu;
		return true;
	}
	return type == ID_IPV4_ADDR_SUBNET && rbuf_copy(&r, mask, 4) && !(*net & ~*mask);
}

static void l2l_log_refused(const struct ike_sa *sa, uint32_t ln, uint32_t lm, uint32_t rn,
			    uint32_t rm)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &rn, a, sizeof a);
	inet_ntop(AF_INET, &ln, b, sizeof b);
	log_warn("peer %s group %s: quick mode: invalid ID: proxy IDs %s/%d -> %s/%d are not "
		 "within the crypto map's access-list", sa_peer_str(sa), sa->group_name, a,
		 __builtin_popcount(rm), b, __builtin_popcount(lm));
}

/* The peer's first map entry whose access-list covers the proxy IDs: a
 * peer may have several entries (several networks, each with its own
 * transform sets and PFS). */
static const struct conf_crypto_map *l2l_entry_covering(const struct ike_sa *sa, uint32_t ln,
							uint32_t lm, uint32_t rn, uint32_t rm)
{
	const struct conf *c = &ike.c.conf;
	uint32_t peer = l2l_peer_addr(sa);

	for (int i = 0; i < c->n_cmaps; i++)
		if (c->cmaps[i].peer == peer && conf_l2l_acl_covering(c, &c->cmaps[i], ln, lm, rn, rm))
			return &c->cmaps[i];
	return NULL;
}

bool l2l_check_ids(struct ike_sa *sa, const struct v1_msg *m, struct child_sa *c)
{
	const struct conf_crypto_map *e;
	uint32_t rn, rm, ln, lm;

	/* the peer's IDci is its side (our remote), IDcr ours */
	if (!l2l_parse_id(v1_find(m, PL_ID, 0), &rn, &rm) ||
	    !l2l_parse_id(v1_find(m, PL_ID, 1), &ln, &lm)) {
		log_warn("peer %s group %s: quick mode without usable proxy IDs (an address or a "
			 "subnet each way)", sa_peer_str(sa), sa->group_name);
		return false;
	}
	e = l2l_entry_covering(sa, ln, lm, rn, rm);
	if (!e) {
		l2l_log_refused(sa, ln, lm, rn, rm);
		return false;
	}
	sa->l2l_map = (int)(e - ike.c.conf.cmaps) + 1;
	if (c) {
		c->lnet = ln;
		c->lmask = lm;
		c->rnet = rn;
		c->rmask = rm;
		/* the worker the TUN steers this network to (lib/shard.h): a
		 * subset the peer proposed goes where its ACL network goes */
		c->esp_index = (uint8_t)shard_of_l2l(&ike.c.conf, rn, ike.c.start.n_esp);
		c->spi_in = qm_pick_spi(&c->esp_index);
	}
	return true;
}

const struct conf *l2l_p2_conf(const struct ike_sa *sa)
{
	static struct conf one;
	const struct conf_crypto_map *e = sa->l2l ? l2l_entry(sa) : NULL;

	/* the entry the quick mode's IDs matched (l2l_check_ids runs first) */
	if (sa->l2l && sa->l2l_map > 0 && sa->l2l_map <= ike.c.conf.n_cmaps &&
	    ike.c.conf.cmaps[sa->l2l_map - 1].peer == l2l_peer_addr(sa))
		e = &ike.c.conf.cmaps[sa->l2l_map - 1];

	if (!e)
		return &ike.c.conf;
	/* the same choice as for dynamic maps, over this entry alone */
	one = ike.c.conf;
	one.dynmaps = (struct conf_dynamic_map *)&e->p2;
	one.n_dynmaps = 1;
	return &one;
}

/* ---- clear crypto sa peer A / clear crypto isakmp sa [A] ---- */

static void l2l_send_delete_esp(struct ike_sa *sa)
{
	uint32_t spis[SA_CHILDREN];
	uint16_t n = 0;

	for (int i = 0; i < SA_CHILDREN; i++)
		if (sa->children[i].used)
			spis[n++] = sa->children[i].spi_in;
	info_send_delete_esp(sa, spis, n);
}

/* The IPsec SAs go, the IKE SA stays: new ones are negotiated on demand. */
static uint32_t l2l_clear_children(struct ike_sa *sa)
{
	uint32_t n = 0;

	l2l_send_delete_esp(sa);
	qm_abandon(sa);
	rekey_abandon(sa);
	for (int i = 0; i < SA_CHILDREN; i++) {
		struct child_sa *c = &sa->children[i];

		if (!c->used)
			continue;
		peers_remove_child(sa, c);
		peers_db_child_sa(sa, c, true);
		memset(c, 0, sizeof *c);
		n++;
	}
	return n;
}

uint32_t l2l_clear(const struct ipc_logoff *l)
{
	struct ike_sa *next;
	uint32_t n = 0;

	for (struct ike_sa *sa = ike.sas; sa; sa = next) {
		next = sa->next;
		if (l->addr && sa->peer.sin_addr.s_addr != l->addr && l2l_peer_addr(sa) != l->addr)
			continue;
		if (l->by == LOGOFF_PEER_ISAKMP) {
			log_notice("peer %s: IKE SA cleared by the operator", sa_peer_str(sa));
			sa_end(sa, "admin", true);
			n++;
		} else if (sa->state == ST_ESTABLISHED) {
			uint32_t k = l2l_clear_children(sa);

			log_notice("peer %s: %u IPsec SA pair%s cleared by the operator",
				   sa_peer_str(sa), k, k == 1 ? "" : "s");
			n += k;
		}
	}
	return n;
}
