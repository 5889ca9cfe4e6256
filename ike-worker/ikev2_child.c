/* A child SA (RFC 7296 1.2, 1.3, 2.17), of IKE_AUTH or of a client's
 * CREATE_CHILD_SA, and what comes with it: the CP reply with the leased
 * address (3.15, IKE_AUTH only) and the traffic selectors (2.9): TSi
 * narrowed to that address, TSr to what the group-policy tunnels (its
 * split-tunnel list for tunnelspecified, else everything) within what the
 * client asked for.  Also the removal of SAs a rekey replaced. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"
#include "shard.h"

/* What the group-policy lets the client reach. */
static int policy_ranges(const struct ike_sa *sa, struct v2_range *out, int max)
{
	const struct conf *c = &ike.c.conf;
	const struct conf_group_policy *gp = conf_group_policy(c, sa->policy);
	int n = 0;

	if (!gp || gp->split_policy != SPLIT_SPECIFIED || !gp->split_acl[0]) {
		out[0] = (struct v2_range){ 0, UINT32_MAX };
		return 1;
	}
	for (const struct conf_acl *a = conf_acl_next(c, gp->split_acl, NULL); a && n < max;
	     a = conf_acl_next(c, gp->split_acl, a)) {
		out[n].lo = ntohl(a->net & a->mask);
		out[n].hi = out[n].lo | ~ntohl(a->mask);
		n++;
	}
	return n;
}

/* Our TSr: each asked range cut to each allowed one. */
static void narrow_tsr(struct ike_sa *sa, const struct v2_range *ask, int n_ask)
{
	struct v2_range allow[V2_MAX_TS];
	int n_allow = policy_ranges(sa, allow, V2_MAX_TS);

	sa->v2_n_tsr = 0;
	for (int i = 0; i < n_ask; i++)
		for (int k = 0; k < n_allow && sa->v2_n_tsr < V2_MAX_TS; k++) {
			uint32_t lo = ask[i].lo > allow[k].lo ? ask[i].lo : allow[k].lo;
			uint32_t hi = ask[i].hi < allow[k].hi ? ask[i].hi : allow[k].hi;

			if (lo > hi)
				continue;
			sa->v2_tsr[sa->v2_n_tsr][0] = lo;
			sa->v2_tsr[sa->v2_n_tsr++][1] = hi;
		}
}

/* TSi must allow the leased address, TSr must meet the policy. */
static bool check_ts(struct ike_sa *sa, const struct v1_msg *req)
{
	const struct v1_payload *tsi = v1_find(req, V2_PL_TSI, 0), *tsr = v1_find(req, V2_PL_TSR, 0);
	struct v2_range ri[V2_MAX_TS], rr[V2_MAX_TS];
	int ni = tsi ? v2_read_ts(tsi, ri, V2_MAX_TS) : -1, nr = tsr ? v2_read_ts(tsr, rr, V2_MAX_TS) : -1;
	uint32_t addr = ntohl(sa->addr);
	bool mine = false;

	for (int i = 0; i < ni; i++)
		mine = mine || (ri[i].lo <= addr && addr <= ri[i].hi);
	if (nr > 0)
		narrow_tsr(sa, rr, nr);
	return mine && nr > 0 && sa->v2_n_tsr > 0;
}

static void child_keys(struct ike_sa *sa, const struct v2_esp_choice *ch)
{
	struct child_sa *c = &sa->v2_child;

	memset(c, 0, sizeof *c);
	c->esp_index = (uint8_t)shard_of_addr(sa->addr, ike.c.start.n_esp);
	c->spi_in = qm_pick_spi(&c->esp_index);
	c->spi_out = ch->spi_out;
	c->enc = (uint8_t)ch->enc;
	c->key_bits = (uint16_t)ch->key_bits;
	c->auth = (uint8_t)ch->auth;
	c->encap = sa->nat_peer || sa->nat_local ? ENCAP_UDP : ENCAP_NONE;
	c->encap_mode = sa->nat_peer || sa->nat_local ? ENCAP_MODE_UDP_TUNNEL : ENCAP_MODE_TUNNEL;
	c->lifetime = ch->lifetime;
	/* No kilobyte lifetime: IKEv2 does not tell the client ours, and
	 * ravpn does not start rekeys yet, so the hard limit would end the
	 * session in the middle of a transfer.  The client's own rekeys (by
	 * time; strongSwan's default is hourly) renew the SA. */
	c->lifetime_kb = 0;
	c->enc_len = (uint8_t)prop_esp_key_len(ch->enc, ch->key_bits);
	c->auth_len = (uint8_t)prop_esp_auth_len(ch->auth);
}

