/* CREATE_CHILD_SA, responder (RFC 7296 1.3): the client rekeys its child
 * SA, named in REKEY_SA by the SPI it receives on, or creates one anew
 * when it has none left (strongSwan recreates an SA that expired), with
 * PFS when its proposal and KE ask for it.  A replaced SA keeps decrypting
 * until the client deletes it (or CHILD_RETIRE_MS passes).  A second
 * child SA is refused with NO_ADDITIONAL_SAS (1.3.1 lets a responder).
 * An IKE proposal is the IKE SA's rekey: ikev2_ike_rekey.c. */
#include <string.h>

#include <sodium.h>

#include "ike.h"
#include "log.h"

static void refuse(struct ike_sa *sa, const struct v1_msg *m, uint16_t notify, const char *why)
{
	log_warn("peer %s user %s: CREATE_CHILD_SA refused: %s", sa_peer_str(sa), sa->user, why);
	v2_answer_notify(sa, m, notify, NULL, 0);
}

/* The live child SA REKEY_SA names; *named: the notify is there. */
static struct child_sa *child_to_rekey(struct ike_sa *sa, const struct v1_msg *m, bool *named)
{
	const struct v1_payload *n = v2_find_notify(m, V2N_REKEY_SA);
	uint8_t proto = 0, spi_size = 0;
	uint16_t type;
	uint32_t spi = 0;
	struct rbuf r;

	*named = n != NULL;
	if (!n)
		return NULL;
	rbuf_init(&r, n->body, n->len);
	if (!rbuf_u8(&r, &proto) || !rbuf_u8(&r, &spi_size) || !rbuf_u16(&r, &type) ||
	    proto != PROTO_ESP || spi_size != 4 || !rbuf_u32(&r, &spi))
		return NULL;
	for (int i = 0; i < SA_CHILDREN; i++)
		if (sa->children[i].used && !sa->children[i].retire_ms &&
		    sa->children[i].spi_out == spi)
			return &sa->children[i];
	return NULL;
}

/* PFS: our half of the new exchange and g^ir. */
static bool pfs_keys(struct ike_sa *sa, const struct v1_payload *ke, uint8_t *gxr, uint8_t *gir)
{
	int g = sa->v2_esp.dh;
	const uint8_t *gx;
	size_t gx_len;
	uint16_t group;
	struct dh *d;
	bool ok;

	if (!v2_read_ke(ke, &group, &gx, &gx_len) || group != g || gx_len != dh_pub_len(g) ||
	    !(d = dh_new(g)))
		return false;
	ok = dh_public(d, gxr, dh_pub_len(g)) && dh_shared(d, gx, gx_len, gir, dh_shared_len(g));
	dh_free(d);
	return ok;
}

/* The new child's keys and our answer; false if the request is malformed. */
static bool child_rekey_answer(struct ike_sa *sa, const struct v1_msg *m, const struct v1_payload *ni,
			 const struct v1_payload *ke)
{
	static uint8_t gxr[CRYPTO_MAX_DH], gir[CRYPTO_MAX_DH];
	uint8_t nr[V2_NONCE_LEN];
	int g = sa->v2_esp.dh;
	struct v1_out o;
	size_t sk;

	random_bytes(nr, sizeof nr);
	if ((g && (!ke || !pfs_keys(sa, ke, gxr, gir))) ||
	    !v2_child_keys(sa, g ? gir : NULL, g ? dh_shared_len(g) : 0, ni->body, ni->len, nr,
			   sizeof nr))
		return false;
	sodium_memzero(gir, sizeof gir);
	sk = v2_sk_begin(sa, &o, V2_CREATE_CHILD_SA, V2_F_RESPONSE, m->msgid);
	v2_child_reply(sa, &o);
	v1_out_payload(&o, V2_PL_NONCE, nr, sizeof nr);
	if (g)
		v2_out_ke(&o, g, gxr, dh_pub_len(g));
	v2_respond(sa, m, &o, sk);
	return true;
}

/* The SA payload's first proposal is for the IKE SA (1.3.2). */
static bool is_ike_rekey(const struct v1_msg *m)
{
	const struct v1_payload *sap = v1_find(m, V2_PL_SA, 0);

	return sap && sap->len > 5 && sap->body[5] == PROTO_ISAKMP;
}

static bool has_live_child(const struct ike_sa *sa)
{
	for (int i = 0; i < SA_CHILDREN; i++)
		if (sa->children[i].used && !sa->children[i].retire_ms)
			return true;
	return false;
}

/* Why the request cannot be served, with the notify; NULL if it can. */
static const char *refusal(struct ike_sa *sa, const struct v1_msg *m, struct child_sa **old,
			   uint16_t *notify)
{
	bool named;

	*old = child_to_rekey(sa, m, &named);
	*notify = V2N_NO_ADDITIONAL_SAS;
	if (!named && has_live_child(sa))
		return "a second child SA is not offered to a remote-access client";
	*notify = V2N_CHILD_SA_NOT_FOUND;
	return named && !*old ? "REKEY_SA names no child SA of this client" : NULL;
}

void v2_create_child_request(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *ni = v1_find(m, V2_PL_NONCE, 0), *ke = v1_find(m, V2_PL_KE, 0);
	const uint8_t *gx;
	size_t gx_len;
	uint16_t group = 0, notify;
	struct child_sa *old;
	const char *why;

	if (sa->state != ST_ESTABLISHED)
		return;
	if (is_ike_rekey(m)) {
		v2_ike_rekey(sa, m);	/* ikev2_ike_rekey.c */
		return;
	}
	if ((why = refusal(sa, m, &old, &notify))) {
		refuse(sa, m, notify, why);
		return;
	}
	if (!ni || ni->len < 16 || ni->len > 256 || (ke && !v2_read_ke(ke, &group, &gx, &gx_len))) {
		refuse(sa, m, V2N_INVALID_SYNTAX, "no valid nonce or KE payload");
		return;
	}
	if (!v2_child_setup(sa, m, group, &notify)) {
		refuse(sa, m, notify, "its proposal or traffic selectors cannot be met");
		return;
	}
	if (!child_rekey_answer(sa, m, ni, ke)) {
		refuse(sa, m, V2N_INVALID_SYNTAX, "bad KE payload");
		return;
	}
	if (old)
		log_notice("peer %s user %s: IPsec SA 0x%08x rekeyed by the client%s",
			   sa_peer_str(sa), sa->user, old->spi_in, sa->v2_esp.dh ? " with PFS" : "");
	else
		log_notice("peer %s user %s: the client created its IPsec SA anew%s",
			   sa_peer_str(sa), sa->user, sa->v2_esp.dh ? " with PFS" : "");
	v2_child_install(sa);
}
