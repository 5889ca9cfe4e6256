/* libFuzzer target: authd's RFC 5176 packet parser, authenticator and
 * Message-Authenticator checks (authd/dae_packet.c, authd/rad_msgauth.c),
 * which see every datagram on the DAE port before anything is
 * authenticated, and the answer builder fed by the parsed request.  The
 * same input is also checked as an answer to a RADIUS request
 * (rad_check_response, which sees every datagram radcli receives). */
#include <stdint.h>
#include <stdlib.h>

#include "../../authd/dae.h"
#include "../../authd/rad_msgauth.h"
#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t req_auth[16] = { 1, 2, 3 };
	struct dae_request q;
	uint8_t out[64];

	crypto_init();
	if (auth_dae_parse(data, size, &q)) {
		(void)auth_dae_verify(data, size, "fuzzsecret");
		(void)auth_dae_msg_auth_ok(data, size, "fuzzsecret");
		(void)auth_dae_answer(out, sizeof out, &q, DAE_DISCONNECT_NAK,
				      DAE_ERR_SESSION_NOT_FOUND, "fuzzsecret");
	}
	(void)rad_check_response(data, size, req_auth, "fuzzsecret", true);
	return 0;
}
