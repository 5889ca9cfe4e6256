/* authd: checking XAUTH credentials off the main loop.
 *
 * Two thread pools share one design: local users (argon2id, CPU bound:
 * a few threads) and RADIUS (libradcli's calls block on the network: many
 * threads, so hundreds of requests can be queued and a slow or dead server
 * never holds up the answers of the others).  The main loop only queues
 * jobs and sends answers; it never waits. */
#ifndef RAVPN_AUTH_H
#define RAVPN_AUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "conf.h"
#include "ipc.h"

#define AUTH_LOCAL_THREADS	2
#define AUTH_RADIUS_THREADS	16
#define AUTH_MAX_THREADS	16

struct rad_group;

enum auth_kind { AUTH_KIND_NONE = 0, AUTH_KIND_LOCAL, AUTH_KIND_RADIUS };

/* One request on its way through the worker threads. */
struct auth_job {
	struct auth_job *next;
	int ike_index;			/* the channel it came on */
	uint32_t chan_gen;		/* that channel's generation then */
	uint32_t id;			/* request id, echoed in the answer */
	struct ipc_auth req;		/* pass is wiped once verified */
	/* LOCAL */
	char hash[128];			/* the user's argon2id string */
	bool known;			/* false: hash is the decoy */
	/* RADIUS: the group (referenced until the job is freed) and the NAS */
	struct rad_group *group;
	uint32_t nas_addr;		/* network byte order: NAS-IP, Called-Station-Id */
	char nas_ident[CONF_NAME];	/* NAS-Identifier */
	struct ipc_auth_ans ans;
	/* accounting (acct.c, rad_acct.c): the spooled record to send */
	struct ipc_acct_send acct;
	bool acct_ok;			/* an Accounting-Response came */
};

/* Makes the decoy hash verified for unknown users, so a reject takes as
 * long for them as for a wrong password.  0 or -1. */
int auth_init_decoy(void);

/* Where the NAS attributes of RADIUS requests come from. */
struct auth_nas {
	uint32_t addr;			/* outside address, network byte order */
	const char *ident;		/* hostname, or "ravpn" */
};

/* Copies what the threads need out of the config (it may be reloaded
 * while they run).  Returns the pool the job goes to, or AUTH_KIND_NONE
 * when ans is already filled (unknown server group). */
enum auth_kind auth_prepare(const struct conf *c, const struct auth_nas *nas,
			    struct auth_job *job);
/* The slow part of a LOCAL job, run on a worker thread: verifies, fills
 * ans, wipes the password. */
void auth_verify(struct auth_job *job);
/* Wipes and frees a job (and drops its reference on a RADIUS group). */
void auth_job_free(struct auth_job *job);
/* Fills ans with result and message (and the sid). */
void auth_answer(struct auth_job *job, int result, const char *msg);

typedef void (*auth_work_fn)(struct auth_job *job);

/* A thread pool: a request queue in, a done list out, an eventfd that
 * becomes readable when something is done. */
struct auth_pool {
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct auth_job *todo, **todo_tail;
	struct auth_job *done;
	pthread_t threads[AUTH_MAX_THREADS];
	int n_threads;
	int efd;
	bool stopping;
	auth_work_fn work;
};

/* Starts n threads (at most AUTH_MAX_THREADS) that run work on each job. */
int auth_pool_start(struct auth_pool *p, int n, auth_work_fn work);
void auth_pool_submit(struct auth_pool *p, struct auth_job *job);
/* Takes every finished job (a list linked by next, any order). */
struct auth_job *auth_pool_take_done(struct auth_pool *p);
void auth_pool_stop(struct auth_pool *p);

#endif
