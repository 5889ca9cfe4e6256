/* libc hooks that fit libradcli 1.2 into authd.  Symbols defined in the
 * executable take precedence over libc's for calls made by libradcli.so.
 *
 *  sendto       radcli 1.2 sends a Message-Authenticator attribute as the
 *               zeroes it was given; the hook signs the packet it is about
 *               to send (HMAC-MD5 over the final packet, RFC 3579 3.2) with
 *               the secret of the thread's current exchange, and counts
 *               transmissions and the time of the last one for the stats.
 *  getaddrinfo  radcli resolves "host" plus service "radius" for every
 *               request; in authd's empty chroot the service name cannot be
 *               looked up (no /etc/services), and the port is radcli's
 *               svc_port anyway, so the service becomes a number.
 *  __syslog_chk radcli logs to syslog; in the chroot there is no /dev/log,
 *               so its messages go to ravpn's log instead.
 * Every other caller gets the libc behaviour. */
#include "radius.h"
#include "buf.h"
#include "child.h"
#include "crypto.h"
#include "log.h"

#include <dlfcn.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#define RAD_CODE_ACCESS_REQUEST		1
#define RAD_HDR_LEN			20
#define RAD_MAX_PACKET			4096

static __thread struct rad_wire *cur;

void rad_wire_begin(struct rad_wire *w, const char *secret)
{
	memset(w, 0, sizeof *w);
	w->secret = secret;
	cur = w;
}

void rad_wire_end(void)
{
	cur = NULL;
}

/* Finds the Message-Authenticator value: *off is its offset in pkt. */
static bool find_msg_auth(const uint8_t *pkt, size_t len, size_t *off, bool *found)
{
	struct rbuf r, attrs;
	uint16_t plen;
	uint8_t type, alen;

	*found = false;
	rbuf_init(&r, pkt, len);
	if (!rbuf_skip(&r, 2) || !rbuf_u16(&r, &plen) || plen < RAD_HDR_LEN || plen > len)
		return false;
	rbuf_init(&r, pkt, plen);
	if (!rbuf_skip(&r, RAD_HDR_LEN) || !rbuf_sub(&r, plen - RAD_HDR_LEN, &attrs))
		return false;
	while (rbuf_left(&attrs)) {
		if (!rbuf_u8(&attrs, &type) || !rbuf_u8(&attrs, &alen) || alen < 2)
			return false;
		if (type == PW_MESSAGE_AUTHENTICATOR && alen == 18) {
			*off = (size_t)(rbuf_cur(&attrs) - rbuf_base(&r));
			*found = true;
		}
		if (!rbuf_skip(&attrs, alen - 2u))
			return false;
	}
	return true;
}

bool rad_sign_request(uint8_t *pkt, size_t len, const char *secret)
{
	uint8_t mac[CRYPTO_MAX_HASH];
	uint16_t plen;
	size_t off;
	bool found;
	struct rbuf r;

	if (!find_msg_auth(pkt, len, &off, &found))
		return false;
	if (!found)
		return true;
	rbuf_init(&r, pkt, len);
	rbuf_skip(&r, 2);
	rbuf_u16(&r, &plen);
	memset(pkt + off, 0, 16);
	struct chunk c = { pkt, plen };

	if (!prf_chunks(IKE_HASH_MD5, secret, strlen(secret), &c, 1, mac))
		return false;
	memcpy(pkt + off, mac, 16);
	return true;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	uint8_t pkt[RAD_MAX_PACKET];
	struct rad_wire *w = cur;

	if (w && len >= RAD_HDR_LEN && len <= sizeof pkt &&
	    ((const uint8_t *)buf)[0] == RAD_CODE_ACCESS_REQUEST) {
		memcpy(pkt, buf, len);
		if (!rad_sign_request(pkt, len, w->secret)) {
			log_err("authd: cannot sign a malformed Access-Request");
			return -1;
		}
		buf = pkt;
		w->sends++;
		w->last_send_ms = now_ms();
	}
	return syscall(SYS_sendto, fd, buf, len, flags, to, tolen);
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
	if ((pri & LOG_PRIMASK) <= LOG_ERR)
		log_warn("authd: %s", line);
	else
		log_debug("authd: %s", line);
}
