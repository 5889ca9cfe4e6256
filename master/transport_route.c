/* ESP transport mode: the host's own packets to a transport peer must
 * enter the TUN (where the peer's ESP worker seals them), not leave in
 * the clear on the outside interface.  While at least one transport SA
 * exists, master holds
 *     ip rule add not fwmark MARK lookup TABLE pref PREF
 *     ip route add PEER/32 dev ravpn0 src LOCAL table TABLE   (per peer)
 * and marks its own IKE and ESP sockets with MARK, so the sealed packets
 * and IKE itself still go out directly.  The same route makes the
 * reverse-path check of the decrypted packets that the ESP worker writes
 * to the TUN pass.  Plain rtnetlink, no `ip` command.
 *
 * Routes are announced by the ESP worker owning the peer (shard_of_addr
 * of the peer, the worker the TUN steering sends it to).  A dead ESP
 * worker's routes stay (its packets are dropped in the TUN meanwhile,
 * never sent in clear); the restarted worker announces again. */
#include "master.h"
#include "transport_route.h"
#include "buf.h"
#include "log.h"
#include "shard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TR_MAX 16384	/* MAX_WORKERS x esp_transport_routes (transport.h) */

static struct tr_route {
	uint32_t addr, local;
	int esp;
} routes[TR_MAX];
static int n_routes;
static bool rule_on;

int master_transport_mark(int fd)
{
	unsigned mark = MASTER_TRANSPORT_MARK;

	return setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark);
}

/* ---- netlink messages ---- */

struct nl_msg {
	uint8_t *buf;
	size_t cap, len;
	bool bad;
};

static void nl_put(struct nl_msg *m, const void *p, size_t n)
{
	size_t pad = NLMSG_ALIGN(n) - n;

	if (m->bad || m->len + n + pad > m->cap) {
		m->bad = true;
		return;
	}
	memcpy(m->buf + m->len, p, n);
	memset(m->buf + m->len + n, 0, pad);
	m->len += n + pad;
}

static void nl_attr(struct nl_msg *m, uint16_t type, const void *p, size_t n)
{
	struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type };

	nl_put(m, &a, sizeof a);
	nl_put(m, p, n);
}

static void nl_begin(struct nl_msg *m, uint8_t *buf, size_t cap, uint16_t type, uint16_t flags)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags,
			      .nlmsg_seq = 1 };

	*m = (struct nl_msg){ .buf = buf, .cap = cap };
	nl_put(m, &h, sizeof h);
}

static size_t nl_end(struct nl_msg *m)
{
	uint32_t len = (uint32_t)m->len;

	if (m->bad)
		return 0;
	memcpy(m->buf + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof len);
	return m->len;
}

