/* The inbound anti-replay window of RFC 4303 section 3.4.3.
 *
 * A sliding window of `size` sequence numbers ending at the highest one
 * accepted so far.  The bitmap is a ring indexed by the sequence number
 * itself, so sliding the window forward only clears the words it passes
 * over instead of shifting the whole map.  Checking and updating are
 * separate steps: a packet may only move the window after its ICV and
 * contents were verified. */
#ifndef ESP_REPLAY_H
#define ESP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_MAX_WINDOW	1024
/* Ring is one word larger than the largest window so the word holding the
 * oldest in-window number is never the one being cleared for the newest. */
#define REPLAY_WORDS		(REPLAY_MAX_WINDOW / 64 + 1)

struct esp_replay {
	uint32_t size;		/* 0: checking disabled */
	uint64_t top;		/* highest sequence number accepted, 0 = none yet */
	uint64_t bits[REPLAY_WORDS];
};

/* size is clamped to REPLAY_MAX_WINDOW. */
void esp_replay_init(struct esp_replay *r, uint32_t size);
/* True when seq is new and not too old to judge. */
bool esp_replay_check(const struct esp_replay *r, uint64_t seq);
/* Marks seq as received, sliding the window if seq is the new top.
 * Call only after esp_replay_check(seq) and every other check passed. */
void esp_replay_update(struct esp_replay *r, uint64_t seq);

#endif
