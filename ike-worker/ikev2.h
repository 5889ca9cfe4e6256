/* IKEv2 (RFC 7296) responder for remote-access clients: the wire
 * constants, the SK payload, proposal choice and the exchanges.  The
 * header and the generic payload header have the IKEv1 layout, so the
 * ISAKMP codec (isakmp.h: header, payload chain, builder) serves both.
 *
 * Files: ikev2_keys.c (derivation), ikev2_payloads.c (payload readers and
 * builders), ikev2_msg.c (dispatch), ikev2_sk.c (SK payload),
 * ikev2_proposal.c (SA payloads), ikev2_init.c (IKE_SA_INIT),
 * ikev2_auth.c (IKE_AUTH), ikev2_child.c (CP, TS, the child SA),
 * ikev2_rekey.c (CREATE_CHILD_SA of child SAs), ikev2_ike_rekey.c (of
 * the IKE SA), ikev2_info.c (INFORMATIONAL, our
 * Deletes, timers). */
#ifndef RAVPN_IKEV2_H
#define RAVPN_IKEV2_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf.h"
#include "isakmp.h"

#define V2_VERSION	0x20

enum v2_exchange { V2_IKE_SA_INIT = 34, V2_IKE_AUTH = 35, V2_CREATE_CHILD_SA = 36,
		   V2_INFORMATIONAL = 37 };
enum v2_flags { V2_F_INITIATOR = 0x08, V2_F_RESPONSE = 0x20 };

enum v2_payload_type {
	V2_PL_SA = 33, V2_PL_KE = 34, V2_PL_IDI = 35, V2_PL_IDR = 36, V2_PL_CERT = 37,
	V2_PL_CERTREQ = 38, V2_PL_AUTH = 39, V2_PL_NONCE = 40, V2_PL_NOTIFY = 41,
	V2_PL_DELETE = 42, V2_PL_VID = 43, V2_PL_TSI = 44, V2_PL_TSR = 45, V2_PL_SK = 46,
	V2_PL_CP = 47, V2_PL_EAP = 48, V2_PL_SKF = 53,
};

enum v2_notify {
	V2N_UNSUPPORTED_CRITICAL_PAYLOAD = 1, V2N_INVALID_SYNTAX = 7,
	V2N_NO_PROPOSAL_CHOSEN = 14, V2N_INVALID_KE_PAYLOAD = 17,
	V2N_AUTHENTICATION_FAILED = 24, V2N_TS_UNACCEPTABLE = 38,
	V2N_INTERNAL_ADDRESS_FAILURE = 36, V2N_FAILED_CP_REQUIRED = 37,
	V2N_NO_ADDITIONAL_SAS = 35, V2N_TEMPORARY_FAILURE = 43,
	V2N_CHILD_SA_NOT_FOUND = 44,
	V2N_INITIAL_CONTACT = 16384, V2N_NAT_DETECTION_SOURCE_IP = 16388,
	V2N_REKEY_SA = 16393,
	V2N_NAT_DETECTION_DESTINATION_IP = 16389, V2N_USE_TRANSPORT_MODE = 16391,
};
/* Notify types below this are errors (RFC 7296 3.10.1). */
#define V2N_ERROR_MAX	16383

enum v2_transform_type { V2_TF_ENCR = 1, V2_TF_PRF = 2, V2_TF_INTEG = 3, V2_TF_DH = 4,
			 V2_TF_ESN = 5 };
#define V2_ATTR_KEY_LENGTH	14
/* ESP encryption transform ids are the same numbers as enum esp_enc
 * (ipc.h), which took them from the IKEv2 registry. */

enum v2_id_type { V2_ID_IPV4_ADDR = 1, V2_ID_FQDN = 2, V2_ID_RFC822_ADDR = 3,
		  V2_ID_KEY_ID = 11 };
#define V2_AUTH_SHARED_KEY	2
enum v2_cfg_type { V2_CFG_REQUEST = 1, V2_CFG_REPLY = 2 };
enum v2_cfg_attr { V2_CA_IP4_ADDRESS = 1, V2_CA_IP4_NETMASK = 2, V2_CA_IP4_DNS = 3,
		   V2_CA_IP4_NBNS = 4, V2_CA_IP4_SUBNET = 13 };
