/* The child sandbox: chroot, unprivileged ids, no_new_privs, no
 * capabilities, seccomp allow-list.  The order matters: the user is
 * looked up before chroot (NSS needs /etc), the bounding set is dropped
 * while we still hold CAP_SETPCAP, and seccomp comes last so the steps
 * before it may use any syscall. */
#include "sandbox.h"
#include "log.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Every child: I/O on pre-opened fds, event loop, memory, time, signals. */
static const char *const sb_base[] = {
	"read", "write", "readv", "writev", "close", "recvmsg", "sendmsg", "recvfrom",
	"sendto", "recvmmsg", "sendmmsg", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "poll", "ppoll", "clock_gettime", "clock_nanosleep", "nanosleep",
	"gettimeofday", "getrandom", "futex", "brk", "mmap", "munmap", "mremap", "madvise",
	"mprotect", "fstat", "newfstatat", "lseek", "exit", "exit_group", "rt_sigreturn",
	"rt_sigprocmask", "rt_sigaction", "getpid", "gettid", "sched_yield",
	"restart_syscall", "fcntl", "getsockname", "getsockopt", "setsockopt", "pipe2",
	"eventfd2", "timerfd_create", "timerfd_settime", "sched_getaffinity",
	/* glibc's qsort asks sysinfo for the machine's memory before it
	 * allocates a merge buffer of 1 KB or more: every child sorts the
	 * config's crypto map entries, and one entry is over 1 KB */
	"sysinfo", NULL
};

/* authd's worker threads (pthread_create); clone3 is answered ENOSYS below
 * so glibc falls back to clone, whose flags seccomp can inspect. */
static const char *const sb_threads[] = {
	"set_robust_list", "rseq", "prctl", "sched_getaffinity", NULL
};

/* What SQLite's unix VFS uses in the database directory. */
static const char *const sb_db[] = {
	"openat", "open", "pread64", "pwrite64", "fsync", "fdatasync", "ftruncate",
	"unlink", "unlinkat", "getcwd", "stat", "lstat", "access", "faccessat",
	"faccessat2", "readlink", "readlinkat", "fchown", "fchmod", "geteuid", "getuid",
	"statx", "umask", NULL
};

/* What the ASan/UBSan runtime needs to run and to print a report
 * (found by running sanitized children under the filter). */
static const char *const sb_sanitizer[] = {
	"sigaltstack", "prctl", "open", "openat", "readlink", "readlinkat", "sched_getaffinity",
	"getppid", "uname", "dup", "dup2", NULL
};

static bool sb_sanitized(void)
{
#ifdef RAVPN_SANITIZED
	return true;
#else
	return false;
#endif
}

static int sb_allow_names(scmp_filter_ctx ctx, const char *const *names)
{
	for (; *names; names++) {
		int nr = seccomp_syscall_resolve_name(*names);

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not a syscall on this architecture */
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0) {
			log_err("sandbox: seccomp rule for %s failed", *names);
			return -1;
		}
	}
	return 0;
}

/* abort() and sanitizer reports signal the process itself: allow tgkill
 * and kill aimed at our own pid only. */
static int sb_allow_self_signal(scmp_filter_ctx ctx)
{
	scmp_datum_t pid = (scmp_datum_t)getpid();

	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			     SCMP_A0(SCMP_CMP_EQ, pid)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
			     SCMP_A0(SCMP_CMP_EQ, pid)) < 0)
		return -1;
	return 0;
}

/* clone for threads only: no namespace flags, no new process. */
static int sb_allow_threads(scmp_filter_ctx ctx)
{
	const scmp_datum_t forbidden = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID |
		CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

	if (sb_allow_names(ctx, sb_threads) < 0)
		return -1;
	/* one comparison per argument and rule: flags & (ns | THREAD) == THREAD */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, forbidden | CLONE_THREAD,
				     CLONE_THREAD)) < 0)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

/* glibc probes files now and then (get_nprocs reads /sys when a thread
 * makes its malloc arena); in the empty chroot those opens would fail
 * anyway, so they get an error instead of killing the process. */
static int sb_deny_open(scmp_filter_ctx ctx, enum proc_role role)
{
	if (role == ROLE_DB || sb_sanitized())
		return 0;	/* those allow open/openat outright */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0) < 0)
		return -1;
	return 0;
}

/* authd's RADIUS client (libradcli) opens a UDP socket per request:
 * socket(AF_INET, SOCK_DGRAM, 0), bind(port 0), and a connect() on a
 * second one to learn the source address.  Other socket families (glibc's
 * syslog and nscd clients) get EACCES instead of a kill. */
