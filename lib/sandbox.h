/* The sandbox every child enters before it reads a byte of network or IPC
 * input: chroot to an empty directory (db: its database directory),
 * drop to the unprivileged user, no_new_privs, no capabilities, and a
 * libseccomp allow-list for its role.  Failure of any step is fatal
 * unless the sandbox was disabled for debugging (logged loudly). */
#ifndef RAVPN_SANDBOX_H
#define RAVPN_SANDBOX_H

#include <stdbool.h>
#include "ipc.h"

struct sandbox_opts {
	const char *user;	/* unprivileged user, default "ravpn" */
	const char *root;	/* chroot directory */
	bool disabled;		/* --no-sandbox */
};

/* Returns 0, or -1 after logging which step failed. */
int sandbox_enter(enum proc_role role, const struct sandbox_opts *o);

#endif
