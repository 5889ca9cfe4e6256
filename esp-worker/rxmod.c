/* Receive moderation, as a NIC's rx-usecs: while packets stream in, the
 * worker waits rx-usecs (default 100 us) after a wake-up before it drains
 * the UDP 4500 and raw ESP sockets and the TUN queue, so one wake-up, one
 * recvmmsg and one coalesced TUN write (or one GSO send) carry several
 * packets.
 *
 * Why: a client that sends one packet at a time (vpnc, strongSwan's
 * libipsec) otherwise costs a wake-up, a recvmmsg and a TUN write per
 * packet, and each TUN write wakes the LAN host's receiver, whose work
 * runs inside our write.  With vpnc uploading through iperf3 that was
 * 1.2 packets per TUN write and 9.3 CPU s/GB; with the wait about 11
 * packets per write and 3.8 CPU s/GB, at a higher rate (bench/
 * esp-throughput runs both).
 *
 * A round waits only while packets stream: it is the STREAM_ROUNDS-th
 * round in a row to begin less than STREAM_WAITS waits after the one
 * before.  A ping after a quiet spell goes through at once, and so does
 * its answer, which comes back from the LAN a few tens of microseconds
 * after the request (waiting there cost a ping 0.16 ms more).  And the
 * previous round took fewer than ESP_RXMOD_ENOUGH packets: a round that
 * took that many is batched well already, and waiting again would only
 * add latency and, on a busy machine, give the CPU away while the queues
 * fill (the generator benchmark at full speed lost 10% when every
 * streaming round waited). */
#include "rxmod.h"

#include <time.h>

#define STREAM_WAITS	4
#define STREAM_ROUNDS	2

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void esp_rxmod_set(struct esp_rxmod *m, unsigned usecs)
{
	m->wait_ns = (uint64_t)usecs * 1000u;
}

/* Whether a round beginning at now follows the previous one closely. */
static bool close_to_last(const struct esp_rxmod *m, uint64_t now)
{
	return m->wait_ns && m->last_wake && now >= m->last_wake &&
	       now - m->last_wake < STREAM_WAITS * m->wait_ns;
}

bool esp_rxmod_should_wait(const struct esp_rxmod *m, uint64_t now)
{
	return m->got < ESP_RXMOD_ENOUGH && close_to_last(m, now) &&
	       m->close_rounds + 1 >= STREAM_ROUNDS;
}

bool esp_rxmod_wake(struct esp_rxmod *m)
{
	uint64_t now = mono_ns();
	bool wait = esp_rxmod_should_wait(m, now);

	m->close_rounds = close_to_last(m, now) ? m->close_rounds + 1 : 0;
	if (wait) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)m->wait_ns };

		nanosleep(&ts, NULL);	/* a signal cutting it short only shortens the wait */
		m->waits++;
	}
	m->last_wake = now;
	m->got = 0;
	return wait;
}

void esp_rxmod_drained(struct esp_rxmod *m, unsigned n)
{
	m->got += n;
}
