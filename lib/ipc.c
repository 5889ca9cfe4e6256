#include "ipc.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct ipc_type_info {
	const char *name;
	size_t min;		/* payload size; min == max for fixed messages */
	size_t max;
	bool fd;		/* the message carries one fd */
};

#define FIXED(t, s, f) [t] = { #t, sizeof(s), sizeof(s), f }

static const struct ipc_type_info ipc_types[IPC_TYPE_MAX] = {
	[IPC_CONFIG] = { "IPC_CONFIG", 0, IPC_CONFIG_MAX, false },
	FIXED(IPC_FD, struct ipc_fd, true),
	FIXED(IPC_CHANNEL, struct ipc_channel, true),
	FIXED(IPC_START, struct ipc_start, false),
	FIXED(IPC_PEER_BROKEN, struct ipc_peer, false),
	FIXED(IPC_SKEYID, struct ipc_skeyid, false),
	FIXED(IPC_SKEYID_ANS, struct ipc_skeyid_ans, false),
	FIXED(IPC_LOGOFF, struct ipc_logoff, false),
	FIXED(IPC_LOGOFF_ANS, struct ipc_logoff_ans, false),
	FIXED(IPC_SHUTDOWN, struct ipc_shutdown, false),
	FIXED(IPC_SHUTDOWN_ANS, struct ipc_shutdown, false),
	FIXED(IPC_AUTH, struct ipc_auth, false),
	FIXED(IPC_AUTH_ANS, struct ipc_auth_ans, false),
	FIXED(IPC_LEASE, struct ipc_lease, false),
	FIXED(IPC_LEASE_ANS, struct ipc_lease_ans, false),
	FIXED(IPC_LEASE_FREE, struct ipc_lease_free, false),
	FIXED(IPC_SA_ADD, struct ipc_sa_add, false),
	FIXED(IPC_SA_DEL, struct ipc_sa_del, false),
	FIXED(IPC_SA_SEQ, struct ipc_sa_seq, false),
	FIXED(IPC_DB_SESSION_NEW, struct ipc_db_session_new, false),
	FIXED(IPC_DB_SESSION_UPD, struct ipc_db_session_upd, false),
	FIXED(IPC_DB_SESSION_END, struct ipc_db_session_end, false),
	FIXED(IPC_DB_END_ALL, struct ipc_db_end_all, false),
	FIXED(IPC_DB_IKE_SA, struct ipc_db_ike_sa, false),
	FIXED(IPC_DB_CHILD_SA, struct ipc_db_child_sa, false),
	FIXED(IPC_DB_COUNTERS, struct ipc_db_counters, false),
	FIXED(IPC_DB_LEASE, struct ipc_db_lease, false),
	FIXED(IPC_DB_AAA_STATS, struct ipc_db_aaa_stats, false),
	FIXED(IPC_DB_WORKER_STATS, struct ipc_db_worker_stats, false),
	FIXED(IPC_CTL, struct ipc_ctl, false),
	FIXED(IPC_CTL_ANS, struct ipc_ctl_ans, false),
	FIXED(IPC_ACCT_SEND, struct ipc_acct_send, false),
	FIXED(IPC_ACCT_DONE, struct ipc_acct_done, false),
	FIXED(IPC_SA_EXPIRE, struct ipc_sa_expire, false),
	FIXED(IPC_DB_SESSION_AUTHZ, struct ipc_db_session_authz, false),
	FIXED(IPC_ACQUIRE, struct ipc_acquire, false),
	FIXED(IPC_SIGN, struct ipc_sign, false),
	FIXED(IPC_SIGN_ANS, struct ipc_sign_ans, false),
	FIXED(IPC_V2_AUTH, struct ipc_v2_auth, false),
	FIXED(IPC_V2_AUTH_ANS, struct ipc_v2_auth_ans, false),
	FIXED(IPC_TRANSPORT_ROUTE, struct ipc_transport_route, false),
};

const char *role_name(enum proc_role r)
{
	static const char *names[ROLE_MAX] = { "master", "ike", "esp", "authd",
					       "poold", "db", "ctl" };

	return (unsigned)r < ROLE_MAX ? names[r] : "?";
}

const char *ipc_type_name(uint16_t type)
{
	if (type >= IPC_TYPE_MAX || !ipc_types[type].name)
		return "unknown";
	return ipc_types[type].name;
}

bool ipc_size_ok(uint16_t type, size_t len)
{
	if (type >= IPC_TYPE_MAX || !ipc_types[type].name)
		return false;
	return len >= ipc_types[type].min && len <= ipc_types[type].max;
}

int ipc_send(int sock, uint16_t type, uint32_t id, const void *payload, size_t len, int fd)
{
	struct ipc_hdr h = { .type = type, .id = id, .len = (uint32_t)len };
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)payload, len } };
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (!ipc_size_ok(type, len)) {
		errno = EINVAL;
		return -1;
	}
	if (fd >= 0) {
		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof u.buf;
		u.c.cmsg_level = SOL_SOCKET;
		u.c.cmsg_type = SCM_RIGHTS;
		u.c.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&u.c), &fd, sizeof fd);
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static int take_fd(struct msghdr *mh)
{
	int fd = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0)
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
	}
	return fd;
}

/* Checks a received message against the table; logs why it is broken. */
static bool ipc_valid(const struct ipc_msg *m, size_t n, bool truncated)
{
	uint16_t t = m->hdr.type;

	if (truncated || n < sizeof m->hdr) {
		log_err("ipc: truncated message (%zu bytes)", n);
		return false;
	}
	if (t >= IPC_TYPE_MAX || !ipc_types[t].name) {
		log_err("ipc: unknown message type %u", t);
		return false;
	}
	if (m->hdr.len != n - sizeof m->hdr || !ipc_size_ok(t, m->hdr.len)) {
		log_err("ipc: %s with wrong size %zu", ipc_type_name(t), n - sizeof m->hdr);
		return false;
	}
	if (ipc_types[t].fd != (m->fd >= 0)) {
		log_err("ipc: %s %s a file descriptor", ipc_type_name(t),
			m->fd >= 0 ? "carries" : "lacks");
		return false;
	}
	return true;
}

int ipc_recv(int sock, struct ipc_msg *m)
{
	struct iovec iov[2] = { { &m->hdr, sizeof m->hdr }, { m->data, sizeof m->data } };
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
			     .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	ssize_t n;

	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return IPC_AGAIN;
	if (n < 0)	/* a peer that died with unread messages resets the channel */
		return errno == ECONNRESET ? IPC_EOF : IPC_BROKEN;
	m->fd = take_fd(&mh);
	if (n == 0)
		return IPC_EOF;
	if (!ipc_valid(m, (size_t)n, mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		return IPC_BROKEN;
	}
	return IPC_OK;
}

void ipc_strcpy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	memset(dst + n, 0, cap - n);
}

int ipc_pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}
