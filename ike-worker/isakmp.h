/* ISAKMP (RFC 2408) message and payload codec for IKEv1: constants, the
 * parsed form of a message, and a builder.  Parsing only splits the
 * payload chain and checks every length; exchange files interpret the
 * bodies (with the same bounded reader). */
#ifndef RAVPN_ISAKMP_H
#define RAVPN_ISAKMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

#define ISAKMP_HDR_LEN	28
#define ISAKMP_VERSION	0x10
#define V1_MAX_PAYLOADS	32
#define V1_MAX_MSG	8192

enum v1_exchange {
	EXCH_MAIN = 2, EXCH_AGGRESSIVE = 4, EXCH_INFO = 5, EXCH_TRANSACTION = 6,
	EXCH_QUICK = 32,
};

enum v1_flags { FLAG_ENC = 1, FLAG_COMMIT = 2, FLAG_AUTH_ONLY = 4 };

enum v1_payload_type {
	PL_NONE = 0, PL_SA = 1, PL_PROPOSAL = 2, PL_TRANSFORM = 3, PL_KE = 4, PL_ID = 5,
	PL_CERT = 6, PL_CR = 7, PL_HASH = 8, PL_SIG = 9, PL_NONCE = 10, PL_NOTIFY = 11,
	PL_DELETE = 12, PL_VID = 13, PL_ATTR = 14, PL_NATD = 20, PL_NATD_DRAFT = 130,
};

enum v1_id_type {
	ID_IPV4_ADDR = 1, ID_FQDN = 2, ID_USER_FQDN = 3, ID_IPV4_ADDR_SUBNET = 4,
	ID_KEY_ID = 11,
};

enum v1_proto { PROTO_ISAKMP = 1, PROTO_ESP = 3 };

enum v1_notify {
	N_INVALID_PAYLOAD_TYPE = 1, N_INVALID_EXCHANGE_TYPE = 7, N_PAYLOAD_MALFORMED = 16,
	N_INVALID_KEY_INFORMATION = 17, N_INVALID_ID_INFORMATION = 18,
	N_AUTHENTICATION_FAILED = 24, N_NO_PROPOSAL_CHOSEN = 14,
	N_INITIAL_CONTACT = 24578, N_RESPONDER_LIFETIME = 24576,
	N_DPD_R_U_THERE = 36136, N_DPD_R_U_THERE_ACK = 36137,
};

/* Phase 1 transform attributes (RFC 2409 appendix A) */
enum v1_p1_attr {
	P1_ENC = 1, P1_HASH = 2, P1_AUTH = 3, P1_GROUP = 4, P1_LIFE_TYPE = 11,
	P1_LIFE_DURATION = 12, P1_KEY_LENGTH = 14,
};
#define AUTH_XAUTH_INIT_PSK	65001
#define AUTH_XAUTH_INIT_RSA	65005

/* Phase 2 (IPsec DOI, RFC 2407 4.5) attributes */
enum v1_p2_attr {
	P2_LIFE_TYPE = 1, P2_LIFE_DURATION = 2, P2_GROUP = 3, P2_ENCAP = 4, P2_AUTH = 5,
	P2_KEY_LENGTH = 6,
};
enum v1_encap { ENCAP_MODE_TUNNEL = 1, ENCAP_MODE_TRANSPORT = 2, ENCAP_MODE_UDP_TUNNEL = 3,
		ENCAP_MODE_UDP_TRANSPORT = 4, ENCAP_MODE_UDP_TUNNEL_DRAFT = 61443,
		ENCAP_MODE_UDP_TRANSPORT_DRAFT = 61444 };

/* Mode-config / XAUTH / Unity attributes */
enum v1_cfg_type { CFG_REQUEST = 1, CFG_REPLY = 2, CFG_SET = 3, CFG_ACK = 4 };
enum v1_cfg_attr {
	CA_IP4_ADDRESS = 1, CA_IP4_NETMASK = 2, CA_IP4_DNS = 3, CA_IP4_NBNS = 4,
	CA_APP_VERSION = 7,
	CA_XAUTH_TYPE = 16520, CA_XAUTH_USER_NAME = 16521, CA_XAUTH_USER_PASSWORD = 16522,
	CA_XAUTH_PASSCODE = 16523, CA_XAUTH_MESSAGE = 16524, CA_XAUTH_DOMAIN = 16526,
	CA_XAUTH_STATUS = 16527,
	CA_UNITY_BANNER = 28672, CA_UNITY_SAVE_PASSWD = 28673, CA_UNITY_DEF_DOMAIN = 28674,
	CA_UNITY_SPLIT_DNS = 28675, CA_UNITY_SPLIT_INCLUDE = 28676, CA_UNITY_NATT_PORT = 28677,
	CA_UNITY_LOCAL_LAN = 28678, CA_UNITY_PFS = 28679, CA_UNITY_FW_TYPE = 28680,
	CA_UNITY_BACKUP_SERVERS = 28681, CA_UNITY_DDNS_HOSTNAME = 28682,
};

struct v1_payload {
	uint8_t type;
	const uint8_t *raw;		/* generic header included */
	size_t raw_len;
	const uint8_t *body;		/* after the generic header */
	size_t len;
};

struct v1_msg {
	uint8_t icky[8], rcky[8];
	uint8_t first;			/* next payload in the header */
	uint8_t version, exch, flags;
	uint32_t msgid;
	uint32_t len;
	struct v1_payload pl[V1_MAX_PAYLOADS];
	int n;
};

/* One data attribute (RFC 2408 3.3): TV when the AF bit is set. */
struct v1_attr {
	uint16_t type;			/* without the AF bit */
	bool tv;
	const uint8_t *val;
	uint16_t len;
	uint32_t num;			/* TV value, or a variable value of <= 4 bytes */
};

/* The header of either IKE version (IKEv2 keeps the layout); the v1
 * variant also requires major version 1. */
bool isakmp_parse_header(const uint8_t *p, size_t len, struct v1_msg *m);
bool v1_parse_header(const uint8_t *p, size_t len, struct v1_msg *m);
/* Splits the payload chain of body (len bytes, first type `first`); trailing
 * bytes after the last payload (CBC padding) are allowed. */
bool v1_parse_payloads(struct v1_msg *m, const uint8_t *body, size_t len);
const struct v1_payload *v1_find(const struct v1_msg *m, uint8_t type, int nth);
/* Reads the next attribute from r; false at the end or on a bad one
 * (then rbuf_ok(r) is false). */
bool v1_next_attr(struct rbuf *r, struct v1_attr *a);

/* The builder: header, then payloads appended in order. */
struct v1_out {
	struct wbuf w;
	uint8_t buf[V1_MAX_MSG];
	size_t next_off;		/* where the next payload's type goes */
};

void v1_out_begin(struct v1_out *o, const uint8_t icky[8], const uint8_t rcky[8],
		  uint8_t exch, uint8_t flags, uint32_t msgid);
/* Opens a payload; returns its offset for v1_out_close. */
size_t v1_out_open(struct v1_out *o, uint8_t type);
void v1_out_close(struct v1_out *o, size_t start);
void v1_out_payload(struct v1_out *o, uint8_t type, const void *body, size_t len);
/* TV attribute, or TLV attribute. */
void v1_out_attr16(struct v1_out *o, uint16_t type, uint16_t val);
void v1_out_attr_var(struct v1_out *o, uint16_t type, const void *val, uint16_t len);
/* Writes the total length into the header. */
void v1_out_finish(struct v1_out *o);

#endif
