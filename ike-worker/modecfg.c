/* Mode-config (draft-dukes-ike-mode-cfg-02) in the pull style vpnc uses:
 * the client's CFG_REQUEST names the attributes it wants; we lease an
 * address from poold and answer with CFG_REPLY.  Also the entry point of
 * every transaction exchange message. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"

void transaction_input(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *attr = v1_find(m, PL_ATTR, 0);
	struct rbuf r;
	uint8_t type, res;
	uint16_t ident;

	if (!crypt_check_hash(sa, m) || !attr) {
		log_warn("peer %s: transaction message with a bad hash dropped", sa_peer_str(sa));
		return;
	}
	rbuf_init(&r, attr->body, attr->len);
	if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &res) || !rbuf_u16(&r, &ident))
		return;
	if (type == CFG_REQUEST && sa->state == ST_CFG_WAIT)
		modecfg_request(sa, m, ident, &r);
	else
		xauth_input(sa, m, type, &r);
}

void modecfg_request(struct ike_sa *sa, const struct v1_msg *m, uint16_t ident,
		     struct rbuf *attrs)
{
	struct v1_attr a;

	sa->n_cfg_wanted = 0;
	while (v1_next_attr(attrs, &a))
		if (sa->n_cfg_wanted < (int)(sizeof sa->cfg_wanted / sizeof sa->cfg_wanted[0]))
			sa->cfg_wanted[sa->n_cfg_wanted++] = a.type;
	sa->cfg_msgid = m->msgid;
	sa->cfg_ident = ident;
	modecfg_lease(sa);
}

void modecfg_lease(struct ike_sa *sa)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);
	struct ipc_lease q = { .sid = sa->sid };

	if (!tg || (tg->n_pools == 0 && !sa->framed_addr && !sa->framed_pool[0])) {
		log_warn("peer %s user %s: tunnel-group %s has no address-pool", sa_peer_str(sa),
			 sa->user, sa->group_name);
		sa_end(sa, "no-address", true);
		return;
	}
	/* RADIUS Framed-Pool / Framed-IP-Address win over the tunnel-group's pool. */
	ipc_strcpy(q.pool, sizeof q.pool, sa->framed_pool[0] ? sa->framed_pool :
		   tg->n_pools ? tg->pools[0] : "");
	q.want_addr = sa->framed_addr;
	ipc_strcpy(q.user, sizeof q.user, sa->user);
	sa_set_state(sa, ST_CFG_LEASE);
	peers_send(ROLE_POOLD, 0, IPC_LEASE, 0, &q, sizeof q);
}

static bool wanted_in(const uint16_t *want, int n_want, uint16_t type)
{
	for (int i = 0; i < n_want; i++)
		if (want[i] == type)
			return true;
	return false;
}

static bool wanted(const struct ike_sa *sa, uint16_t type)
{
	return wanted_in(sa->cfg_wanted, sa->n_cfg_wanted, type);
}

/* The ACL's networks as a Unity split list: CA_UNITY_SPLIT_INCLUDE
 * (tunnelspecified) or CA_UNITY_LOCAL_LAN, 28678, the split-exclude list
 * (excludespecified; vpnc exports it as CISCO_SPLIT_EXC when it knows it). */
static void add_split(struct v1_out *o, const struct conf *c, const char *acl, uint16_t type)
{
	uint8_t buf[14 * 32];
	struct wbuf w;

	wbuf_init(&w, buf, sizeof buf);
	for (int i = 0; i < c->n_acls; i++) {
		if (strcmp(c->acls[i].name, acl))
			continue;
		/* Unity split entry: address, mask, protocol, source and
		 * destination port (14 bytes). */
		wbuf_bytes(&w, &c->acls[i].net, 4);
		wbuf_bytes(&w, &c->acls[i].mask, 4);
		wbuf_u16(&w, 0);
		wbuf_u16(&w, 0);
		wbuf_u16(&w, 0);
	}
	if (wbuf_ok(&w) && w.len)
		v1_out_attr_var(o, type, buf, (uint16_t)w.len);
}

void modecfg_policy_attrs(struct v1_out *o, const struct conf *c,
			  const struct conf_group_policy *gp, const uint16_t *want, int n_want)
{
	if (!gp)
		return;
	for (int i = 0; i < gp->n_dns && wanted_in(want, n_want, CA_IP4_DNS); i++)
		v1_out_attr_var(o, CA_IP4_DNS, &gp->dns[i], 4);
	for (int i = 0; i < gp->n_wins && wanted_in(want, n_want, CA_IP4_NBNS); i++)
		v1_out_attr_var(o, CA_IP4_NBNS, &gp->wins[i], 4);
	if (gp->domain[0] && wanted_in(want, n_want, CA_UNITY_DEF_DOMAIN))
		v1_out_attr_var(o, CA_UNITY_DEF_DOMAIN, gp->domain, (uint16_t)strlen(gp->domain));
	if (gp->banner[0] && wanted_in(want, n_want, CA_UNITY_BANNER))
		v1_out_attr_var(o, CA_UNITY_BANNER, gp->banner, (uint16_t)strlen(gp->banner));
	if (gp->split_policy == SPLIT_SPECIFIED && gp->split_acl[0] &&
	    wanted_in(want, n_want, CA_UNITY_SPLIT_INCLUDE))
		add_split(o, c, gp->split_acl, CA_UNITY_SPLIT_INCLUDE);
	if (gp->split_policy == SPLIT_EXCLUDE && gp->split_acl[0] &&
	    wanted_in(want, n_want, CA_UNITY_LOCAL_LAN))
		add_split(o, c, gp->split_acl, CA_UNITY_LOCAL_LAN);
}

