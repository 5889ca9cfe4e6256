/* Receive moderation: a NIC's rx-usecs (interrupt coalescing) for the ESP
 * worker's sockets and TUN queue.  See rxmod.c. */
#ifndef ESP_RXMOD_H
#define ESP_RXMOD_H

#include <stdbool.h>
#include <stdint.h>

/* A round that took this many packets (ESP packets opened, TUN packets
 * and the segments of TUN super-segments) was batched well enough: the
 * next one does not wait. */
#define ESP_RXMOD_ENOUGH	16

struct esp_rxmod {
	uint64_t wait_ns;	/* the wait; 0: moderation off */
	uint64_t last_wake;	/* CLOCK_MONOTONIC ns when the previous round began */
	unsigned got;		/* packets the round took so far */
	unsigned close_rounds;	/* rounds in a row that began soon after the one before */
	uint64_t waits;		/* rounds that waited (ravpnctl stats) */
};

/* Sets the wait (at start and on reload; the counters stay). */
void esp_rxmod_set(struct esp_rxmod *m, unsigned usecs);
/* Whether a round of drains that begins at now (ns) waits first.  Pure:
 * the unit test drives it with made-up times. */
bool esp_rxmod_should_wait(const struct esp_rxmod *m, uint64_t now);
/* The event loop woke with work: waits when it should, then starts the
 * round.  Returns whether it waited. */
bool esp_rxmod_wake(struct esp_rxmod *m);
/* This round took n more packets (io.c counts each ESP packet it opens
 * and each TUN packet or segment it seals). */
void esp_rxmod_drained(struct esp_rxmod *m, unsigned n);

#endif
