#include "replay.h"

#include <string.h>

#define RING_BITS	(REPLAY_WORDS * 64)

void esp_replay_init(struct esp_replay *r, uint32_t size)
{
	memset(r, 0, sizeof *r);
	r->size = size > REPLAY_MAX_WINDOW ? REPLAY_MAX_WINDOW : size;
}

static bool bit_is_set(const struct esp_replay *r, uint64_t seq)
{
	uint64_t pos = seq % RING_BITS;

	return r->bits[pos / 64] >> (pos % 64) & 1;
}

bool esp_replay_check(const struct esp_replay *r, uint64_t seq)
{
	if (r->size == 0)
		return true;
	if (seq == 0)		/* the first packet of an SA carries 1 */
		return false;
	if (seq > r->top)
		return true;
	if (r->top - seq >= r->size)
		return false;
	return !bit_is_set(r, seq);
}

/* Clears the ring words the window slides over when top moves up to seq:
 * they held numbers that are now older than the window. */
static void slide_to(struct esp_replay *r, uint64_t seq)
{
	uint64_t from = r->top / 64, to = seq / 64;

	if (to - from >= REPLAY_WORDS)
		memset(r->bits, 0, sizeof r->bits);
	else
		for (uint64_t w = from + 1; w <= to; w++)
			r->bits[w % REPLAY_WORDS] = 0;
	r->top = seq;
}

void esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	uint64_t pos;

	if (r->size == 0)
		return;
	if (seq > r->top)
		slide_to(r, seq);
	pos = seq % RING_BITS;
	r->bits[pos / 64] |= (uint64_t)1 << (pos % 64);
}