static void send_reply(struct ike_sa *sa)
{
	const struct conf_group_policy *gp = conf_group_policy(&ike.c.conf, sa->policy);
	struct v1_out o;
	size_t hash, attr;

	v1_out_begin(&o, sa->icky, sa->rcky, EXCH_TRANSACTION, 0, sa->cfg_msgid);
	hash = crypt_reserve_hash(sa, &o);
	attr = v1_out_open(&o, PL_ATTR);
	wbuf_u8(&o.w, CFG_REPLY);
	wbuf_u8(&o.w, 0);
	wbuf_u16(&o.w, sa->cfg_ident);
	v1_out_attr_var(&o, CA_IP4_ADDRESS, &sa->addr, 4);
	if (wanted(sa, CA_IP4_NETMASK))
		v1_out_attr_var(&o, CA_IP4_NETMASK, &sa->mask, 4);
	modecfg_policy_attrs(&o, &ike.c.conf, gp, sa->cfg_wanted, sa->n_cfg_wanted);
	if (wanted(sa, CA_UNITY_SAVE_PASSWD))
		v1_out_attr16(&o, CA_UNITY_SAVE_PASSWD, 0);
	if (wanted(sa, CA_UNITY_PFS))
		v1_out_attr16(&o, CA_UNITY_PFS, 0);
	v1_out_close(&o, attr);
	crypt_seal_send(sa, &o, hash, NULL, 0);
	net_set_reply(sa, o.buf, o.w.len);
}

/* The tunnel-group's pool after `pool` in its address-pool list, for a
 * session whose address comes from that list; NULL when none is left. */
static const char *next_pool(const struct ike_sa *sa, const char *pool)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&ike.c.conf, sa->group_name);

	if (!tg || sa->framed_addr || sa->framed_pool[0])
		return NULL;
	for (int i = 0; i + 1 < tg->n_pools; i++)
		if (strcmp(tg->pools[i], pool) == 0)
			return tg->pools[i + 1];
	return NULL;
}

/* Pool exhausted: asks the tunnel-group's next pool.  False if none. */
static bool lease_from_next(struct ike_sa *sa, const char *pool)
{
	const char *next = next_pool(sa, pool);
	struct ipc_lease q = { .sid = sa->sid };

	if (!next)
		return false;
	log_info("peer %s user %s: pool %s exhausted, trying pool %s", sa_peer_str(sa), sa->user,
		 pool, next);
	ipc_strcpy(q.pool, sizeof q.pool, next);
	ipc_strcpy(q.user, sizeof q.user, sa->user);
	peers_send(ROLE_POOLD, 0, IPC_LEASE, 0, &q, sizeof q);
	return true;
}

void modecfg_lease_answer(const struct ipc_lease_ans *a)
{
	struct ike_sa *sa = sa_by_sid(a->sid);
	char pool[POOL_LEN];
	char addr[INET_ADDRSTRLEN];

	if (!sa || sa->state != ST_CFG_LEASE) {
		if (a->status == 0) {	/* nobody wants it any more: give it back */
			struct ipc_lease_free f = { .sid = a->sid, .addr = a->addr };

			memcpy(f.pool, a->pool, sizeof f.pool);
			peers_send(ROLE_POOLD, 0, IPC_LEASE_FREE, 0, &f, sizeof f);
		}
		return;
	}
	ipc_strcpy(pool, sizeof pool, a->pool);
	if (a->status == -1 && lease_from_next(sa, pool))
		return;
	if (a->status != 0) {
		log_warn("peer %s user %s: no address: %s%s", sa_peer_str(sa), sa->user,
			 a->status == -1 ? "pool exhausted: " : a->status == -3 ?
			 "address from the server is leased to another session: " :
			 "unknown pool ", pool);
		sa_end(sa, "no-address", true);
		return;
	}
	sa->addr = a->addr;
	sa->mask = a->mask;
	ipc_strcpy(sa->pool, sizeof sa->pool, pool);
	inet_ntop(AF_INET, &sa->addr, addr, sizeof addr);
	log_notice("peer %s user %s: assigned %s from pool %s", sa_peer_str(sa), sa->user, addr,
		   pool);
	if (sa->v2) {
		v2_auth_finish(sa);	/* the IKE_AUTH answer and the child SA */
		return;
	}
	send_reply(sa);
	sa_set_state(sa, ST_ESTABLISHED);
	peers_db_session_upd(sa, NULL);
	reauth_install_adopted(sa);	/* IPsec SAs of a re-authenticated session (reauth.c) */
}