bool v2_child_setup(struct ike_sa *sa, const struct v1_msg *req, int ke_group,
		    uint16_t *notify)
{
	const struct v1_payload *sap = v1_find(req, V2_PL_SA, 0);

	*notify = V2N_NO_PROPOSAL_CHOSEN;
	if (!sap || !v2_select_esp(sap->body, sap->len, &ike.c.conf, ke_group, &sa->v2_esp)) {
		log_warn("peer %s user %s: no ESP proposal matches an ikev2 ipsec-proposal%s",
			 sa_peer_str(sa), sa->user, ke_group > 0 ? " with its PFS group" : "");
		return false;
	}
	*notify = V2N_TS_UNACCEPTABLE;
	if (!check_ts(sa, req)) {
		log_warn("peer %s user %s: traffic selectors do not allow its address or the "
			 "group-policy's networks", sa_peer_str(sa), sa->user);
		return false;
	}
	child_keys(sa, &sa->v2_esp);
	return true;
}

bool v2_child_keys(struct ike_sa *sa, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
		   size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	struct child_sa *c = &sa->v2_child;

	return v2_child_keymat(&sa->v2k, gir, gir_len, ni, ni_len, nr, nr_len, c->key_in,
			       c->key_out, (size_t)c->enc_len + c->auth_len);
}

void v2_child_cp(struct ike_sa *sa, struct v1_out *o)
{
	const struct conf_group_policy *gp = conf_group_policy(&ike.c.conf, sa->policy);
	size_t s = v1_out_open(o, V2_PL_CP);

	wbuf_u8(&o->w, V2_CFG_REPLY);
	wbuf_zero(&o->w, 3);
	v1_out_attr_var(o, V2_CA_IP4_ADDRESS, &sa->addr, 4);
	for (int i = 0; gp && i < gp->n_dns; i++)
		v1_out_attr_var(o, V2_CA_IP4_DNS, &gp->dns[i], 4);
	for (int i = 0; gp && i < gp->n_wins; i++)
		v1_out_attr_var(o, V2_CA_IP4_NBNS, &gp->wins[i], 4);
	v1_out_close(o, s);
}

static void put_ts(struct v1_out *o, uint8_t type, const uint32_t (*r)[2], int n)
{
	size_t s = v1_out_open(o, type);

	wbuf_u8(&o->w, (uint8_t)n);
	wbuf_zero(&o->w, 3);
	for (int i = 0; i < n; i++) {
		wbuf_u8(&o->w, V2_TS_IPV4_ADDR_RANGE);
		wbuf_u8(&o->w, 0);		/* any protocol */
		wbuf_u16(&o->w, 16);
		wbuf_u16(&o->w, 0);
		wbuf_u16(&o->w, 65535);
		wbuf_u32(&o->w, r[i][0]);
		wbuf_u32(&o->w, r[i][1]);
	}
	v1_out_close(o, s);
}

void v2_child_reply(struct ike_sa *sa, struct v1_out *o)
{
	uint32_t self[1][2] = { { ntohl(sa->addr), ntohl(sa->addr) } };

	v2_build_esp_sa(o, &sa->v2_esp, sa->v2_child.spi_in);
	put_ts(o, V2_PL_TSI, (const uint32_t (*)[2])self, 1);
	put_ts(o, V2_PL_TSR, (const uint32_t (*)[2])sa->v2_tsr, sa->v2_n_tsr);
}

void v2_child_install(struct ike_sa *sa)
{
	struct child_sa *c = qm_slot(sa);

	*c = sa->v2_child;
	c->used = true;
	memset(&sa->v2_child, 0, sizeof sa->v2_child);
	peers_install_child(sa, c);
	qm_child_up(sa, c);
	log_notice("peer %s user %s: IPsec SA up: in 0x%08x out 0x%08x %s-%s %s", sa_peer_str(sa),
		   sa->user, c->spi_in, c->spi_out, prop_esp_enc_name(c->enc, c->key_bits),
		   prop_esp_auth_name(c->auth), c->encap == ENCAP_UDP ? "in UDP 4500" : "plain ESP");
}

void v2_child_retire(struct ike_sa *sa, long long now)
{
	for (int i = 0; i < SA_CHILDREN; i++) {
		struct child_sa *c = &sa->children[i];

		/* the client deletes what its rekey replaced; if it does not,
		 * the old SA goes after the grace period without a word */
		if (!c->used || !c->retire_ms || now < c->retire_ms)
			continue;
		log_info("peer %s user %s: IPsec SA 0x%08x replaced by a rekey removed",
			 sa_peer_str(sa), sa->user, c->spi_in);
		peers_remove_child(sa, c);
		peers_db_child_sa(sa, c, true);
		c->used = false;
	}
}
