/* libFuzzer target for the config parser: any bytes must either parse or
 * fail with a file:line:col message, never crash or leak.  A text that
 * parses must also survive redaction and parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c, r;
	char err[CONF_ERR];

	if (!conf_parse_text((const char *)data, size, "fuzz", &c, err, sizeof err)) {
		if (strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	char *red = conf_redact((const char *)data, size, &c,
				SECRET_PSK | SECRET_PASSWORD_HASH | SECRET_AAA_KEY);
	if (red) {
		if (!conf_parse_text(red, size, "fuzz", &r, err, sizeof err))
			abort();	/* redaction must keep the text valid */
		conf_free(&r);
		free(red);
	}
	conf_free(&c);
	return 0;
}
