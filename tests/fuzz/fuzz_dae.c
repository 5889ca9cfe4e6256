/* libFuzzer target: authd's RFC 5176 packet parser, authenticator and
 * Message-Authenticator checks (authd/dae_packet.c, authd/rad_msgauth.c),
 * which see every datagram on the DAE port before anything is
 * authenticated, the CoA refusal choice, and the answer builder fed by the
 * parsed request (echoing its State and Proxy-States).  The
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
	static uint8_t out[DAE_MAX_PACKET];
	struct dae_request q;
	char why[64];

	crypto_init();
	if (auth_dae_parse(data, size, &q)) {
		(void)auth_dae_verify(data, size, "fuzzsecret");
		(void)auth_dae_msg_auth_ok(data, size, "fuzzsecret");
		(void)auth_dae_answer(out, sizeof out, &q, DAE_DISCONNECT_NAK,
				      DAE_ERR_SESSION_NOT_FOUND, "fuzzsecret");
		(void)auth_dae_answer(out, sizeof out, &q, DAE_COA_NAK,
				      auth_dae_coa_refusal(&q, why, sizeof why), "fuzzsecret");
	}
	(void)rad_check_response(data, size, req_auth, "fuzzsecret", true);
	return 0;
}
