/* The ESP worker's SA table.
 *
 * Every SA sits in a hash by (SPI, direction) - inbound lookups and
 * IPC_SA_DEL use it - and outbound SAs also in a hash by inner address
 * (the client's virtual address, the destination of TUN packets).  A
 * list threads all SAs for the periodic counter report and for flushing
 * the SAs of a restarted IKE worker.  The worker is single-threaded, so
 * there are no locks; a later sharding issue gives each worker its own
 * table. */
#ifndef ESP_SA_H
#define ESP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ipc.h"
#include "replay.h"


/* How an SA protects packets: cipher + HMAC (or NULL), or one AEAD. */
enum esp_aead_kind {
	ESP_AEAD_NONE = 0,	/* CBC or NULL encryption, HMAC or no authentication */
	ESP_AEAD_GCM,		/* AES-GCM-16, RFC 4106 */
	ESP_AEAD_CHACHA,	/* ChaCha20-Poly1305, RFC 7634 */
};

enum esp_verdict {
	ESP_OK = 0,
	ESP_DROP_AUTH,		/* ICV mismatch */
	ESP_DROP_REPLAY,	/* duplicate or older than the window */
	ESP_DROP_MALFORMED,	/* length, padding, next header, inner header */
	ESP_DROP_SPOOF,		/* inner source is not the client's address */
	ESP_DROP_MAX
};

const char *esp_verdict_name(enum esp_verdict v);

struct esp_counters {
	uint64_t packets;
	uint64_t bytes;			/* inner packet bytes */
	uint64_t drops[ESP_DROP_MAX];	/* by enum esp_verdict; [ESP_OK] unused */
};

struct esp_sa {
	uint64_t sid;
	uint32_t spi;
	uint8_t dir;			/* enum sa_dir */
	uint8_t encap;			/* enum sa_encap */
	uint8_t enc;			/* enum esp_enc */
	uint8_t auth;			/* enum esp_auth */
	uint32_t peer_addr;		/* network order */
	uint16_t peer_port;		/* host order */
	uint32_t inner_addr;		/* network order */
	uint32_t inner_mask;		/* LAN-to-LAN remote network mask; 0 = /32 (l2l.h) */

	uint8_t iv_len;			/* CBC: the block; AEAD: 8; NULL: 0 */
	uint8_t align;			/* padding alignment: block or 4 */
	uint8_t icv_len;		/* HMAC: 12, 16, 24 or 32; AEAD: 16; else 0 */
	uint8_t aead;			/* enum esp_aead_kind */
	EVP_CIPHER_CTX *cipher;		/* keyed once (CBC or GCM); NULL for NULL, ChaCha */
	EVP_MAC_CTX *mac;		/* keyed once; NULL for ESP_AUTH_NONE and AEAD */
	uint8_t salt[4];		/* AEAD: the nonce's implicit part (RFC 4106 / 7634) */
	uint8_t aead_key[32];		/* ChaCha20-Poly1305: libsodium takes the key per call */
	uint64_t iv_base;		/* AEAD outbound: explicit IV = iv_base + sequence number */
	uint8_t key_digest[32];		/* hash of the keys, to spot a re-install */

	uint64_t seq_out;		/* last sequence number sent */
	struct esp_replay replay;	/* inbound only */
	struct esp_counters cnt;
	struct esp_counters reported;	/* as last sent to db */

	struct esp_sa *next_spi;	/* hash chains and the all-SA list */
	struct esp_sa *next_inner;
	struct esp_sa *next_all, *prev_all;

	/* Volume lifetime (lifetime.c): inner bytes, 0 = none */
	uint64_t soft_bytes, hard_bytes;
	uint8_t expire_sent;		/* limits already reported to the IKE worker */

	/* Transport mode (transport.h): inner_addr is then the peer's own
	 * address (the TUN destination of the host's packets to it) and
	 * local_addr ours, the rebuilt inbound header's destination. */
	bool transport;
	uint32_t local_addr;		/* network order */
};

#define ESP_L2L_MAX 32

/* Both hashes have 1 << bits buckets and grow to stay at most 1/8 full,
 * so a lookup examines about one SA whatever the SA count
 * (tests/unit/test_esp_scale.c).  NULL until the first SA. */
struct esp_sa_table {
	struct esp_sa **by_spi;
	struct esp_sa **by_inner;
	unsigned bits;
	struct esp_sa *all;
	size_t count;
	struct esp_sa *l2l[ESP_L2L_MAX];	/* outbound network SAs, newest first (l2l.c) */
	int n_l2l;
	size_t n_transport;		/* transport-mode SAs (transport.h), either direction */
};

/* SAs examined by every lookup so far: the per-packet lookup cost that
 * tests/unit/test_esp_scale.c measures (one thread per worker). */
extern uint64_t esp_sa_probes;

void esp_sa_table_init(struct esp_sa_table *t);
/* Frees every SA. */
void esp_sa_table_clear(struct esp_sa_table *t);

/* Installs the SA described by a (replacing one with the same SPI and
 * direction; when the keys are unchanged the replacement keeps the
 * sequence number, replay window and counters).  Returns the SA, or NULL
 * after logging why it was refused (bad algorithm or key length). */
struct esp_sa *esp_sa_add(struct esp_sa_table *t, const struct ipc_sa_add *a);
/* Deletes the SAs with this SPI in either direction (only those of sid
 * when sid != 0).  Returns how many were deleted. */
int esp_sa_del(struct esp_sa_table *t, uint32_t spi, uint64_t sid);
/* Deletes every SA whose sid belongs to IKE worker ike_index. */
int esp_sa_del_ike(struct esp_sa_table *t, unsigned ike_index);

/* Points every UDP-encapsulated SA of session sid at a new peer address
 * (network order) and port (host order).  Returns how many changed. */
int esp_sa_rebind(struct esp_sa_table *t, uint64_t sid, uint32_t addr, uint16_t port);

struct esp_sa *esp_sa_find_in(const struct esp_sa_table *t, uint32_t spi);
struct esp_sa *esp_sa_find_out(const struct esp_sa_table *t, uint32_t inner_addr);

#endif
