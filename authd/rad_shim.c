/* libc hooks that fit libradcli 1.2 into authd.  Symbols defined in the
 * executable take precedence over libc's for calls made by libradcli.so.
 *
 *  sendto       radcli 1.2 sends a Message-Authenticator attribute as the
 *               zeroes it was given; the hook signs the Access-Request it
 *               is about to send (HMAC-MD5 over the final packet, RFC 3579
 *               3.2) with the secret of the thread's current exchange,
 *               remembers its Identifier and Request Authenticator (of an
 *               Accounting-Request too), and counts transmissions and the
 *               time of the last one for the stats.
 *  recvfrom     radcli 1.2.11 never verifies an answer's Message-
 *               Authenticator, and it only logs a wrong Response
 *               Authenticator and then uses the answer anyway; nor does it
 *               hand the caller the raw answer (only parsed pairs, which
 *               cannot be re-encoded byte for byte).  So the raw datagram
 *               is checked here, before radcli sees it
 *               (rad_check_response: Response Authenticator, and for
 *               Access-* the Message-Authenticator, required with
 *               `message-authenticator require`).  A refused answer is
 *               counted, logged and dropped; the log line is rate-limited
 *               per server (ratelog.h: the first, then one per
 *               DROP_LOG_INTERVAL_MS with the number held back), since
 *               anyone who can reach authd's port can spray them.  The
 *               hook waits on for another datagram until radcli's wait
 *               for this send is over; if none comes, radcli is given the
 *               refused datagram with its Identifier changed, which radcli
 *               discards as an answer to another request and treats that
 *               send as unanswered (it resends, or gives up with a timeout
 *               after the last try).
 *  getaddrinfo  radcli resolves "host" plus service "radius" for every
 *               request; in authd's empty chroot the service name cannot be
 *               looked up (no /etc/services), and the port is radcli's
 *               svc_port anyway, so the service becomes a number.
 *  __syslog_chk radcli logs to syslog; in the chroot there is no /dev/log,
 *               so its messages go to ravpn's log instead.
 * Every other caller (no exchange armed on the thread) gets the libc
 * behaviour. */
#include "radius.h"
#include "buf.h"
#include "child.h"
#include "crypto.h"
#include "log.h"
#include "ratelog.h"

#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#define RAD_CODE_ACCESS_REQUEST		1
#define RAD_CODE_ACCOUNTING_REQUEST	4
#define RAD_MAX_PACKET			4096
#define DROP_LOG_INTERVAL_MS		10000

static struct auth_ratelog drop_log = AUTH_RATELOG_INIT(DROP_LOG_INTERVAL_MS);

static __thread struct rad_wire *cur;

void rad_wire_begin(struct rad_wire *w, const struct rad_host *h, int wait_s)
{
	memset(w, 0, sizeof *w);
	w->secret = h->conf.key;
	w->server = h->name;
	w->require_ma = h->conf.msg_auth_require;
	w->wait_ms = wait_s * 1000;
	cur = w;
}

void rad_wire_end(void)
{
	cur = NULL;
}

/* Remembers the request whose answers recvfrom checks. */
static void note_request(struct rad_wire *w, const uint8_t *pkt)
{
	struct rbuf r;

	rbuf_init(&r, pkt, RAD_HDR_LEN);
	w->sent = rbuf_skip(&r, 1) && rbuf_u8(&r, &w->id) && rbuf_skip(&r, 2) &&
		  rbuf_copy(&r, w->req_auth, 16);
	w->sends++;
	w->last_send_ms = now_ms();
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	uint8_t pkt[RAD_MAX_PACKET];
	struct rad_wire *w = cur;
	uint8_t code = len ? ((const uint8_t *)buf)[0] : 0;

	if (w && len >= RAD_HDR_LEN && len <= sizeof pkt &&
	    (code == RAD_CODE_ACCESS_REQUEST || code == RAD_CODE_ACCOUNTING_REQUEST)) {
		memcpy(pkt, buf, len);
		if (code == RAD_CODE_ACCESS_REQUEST && !rad_sign_request(pkt, len, w->secret)) {
			log_err("authd: cannot sign a malformed Access-Request");
			errno = EINVAL;
			return -1;
		}
		buf = pkt;
		note_request(w, pkt);
	}
	return syscall(SYS_sendto, fd, buf, len, flags, to, tolen);
}

