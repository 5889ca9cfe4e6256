/* Our first quick mode toward a LAN-to-LAN peer: the SA to propose is
 * built from the static map entry (every transform set it names, in
 * order, each as its own proposal as an ASA offers them; its PFS group
 * and lifetime) and the crypto ACL line the traffic matched (the proxy
 * IDs, ID_IPV4_ADDR_SUBNET); rekey.c then runs the exchange exactly as
 * for a rekey, whose messages are the same, and keys the SA with the
 * set the peer chose. */
#include <arpa/inet.h>
#include <string.h>

#include "ike.h"
#include "log.h"
#include "proposal.h"
#include "shard.h"

/* An ID payload body for net/mask: one address or a subnet (RFC 2407 4.6.2). */
static uint8_t qmi_id(uint8_t *out, uint32_t net, uint32_t mask)
{
	struct wbuf w;
	bool host = mask == 0xffffffffu;

	wbuf_init(&w, out, 16);
	wbuf_u8(&w, host ? ID_IPV4_ADDR : ID_IPV4_ADDR_SUBNET);
	wbuf_u8(&w, 0);			/* any protocol */
	wbuf_u16(&w, 0);		/* any port */
	wbuf_bytes(&w, &net, 4);
	if (!host)
		wbuf_bytes(&w, &mask, 4);
	return (uint8_t)w.len;
}

_Static_assert(sizeof ((struct conf_dynamic_map *)0)->tsets /
	       sizeof ((struct conf_dynamic_map *)0)->tsets[0] <= QM_OFFERS,
	       "every transform set of a map entry fits in the offer");

/* The entry's transform sets as offers, in the entry's order. */
static int qmi_offers(const struct conf_crypto_map *m, struct qm_offer *out)
{
	int n = 0;

	for (int i = 0; i < m->p2.n_tsets && n < QM_OFFERS; i++) {
		const struct conf_transform_set *ts = conf_transform_set(&ike.c.conf, m->p2.tsets[i]);
		bool bits;

		if (!ts)
			continue;
		bits = ts->enc == ESP_ENC_AES_CBC || ts->enc == ESP_ENC_AES_GCM_16;
		out[n].enc = (uint8_t)ts->enc;
		out[n].auth = (uint8_t)ts->auth;
		out[n].key_bits = (uint16_t)(bits ? (ts->key_bits ? ts->key_bits : 128) : 0);
		n++;
	}
	return n;
}

/* The SA's lifetimes and PFS: the entry's own lifetime, else the global
 * one, as when we answer. */
static void qmi_lifetimes(struct child_sa *c, const struct conf_crypto_map *m)
{
	c->lifetime = conf_p2_lifetime_sec(&ike.c.conf, &m->p2);
	c->lifetime_kb = conf_p2_lifetime_kb(&ike.c.conf, &m->p2);
	c->pfs_group = m->p2.pfs_group;
}

void qmi_start(struct ike_sa *sa, const struct conf_crypto_map *m, const struct conf_acl *acl)
{
	struct child_sa t;
	struct qm_offer offers[QM_OFFERS];
	int n;
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	if (sa->qmi.msgid || sa->qm.msgid)
		return;		/* one of our quick modes at a time */
	memset(&t, 0, sizeof t);
	n = qmi_offers(m, offers);
	if (!n) {
		log_warn("peer %s: crypto map %s %d has no usable transform set: no quick mode",
			 sa_peer_str(sa), m->name, m->seq);
		return;
	}
	qmi_lifetimes(&t, m);
	/* The peer sees NAT: UDP-encapsulated tunnel (RFC 3947 5.1). */
	t.encap_mode = sa->nat_local || sa->nat_peer ? ENCAP_MODE_UDP_TUNNEL : ENCAP_MODE_TUNNEL;
	t.encap = t.encap_mode == ENCAP_MODE_TUNNEL ? ENCAP_NONE : ENCAP_UDP;
	t.lnet = acl->net;
	t.lmask = acl->mask;
	t.rnet = acl->dst_net;
	t.rmask = acl->dst_mask;
	t.esp_index = (uint8_t)shard_of_l2l(&ike.c.conf, t.rnet, ike.c.start.n_esp);
	/* rekey.c sends idcr then idci: ours first, as IDci */
	t.idcr_len = qmi_id(t.idcr, t.lnet, t.lmask);
	t.idci_len = qmi_id(t.idci, t.rnet, t.rmask);
	inet_ntop(AF_INET, &t.lnet, l, sizeof l);
	inet_ntop(AF_INET, &t.rnet, r, sizeof r);
	log_info("peer %s: quick mode initiated for %s/%d -> %s/%d (crypto map %s %d, %d "
		 "transform set%s offered)", sa_peer_str(sa), l, __builtin_popcount(t.lmask), r,
		 __builtin_popcount(t.rmask), m->name, m->seq, n, n == 1 ? "" : "s");
	rekey_start_offering(sa, &t, offers, n);
}
