/* The IKE SA table and session ends. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ike.h"
#include "log.h"

/* Seconds a client may take between our message and its answer before the
 * half-done exchange is abandoned. */
#define HALF_OPEN_MS	10000
#define XAUTH_MS	60000
#define RETRANSMIT_MS	2000
#define RETRANSMIT_MAX	3

struct ike_sa *sa_new(const uint8_t icky[8], const struct sockaddr_in *peer)
{
	struct ike_sa *sa = calloc(1, sizeof *sa);
	uint64_t r;

	if (!sa)
		return NULL;
	memcpy(sa->icky, icky, 8);
	random_bytes(sa->rcky, 8);
	random_bytes(&r, sizeof r);
	/* The owning worker is in the top byte so any process can route by sid. */
	sa->sid = (uint64_t)ike.c.index << 56 | (r & 0x00ffffffffffffffULL);
	sa->peer = *peer;
	sa->peer1 = *peer;
	sa->created_ms = sa->state_ms = now_ms();
	sa->next = ike.sas;
	ike.sas = sa;
	return sa;
}

struct ike_sa *sa_find(const uint8_t icky[8], const uint8_t rcky[8])
{
	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		if (!memcmp(sa->icky, icky, 8) && !memcmp(sa->rcky, rcky, 8))
			return sa;
	return NULL;
}

/* A retransmitted message 1 carries a zero responder cookie. */
struct ike_sa *sa_find_half(const uint8_t icky[8], const struct sockaddr_in *peer)
{
	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		if (!memcmp(sa->icky, icky, 8) && sa->peer.sin_addr.s_addr == peer->sin_addr.s_addr)
			return sa;
	return NULL;
}

struct ike_sa *sa_by_sid(uint64_t sid)
{
	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		if (sa->sid == sid)
			return sa;
	return NULL;
}

void sa_set_state(struct ike_sa *sa, enum sa_state st)
{
	sa->state = st;
	sa->state_ms = now_ms();
	sa->retries = 0;
}

const char *sa_peer_str(const struct ike_sa *sa)
{
	static char buf[40];
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->peer.sin_addr, a, sizeof a);
	snprintf(buf, sizeof buf, "%s:%u", a, ntohs(sa->peer.sin_port));
	return buf;
}

static void sa_unlink(struct ike_sa *sa)
{
	for (struct ike_sa **pp = &ike.sas; *pp; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			return;
		}
}

static void sa_free(struct ike_sa *sa)
{
	sa_unlink(sa);
	dh_free(sa->dh);
	free(sa->sai_b);
	free(sa->last_out);
	free(sa->v2_msg1);
	free(sa->v2_msg2);
	free(sa->v2_req);
	sodium_memzero(sa, sizeof *sa);
	free(sa);
}

static void sa_release_children(struct ike_sa *sa)
{
	for (int i = 0; i < SA_CHILDREN; i++) {
		struct child_sa *ch = &sa->children[i];

		if (!ch->used)
			continue;
		peers_remove_child(sa, ch);
		peers_db_child_sa(sa, ch, true);
		ch->used = false;
	}
}

void sa_end(struct ike_sa *sa, const char *cause, bool notify)
{
	/* an IKEv2 SA has its keys from IKE_SA_INIT on */
	bool phase1_done = sa->v2 ? sa->state != ST_V2_INIT_SENT : sa->state >= ST_XAUTH_REQ;

	if (notify && sa->v2)
		v2_end_notify(sa, cause);
	else if (notify && phase1_done)
		info_send_delete_all(sa);
	qm_abandon(sa);
	rekey_abandon(sa);
	sa_release_children(sa);
	if (sa->addr) {
		struct ipc_lease_free f = { .sid = sa->sid, .addr = sa->addr };

		ipc_strcpy(f.pool, sizeof f.pool, sa->pool);
		peers_send(ROLE_POOLD, 0, IPC_LEASE_FREE, 0, &f, sizeof f);
	}
	if (sa->session_in_db) {
		struct ipc_db_session_end e = { .sid = sa->sid, .end_time = now_wall() };

		ipc_strcpy(e.cause, sizeof e.cause, cause);
		peers_send(ROLE_DB, 0, IPC_DB_SESSION_END, 0, &e, sizeof e);
		log_notice("session ended: user %s peer %s cause %s", sa->user, sa_peer_str(sa), cause);
	}
	if (phase1_done)
		peers_db_ike_sa(sa, true);
	sa_free(sa);
}

/* States in which we sent a request and wait for the client's answer. */
static bool awaiting_client(enum sa_state st)
{
	return st == ST_XAUTH_REQ || st == ST_XAUTH_SET || st == ST_XAUTH_FAILED;
}

