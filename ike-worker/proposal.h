/* SA payload negotiation: choosing one of the client's phase 1
 * transforms against `crypto ikev1 policy`, and one of its phase 2
 * proposals against the dynamic map's transform sets. */
#ifndef RAVPN_PROPOSAL_H
#define RAVPN_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf.h"
#include "isakmp.h"

struct p1_choice {
	int enc, key_bits, hash, group, auth;
	uint32_t lifetime;
	uint8_t tf[256];		/* the chosen transform, generic header included */
	size_t tf_len;
	uint8_t prop_num;
};

struct p2_choice {
	uint8_t prop_num;
	uint32_t spi_out;		/* the client's SPI: our outbound SA, host order */
	int enc, key_bits, auth, group;
	uint16_t encap_mode;
	uint32_t lifetime;
	uint8_t tf[256];
	size_t tf_len;
	bool pfs_mismatch;		/* a transform matched but for its PFS group */
	bool lifetime_lowered;		/* ours is shorter: tell the client (RESPONDER-LIFETIME) */
	uint32_t lifetime_kb;		/* kilobytes; 0 = unlimited */
	bool lifetime_kb_lowered;	/* our kilobytes are fewer than the client's */
	bool transport;			/* encap_mode is a transport mode */
};

bool prop_select_p1(const uint8_t *sa_body, size_t len, const struct conf *c,
		    struct p1_choice *out);
void prop_build_sa(struct v1_out *o, uint8_t prop_num, uint8_t proto, const uint32_t *spi,
		   const uint8_t *tf, size_t tf_len);
void prop_build_p1_reply(struct v1_out *o, const struct p1_choice *ch);
bool prop_select_p2(const uint8_t *sa_body, size_t len, const struct conf *c,
		    struct p2_choice *out);
void prop_build_p2_reply(struct v1_out *o, const struct p2_choice *ch, uint32_t spi_in);
/* Our own quick mode: one ESP proposal per transform (tfs[i], generic
 * header included), numbered from 1, all with our SPI (host order). */
void prop_build_p2_offer(struct v1_out *o, uint32_t spi, const uint8_t *const *tfs,
			 const size_t *tf_lens, int n);
/* The answer to it: its single proposal and transform. */
bool prop_read_p2_answer(const uint8_t *sa_body, size_t len, struct p2_choice *out);
size_t prop_esp_key_len(int enc, int key_bits);
size_t prop_esp_auth_len(int auth);
const char *prop_esp_enc_name(int enc, int key_bits);
const char *prop_esp_auth_name(int auth);
/* ENCAPSULATION-MODE transport: 2, UDP-Transport 4 (RFC 3947) or 61444
 * (the NAT-T drafts' value). */
bool prop_transport_mode(uint16_t encap_mode);

#endif
