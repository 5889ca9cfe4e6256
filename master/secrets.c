/* Secret operations for the IKE workers, which never hold a PSK:
 * SKEYID = prf(PSK, Ni_b | Nr_b) (RFC 2409 section 5), computed here from
 * master's own (unredacted) config. */
#include "master.h"
#include "crypto.h"
#include "log.h"

#include <string.h>

static int32_t secrets_skeyid(const struct master *m, const struct ipc_skeyid *q,
			      struct ipc_skeyid_ans *a)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&m->conf, q->group);
	struct chunk c[2] = { { q->ni, q->ni_len }, { q->nr, q->nr_len } };
	size_t hlen = hash_len(q->prf);

	if (!tg || !tg->has_psk) {
		log_warn("SKEYID: tunnel-group '%s' %s", q->group,
			 tg ? "has no pre-shared key" : "does not exist");
		return -1;
	}
	if (!hlen || hlen > sizeof a->skeyid || q->ni_len > sizeof q->ni ||
	    q->nr_len > sizeof q->nr) {
		log_warn("SKEYID: bad request for '%s' (prf %u, nonces %u/%u bytes)", q->group,
			 q->prf, q->ni_len, q->nr_len);
		return -1;
	}
	if (!prf_chunks(q->prf, tg->psk, strnlen(tg->psk, sizeof tg->psk), c, 2, a->skeyid)) {
		log_err("SKEYID: prf failed for '%s'", q->group);
		return -1;
	}
	a->len = (uint32_t)hlen;
	return 0;
}

void master_on_skeyid(struct master *m, struct mchild *k, const struct ipc_msg *msg)
{
	struct ipc_skeyid q;
	struct ipc_skeyid_ans a = { 0 };

	memcpy(&q, msg->data, sizeof q);
	q.group[sizeof q.group - 1] = 0;
	a.status = secrets_skeyid(m, &q, &a);
	if (a.status < 0) {
		memset(a.skeyid, 0, sizeof a.skeyid);
		a.len = 0;
	}
	log_debug("SKEYID for %s, group '%s': status %d", k->name, q.group, a.status);
	master_child_send(m, k, IPC_SKEYID_ANS, msg->hdr.id, &a, sizeof a, -1);
	explicit_bzero(&a, sizeof a);
	explicit_bzero(&q, sizeof q);
}
