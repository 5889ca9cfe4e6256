/* The ESP worker's SA table as a cmocka fixture, shared by the ESP unit
 * tests: `tab` is fresh for every test (setup) and emptied after it
 * (teardown), so no test sees another's SAs.  Include after cmocka.h and
 * esp-worker/sa.h. */
#ifndef RAVPN_TEST_ESP_TABLE_FIXTURE_H
#define RAVPN_TEST_ESP_TABLE_FIXTURE_H

#include <stdlib.h>

static struct esp_sa_table *tab;

static int setup(void **state)
{
	(void)state;
	assert_true(esp_crypto_init());
	tab = calloc(1, sizeof *tab);
	assert_non_null(tab);
	esp_sa_table_init(tab);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	esp_sa_table_clear(tab);
	free(tab);
	return 0;
}

#endif
