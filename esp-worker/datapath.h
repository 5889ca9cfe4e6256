/* The per-packet paths between the wire and the TUN, without I/O:
 * classify a received datagram, find its SA, open it; or find the SA of
 * a TUN packet and seal it.  io.c moves the bytes. */
#ifndef ESP_DATAPATH_H
#define ESP_DATAPATH_H

#include <stddef.h>
#include <stdint.h>

#include "sa.h"

/* Packets dropped before an SA was known (no per-SA counter to hold them). */
struct esp_path_stats {
	uint64_t not_esp;	/* on 4500: IKE (zero marker), keepalive, runt */
	uint64_t bad_ip;	/* raw socket: unusable outer IP header */
	uint64_t no_sa_in;	/* unknown SPI */
	uint64_t not_ipv4;	/* from TUN: IPv6 RS/MLD and the like */
	uint64_t no_sa_out;	/* from TUN: no SA for the destination */
	uint64_t seal_failed;	/* too big, sequence exhausted */
	/* the worker's totals (the per-SA counters vanish with their SA) */
	uint64_t in_packets, in_bytes;		/* opened, inner bytes */
	uint64_t out_packets, out_bytes;	/* sealed, inner bytes */
	uint64_t in_drops[ESP_DROP_MAX];	/* by enum esp_verdict */
	uint64_t rebinds;	/* NAT rebindings followed (esp_in_udp_from) */
};

/* One ESP-in-UDP payload (RFC 3948) received on UDP 4500.  Returns the
 * length of the inner packet written to out, or -1 (dropped, counted). */
int esp_in_udp(struct esp_sa_table *t, struct esp_path_stats *st, const uint8_t *d, size_t len,
	       uint8_t *out, size_t cap);
/* The same, knowing the datagram's source (network order address, host
 * order port): a packet that authenticates for a UDP-encapsulated SA from
 * a source other than the SA's peer is a NAT rebinding, and every SA of
 * that session then sends there (counted in rebinds, logged). */
int esp_in_udp_from(struct esp_sa_table *t, struct esp_path_stats *st, uint32_t src_addr,
		    uint16_t src_port, const uint8_t *d, size_t len, uint8_t *out, size_t cap);
/* One packet from the raw ESP socket: outer IPv4 header, then ESP. */
int esp_in_raw(struct esp_sa_table *t, struct esp_path_stats *st, const uint8_t *d, size_t len,
	       uint8_t *out, size_t cap);
/* One packet read from the TUN: the outbound SA for its destination, or
 * NULL (not IPv4, or no SA: counted).  The SA's encap and peer say where
 * the sealed packet goes. */
struct esp_sa *esp_out_route(struct esp_sa_table *t, struct esp_path_stats *st,
			     const uint8_t *pkt, size_t len);
/* Seals pkt with sa into out.  Returns the ESP length or -1 (counted). */
int esp_out_seal(struct esp_sa *sa, struct esp_path_stats *st, const uint8_t *pkt, size_t len,
		 uint8_t *out, size_t cap);

#endif
