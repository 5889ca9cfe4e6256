/* authd's side of the accounting spool (main loop): records db hands over
 * go to the accounting threads; an answered one is reported to db
 * (IPC_ACCT_DONE), an unanswered one waits and is sent again, with a
 * growing pause, for as long as it takes.  Nothing here is durable: db
 * resends every record still in its spool to a restarted authd. */
#include "acct.h"
#include "buf.h"
#include "child.h"
#include "log.h"
#include "radius.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A record authd holds: at a thread (busy) or waiting for next_ms. */
struct acct_held {
	struct acct_held *next;
	struct ipc_acct_send rec;
	int attempts;
	long long next_ms;
	bool busy;
};

static struct acct_held *held;
static struct auth_pool *pool;
static const struct child *ch;

void auth_acct_init(struct auth_pool *p, const struct child *c)
{
	pool = p;
	ch = c;
}

long long auth_acct_backoff_ms(int attempts)
{
	long long ms = 1000LL << (attempts < 5 ? attempts : 5);

	return ms < AUTH_ACCT_MAX_BACKOFF_MS ? ms : AUTH_ACCT_MAX_BACKOFF_MS;
}

static struct acct_held *find(uint64_t id)
{
	for (struct acct_held *h = held; h; h = h->next)
		if (h->rec.rec_id == id)
			return h;
	return NULL;
}

/* A job for one send; false when the group is not configured (the
 * record waits: a reload may bring it back). */
static bool submit(struct acct_held *h)
{
	struct auth_job *job = calloc(1, sizeof *job);

	if (!job)
		return false;
	job->acct = h->rec;
	job->group = rad_group_get(h->rec.group);
	job->nas_addr = ch->start.outside_addr;
	ipc_strcpy(job->nas_ident, sizeof job->nas_ident,
		   ch->conf.hostname[0] ? ch->conf.hostname : "ravpn");
	if (!job->group) {
		log_warn("authd: accounting record %llu: aaa-server %s is not configured; kept",
			 (unsigned long long)h->rec.rec_id, h->rec.group);
		auth_job_free(job);
		return false;
	}
	h->busy = true;
	auth_pool_submit(pool, job);
	return true;
}

static void wait_again(struct acct_held *h)
{
	h->next_ms = now_ms() + auth_acct_backoff_ms(h->attempts);
	h->attempts++;
}

void auth_acct_on_send(const struct ipc_msg *m)
{
	struct acct_held *h;
	struct rbuf r;
	struct ipc_acct_send rec;

	rbuf_init(&r, m->data, m->hdr.len);
	if (!rbuf_copy(&r, &rec, sizeof rec))
		return;
	rec.group[sizeof rec.group - 1] = 0;
	rec.user[sizeof rec.user - 1] = 0;
	rec.acct_session_id[sizeof rec.acct_session_id - 1] = 0;
	if (find(rec.rec_id))
		return;		/* db handed it over again (db restarted): already held */
	h = calloc(1, sizeof *h);
	if (!h) {
		log_err("authd: out of memory: accounting record %llu left to db's next resend",
			(unsigned long long)rec.rec_id);
		return;
	}
	h->rec = rec;
	h->next = held;
	held = h;
	if (!submit(h))
		wait_again(h);
}

static void drop(struct acct_held *gone)
{
	for (struct acct_held **p = &held; *p; p = &(*p)->next)
		if (*p == gone) {
			*p = gone->next;
			free(gone);
			return;
		}
}

static void report_done(uint64_t id)
{
	struct ipc_acct_done d = { .rec_id = id };
	int fd = ch->chan[ROLE_DB][0];

	/* lost if db is away: db sends the record again and it goes out twice,
	 * which RADIUS servers tolerate better than a lost Stop */
	if (fd < 0 || ipc_send(fd, IPC_ACCT_DONE, 0, &d, sizeof d, -1) < 0)
		log_warn("authd: accounting record %llu answered, db not told: %s",
			 (unsigned long long)id, fd < 0 ? "no channel" : strerror(errno));
}

void auth_acct_finished(struct auth_job *job)
{
	struct acct_held *h = find(job->acct.rec_id);

	if (h && job->acct_ok) {
		report_done(h->rec.rec_id);
		drop(h);
	} else if (h) {
		h->busy = false;
		wait_again(h);
		log_info("authd: accounting record %llu unanswered, next try in %lld s",
			 (unsigned long long)h->rec.rec_id, (h->next_ms - now_ms() + 999) / 1000);
	}
	auth_job_free(job);
}

long long auth_acct_due_ms(void)
{
	long long due = -1;

	for (struct acct_held *h = held; h; h = h->next)
		if (!h->busy && (due < 0 || h->next_ms < due))
			due = h->next_ms;
	return due;
}

void auth_acct_retry_due(void)
{
	long long now = now_ms();

	for (struct acct_held *h = held; h; h = h->next)
		if (!h->busy && h->next_ms <= now && !submit(h))
			wait_again(h);
}
