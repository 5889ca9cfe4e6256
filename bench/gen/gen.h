/* ravpn-espgen: the traffic generator and sinks of bench/esp-throughput
 * and tests/integration/test_esp_checks.sh.
 *
 * It learns an SA from the keys `ravpnd --keylog` wrote, builds ESP with
 * the ESP worker's own esp_encrypt (linked from the esp-worker archive)
 * and sends it from the client's address with a raw socket, so the
 * gateway sees the client's own source address and port (no NAT
 * rebinding) while vpnc keeps its socket.  Options are key=value words. */
#ifndef GEN_H
#define GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

#define GEN_PKT_MAX	2048
#define GEN_BATCH	64

struct gen_opts {
	const char *keylog;
	uint32_t from, to;	/* outer addresses, network order */
	uint32_t inner;		/* inner source (the client's virtual address) */
	uint32_t dst;		/* inner destination */
	uint32_t spoof;		/* inner source to claim instead (0: inner) */
	uint16_t sport, dport;	/* outer UDP source port; inner/blast UDP port */
	size_t size;		/* inner IPv4 packet length */
	double seconds;
	uint64_t count;		/* packets to send, 0 = until seconds */
	unsigned repeat;	/* times each packet is sent */
	unsigned flip;		/* flip a bit of the ESP payload */
	uint32_t seq;		/* first sequence number - 1 */
	unsigned ring;		/* distinct packets built before sending */
	unsigned verify;	/* esp-sink: packets to try to decrypt */
	unsigned gso;		/* esp, blast: datagrams per UDP GSO send (0, 1: none) */
	uint64_t pps;		/* esp, blast: packets per second at most (0: full speed) */
	unsigned gro;		/* sink: UDP_GRO on */
};

/* opts.c */
bool gen_parse(int argc, char **argv, struct gen_opts *o);
double gen_now(void);
/* Sleeps until packet number sent is due at o->pps from t0 (no pacing
 * when o->pps is 0). */
void gen_pace(const struct gen_opts *o, double t0, uint64_t sent);
/* One result line: what packets= bytes= seconds= pps= gbps= */
void gen_report(const char *what, uint64_t pkts, uint64_t bytes, double secs);

/* keylog.c: the newest esp_sa line from src to dst (network order) as an
 * SA for esp_sa_add: direction dir, inner address inner. */
bool gen_keylog_sa(const char *file, uint32_t src, uint32_t dst, uint8_t dir, uint32_t inner,
		   struct ipc_sa_add *a);

/* packet.c */
/* An IPv4/UDP packet of len bytes (>= 28) from src to dst:port. */
size_t gen_inner(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint16_t port);
/* Outer IPv4 + UDP headers around an ESP payload of n bytes already at
 * buf + 28.  Returns the datagram's length. */
size_t gen_outer(uint8_t *buf, size_t n, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport);

/* send.c: pre-encrypted ESP-in-UDP at full speed (sendmmsg); with gso=N
 * from a UDP socket on port sport + 100 (the client keeps sport), N
 * packets per UDP GSO send */
int gen_esp(const struct gen_opts *o);
/* blast.c: plain UDP packets of o->size at full speed to o->dst (gso=N:
 * N per UDP GSO send) */
int gen_blast(const struct gen_opts *o);

/* sink.c: count what arrives, print packets, bytes, rate */
int gen_sink_udp(const struct gen_opts *o);
int gen_sink_esp(const struct gen_opts *o);

#endif
