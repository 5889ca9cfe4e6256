/* Secret operations for the IKE workers, which never hold a PSK:
 * SKEYID = prf(PSK, Ni_b | Nr_b) (RFC 2409 section 5) and the IKEv2 AUTH
 * values (RFC 7296 2.15), computed here from master's own (unredacted)
 * config. */
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

/* The client's AUTH is checked against the remote key, ours is made with
 * the local key (the remote one when no local key is configured). */
static int32_t secrets_v2_auth(const struct master *m, const struct ipc_v2_auth *q,
			       struct ipc_v2_auth_ans *a)
{
	const struct conf_tunnel_group *tg = conf_tunnel_group(&m->conf, q->group);
	int prf = hash_of_v2_prf(q->prf);
	const char *local;

	if (!tg || !tg->has_v2_psk_remote) {
		log_warn("IKEv2 AUTH: tunnel-group '%s' %s", q->group,
			 tg ? "has no ikev2 remote-authentication pre-shared-key" : "does not exist");
		return -1;
	}
	if (!prf || q->i_len > sizeof q->i_octets || q->r_len > sizeof q->r_octets) {
		log_warn("IKEv2 AUTH: bad request for '%s' (prf %u, %u/%u octets)", q->group,
			 q->prf, q->i_len, q->r_len);
		return -1;
	}
	local = tg->has_v2_psk_local ? tg->v2_psk_local : tg->v2_psk_remote;
	if (!prf_v2_psk_auth(prf, tg->v2_psk_remote, strnlen(tg->v2_psk_remote,
			     sizeof tg->v2_psk_remote), q->i_octets, q->i_len, a->auth_i) ||
	    !prf_v2_psk_auth(prf, local, strnlen(local, sizeof tg->v2_psk_local), q->r_octets,
			     q->r_len, a->auth_r)) {
		log_err("IKEv2 AUTH: prf failed for '%s'", q->group);
		return -1;
	}
	a->len = (uint32_t)hash_len(prf);
	return 0;
}

void master_on_v2_auth(struct master *m, struct mchild *k, const struct ipc_msg *msg)
{
	static struct ipc_v2_auth q;	/* 17 KB: not on the stack */
	struct ipc_v2_auth_ans a = { 0 };

	memcpy(&q, msg->data, sizeof q);
	q.group[sizeof q.group - 1] = 0;
	a.status = secrets_v2_auth(m, &q, &a);
	if (a.status < 0) {
		memset(&a, 0, sizeof a);
		a.status = -1;
	}
	log_debug("IKEv2 AUTH for %s, group '%s': status %d", k->name, q.group, a.status);
	master_child_send(m, k, IPC_V2_AUTH_ANS, msg->hdr.id, &a, sizeof a, -1);
	explicit_bzero(&a, sizeof a);
}