#define V2_TS_IPV4_ADDR_RANGE	7
#define V2_NONCE_LEN		32
#define V2_MAX_TS		8

struct ike_sa;

/* ikev2_proposal.c */
struct v2_ike_choice {
	uint8_t prop_num;
	int encr, key_bits, prf, integ, dh;	/* transform ids; key_bits for AES */
	uint32_t lifetime;		/* the policy's, seconds */
	bool has_spi;			/* an IKE SA rekey's proposal: the new SPIi */
	uint8_t spi[8];
};
struct v2_esp_choice {
	uint8_t prop_num;
	uint32_t spi_out;		/* the client's inbound SPI, host order */
	int enc, key_bits, auth;	/* enum esp_enc / esp_auth */
	int dh;				/* PFS group of a CREATE_CHILD_SA; 0: none */
	uint32_t lifetime, lifetime_kb;	/* the matching dynamic map's (kilobytes 0: none;
					 * not applied, see ikev2_child.c) */
};
/* The first proposal of the client (its order wins, as strongSwan's
 * responder) that one `crypto ikev2 policy` accepts entirely; its DH group
 * is ke_group (the client's KE payload) when that one is acceptable. */
bool v2_select_ike(const uint8_t *sa_body, size_t len, const struct conf *c, int ke_group,
		   struct v2_ike_choice *out);
/* The same for an ESP SA against the proposals of every dynamic map;
 * ke_group: the KE payload's group of a CREATE_CHILD_SA (0: none), -1 for
 * the child of IKE_AUTH (DH transforms ignored). */
bool v2_select_esp(const uint8_t *sa_body, size_t len, const struct conf *c, int ke_group,
		   struct v2_esp_choice *out);
/* spi: the new IKE SA's SPI of an IKE SA rekey (8 bytes), else NULL */
void v2_build_ike_sa(struct v1_out *o, const struct v2_ike_choice *ch, const uint8_t *spi);
void v2_build_esp_sa(struct v1_out *o, const struct v2_esp_choice *ch, uint32_t spi_in);

/* ikev2_payloads.c: builders and readers without state */
/* Starts a message of ours: header with version 2 and flags. */
void v2_out_begin(struct v1_out *o, const uint8_t spi_i[8], const uint8_t spi_r[8],
		  uint8_t exch, uint8_t flags, uint32_t msgid);
/* A KE payload: DH group and our public value. */
void v2_out_ke(struct v1_out *o, int group, const uint8_t *pub, size_t len);
/* A Notify payload about the IKE SA (protocol 0, no SPI). */
void v2_out_notify(struct v1_out *o, uint16_t type, const void *data, size_t len);
/* The ID payload's text for logs and tunnel-group names: an address in
 * dotted form, names as they are (non-printable bytes become '?'). */
bool v2_id_text(const struct v1_payload *id, char *out, size_t cap);
/* Notify type of a Notify payload; 0 if malformed. */
uint16_t v2_notify_type(const struct v1_payload *n, const uint8_t **data, size_t *len);
const struct v1_payload *v2_find_notify(const struct v1_msg *m, uint16_t type);
/* A Delete payload of the IKE SA itself (protocol IKE). */
bool v2_deletes_ike_sa(const struct v1_payload *d);
/* The KE payload's DH group and public value. */
bool v2_read_ke(const struct v1_payload *ke, uint16_t *group, const uint8_t **gx, size_t *len);
struct v2_range {
	uint32_t lo, hi;		/* host order */
};
/* The IPv4 address ranges of a TS payload (other types are skipped), at
 * most max; -1 if malformed. */
int v2_read_ts(const struct v1_payload *p, struct v2_range *out, int max);

/* ikev2_msg.c: the dispatch of what arrives */
/* An unencrypted error answer to an IKE_SA_INIT request. */
void v2_send_init_error(const struct v1_msg *m, const struct sockaddr_in *to, bool on4500,
			uint16_t type, const void *data, size_t len);

/* ikev2_sk.c: the Encrypted payload (RFC 7296 3.14), AES-CBC + HMAC */
/* Checks the ICV and decrypts the SK payload of pkt in place; out gets the
 * header and the inner payloads.  False when forged or malformed. */
