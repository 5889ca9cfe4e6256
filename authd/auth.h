/* authd: checking XAUTH credentials off the main loop. */
#ifndef RAVPN_AUTH_H
#define RAVPN_AUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "conf.h"
#include "ipc.h"

#define AUTH_THREADS	2

/* One request on its way through the worker threads. */
struct auth_job {
	struct auth_job *next;
	int ike_index;			/* the channel it came on */
	uint32_t chan_gen;		/* that channel's generation then */
	uint32_t id;			/* request id, echoed in the answer */
	struct ipc_auth req;		/* pass is wiped once verified */
	char hash[128];			/* the user's argon2id string */
	bool known;			/* false: hash is the decoy */
	struct ipc_auth_ans ans;
};

/* Makes the decoy hash verified for unknown users, so a reject takes as
 * long for them as for a wrong password.  0 or -1. */
int auth_init_decoy(void);

/* Copies what the threads need out of the config (the config may be
 * reloaded while they run).  Returns false when the job needs no
 * thread: ans is already filled (non-LOCAL server group). */
bool auth_prepare(const struct conf *c, struct auth_job *job);
/* The slow part, run on a worker thread: verifies, fills ans, wipes the
 * password. */
void auth_verify(struct auth_job *job);
/* Wipes and frees a job. */
void auth_job_free(struct auth_job *job);

/* The thread pool: a request queue in, a done list out, an eventfd that
 * becomes readable when something is done. */
struct auth_pool {
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct auth_job *todo, **todo_tail;
	struct auth_job *done;
	pthread_t threads[AUTH_THREADS];
	int n_threads;
	int efd;
	bool stopping;
};

int auth_pool_start(struct auth_pool *p);
void auth_pool_submit(struct auth_pool *p, struct auth_job *job);
/* Takes every finished job (a list linked by next, any order). */
struct auth_job *auth_pool_take_done(struct auth_pool *p);
void auth_pool_stop(struct auth_pool *p);

#endif