/* Our requests (XAUTH request and status) are resent with backoff when the
 * answer does not come: 2, 4 and 8 s. */
static void sa_retransmit(struct ike_sa *sa, long long now)
{
	if (!awaiting_client(sa->state) || !sa->last_out || sa->retries >= RETRANSMIT_MAX ||
	    now - sa->sent_ms < (long long)RETRANSMIT_MS << sa->retries)
		return;
	log_debug("peer %s: no answer, resending our request (%d)", sa_peer_str(sa),
		  sa->retries + 1);
	net_send(sa, sa->last_out, sa->last_out_len);
	sa->sent_ms = now;
	sa->retries++;
}

/* Abandons exchanges the client stopped answering. */
void sa_tick(void)
{
	long long now = now_ms();
	struct ike_sa *next;

	for (struct ike_sa *sa = ike.sas; sa; sa = next) {
		long long idle = now - sa->state_ms;

		next = sa->next;
		if (sa->v2) {
			v2_tick(sa, now);	/* may end and free sa */
			continue;
		}
		sa_retransmit(sa, now);
		if (mi_tick(sa, now))	/* our own main mode gave up (mm_init.c): sa is freed */
			continue;
		if (timeouts_tick(sa, now))	/* session or idle timeout: sa is freed */
			continue;
		if (sa->state == ST_ESTABLISHED && p1_expire_tick(sa, now))
			continue;	/* the expired IKE SA's last IPsec SA is gone: sa is freed */
		if (sa->state == ST_ESTABLISHED) {
			rekey_tick(sa, now);
			natt_keepalive_tick(sa, now);
			dpd_tick(sa, now);	/* may end and free sa */
			continue;
		}
		if (sa->state == ST_XAUTH_FAILED && idle > HALF_OPEN_MS) {
			sa_end(sa, "auth-failed", true);
		} else if (sa->state == ST_AM_SENT2 && idle > HALF_OPEN_MS) {
			log_warn("peer %s group %s: aggressive mode abandoned after message 2: "
				 "no valid message 3 (the client probably rejected our hash: "
				 "pre-shared key mismatch)", sa_peer_str(sa), sa->group_name);
			sa_end(sa, "timeout", false);
		} else if ((sa->state == ST_AM_WAIT_SKEYID || sa->state == ST_MM_SENT2 ||
			    sa->state == ST_MM_WAIT_SKEYID || sa->state == ST_MM_SENT4) &&
			   idle > HALF_OPEN_MS) {
			if (sa->state == ST_MM_SENT4)
				log_warn("peer %s group %s: main mode abandoned after message 4: no "
					 "valid message 5 (pre-shared key mismatch?)", sa_peer_str(sa),
					 sa->group_name);
			sa_end(sa, "timeout", false);
		} else if (sa->state >= ST_XAUTH_REQ && sa->state <= ST_CFG_LEASE && idle > XAUTH_MS) {
			log_warn("peer %s user %s: XAUTH/mode-config not completed, giving up",
				 sa_peer_str(sa), sa->user[0] ? sa->user : "-");
			sa_end(sa, "timeout", true);
		}
	}
}

/* vpn-simultaneous-logins, as the ASA applies it: 0 refuses the user; at
 * the limit the oldest of the user's sessions makes room for the new one. */
bool sa_login_limit(struct ike_sa *sa)
{
	uint32_t max = conf_simultaneous_logins(conf_group_policy(&ike.c.conf, sa->policy));
	struct ike_sa *oldest;
	char other[40];
	uint32_t n;

	if (max == 0) {
		log_warn("peer %s user %s: refused: vpn-simultaneous-logins is 0 in group-policy %s",
			 sa_peer_str(sa), sa->user, sa->policy);
		return false;
	}
	for (;;) {
		n = 0;
		oldest = NULL;
		for (struct ike_sa *o = ike.sas; o; o = o->next) {
			if (o == sa || !o->session_in_db || strcmp(o->user, sa->user))
				continue;
			n++;
			if (!oldest || o->up_ms < oldest->up_ms)
				oldest = o;
		}
		if (n < max)
			return true;
		snprintf(other, sizeof other, "%s", sa_peer_str(oldest));	/* static buffer */
		log_notice("peer %s user %s: vpn-simultaneous-logins %u reached: logging off the "
			   "session from %s", sa_peer_str(sa), sa->user, max, other);
		sa_end(oldest, "simultaneous", true);
	}
}

bool sa_spi_in_use(uint32_t spi)
{
	for (struct ike_sa *sa = ike.sas; sa; sa = sa->next)
		for (int i = 0; i < SA_CHILDREN; i++)
			if (sa->children[i].used && sa->children[i].spi_in == spi)
				return true;
	return false;
}