bool v2_sk_open(struct ike_sa *sa, uint8_t *pkt, size_t len, const struct v1_msg *hdr,
		struct v1_msg *out);
/* Begins a message with an SK payload; inner payloads follow with
 * v1_out_open/v1_out_payload. */
size_t v2_sk_begin(struct ike_sa *sa, struct v1_out *o, uint8_t exch, uint8_t flags,
		   uint32_t msgid);
/* Pads, encrypts, appends the ICV and sends; false if it did not fit. */
bool v2_sk_send(struct ike_sa *sa, struct v1_out *o, size_t sk_off);

/* The exchanges */
void v2_input(uint8_t *pkt, size_t len, const struct sockaddr_in *from, bool is4500);
void v2_init_request(const struct v1_msg *m, const uint8_t *pkt, size_t len,
		     const struct sockaddr_in *from, bool on4500);
void v2_auth_request(struct ike_sa *sa, const struct v1_msg *m);
struct ipc_v2_auth_ans;
void v2_auth_answer(uint32_t id, const struct ipc_v2_auth_ans *a);
/* The IKE_AUTH answer once the address is leased (modecfg.c's lease
 * answer calls it for IKEv2 SAs). */
void v2_auth_finish(struct ike_sa *sa);
/* Answers a pending IKE_AUTH request with an error notify (no AUTH). */
void v2_auth_refuse(struct ike_sa *sa, uint16_t notify);
void v2_info_request(struct ike_sa *sa, const struct v1_msg *m);
/* Sends o (SK payload at sk) as the answer to request m. */
void v2_respond(struct ike_sa *sa, const struct v1_msg *m, struct v1_out *o, size_t sk);
/* Answers request m with one Notify (an error, as a refusal). */
void v2_answer_notify(struct ike_sa *sa, const struct v1_msg *m, uint16_t notify,
		      const void *data, size_t len);
void v2_create_child_request(struct ike_sa *sa, const struct v1_msg *m);
/* ikev2_ike_rekey.c: CREATE_CHILD_SA for the IKE SA itself (1.3.2) */
void v2_ike_rekey(struct ike_sa *sa, const struct v1_msg *m);
/* The SA whose replaced IKE SA has these SPIs; NULL if none. */
struct ike_sa *v2_prev_owner(const uint8_t spi_i[8], const uint8_t spi_r[8]);
/* A request on the replaced IKE SA: its Delete (or anything) answered. */
void v2_prev_input(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len);
void v2_prev_tick(struct ike_sa *sa, long long now);
/* Our INFORMATIONAL deleting the IKE SA (and so its children). */
void v2_send_delete(struct ike_sa *sa);
/* Our empty INFORMATIONAL (a liveness check); a retry resends the last. */
void v2_send_liveness(struct ike_sa *sa, bool retry);
/* An authentic answer to one of our requests. */
void v2_response(struct ike_sa *sa, const struct v1_msg *m);
/* sa_end's notice to the client: a Delete when established, else the
 * pending IKE_AUTH answered with an error. */
void v2_end_notify(struct ike_sa *sa, const char *cause);
/* Half-open and session timers; true when sa was ended (freed). */
bool v2_tick(struct ike_sa *sa, long long now);

/* ikev2_child.c: the child SA of IKE_AUTH or of a CREATE_CHILD_SA */
/* Chooses the client's proposal (ke_group as for v2_select_esp) and
 * narrows its TS into sa->v2_esp, sa->v2_tsr and sa->v2_child (SPIs and
 * algorithms): false (with *notify set) when they cannot be met. */
bool v2_child_setup(struct ike_sa *sa, const struct v1_msg *req, int ke_group,
		    uint16_t *notify);
/* Its keys: KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr). */
bool v2_child_keys(struct ike_sa *sa, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
		   size_t ni_len, const uint8_t *nr, size_t nr_len);
/* The CP reply (IKE_AUTH), SA, TSi and TSr payloads. */
void v2_child_cp(struct ike_sa *sa, struct v1_out *o);
void v2_child_reply(struct ike_sa *sa, struct v1_out *o);
void v2_child_install(struct ike_sa *sa);
/* Children a rekey replaced, once their grace period ran out. */
void v2_child_retire(struct ike_sa *sa, long long now);

#endif
