/* Hex helpers for the known-answer unit tests (include after cmocka.h). */
#ifndef RAVPN_TEST_HEX_H
#define RAVPN_TEST_HEX_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decodes a hex string into out (at most cap bytes); returns the length. */
static inline size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static inline void assert_hex(const uint8_t *got, size_t len, const char *want_hex)
{
	uint8_t want[512];
	size_t n = unhex(want_hex, want, sizeof want);

	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
}

#endif