size_t master_nl_route_msg(uint8_t *buf, size_t cap, int add, uint32_t addr, int ifindex,
			   uint32_t src)
{
	struct rtmsg r = { .rtm_family = AF_INET, .rtm_dst_len = 32, .rtm_table = RT_TABLE_UNSPEC,
			   .rtm_protocol = RTPROT_STATIC, .rtm_scope = RT_SCOPE_LINK,
			   .rtm_type = RTN_UNICAST };
	uint32_t table = MASTER_TRANSPORT_TABLE, oif = (uint32_t)ifindex;
	struct nl_msg m;

	nl_begin(&m, buf, cap, add ? RTM_NEWROUTE : RTM_DELROUTE,
		 add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nl_put(&m, &r, sizeof r);
	nl_attr(&m, RTA_TABLE, &table, sizeof table);
	nl_attr(&m, RTA_DST, &addr, sizeof addr);
	if (add) {
		nl_attr(&m, RTA_OIF, &oif, sizeof oif);
		if (src)
			nl_attr(&m, RTA_PREFSRC, &src, sizeof src);
	}
	return nl_end(&m);
}

size_t master_nl_rule_msg(uint8_t *buf, size_t cap, int add)
{
	struct fib_rule_hdr f = { .family = AF_INET, .action = FR_ACT_TO_TBL,
				  .flags = FIB_RULE_INVERT };
	uint32_t mark = MASTER_TRANSPORT_MARK, mask = 0xffffffffu;
	uint32_t table = MASTER_TRANSPORT_TABLE, pref = MASTER_TRANSPORT_PREF;
	struct nl_msg m;

	nl_begin(&m, buf, cap, add ? RTM_NEWRULE : RTM_DELRULE,
		 add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nl_put(&m, &f, sizeof f);
	nl_attr(&m, FRA_FWMARK, &mark, sizeof mark);
	nl_attr(&m, FRA_FWMASK, &mask, sizeof mask);
	nl_attr(&m, FRA_TABLE, &table, sizeof table);
	nl_attr(&m, FRA_PRIORITY, &pref, sizeof pref);
	return nl_end(&m);
}

/* Sends one request and reads its acknowledgement: 0, or -1 with errno
 * from the kernel's answer. */
static int nl_talk(const uint8_t *req, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t ans[1024];
	struct nlmsghdr h;
	struct nlmsgerr e = { 0 };
	struct rbuf r;
	ssize_t n;
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (s < 0)
		return -1;
	n = sendto(s, req, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
	if (n == (ssize_t)len)
		n = recv(s, ans, sizeof ans, 0);
	close(s);
	if (n < 0)
		return -1;
	rbuf_init(&r, ans, (size_t)n);
	if (!rbuf_copy(&r, &h, sizeof h) || h.nlmsg_type != NLMSG_ERROR ||
	    !rbuf_copy(&r, &e, sizeof e)) {
		errno = EPROTO;
		return -1;
	}
	errno = -e.error;
	return e.error ? -1 : 0;
}

/* ---- the table ---- */

static int tr_rule(bool add)
{
	uint8_t req[256];
	size_t n = master_nl_rule_msg(req, sizeof req, add);
	int rc = nl_talk(req, n);

	if (rc < 0 && ((add && errno == EEXIST) || (!add && errno == ENOENT)))
		rc = 0;
	if (rc < 0)
		log_err("transport mode: %s rule 'not fwmark 0x%x lookup %u': %s",
			add ? "adding" : "removing", MASTER_TRANSPORT_MARK, MASTER_TRANSPORT_TABLE,
			strerror(errno));
	else
		log_info("transport mode: rule 'not fwmark 0x%x lookup %u' %s", MASTER_TRANSPORT_MARK,
			 MASTER_TRANSPORT_TABLE, add ? "added" : "removed");
	rule_on = add && rc == 0;
	return rc;
}

static int tr_route(bool add, uint32_t addr, uint32_t local)
{
	uint8_t req[256];
	int ifindex = (int)if_nametoindex(MASTER_TUN_NAME);
	size_t n = master_nl_route_msg(req, sizeof req, add, addr, ifindex, local);
	char a[INET_ADDRSTRLEN];
	int rc;

	if (add && !ifindex)
		return -1;
	rc = nl_talk(req, n);
	if (rc < 0 && !add && errno == ESRCH)
		rc = 0;
	inet_ntop(AF_INET, &addr, a, sizeof a);
	if (rc < 0)
		log_err("transport mode: %s route %s/32 dev %s table %u: %s", add ? "adding" : "removing",
			a, MASTER_TUN_NAME, MASTER_TRANSPORT_TABLE, strerror(errno));
	else
		log_info("transport mode: route %s/32 dev %s table %u %s", a, MASTER_TUN_NAME,
			 MASTER_TRANSPORT_TABLE, add ? "added" : "removed");
	return rc;
}

static int tr_find(uint32_t addr)
{
	for (int i = 0; i < n_routes; i++)
		if (routes[i].addr == addr)
			return i;
	return -1;
}

static void tr_add(int esp, uint32_t addr, uint32_t local)
{
	int i = tr_find(addr);

	if (i >= 0) {			/* a restarted worker announcing again */
		routes[i].esp = esp;
		return;
	}
	if (n_routes >= TR_MAX) {
		log_err("transport mode: more than %d peers, esp[%d]'s new peer not routed", TR_MAX,
			esp);
		return;
	}
	if (!rule_on && tr_rule(true) < 0)
		return;
	if (tr_route(true, addr, local) < 0)
		return;
	routes[n_routes++] = (struct tr_route){ .addr = addr, .local = local, .esp = esp };
}

static void tr_del(int esp, uint32_t addr)
{
	int i = tr_find(addr);

	if (i < 0 || routes[i].esp != esp)
		return;
	tr_route(false, addr, 0);
	routes[i] = routes[--n_routes];
	if (n_routes == 0 && rule_on)
		tr_rule(false);
}

/* A worker may only name peers the TUN steering sends it, and never a
 * loopback, multicast or broadcast address. */
static bool tr_valid(const struct master *m, const struct mchild *k, uint32_t addr)
{
	uint32_t h = ntohl(addr);

	return h != 0 && h >> 24 != 127 && h < 0xe0000000u &&
	       shard_of_addr(addr, (unsigned)m->n_esp) == (unsigned)k->index;
}

void master_on_transport_route(struct master *m, struct mchild *k, const struct ipc_msg *msg)
{
	struct ipc_transport_route t;
	char a[INET_ADDRSTRLEN];

	memcpy(&t, msg->data, sizeof t);
	if (!tr_valid(m, k, t.addr)) {
		inet_ntop(AF_INET, &t.addr, a, sizeof a);
		log_warn("%s: transport route for %s refused (not its peer)", k->name, a);
		return;
	}
	if (t.up)
		tr_add(k->index, t.addr, t.local_addr);
	else
		tr_del(k->index, t.addr);
}

void master_transport_routes_clear(void)
{
	while (n_routes > 0)
		tr_del(routes[n_routes - 1].esp, routes[n_routes - 1].addr);
}
