/* The event loop of the single-threaded children (authd, poold, db, ESP).
 *
 * One epoll set over the master channel, every peer channel in
 * c->chan[][] (including the ones master hands over when a peer
 * restarts) and a few extra fds the process registers with a callback.
 * The loop owns the channel plumbing:
 *   master: wiring (child_handle_wiring) is applied here; EOF -> exit(0)
 *           after on_master_gone; a broken message from master is fatal.
 *   peers:  EOF closes the channel (master sends a new one on restart);
 *           a broken message, or one on_peer_msg refuses, closes it too
 *           and reports the sender to master (child_report_broken).
 * The process supplies only what it does with the messages. */
#ifndef RAVPN_CHANLOOP_H
#define RAVPN_CHANLOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "child.h"
#include "ipc.h"

#define CHANLOOP_MAX_FDS	8	/* extra fds (sockets, TUN, eventfd) */

typedef void (*chanloop_fd_fn)(void *arg);

/* Callbacks; every one gets ops.arg.  Only on_peer_msg is required. */
struct chanloop_ops {
	void *arg;
	/* One message from peer role[index] (a stray fd already closed).
	 * Returns false if that peer may not send this type: the loop then
	 * drops the channel and reports the peer broken. */
	bool (*on_peer_msg)(void *arg, int role, int index, struct ipc_msg *m);
	/* master handed over a (new) channel to role[index]: the peer was
	 * (re)started and is already watched. */
	void (*on_new_channel)(void *arg, int role, int index);
	/* master's IPC_CONFIG or IPC_FD (type) has been applied to the child. */
	void (*on_rewired)(void *arg, uint16_t type);
	/* Any other message from master.  false (or no hook): unexpected,
	 * logged and ignored. */
	bool (*on_master_msg)(void *arg, struct ipc_msg *m);
	/* master closed the channel; the loop exits right after. */
	void (*on_master_gone)(void *arg);
	/* Timed work: the loop sleeps at most until due_ms() (a now_ms()
	 * time, -1 for none) and calls on_due once that time has passed.
	 * A periodic tick sets its next time in on_due. */
	long long (*due_ms)(void *arg);
	void (*on_due)(void *arg);
	/* Called once after a burst of events, when nothing more is pending. */
	void (*on_idle)(void *arg);
	/* Called when epoll_wait returned events, before they are handled
	 * (the ESP worker's receive moderation waits there). */
	void (*on_wake)(void *arg);
};

struct chanloop_fd {
	int fd;			/* -1: free slot */
	chanloop_fd_fn fn;
	void *arg;
};

struct chanloop {
	struct child *c;
	struct chanloop_ops ops;
	int ep;
	bool idle_pending;	/* events were handled since on_idle last ran */
	struct chanloop_fd fds[CHANLOOP_MAX_FDS];
};

/* Creates the epoll set and watches master and every channel of c. */
void chanloop_init(struct chanloop *l, struct child *c, const struct chanloop_ops *ops);
/* Calls fn(arg) whenever fd is readable.  One fd per (fn, arg): watching
 * again with the same pair moves the watch to the new fd (master replaced
 * a socket).  fd < 0 is ignored. */
void chanloop_watch(struct chanloop *l, int fd, chanloop_fd_fn fn, void *arg);
/* Waits once and handles what arrived (for tests and chanloop_run). */
void chanloop_step(struct chanloop *l);
_Noreturn void chanloop_run(struct chanloop *l);

#endif
