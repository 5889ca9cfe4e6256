/* Certificate-to-tunnel-group matching (seed 001/002 section 6): with
 * `tunnel-group-map enable` naming the methods (all of them when none is
 * given), tried in the order rules -> ou -> ike-id -> peer-ip, then
 * `tunnel-group-map default-group`, else the ASA's DefaultRAGroup.
 * A rule is a `crypto ca certificate map` entry whose criteria must all
 * hold; the entry with the lowest sequence number that holds wins. */
#include <openssl/objects.h>
#include <string.h>
#include <strings.h>

#include "cert.h"
#include "isakmp.h"

#define DEFAULT_RA_GROUP "DefaultRAGroup"

struct attr_nid {
	const char *name;
	int nid;
};

static const struct attr_nid attr_nids[] = {
	{ "cn", NID_commonName }, { "ou", NID_organizationalUnitName },
	{ "o", NID_organizationName }, { "c", NID_countryName }, { "l", NID_localityName },
	{ "st", NID_stateOrProvinceName }, { "ea", NID_pkcs9_emailAddress },
	{ "dc", NID_domainComponent }, { "sn", NID_surname }, { "gn", NID_givenName },
	{ "uid", NID_userId }, { "t", NID_title },
};

static int attr_nid(const char *attr)
{
	for (size_t i = 0; i < sizeof attr_nids / sizeof attr_nids[0]; i++)
		if (strcmp(attr_nids[i].name, attr) == 0)
			return attr_nids[i].nid;
	return NID_undef;
}

/* eq / co on one value, case-insensitive as the ASA compares */
static bool value_hit(const char *have, const char *want, int op)
{
	if (op == CM_EQ || op == CM_NE)
		return strcasecmp(have, want) == 0;
	return strcasestr(have, want) != NULL;
}

/* The text of the name's entry i, NUL-terminated; false if it has a NUL
 * inside or does not fit. */
static bool entry_text(const X509_NAME *n, int i, char *out, size_t size)
{
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	unsigned char *utf8 = NULL;
	int len = s ? ASN1_STRING_to_UTF8(&utf8, s) : -1;
	bool ok = len >= 0 && (size_t)len < size && !memchr(utf8, 0, (size_t)len);

	if (ok) {
		memcpy(out, utf8, (size_t)len);
		out[len] = 0;
	}
	OPENSSL_free(utf8);
	return ok;
}

/* Any entry of the attribute (or the whole DN text) hits the value. */
static bool name_hit(const X509_NAME *n, const struct conf_certmap_rule *r)
{
	char text[256];
	int nid, i = -1;

	if (!r->attr[0]) {
		cert_dn_str(n, text, sizeof text);
		return value_hit(text, r->value, r->op);
	}
	nid = attr_nid(r->attr);
	while (nid != NID_undef && (i = X509_NAME_get_index_by_NID(n, nid, i)) >= 0)
		if (entry_text(n, i, text, sizeof text) && value_hit(text, r->value, r->op))
			return true;
	return false;
}

static bool rule_holds(const struct conf_certmap_rule *r, X509 *peer)
{
	const X509_NAME *n = r->field == CM_ISSUER ? X509_get_issuer_name(peer)
						   : X509_get_subject_name(peer);
	bool hit = name_hit(n, r);

	return (r->op == CM_NE || r->op == CM_NC) ? !hit : hit;
}

bool cert_map_entry_matches(const struct conf *c, const char *map, int seq, X509 *peer)
{
	int n = 0;

	for (int i = 0; i < c->n_cm_rules; i++) {
		const struct conf_certmap_rule *r = &c->cm_rules[i];

		if (r->field == CM_HEADER || r->seq != seq || strcmp(r->map, map) != 0)
			continue;
		if (!rule_holds(r, peer))
			return false;
		n++;
	}
	return n > 0;		/* an entry without criteria matches nothing */
}

static const char *by_rules(const struct conf *c, X509 *peer)
{
	const struct conf_tg_map *best = NULL;

	for (int i = 0; i < c->n_tg_maps; i++) {
		const struct conf_tg_map *m = &c->tg_maps[i];

		if ((!best || m->seq < best->seq) && cert_map_entry_matches(c, m->map, m->seq, peer))
			best = m;
	}
	return best ? best->tunnel_group : NULL;
}

static const char *by_ou(const struct conf *c, X509 *peer)
{
	const X509_NAME *n = X509_get_subject_name(peer);
	const struct conf_tunnel_group *tg;
	char ou[CONF_NAME];
	int i = -1;

	while ((i = X509_NAME_get_index_by_NID(n, NID_organizationalUnitName, i)) >= 0)
		if (entry_text(n, i, ou, sizeof ou) && (tg = conf_tunnel_group(c, ou)) != NULL)
			return tg->name;
	return NULL;
}

/* A name-like IKE ID (FQDN, user FQDN, key id) naming a tunnel-group. */
static const char *by_ike_id(const struct conf *c, const uint8_t *id, size_t id_len)
{
	const struct conf_tunnel_group *tg;
	char name[CONF_NAME];
	struct rbuf r;
	uint8_t type;
	size_t len;

	rbuf_init(&r, id, id_len);
	if (!rbuf_u8(&r, &type) || !rbuf_skip(&r, 3) ||
	    (type != ID_FQDN && type != ID_USER_FQDN && type != ID_KEY_ID))
		return NULL;
	len = rbuf_left(&r);
	if (len == 0 || len >= sizeof name || !rbuf_copy(&r, name, len) || memchr(name, 0, len))
		return NULL;
	name[len] = 0;
	tg = conf_tunnel_group(c, name);
	return tg ? tg->name : NULL;
}

const char *cert_map_group(const struct conf *c, X509 *peer, const uint8_t *id, size_t id_len,
			   const char *peer_ip)
{
	int en = c->tgm_enable ? c->tgm_enable : TGM_RULES | TGM_OU | TGM_IKE_ID | TGM_PEER_IP;
	const struct conf_tunnel_group *tg;
	const char *g = NULL;

	if (en & TGM_RULES)
		g = by_rules(c, peer);
	if (!g && (en & TGM_OU))
		g = by_ou(c, peer);
	if (!g && (en & TGM_IKE_ID))
		g = by_ike_id(c, id, id_len);
	if (!g && (en & TGM_PEER_IP) && (tg = conf_tunnel_group(c, peer_ip)) != NULL)
		g = tg->name;
	if (!g && c->tgm_default[0] && (tg = conf_tunnel_group(c, c->tgm_default)) != NULL)
		g = tg->name;
	if (!g && (tg = conf_tunnel_group(c, DEFAULT_RA_GROUP)) != NULL)
		g = tg->name;
	return g;
}
