/* The start-up every child process shares.
 *
 * master execs a child as
 *   ravpn-<role> --index N --user U --root DIR [--no-sandbox] [--debug]
 * with its channel to master on fd 3 and a log pipe on stderr.  The child
 * initialises its libraries, enters the sandbox, and only then reads the
 * start-up messages: IPC_CONFIG, IPC_FD*, IPC_CHANNEL*, then IPC_START. */
#ifndef RAVPN_CHILD_H
#define RAVPN_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include "conf.h"
#include "ipc.h"

#define CHILD_MASTER_FD	3
#define MAX_WORKERS	16

struct child {
	enum proc_role role;
	int index;
	struct sandbox_opts_s {
		const char *user;
		const char *root;
		bool disabled;
	} sb;
	int master;			/* channel to master (fd 3) */
	char *config_text;		/* as received, NUL-terminated */
	size_t config_len;
	struct conf conf;		/* parsed from config_text */
	int fds[8];			/* by enum ipc_fd_kind, -1 if not given */
	int chan[ROLE_MAX][MAX_WORKERS];	/* channels to peers, -1 if none */
	struct ipc_start start;
	struct ipc_msg *msg;		/* receive buffer (heap, IPC_MSG_MAX) */
};

/* Parses argv, runs init_libs (may be NULL) before the sandbox, enters the
 * sandbox, then reads start-up messages until IPC_START.  Exits on error. */
void child_start(struct child *c, enum proc_role role, int argc, char **argv,
		 void (*init_libs)(void));

/* Handles the wiring messages master may send at any time (IPC_CHANNEL for
 * a restarted peer, IPC_FD, IPC_CONFIG on reload).  Returns true if it
 * consumed the message; *changed_role is set for IPC_CHANNEL so the caller
 * can react (e.g. re-install SAs into a restarted ESP worker). */
bool child_handle_wiring(struct child *c, const struct ipc_msg *m, int *changed_role,
			 int *changed_index);

/* Tells master that a peer sent an unknown or mis-sized message (the
 * caller has dropped the channel); master restarts that peer. */
void child_report_broken(struct child *c, int role, int index);

/* Seconds since the epoch / a monotonic clock in milliseconds. */
long long now_wall(void);
long long now_ms(void);

#endif
