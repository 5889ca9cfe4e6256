/* libFuzzer target: authd's RFC 5176 packet parser and authenticator
 * check (authd/dae_packet.c), which see every datagram on the DAE port
 * before anything is authenticated. */
#include <stdint.h>
#include <stdlib.h>

#include "../../authd/dae.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dae_request q;
	uint8_t out[64];

	if (auth_dae_parse(data, size, &q)) {
		(void)auth_dae_verify(data, size, "fuzzsecret");
		(void)auth_dae_answer(out, sizeof out, &q, DAE_DISCONNECT_NAK,
				      DAE_ERR_SESSION_NOT_FOUND, "fuzzsecret");
	}
	return 0;
}
