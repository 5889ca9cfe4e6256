/* authd's RADIUS client: aaa-server groups with ordered failover, Access-
 * Requests sent with libradcli from the RADIUS thread pool.
 *
 * A group object is built from the config (main thread) and shared with
 * the jobs that use it: a reload swaps in new objects, the old ones live
 * until their last job is freed.  Host state (dead time, counters) is
 * guarded by the group's mutex and carried over a reload for hosts that
 * stay (same group, address and port). */
#ifndef RAVPN_AUTH_RADIUS_H
#define RAVPN_AUTH_RADIUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <radcli/radcli.h>

#include "auth.h"
#include "conf.h"
#include "ipc.h"
#include "rad_msgauth.h"

#define RAD_MAX_HOSTS		4
#define RAD_DICTIONARY		"/etc/radcli/dictionary"

struct rad_stats {
	uint64_t requests, accepts, rejects, challenges, timeouts, retransmissions;
	uint64_t bad_responses;
	uint32_t rtt_ms;		/* last */
	uint64_t rtt_sum_ms, answered;	/* for the average */
};

struct rad_host {
	struct conf_aaa_host conf;
	char name[16];			/* dotted quad: radcli finds the host by it */
	long long dead_until;		/* wall seconds; 0 = alive */
	int fails;			/* consecutive failed attempts */
	struct rad_stats st;
};

struct rad_group {
	char name[CONF_NAME];
	int dead_time_s;
	int max_failed;
	struct rad_host hosts[RAD_MAX_HOSTS];
	int n_hosts;
	rc_handle *rh;			/* dictionary + the hosts' secrets */
	pthread_mutex_t lock;		/* hosts[].dead_until, fails, st; dirty */
	bool dirty;			/* counters changed since the last snapshot */
	int refs;			/* the group list + jobs; under the list lock */
	struct rad_group *next;
};

/* Reads radcli's dictionary into memory: call before the sandbox. */
int rad_init(const char *dictionary);
/* (Re)builds the groups of c; hosts that stay keep their state. */
int rad_configure(const struct conf *c);
/* The group named name, referenced (NULL if none); rad_group_put drops it. */
struct rad_group *rad_group_get(const char *name);
void rad_group_put(struct rad_group *g);

/* The thread side of a RADIUS job: tries the hosts in order and fills
 * job->ans; wipes the password. */
void rad_authenticate(struct auth_job *job);

/* The thread side of an accounting job: sends job->acct to the group's
 * hosts in order (their accounting ports) until one answers; sets
 * job->acct_ok. */
void rad_account(struct auth_job *job);

/* Host choice and accounting of outcomes (rad_groups.c). */
enum rad_outcome { RAD_ACCEPT, RAD_REJECT, RAD_CHALLENGE, RAD_TIMEOUT, RAD_BAD, RAD_ERROR };
/* The first host not dead at now (wall seconds), or, when every host is
 * dead, all of them are revived and the first is used (ASA depletion
 * mode).  -1 if the group has no host. */
int rad_pick_host(struct rad_group *g, int from, long long now);
/* Records one exchange with host i: its outcome, sends (1 + retransmissions)
 * and round-trip time.  A timeout or error counts towards max-failed-attempts
 * and may mark the host dead (logged); an answer revives it. */
void rad_record(struct rad_group *g, int i, enum rad_outcome o, int sends, uint32_t rtt_ms,
		long long now);
/* Fills one IPC_DB_AAA_STATS per host of every group whose counters
 * changed (all when force); returns how many, at most max. */
int rad_stats_snapshot(struct ipc_db_aaa_stats *out, int max, bool force, long long now);

/* Reply attributes -> authorization (rad_reply.c). */
/* Access-Challenge: its State attribute into ans (state_len 0 if absent
 * or longer than ans->state). */
void rad_take_state(VALUE_PAIR *reply, struct ipc_auth_ans *ans);
/* Adds the State of a challenge answer (req->state_len > 0) to send.
 * False if it cannot be added. */
bool rad_add_state(rc_handle *rh, VALUE_PAIR **send, const struct ipc_auth *req);
void rad_fill_answer(VALUE_PAIR *reply, struct ipc_auth_ans *ans);
/* "OU=GP2;" -> "GP2": the ASA convention for a group-policy in Class. */
bool rad_class_policy(const uint8_t *cls, size_t len, char *out, size_t cap);

/* The libc hooks for libradcli (rad_shim.c): per-thread exchange state. */
struct rad_wire {
	const char *secret;		/* signs Message-Authenticator */
	const char *server;		/* dotted quad, for the log */
	bool require_ma;		/* `message-authenticator require` */
	int wait_ms;			/* radcli's wait for an answer per send */
	int sends;			/* requests sent (1 + retransmissions) */
	long long last_send_ms;
	bool sent;			/* id and req_auth are those of the request */
	uint8_t id, req_auth[16];
	int dropped;			/* answers refused by rad_check_response */
	bool hidden;			/* one was handed to radcli re-labelled */
};
/* Arms the hooks on this thread for one rc_send_server to host h, which
 * waits wait_s seconds per send. */
void rad_wire_begin(struct rad_wire *w, const struct rad_host *h, int wait_s);
void rad_wire_end(void);

#endif
