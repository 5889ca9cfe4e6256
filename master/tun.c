/* The TUN device: one multi-queue interface, one queue per ESP worker,
 * up with MTU 1400, no IPv6 (the kernel would send RS/MLD into it), and a
 * route for every address pool so replies to clients enter the tunnel. */
#include "master.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TUN_F_USO4			/* Linux 6.2 uapi; Debian 12's headers are 6.1 */
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

/* The virtio-net header is a property of the device that every queue's
 * TUNSETIFF must repeat; the ESP workers learn of it with TUNGETIFF. */
static int tun_open_queue(bool vnet)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (vnet)
		ifr.ifr_flags |= IFF_VNET_HDR;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", MASTER_TUN_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Packets each TUN queue holds for its ESP worker (the kernel's default
 * is 500).  A worker descheduled for a millisecond while the LAN sends
 * several Gbit/s of small packets overflowed 500 in bench/esp-throughput;
 * 2048 full-sized packets are about 6 ms at 4 Gbit/s. */
#define TUN_QLEN	2048

static void tun_set_qlen(int s, struct ifreq *ifr)
{
	ifr->ifr_qlen = TUN_QLEN;
	if (ioctl(s, SIOCSIFTXQLEN, ifr) < 0)
		log_warn("%s: queue length %d: %s", MASTER_TUN_NAME, TUN_QLEN, strerror(errno));
}

static int tun_bring_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", MASTER_TUN_NAME);
	ifr.ifr_mtu = MASTER_TUN_MTU;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		goto out;
	tun_set_qlen(s, &ifr);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	rc = ioctl(s, SIOCSIFFLAGS, &ifr);
out:
	close(s);
	return rc;
}

/* Best effort: a kernel without IPv6 has no such file. */
static void tun_disable_ipv6(void)
{
	int fd = open("/proc/sys/net/ipv6/conf/" MASTER_TUN_NAME "/disable_ipv6",
		      O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1\n", 2) != 2)
		log_debug("disable_ipv6 on %s failed", MASTER_TUN_NAME);
	close(fd);
}

/* Without the steering program the kernel spreads packets by flow hash,
 * which would hand a client's outbound packets to a worker that has none
 * of its SAs: then one worker (one queue) is the only correct setup.
 * Called before the sockets exist, so they are built for the final count. */
static void tun_steer_or_shrink(struct master *m)
{
	if (m->n_esp < 2 || master_steer_attach(m) == 0)	/* shard.c */
		return;
	log_warn("TUN steering program unavailable (%s): falling back to 1 ESP worker "
		 "instead of %d", strerror(errno), m->n_esp);
	for (int i = 1; i < m->n_esp; i++) {
		close(m->res.tun[i]);
		m->res.tun[i] = -1;
	}
	m->n_esp = 1;
}

/* With a virtio-net header the kernel may hand the workers TCP segments
 * of up to 64 KB (TSO4, with ECN if it can), UDP GSO sends whole (USO4,
 * Linux 6.2 on; it comes only with USO6, and the workers drop IPv6) and
 * leave checksums to them (CSUM); the workers split and finish those.
 * Without TUNSETOFFLOAD the header stays and simply says "no GSO".  IPv6
 * is off on this device, so TSO6 is not asked for. */
static void tun_offload(int fd)
{
	static const unsigned sets[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN, TUN_F_CSUM | TUN_F_TSO4, TUN_F_CSUM };
	int hdr = sizeof(struct virtio_net_hdr);

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		log_warn("TUNSETVNETHDRSZ %d on %s: %s", hdr, MASTER_TUN_NAME, strerror(errno));
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)sets[i]) == 0) {
			log_info("%s offloads:%s%s%s%s", MASTER_TUN_NAME, " csum",
				 sets[i] & TUN_F_TSO4 ? " tso4" : "",
				 sets[i] & TUN_F_TSO_ECN ? " tso-ecn" : "",
				 sets[i] & TUN_F_USO4 ? " uso4" : "");
			return;
		}
	log_warn("TUNSETOFFLOAD on %s: %s: no TCP segmentation offload", MASTER_TUN_NAME,
		 strerror(errno));
}

int master_open_tun(struct master *m)
{
	bool vnet = !m->conf.offload_disable;

	for (int i = 0; i < m->n_esp; i++) {
		m->res.tun[i] = tun_open_queue(vnet);
		if (m->res.tun[i] < 0) {
			log_err("TUN %s queue %d: %s", MASTER_TUN_NAME, i, strerror(errno));
			return -1;
		}
	}
	tun_steer_or_shrink(m);
	if (vnet)
		tun_offload(m->res.tun[0]);
	else
		log_info("%s: offloads disabled by config", MASTER_TUN_NAME);
	if (tun_bring_up() < 0) {
		log_err("bringing %s up (mtu %d): %s", MASTER_TUN_NAME, MASTER_TUN_MTU,
			strerror(errno));
		return -1;
	}
	tun_disable_ipv6();
	log_info("%s up, %d queue%s of %d packets, mtu %d", MASTER_TUN_NAME, m->n_esp,
		 m->n_esp == 1 ? "" : "s", TUN_QLEN, MASTER_TUN_MTU);
	return 0;
}

int master_tun_route(uint32_t net, uint32_t mask)
{
	struct rtentry rt = { .rt_flags = RTF_UP, .rt_dev = (char *)MASTER_TUN_NAME };
	struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
	struct sockaddr_in *msk = (struct sockaddr_in *)&rt.rt_genmask;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (s < 0)
		return -1;
	dst->sin_family = AF_INET;
	dst->sin_addr.s_addr = net;
	msk->sin_family = AF_INET;
	msk->sin_addr.s_addr = mask;
	rc = ioctl(s, SIOCADDRT, &rt);
	if (rc < 0 && errno == EEXIST)
		rc = 1;
	close(s);
	return rc;
}

static void tun_pool_route(const struct conf_pool *p, uint32_t net, uint32_t mask)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int rc = master_tun_route(net, mask), e = errno;

	inet_ntop(AF_INET, &net, a, sizeof a);
	inet_ntop(AF_INET, &mask, b, sizeof b);
	if (rc < 0)
		log_err("route %s/%s dev %s for pool %s: %s", a, b, MASTER_TUN_NAME, p->name,
			strerror(e));
	else if (rc == 0)
		log_info("route %s/%s dev %s (pool %s)", a, b, MASTER_TUN_NAME, p->name);
}

/* The pool's covering prefix by its mask; a pool that spans two such
 * networks gets a route for each end. */
void master_add_pool_routes(struct master *m)
{
	for (int i = 0; i < m->conf.n_pools; i++) {
		const struct conf_pool *p = &m->conf.pools[i];
		uint32_t mask = p->mask;

		tun_pool_route(p, p->first & mask, mask);
		if ((p->last & mask) != (p->first & mask))
			tun_pool_route(p, p->last & mask, mask);
	}
	master_add_l2l_routes(m);	/* LAN-to-LAN remote networks (l2l_routes.c) */
}
