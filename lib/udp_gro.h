/* The UDP_GRO control message (Linux 5.0): a socket with UDP_GRO on may
 * receive several datagrams of one flow in one buffer, all seg bytes long
 * but the last; the cmsg carries seg.  Shared by the two readers of the
 * UDP 4500 group, the ESP workers and the IKE worker. */
#ifndef RAVPN_UDP_GRO_H
#define RAVPN_UDP_GRO_H

#include <netinet/udp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

/* The segment size of the buffer msghdr h received, 0 when it holds one
 * datagram (no cmsg). */
static inline size_t udp_gro_segment(struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c))
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof v);
			return v > 0 ? (size_t)v : 0;
		}
	return 0;
}

#endif