static int sb_allow_radius(scmp_filter_ctx ctx)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
			     SCMP_A0(SCMP_CMP_EQ, AF_INET),
			     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
			     SCMP_A0(SCMP_CMP_NE, AF_INET)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(bind), 0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(connect), 0) < 0)
		return -1;
	return 0;
}

static int sb_role_rules(scmp_filter_ctx ctx, enum proc_role role)
{
	switch (role) {
	case ROLE_ESP:	/* TUNGET*: does the queue carry a virtio-net header (io.c) */
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					SCMP_A1(SCMP_CMP_EQ, TUNSETOFFLOAD)) < 0 ||
		       seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					SCMP_A1(SCMP_CMP_EQ, TUNGETIFF)) < 0 ||
		       seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					SCMP_A1(SCMP_CMP_EQ, TUNGETVNETHDRSZ)) < 0 ? -1 : 0;
	case ROLE_AUTHD:
		return sb_allow_threads(ctx) < 0 ? -1 : sb_allow_radius(ctx);
	case ROLE_DB:
		return sb_allow_names(ctx, sb_db);
	default:
		return 0;
	}
}

static int sb_seccomp(enum proc_role role)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = -1;

	if (!ctx) {
		log_err("sandbox: seccomp_init failed");
		return -1;
	}
	if (sb_allow_names(ctx, sb_base) < 0 || sb_allow_self_signal(ctx) < 0 ||
	    sb_role_rules(ctx, role) < 0 || sb_deny_open(ctx, role) < 0)
		log_err("sandbox: building the seccomp filter for %s failed", role_name(role));
	else if (sb_sanitized() && (sb_allow_names(ctx, sb_sanitizer) < 0 ||
				    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
						     SCMP_A1(SCMP_CMP_EQ, TCGETS)) < 0))
		log_err("sandbox: sanitizer seccomp rules failed");
	else if ((rc = seccomp_load(ctx)) < 0)
		log_err("sandbox: seccomp_load failed: %s", strerror(-rc));
	else
		rc = 0;
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}

/* Empties the bounding set so not even an exec of a setuid file could
 * regain a capability.  Needs CAP_SETPCAP, so it runs before the uid drop. */
static int sb_drop_bounding_set(void)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break;		/* past the last capability the kernel knows */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			log_err("sandbox: PR_CAPBSET_DROP %d: %s", cap, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int sb_drop_ids(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0) {
		log_err("sandbox: setgroups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) < 0) {
		log_err("sandbox: setresgid(%u): %s", (unsigned)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) < 0) {
		log_err("sandbox: setresuid(%u): %s", (unsigned)uid, strerror(errno));
		return -1;
	}
	return 0;
}

/* Checks, after the drop, that no id is 0 and no capability set has a bit. */
static int sb_verify_unprivileged(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) < 0 || r == 0 || e == 0 || s == 0) {
		log_err("sandbox: still running with uid 0");
		return -1;
	}
	if (syscall(SYS_capget, &h, d) < 0) {
		log_err("sandbox: capget: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if (d[i].effective || d[i].permitted || d[i].inheritable) {
			log_err("sandbox: capabilities remain after the uid drop");
			return -1;
		}
	}
	return 0;
}

static int sb_lookup_user(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		log_err("sandbox: unknown user '%s'", user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_err("sandbox: user '%s' is privileged (uid or gid 0)", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int sb_chroot(const char *root)
{
	if (chroot(root) < 0) {
		log_err("sandbox: chroot(%s): %s", root, strerror(errno));
		return -1;
	}
	if (chdir("/") < 0) {
		log_err("sandbox: chdir(/) in %s: %s", root, strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_enter(enum proc_role role, const struct sandbox_opts *o)
{
	const char *user = o->user ? o->user : "ravpn";
	uid_t uid;
	gid_t gid;

	if (o->disabled) {
		log_warn("SANDBOX DISABLED (--no-sandbox): %s runs as uid %u with no chroot, "
			 "no seccomp and all its privileges", role_name(role), (unsigned)getuid());
		return 0;
	}
	if (!o->root || !*o->root) {
		log_err("sandbox: no chroot directory given");
		return -1;
	}
	if (sb_lookup_user(user, &uid, &gid) < 0 || sb_chroot(o->root) < 0 ||
	    sb_drop_bounding_set() < 0 || sb_drop_ids(uid, gid) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	if (sb_verify_unprivileged() < 0 || sb_seccomp(role) < 0)
		return -1;
	log_debug("sandbox: %s in %s as %s (uid %u), seccomp on", role_name(role), o->root,
		  user, (unsigned)uid);
	return 0;
}
