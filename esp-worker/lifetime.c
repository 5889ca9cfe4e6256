/* Volume lifetimes of the SAs: a few times a second the worker compares
 * each SA's byte counter with the soft and hard limits the IKE worker gave
 * in IPC_SA_ADD, and an outbound SA's sequence number with 2^32 (no ESN:
 * it must be replaced before it wraps).  Each limit is reported once to
 * the owning IKE worker (IPC_SA_EXPIRE): soft starts a rekey there, hard
 * makes it delete the SA.  The data path itself only counts. */
#include "lifetime.h"

#include "log.h"
#include "worker.h"

/* Sequence numbers left when an outbound SA asks for its successor: at
 * 2 million packets/s that is 8 s to rekey, and it stays above the jump a
 * re-installed SA makes (ike-worker/peers.c). */
#define SEQ_SOFT_LEFT	(1u << 24)

static long long next_check_ms;

enum expire_flag { SENT_SOFT = 1, SENT_HARD = 2 };	/* esp_sa.expire_sent bits */

void esp_lifetime_set(struct esp_sa *sa, uint64_t soft_bytes, uint64_t hard_bytes)
{
	sa->soft_bytes = soft_bytes;
	sa->hard_bytes = hard_bytes;
	if (hard_bytes && (!soft_bytes || soft_bytes > hard_bytes))
		sa->soft_bytes = hard_bytes;
}

/* The limit sa has reached and not reported yet: SENT_SOFT, SENT_HARD or
 * 0; *why is the enum sa_expire_why. */
int esp_lifetime_due_event(const struct esp_sa *sa, uint8_t *why)
{
	bool seq_soft = sa->dir == SA_OUT && sa->seq_out >= (uint64_t)UINT32_MAX - SEQ_SOFT_LEFT;
	bool seq_hard = sa->dir == SA_OUT && sa->seq_out >= UINT32_MAX;
	bool byte_soft = sa->soft_bytes && sa->cnt.bytes >= sa->soft_bytes;
	bool byte_hard = sa->hard_bytes && sa->cnt.bytes >= sa->hard_bytes;

	*why = (seq_hard || (seq_soft && !byte_hard)) ? EXPIRE_SEQ : EXPIRE_BYTES;
	if ((byte_hard || seq_hard) && !(sa->expire_sent & SENT_HARD))
		return SENT_HARD;
	if ((byte_soft || seq_soft) && !(sa->expire_sent & (SENT_SOFT | SENT_HARD)))
		return SENT_SOFT;
	return 0;
}

static bool send_expire(struct esp_worker *w, const struct esp_sa *sa, int ev, uint8_t why)
{
	struct ipc_sa_expire m = { .sid = sa->sid, .spi = sa->spi, .dir = sa->dir,
				   .hard = ev == SENT_HARD, .why = why };
	int ike = w->c->chan[ROLE_IKE][(sa->sid >> 56) % MAX_WORKERS];

	if (ike < 0 || ipc_send(ike, IPC_SA_EXPIRE, 0, &m, sizeof m, -1) < 0)
		return false;	/* not marked sent: tried again next time */
	log_info("SA spi 0x%08x sid %016llx: %s lifetime reached (%llu bytes, seq %llu)",
		 sa->spi, (unsigned long long)sa->sid, ev == SENT_HARD ? "hard" : "soft",
		 (unsigned long long)sa->cnt.bytes, (unsigned long long)sa->seq_out);
	return true;
}

void esp_lifetime_check(struct esp_worker *w)
{
	long long now = now_ms();

	if (now < next_check_ms)
		return;
	next_check_ms = now + ESP_LIFETIME_CHECK_MS;
	for (struct esp_sa *sa = w->sas.all; sa; sa = sa->next_all) {
		uint8_t why;
		int ev = esp_lifetime_due_event(sa, &why);

		if (ev && send_expire(w, sa, ev, why))
			sa->expire_sent |= (uint8_t)ev;
	}
}

long long esp_lifetime_due(void)
{
	return next_check_ms;
}
