/* ravpnd internals: the state master keeps and the functions its files
 * share.  One file per concern: main (options, start), spawn, supervise,
 * broker, resources/tun (privileged fds), secrets, control, reload,
 * shutdown, loop (epoll), children (the child table and its messages). */
#ifndef RAVPN_MASTER_H
#define RAVPN_MASTER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "child.h"
#include "conf.h"
#include "ipc.h"

#define MASTER_MAX_CHILDREN	(3 + 2 * MAX_WORKERS)
#define MASTER_MAX_CLIENTS	16
#define MASTER_MAX_PENDING	16
#define MASTER_TUN_NAME		"ravpn0"
#define MASTER_TUN_MTU		1400

struct master_opts {
	const char *conf_path;
	const char *rundir;
	const char *dbdir;
	const char *user;
	char bindir[PATH_MAX];
	bool foreground;
	bool check_only;
	bool no_sandbox;
	bool debug;
	const char *keylog;		/* --keylog FILE: IKE/ESP keys for tshark */
};

/* One supervised child process (a slot survives restarts). */
struct mchild {
	enum proc_role role;
	int index;
	char name[16];			/* "ike[0]" */
	pid_t pid;			/* 0 while not running */
	int chan;			/* master's end of the child's fd 3, -1 */
	int err;			/* read end of its stderr pipe, -1 */
	char line[1024];		/* partial stderr line */
	size_t line_len;
	long long started_ms;
	long long restart_at_ms;	/* 0: no restart scheduled */
	int backoff_ms;
};

/* Privileged fds master opens once and keeps for the life of the daemon,
 * so a restarted child gets the very same sockets back. */
struct master_res {
	uint32_t outside;		/* network byte order */
	int udp500;
	int udp4500[1 + MAX_WORKERS];	/* [0] IKE worker, [1 + i] ESP worker i */
	int tun[MAX_WORKERS];		/* one queue per ESP worker */
	int raw_esp[MAX_WORKERS];
	int ctl;			/* listening control socket */
	int keylog;			/* --keylog file, -1 */
	int dae;			/* RFC 5176 dynamic authorization (authd), -1 */
	char ctl_path[PATH_MAX];
	char empty_dir[PATH_MAX];
};

/* An operator logoff waiting for the IKE workers' answers. */
struct master_pending {
	bool used;
	uint32_t id;			/* id of our IPC_LOGOFF */
	int client_fd;
	uint32_t ctl_id;		/* id of the client's IPC_CTL */
	bool waiting[MAX_WORKERS];	/* IKE workers yet to answer */
	uint32_t count;
	long long deadline_ms;
};

enum master_shut { SHUT_NONE, SHUT_IKE, SHUT_DB, SHUT_REST };

struct master {
	struct master_opts o;
	struct conf conf;
	bool have_conf;
	char *conf_text;
	size_t conf_len;
	int n_ike, n_esp;
	struct mchild kids[MASTER_MAX_CHILDREN];
	int n_kids;
	struct master_res res;
	int ep;				/* epoll */
	int sigfd;
	int clients[MASTER_MAX_CLIENTS];	/* control connections, -1 */
	struct master_pending pend[MASTER_MAX_PENDING];
	uint32_t next_id;
	enum master_shut shut;
	long long shut_deadline_ms;
	bool shut_acked[MAX_WORKERS];
	struct ipc_msg *msg;		/* receive buffer */
	bool done;
};

/* epoll data: kind in the high 32 bits, slot in the low ones. */
enum master_ev { EV_SIGNAL = 1, EV_CHAN, EV_ERR, EV_CTL, EV_CLIENT };
uint64_t master_ev(enum master_ev kind, int slot);
int master_ep_add(struct master *m, int fd, enum master_ev kind, int slot);
void master_ep_del(struct master *m, int fd);

/* config.c */
bool master_load_config(const char *path, struct conf *out, char **text, size_t *len,
			char *err, size_t errlen);
char *master_config_for(const struct master *m, enum proc_role role);

/* children.c */
void master_children_init(struct master *m);
struct mchild *master_child_by_pid(struct master *m, pid_t pid);
struct mchild *master_child_find(struct master *m, enum proc_role role, int index);
bool master_child_running(const struct mchild *k);
void master_child_kill(struct master *m, struct mchild *k, const char *why);
void master_child_close_chan(struct master *m, struct mchild *k);
int master_child_send(struct master *m, struct mchild *k, uint16_t type, uint32_t id,
		      const void *p, size_t len, int fd);
