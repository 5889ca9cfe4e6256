/* The worker's packet buffers (io.c reads, tx.c sends), allocated once.
 * Private to io.c and tx.c. */
#ifndef ESP_IO_H
#define ESP_IO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "esp_crypt.h"
#include "offload.h"
#include "worker.h"

#define BATCH		32
#define SLOT		9216			/* a jumbo frame; larger is dropped */
#define RX_SLOT		65536			/* a UDP GRO batch */
#define TUN_READ_MAX	(ESP_VNET_LEN + 65536)	/* a TSO super-segment */
/* sealed packets waiting for sendmmsg: room for several GSO sends */
#define TX_ARENA	(8 * 65536)
#define TX_PKT_MAX	(SLOT + ESP_OVERHEAD_MAX)
#define VNET_ROOM	12			/* largest header we take (with num_buffers) */

struct rx_batch {
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];		/* UDP: who sent it (NAT rebinding) */
	union {					/* UDP_GRO: the segment size */
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[BATCH];
	uint8_t buf[BATCH][RX_SLOT];
};

/* Sealed ESP packets back to back in arena; message i covers count[i]
 * packets to to[i], all seg[i] bytes long but the last (a GSO send when
 * count[i] > 1). */
struct tx_batch {
	int n;
	size_t used;
	bool gso;				/* this socket takes UDP_SEGMENT */
	uint16_t seg[BATCH];
	uint16_t count[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to[BATCH];
	union {
		char b[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[BATCH];
	uint8_t arena[TX_ARENA];
};

struct esp_io {
	struct rx_batch rx;
	struct tx_batch tx_udp, tx_raw;
	/* a decrypted packet after room for the virtio-net header */
	uint8_t inner[VNET_ROOM + SLOT];
	uint8_t tun_pkt[TUN_READ_MAX];		/* what one TUN read returned */
	uint8_t seg[SLOT];			/* one segment of a super-segment */
	struct esp_coalset coal;		/* decrypted packets, by flow, for TUN writes */
	uint8_t coal_buf[ESP_COAL_FLOWS][ESP_COAL_ROOM + 65535];
	uint8_t useg[VNET_ROOM + SLOT];		/* one datagram of a refused UDP_L4 write */
	bool tun_nonblock;
	int vnet_len;				/* TUN virtio-net header, 0: none */
	bool udp_gro;				/* UDP_GRO is on: split what it coalesced */
	bool gso_failed;			/* a GSO send was refused: never again */
};

/* tx.c */
void esp_tx_init(struct tx_batch *b);
/* Seals pkt with sa into its encapsulation's batch (sending the batch
 * first when it is full); consecutive equal-sized packets to one peer
 * become one UDP GSO send. */
void esp_tx_seal(struct esp_worker *w, struct esp_sa *sa, const uint8_t *pkt, size_t len);
/* Sends both batches. */
void esp_tx_flush_all(struct esp_worker *w);

#endif
