/* The privileged sockets master opens once for the life of the daemon:
 * UDP 500, the UDP 4500 SO_REUSEPORT group with its steering program, and
 * one raw ESP socket per ESP worker.  They are never connected (a
 * connected reuseport member would steal its peer's datagrams). */
#include "master.h"
#include "log.h"
#include "transport_route.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

static int res_udp(uint32_t addr, uint16_t port, bool reuseport)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = addr };
	int one = 1;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	/* marked: IKE and sealed ESP skip the transport-mode table */
	if (master_transport_mark(s) < 0 ||
	    (reuseport && setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
	    bind(s, (struct sockaddr *)&sin, sizeof sin) < 0) {
		int e = errno;

		close(s);
		errno = e;
		return -1;
	}
	return s;
}

/* Steers each datagram of the 4500 group by its first 4 payload bytes:
 * the zero non-ESP marker (IKE) goes to member 0, an ESP packet to member
 * 1 + SPI % n_esp.  A payload shorter than 4 bytes (NAT-T keepalive)
 * aborts the load, which returns 0: member 0 as well. */
static int res_attach_steering(int s, int n_esp)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, (uint32_t)n_esp),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };

	return setsockopt(s, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog);
}

/* The kernel's UDP GRO decides whether to merge a flow's datagrams by
 * asking one member of the group, chosen by hash of the addresses (the
 * steering program needs a packet, GRO has none yet).  The ESP members
 * turn UDP_GRO on themselves; unless offloads are off, the IKE member
 * must too, or the clients hashed to it never get GRO (the IKE worker
 * splits what it receives). */
static void res_gro_ike_member(struct master *m)
{
	int one = 1;

	if (m->conf.offload_disable)
		return;
	if (setsockopt(m->res.udp4500[0], SOL_UDP, UDP_GRO, &one, sizeof one) < 0)
		log_warn("UDP_GRO on the IKE member of UDP 4500: %s: ESP of some clients "
			 "arrives one datagram at a time", strerror(errno));
}

/* Socket buffers of the ESP data path: a receive batch of GRO'd
 * datagrams (64 KB each) or a burst from many clients overflows the
 * kernel's default of about 200 KB long before the worker is behind (seen
 * as UdpRcvbufErrors in bench/esp-throughput); GSO sends are 64 KB each.
 * Root may go past net.core.rmem_max/wmem_max. */
#define RES_ESP_SOCKBUF	(8 << 20)

static void res_esp_buffers(int s, const char *what)
{
	static bool warned;
	int sz = RES_ESP_SOCKBUF;

	if ((setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0 ||
	     setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0) && !warned) {
		warned = true;
		log_warn("%s: socket buffers of %d MB refused (%s): bursts may be dropped",
			 what, RES_ESP_SOCKBUF >> 20, strerror(errno));
	}
}

/* Group index = bind order, so the IKE member is bound first. */
static int res_open_4500(struct master *m)
{
	for (int i = 0; i <= m->n_esp; i++) {
		m->res.udp4500[i] = res_udp(m->res.outside, 4500, true);
		if (m->res.udp4500[i] < 0) {
			log_err("UDP 4500 (member %d): %s", i, strerror(errno));
			return -1;
		}
		res_esp_buffers(m->res.udp4500[i], "UDP 4500");
	}
	if (res_attach_steering(m->res.udp4500[0], m->n_esp) < 0) {
		log_err("SO_ATTACH_REUSEPORT_CBPF on UDP 4500: %s", strerror(errno));
		return -1;
	}
	res_gro_ike_member(m);
	return 0;
}

/* Raw ESP socket for worker i of n: keeps only SPI % n == i. */
static int res_attach_spi_filter(int s, int i, int n)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		/* X = IP header length */
		BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0),		/* A = SPI */
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, (uint32_t)n),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)i, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
	char junk[64];

	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
		return -1;
	/* Packets queued before the filter was attached were not filtered. */
	while (recv(s, junk, sizeof junk, MSG_DONTWAIT) >= 0)
		;
	return 0;
}

static int res_open_raw_esp(struct master *m, int i)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = m->res.outside };
	int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ESP);

	m->res.raw_esp[i] = s;
	if (s < 0 || master_transport_mark(s) < 0 || bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    (m->n_esp > 1 && res_attach_spi_filter(s, i, m->n_esp) < 0)) {
		log_err("raw ESP socket for esp[%d]: %s", i, strerror(errno));
		return -1;
	}
	res_esp_buffers(s, "raw ESP");
	return 0;
}

/* Session keys in the clear, for decrypting captures: only on request. */
static int res_open_keylog(struct master *m)
{
	if (!m->o.keylog)
		return 0;
	m->res.keylog = open(m->o.keylog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (m->res.keylog < 0) {
		log_err("keylog %s: %s", m->o.keylog, strerror(errno));
		return -1;
	}
	log_warn("KEYLOG ENABLED: IKE and ESP keys are written to %s (debugging only)",
		 m->o.keylog);
	return 0;
}

int master_open_resources(struct master *m)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &m->res.outside, a, sizeof a);
	m->res.udp500 = res_udp(m->res.outside, 500, false);
	if (m->res.udp500 < 0) {
		log_err("UDP %s:500: %s", a, strerror(errno));
		return -1;
	}
	if (res_open_4500(m) < 0 || res_open_keylog(m) < 0 || master_open_dae(m) < 0)
		return -1;
	for (int i = 0; i < m->n_esp; i++)
		if (res_open_raw_esp(m, i) < 0)
			return -1;
	log_info("listening on %s:500 and %s:4500 (%d ESP worker%s)", a, a, m->n_esp,
		 m->n_esp == 1 ? "" : "s");
	return 0;
}
