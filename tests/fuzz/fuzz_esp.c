/* libFuzzer target: random datagrams into the ESP worker's inbound path
 * (UDP 4500 classifier and raw-socket IP header skip, SPI lookup, ICV,
 * replay window, decryption, trailer and inner-header checks).
 *
 * SAs installed: one AES-128-CBC/HMAC-SHA1 SA (the fuzzer cannot forge
 * its ICV, so this exercises the length checks before it), one AES-GCM
 * and one ChaCha20-Poly1305 SA (likewise, up to the AEAD tag check), and
 * one AES-128-CBC SA without authentication, so random input reaches the
 * decryption, padding and inner IPv4 checks too.  The first input byte
 * picks the entry point.
 *
 * The ESP sources it links are listed in fuzz_esp.srcs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "datapath.h"
#include "esp_crypt.h"
#include "sa.h"
#include "log.h"

static struct esp_sa_table table;
static struct esp_path_stats stats;
static uint8_t out[70000];

static void install(uint32_t spi, uint8_t enc, uint8_t eklen, uint8_t auth, uint8_t aklen)
{
	struct ipc_sa_add a = {
		.sid = 1, .spi = spi, .dir = SA_IN, .encap = ENCAP_UDP, .enc = enc,
		.auth = auth, .enc_key_len = eklen, .auth_key_len = aklen, .peer_port = 4500,
		.peer_addr = htonl(0x0a630002), .inner_addr = htonl(0x0ac80005),
		.replay_window = 64,
	};

	memset(a.enc_key, 0x42, sizeof a.enc_key);
	memset(a.auth_key, 0x24, sizeof a.auth_key);
	if (!esp_sa_add(&table, &a))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_esp", false, false);
	if (!esp_crypto_init())
		abort();
	esp_sa_table_init(&table);
	install(0x1000, ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1, 20);
	install(0x2000, ESP_ENC_AES_CBC, 16, ESP_AUTH_NONE, 0);
	install(0x3000, ESP_ENC_AES_GCM_16, 20, ESP_AUTH_NONE, 0);
	install(0x4000, ESP_ENC_CHACHA20_POLY1305, 36, ESP_AUTH_NONE, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int n;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		n = esp_in_raw(&table, &stats, data + 1, size - 1, out, sizeof out);
	else
		n = esp_in_udp(&table, &stats, data + 1, size - 1, out, sizeof out);
	if (n > (int)sizeof out)
		abort();
	/* the inner packet must lie within what was received */
	if (n > 0 && (size_t)n > size)
		abort();
	return 0;
}