static const char *answer_name(uint8_t code)
{
	switch (code) {
	case 2: return "Access-Accept";
	case 3: return "Access-Reject";
	case 5: return "Accounting-Response";
	case 11: return "Access-Challenge";
	default: return "answer";
	}
}

/* One line for a refused answer, unless server's are being held back. */
static void log_drop(const char *server, uint8_t code, uint8_t id, enum rad_verdict v)
{
	uint64_t held, total;

	if (!auth_ratelog_hit(&drop_log, server, now_ms(), &held, &total))
		return;
	if (held)
		log_warn("authd: RADIUS server %s: %s (id %u) dropped: %s; %llu more dropped "
			 "unlogged since the last line (%llu in all; one line per %d s)", server,
			 answer_name(code), id, rad_verdict_text(v), (unsigned long long)held,
			 (unsigned long long)total, DROP_LOG_INTERVAL_MS / 1000);
	else
		log_warn("authd: RADIUS server %s: %s (id %u) dropped: %s (%llu in all)", server,
			 answer_name(code), id, rad_verdict_text(v), (unsigned long long)total);
}

/* True when the datagram is an answer to w's request and is refused. */
static bool refused(struct rad_wire *w, const uint8_t *pkt, ssize_t n)
{
	enum rad_verdict v;
	struct rbuf r;
	uint8_t code, id;

	rbuf_init(&r, pkt, n > 0 ? (size_t)n : 0);
	if (!rbuf_u8(&r, &code) || !rbuf_u8(&r, &id) || id != w->id)
		return false;	/* radcli discards it itself */
	v = rad_check_response(pkt, (size_t)n, w->req_auth, w->secret, w->require_ma);
	if (v == RAD_RESP_OK)
		return false;
	w->dropped++;
	log_drop(w->server, code, id, v);
	return true;
}

/* Milliseconds left of radcli's wait for an answer to the last send. */
static int wait_left(const struct rad_wire *w)
{
	long long left = w->last_send_ms + w->wait_ms - now_ms();

	return left > 0 ? (int)left : 0;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
		 socklen_t *fromlen)
{
	struct rad_wire *w = cur;
	socklen_t cap = fromlen ? *fromlen : 0;
	ssize_t n;

	for (;;) {
		if (fromlen)
			*fromlen = cap;
		n = syscall(SYS_recvfrom, fd, buf, len, flags, from, fromlen);
		if (!w || !w->sent || n < 0 || !refused(w, buf, n))
			return n;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = wait_left(w);

		if (left == 0 || poll(&pfd, 1, left) <= 0) {
			((uint8_t *)buf)[1] = (uint8_t)(w->id + 1);
			w->hidden = true;
			return n;
		}
	}
}

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
			      struct addrinfo **);

static const char *numeric_service(const char *service)
{
	if (!service)
		return NULL;
	if (strcmp(service, "radius") == 0)
		return "1812";
	if (strcmp(service, "radius-acct") == 0 || strcmp(service, "radacct") == 0)
		return "1813";
	return service;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	static getaddrinfo_fn real;
	const char *num = numeric_service(service);
	struct addrinfo h = { 0 };

	if (!real)
		real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	if (!real)
		return EAI_SYSTEM;
	if (num == service)
		return real(node, service, hints, res);
	if (hints)
		h = *hints;
	h.ai_flags |= AI_NUMERICSERV;
	return real(node, num, &h, res);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...);

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* radcli's complaint about the datagram recvfrom re-labelled: the
	 * drop has been logged already */
	if (cur && cur->hidden && strstr(line, "non-matching id")) {
		cur->hidden = false;
		log_debug("authd: %s", line);
		return;
	}
	if ((pri & LOG_PRIMASK) <= LOG_ERR)
		log_warn("authd: %s", line);
	else
		log_debug("authd: %s", line);
}
