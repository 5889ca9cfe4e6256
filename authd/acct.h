/* authd's accounting sender (acct.c): spooled records from db go out as
 * Accounting-Requests and are reported answered; unanswered ones are
 * retried with backoff, never dropped. */
#ifndef RAVPN_AUTH_ACCT_H
#define RAVPN_AUTH_ACCT_H

#include "auth.h"
#include "child.h"
#include "ipc.h"

#define AUTH_ACCT_THREADS		4
#define AUTH_ACCT_MAX_BACKOFF_MS	30000

void auth_acct_init(struct auth_pool *pool, const struct child *c);
/* IPC_ACCT_SEND from db: held and sent (a record already held is ignored). */
void auth_acct_on_send(const struct ipc_msg *m);
/* A finished accounting job: answered -> IPC_ACCT_DONE to db; else retried
 * later.  Frees the job. */
void auth_acct_finished(struct auth_job *job);
/* The pause before attempt n + 1 (1 s doubling, at most the maximum). */
long long auth_acct_backoff_ms(int attempts);
/* now_ms() time of the next retry, or -1. */
long long auth_acct_due_ms(void);
void auth_acct_retry_due(void);

#endif