void master_on_child_msg(struct master *m, struct mchild *k);
void master_on_child_stderr(struct master *m, struct mchild *k);
void master_child_drain_stderr(struct master *m, struct mchild *k);

/* spawn.c */
int master_spawn(struct master *m, struct mchild *k);

/* feed.c: what a child gets before it runs */
int master_feed_setup(struct master *m, struct mchild *k);
int master_feed_start(struct master *m, struct mchild *k);
int master_start_child(struct master *m, struct mchild *k);
void master_start_all(struct master *m);

/* broker.c */
void master_broker_child(struct master *m, struct mchild *k);
void master_broker_all(struct master *m);

/* supervise.c */
void master_on_sigchld(struct master *m);
void master_restart_due(struct master *m, long long now);
void master_schedule_restart(struct mchild *k);
long long master_next_restart(const struct master *m);

/* resources.c / tun.c */
int master_open_resources(struct master *m);
int master_open_tun(struct master *m);
void master_add_pool_routes(struct master *m);
int master_prepare_dirs(struct master *m);
int master_open_control(struct master *m);

/* shard.c: ESP worker count (config or CPUs), CPU pinning, TUN steering */
int master_esp_count(const struct conf *c);
void master_pin_esp(const struct mchild *k);
int master_tun_steer(int queue_fd, int n);	/* clients only, no LAN-to-LAN networks */
/* The steering program for m->conf's LAN-to-LAN networks (lib/shard.h) on
 * the TUN, loaded again only when they changed: at start and reload. */
int master_steer_attach(struct master *m);
struct bpf_insn;
struct shard_prefix;
#define STEER_MAX_INSNS		(9 + 6 * 64)	/* 64: SHARD_L2L_MAX */
int master_steer_build(const struct shard_prefix *pfx, int np, int n, struct bpf_insn *prog);
int master_steer_load(const struct shard_prefix *pfx, int np, int n);	/* a program fd */
/* A route net/mask into the TUN: 0 added, 1 already there, -1 error. */
int master_tun_route(uint32_t net, uint32_t mask);
/* l2l_routes.c: the remote network of every static crypto map ACL line */
void master_add_l2l_routes(struct master *m);

/* dae.c: the UDP port of `dynamic-authorization` for authd */
int master_open_dae(struct master *m);

/* secrets.c */
void master_on_skeyid(struct master *m, struct mchild *k, const struct ipc_msg *msg);
/* sign.c: signatures with a trustpoint key; the trustpoints' public files */
void master_on_sign(struct master *m, struct mchild *k, const struct ipc_msg *msg);
void master_on_v2_auth(struct master *m, struct mchild *k, const struct ipc_msg *msg);
int master_pki_fd(const struct master *m);
int master_pki_feed(struct master *m, struct mchild *k);
/* IKEv1's RSA signature over data with the PEM key in key_file; *sig_len:
 * the room in sig, then the signature's length. */
bool master_sign_file(const char *key_file, const uint8_t *data, size_t len, uint8_t *sig,
		      size_t *sig_len);
/* Every trustpoint's files can be read and belong together (ravpnd -t,
 * start, reload). */
bool master_pki_check(const struct conf *c, char *err, size_t errlen);

/* control.c */
void master_on_ctl_accept(struct master *m);
void master_on_ctl_client(struct master *m, int slot);
void master_on_logoff_ans(struct master *m, struct mchild *k, const struct ipc_msg *msg);
void master_pending_expire(struct master *m, long long now);
void master_pending_drop_worker(struct master *m, int ike_index);
long long master_next_pending(const struct master *m);

/* reload.c */
bool master_reload(struct master *m, char *err, size_t errlen);

/* shutdown.c */
void master_shutdown_begin(struct master *m);
void master_on_shutdown_ans(struct master *m, struct mchild *k);
void master_shutdown_on_exit(struct master *m, struct mchild *k);
void master_shutdown_tick(struct master *m, long long now);

/* loop.c */
int master_setup_loop(struct master *m);
void master_run(struct master *m);

#endif
