/* The configuration: an ASA-style text file, parsed strictly.
 *
 * One parser (conf.c) serves master (the file), every child (the text
 * master sends it, with secrets redacted for the child's role), `ravpnd -t`
 * and the tests.  An unknown or invalid line is an error naming
 * file:line:column and what was expected.  Seed 001's IOS spellings
 * (`crypto isakmp policy`, `crypto ipsec transform-set`) are aliases.
 *
 * Addresses are stored in network byte order (as in struct in_addr). */
#ifndef RAVPN_CONF_H
#define RAVPN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_NAME	64
#define CONF_ERR	512

struct conf_iface {
	char name[32];			/* interface gw0 */
	char nameif[32];		/*  nameif outside */
	uint32_t addr, mask;		/*  ip address A M */
	int security_level;		/*  security-level N (0..100), default 0 */
	bool shutdown;			/*  shutdown / no shutdown (default up) */
};

struct conf_pool {			/* ip local pool NAME A-B mask M */
	char name[32];
	uint32_t first, last, mask;
};

struct conf_user {			/* username NAME password HASH */
	char name[CONF_NAME];
	char hash[128];			/* argon2id string from libsodium */
	int privilege;			/* [privilege N] 0..15, default 2 (ASA) */
};

/* IKEv1 attribute values (RFC 2409 appendix A) */
enum ike_auth { IKE_AUTH_PSK = 1, IKE_AUTH_RSA_SIG = 3 };
enum ike_enc { IKE_ENC_DES = 1, IKE_ENC_3DES = 5, IKE_ENC_AES = 7 };
enum ike_hash { IKE_HASH_MD5 = 1, IKE_HASH_SHA1 = 2, IKE_HASH_SHA256 = 4,
		IKE_HASH_SHA384 = 5, IKE_HASH_SHA512 = 6 };

/* ESP authentication values of RFC 4868 (the same numbers as lib/ipc.h's
 * ESP_AUTH_HMAC_SHA256/384/512; the ESP worker supports them). */
enum conf_esp_auth_sha2 { CONF_ESP_AUTH_HMAC_SHA256 = 5, CONF_ESP_AUTH_HMAC_SHA384 = 6,
			  CONF_ESP_AUTH_HMAC_SHA512 = 7 };

#define CONF_MAX_POLICIES	20	/* ASA limit per configuration */

struct conf_isakmp_policy {		/* crypto ikev1 policy N */
	int priority;
	int auth;			/* enum ike_auth, default pre-share */
	int enc;			/* enum ike_enc, default 3des (ASA) */
	int key_bits;			/* AES: 128/192/256; else 0 */
	int hash;			/* enum ike_hash, default sha */
	int group;			/* DH group, default 2 */
	uint32_t lifetime;		/* seconds, default 86400 */
};

struct conf_transform_set {		/* crypto ipsec ikev1 transform-set NAME ... */
	char name[CONF_NAME];
	int enc;			/* enum esp_enc (ipc.h values) */
	int key_bits;			/* AES and AES-GCM: 128/192/256; else 0 */
	int auth;			/* enum esp_auth (ipc.h values); ESP_AUTH_NONE for AEAD */
	bool transport;			/* mode transport (default tunnel) */
};

/* IKEv2 (RFC 7296) transform ids, IANA "Transform Type" registries: what
 * `crypto ikev2 policy` lines store, so the IKE worker offers and matches
 * them as they are.  Lists keep the order of the line (the offer order);
 * after parsing every list has at least one entry (lib/conf_ikev2.c). */
enum ikev2_encr { V2_ENCR_3DES = 3, V2_ENCR_AES_CBC = 12, V2_ENCR_AES_GCM_16 = 20 };
enum ikev2_prf { V2_PRF_HMAC_SHA1 = 2, V2_PRF_HMAC_SHA2_256 = 5, V2_PRF_HMAC_SHA2_384 = 6,
		 V2_PRF_HMAC_SHA2_512 = 7 };
/* V2_AUTH_NONE (IANA "NONE"): `integrity null`, allowed only when every
 * encryption of the policy is AES-GCM (an AEAD cipher offers no integrity
 * transform, RFC 5282 section 8). */
enum ikev2_integ { V2_AUTH_NONE = 0, V2_AUTH_HMAC_SHA1_96 = 2, V2_AUTH_HMAC_SHA2_256_128 = 12,
		   V2_AUTH_HMAC_SHA2_384_192 = 13, V2_AUTH_HMAC_SHA2_512_256 = 14 };

#define CONF_V2_ALGS	6

struct conf_ikev2_policy {		/* crypto ikev2 policy N */
	int priority;
	int encs[CONF_V2_ALGS];		/*  encryption aes aes-256 ...: enum ikev2_encr */
	int enc_bits[CONF_V2_ALGS];	/*    key bits per entry (AES: 128/192/256; 3DES: 0) */
	int n_encs;			/*    default: aes-256 */
	int integs[CONF_V2_ALGS];	/*  integrity sha256 ...: enum ikev2_integ */
	int n_integs;			/*    default: sha256; null when every cipher is AES-GCM */
	int prfs[CONF_V2_ALGS];		/*  prf sha256 ...: enum ikev2_prf */
	int n_prfs;			/*    default: the integrity algorithms' hashes
					 *    (null: sha256), each once */
	int groups[CONF_V2_ALGS];	/*  group 14 19 ...: DH groups */
	int n_groups;			/*    default: 14 */
	uint32_t lifetime;		/*  lifetime seconds N, default 86400 */
};

struct conf_ipsec_proposal {		/* crypto ipsec ikev2 ipsec-proposal NAME */
	char name[CONF_NAME];
	int encs[CONF_V2_ALGS];		/*  protocol esp encryption ...: enum esp_enc (ipc.h) */
	int enc_bits[CONF_V2_ALGS];	/*    AES, AES-GCM: 128/192/256; else 0 */
	int n_encs;			/*    at least 1 */
	int integs[CONF_V2_ALGS];	/*  protocol esp integrity ...: enum esp_auth (ipc.h);
					 *    null = ESP_AUTH_NONE.  Not given: {ESP_AUTH_NONE}
					 *    when every cipher is AEAD (else an error) */
	int n_integs;			/*    at least 1 */
};

struct conf_dynamic_map {		/* crypto dynamic-map NAME SEQ set ikev1 transform-set T1 [T2..] */
	char name[CONF_NAME];
	int seq;
	char tsets[6][CONF_NAME];
	int n_tsets;
	char v2_props[6][CONF_NAME];	/* set ikev2 ipsec-proposal P1 [P2..] */
	int n_v2_props;
	int pfs_group;			/* set pfs [groupN]; 0 = no PFS (default) */
	uint32_t sa_lifetime_sec;	/* set security-association lifetime seconds N; default 28800 */
	uint32_t sa_lifetime_kb;	/*   ... kilobytes N|unlimited(0); default 4608000 */
	uint8_t sa_lifetime_set;	/* CONF_LIFE_SEC | CONF_LIFE_KB: set on this entry (else the
					 * global value); read through conf_p2_lifetime_sec/_kb() */
};

struct conf_crypto_map {		/* crypto map NAME SEQ ipsec-isakmp dynamic DYN */
	char name[CONF_NAME];
	int seq;
	char dynamic[CONF_NAME];
	/* A static (LAN-to-LAN) entry: dynamic is empty (lib/conf_l2l.c).
	 * p2 holds its set ikev1 transform-set / set pfs / set
	 * security-association lifetime, the same fields a dynamic map has. */
	char acl[CONF_NAME];		/* match address ACL */
	uint32_t peer;			/* set peer A, network order; 0 = none */
	struct conf_dynamic_map p2;
};

struct conf_acl {			/* access-list NAME standard permit A M | host A | any */
	char name[CONF_NAME];
	uint32_t net, mask;
	/* access-list NAME extended permit ip SRC DST (crypto ACLs): net/mask
	 * is the source, dst_net/dst_mask the destination */
	bool extended;
	uint32_t dst_net, dst_mask;
};

enum split_policy { SPLIT_TUNNELALL = 0, SPLIT_SPECIFIED, SPLIT_EXCLUDE };

struct conf_group_policy {		/* group-policy NAME internal / attributes */
	char name[CONF_NAME];
	uint32_t dns[2];
	int n_dns;
	uint32_t wins[2];		/* wins-server value A [B] */
	int n_wins;
	char domain[128];		/* default-domain value D */
	int split_policy;		/* enum split_policy */
	char split_acl[CONF_NAME];	/* split-tunnel-network-list value ACL */
	char banner[512];		/* banner value ...; several lines joined by \n */
	int vpn_protocols;		/* vpn-tunnel-protocol: mask of CONF_PROTO_*; 0 = not set */
	bool has_simultaneous;		/* vpn-simultaneous-logins N (ASA default 3) */
	uint32_t simultaneous_logins;
	uint32_t session_timeout;	/* vpn-session-timeout N|none: seconds, 0 = none */
	/* vpn-idle-timeout MINUTES|none, or (ravpn, for tests) seconds N */
	bool has_idle_timeout;
	uint32_t idle_timeout;		/* seconds, 0 = none */
};

/* The policy's vpn-simultaneous-logins, or the ASA default of 3. */
uint32_t conf_simultaneous_logins(const struct conf_group_policy *g);
/* The policy's vpn-idle-timeout in seconds (0 = none), or the ASA
 * default of 30 minutes. */
uint32_t conf_idle_timeout(const struct conf_group_policy *g);

enum conf_vpn_proto { CONF_PROTO_IKEV1 = 1, CONF_PROTO_IKEV2 = 2, CONF_PROTO_L2TP = 4,
		      CONF_PROTO_SSL_CLIENT = 8, CONF_PROTO_SSL_CLIENTLESS = 16 };

struct conf_aaa_host {			/* aaa-server NAME (IF) host A / key K */
	uint32_t addr;
	char key[128];
	char nameif[32];		/* (IF); empty when not given */
	uint16_t auth_port;		/*  authentication-port N, default 1645 (ASA) */
	uint16_t acct_port;		/*  accounting-port N, default 1646 (ASA) */
	int timeout;			/*  timeout N seconds (1..300), default 10 */
	int retry_interval;		/*  retry-interval N seconds (1..10), default 10 */
	/*  message-authenticator require (ravpn, BlastRADIUS): Access-Accept/
	 *  Reject/Challenge without a Message-Authenticator are dropped */
	bool msg_auth_require;
};

struct conf_aaa_server {		/* aaa-server NAME protocol radius */
	char name[CONF_NAME];
	struct conf_aaa_host hosts[4];
	int n_hosts;
	int dead_time;			/*  dead-time N minutes (0..1440), default 10 */
	int max_failed;			/*  max-failed-attempts N (1..5), default 3 */
	/*  interim-accounting-update [periodic [HOURS]] | seconds N (ravpn):
	 *  seconds between Interim-Updates; 0 = none (the default) */
	uint32_t interim_secs;
	bool dae;			/*  dynamic-authorization [port N]: RFC 5176 */
	uint16_t dae_port;		/*  default 3799 */
};

struct conf_tunnel_group {		/* tunnel-group NAME type remote-access */
	char name[CONF_NAME];
	char pools[4][32];		/* general-attributes address-pool P1 [P2..] */
	int n_pools;
	char auth_server_group[CONF_NAME];	/* default LOCAL */
	char acct_server_group[CONF_NAME];	/* accounting-server-group G; empty = none */
	char default_policy[CONF_NAME];	/* default DfltGrpPolicy */
	char psk[128];			/* ipsec-attributes ikev1 pre-shared-key K */
	bool has_psk;
	/* ipsec-attributes isakmp keepalive threshold N retry M | disable:
	 * DPD after N idle seconds, then every M seconds, 0 = disabled */
	uint32_t dpd_threshold;		/* default 300 (ASA remote access) */
	uint32_t dpd_retry;		/* default 2 */
	bool l2l;			/* type ipsec-l2l: a LAN-to-LAN peer, no XAUTH */
	char trustpoint[CONF_NAME];	/* ipsec-attributes ikev1 trust-point TP; empty = none */
	/* ipsec-attributes ikev2 remote-authentication pre-shared-key K (checks
	 * the client's AUTH) and ikev2 local-authentication pre-shared-key K
	 * (our AUTH; the remote key when not given) */
	char v2_psk_remote[128];
	bool has_v2_psk_remote;
	char v2_psk_local[128];
	bool has_v2_psk_local;
};

/* crypto ca trustpoint NAME (lib/conf_pki.c): PEM files, since a text
 * config cannot enroll.  Master reads them; the key never leaves master. */
enum conf_revocation { CONF_REVOKE_NONE = 0, CONF_REVOKE_CRL = 1 };
#define CONF_PATH	256

struct conf_trustpoint {
	char name[CONF_NAME];
	char ca_file[CONF_PATH];	/*  ca-certificate file PATH (the CA chain) */
	char cert_file[CONF_PATH];	/*  certificate file PATH (ours) */
	char key_file[CONF_PATH];	/*  key file PATH (ours) */
	char crl_file[CONF_PATH];	/*  crl file PATH */
	int revocation;			/*  revocation-check crl|none (enum conf_revocation) */
};

/* crypto ca certificate map NAME SEQ, one line of it:
 *  subject-name|issuer-name [attr ATTR] eq|ne|co|nc VALUE
 * (values compare case-insensitively, as the ASA's) */
/* CM_HEADER: the `crypto ca certificate map NAME SEQ` line itself */
enum conf_cm_field { CM_HEADER = -1, CM_SUBJECT = 0, CM_ISSUER = 1 };
enum conf_cm_op { CM_EQ = 0, CM_NE, CM_CO, CM_NC };

struct conf_certmap_rule {
	char map[CONF_NAME];
	int seq;
	int field;			/* enum conf_cm_field */
	char attr[16];			/* "cn", "ou", ... lower case; empty = the whole DN */
	int op;				/* enum conf_cm_op */
	char value[128];
};

/* tunnel-group-map MAP SEQ TUNNEL-GROUP */
struct conf_tg_map {
	char map[CONF_NAME];
	int seq;
	char tunnel_group[CONF_NAME];
};

/* tunnel-group-map enable rules|ou|ike-id|peer-ip, a mask; 0 (none given)
 * means rules + ou + ike-id + peer-ip */
enum conf_tgm_enable { TGM_RULES = 1, TGM_OU = 2, TGM_IKE_ID = 4, TGM_PEER_IP = 8 };

/* Where a secret token sits in the text, so it can be redacted. */
enum conf_secret_kind { SECRET_PSK = 1, SECRET_PASSWORD_HASH = 2, SECRET_AAA_KEY = 4 };

struct conf_secret_span {
	int kind;
	size_t offset;			/* byte offset in the text */
	size_t len;
};

struct conf {
	struct conf_iface *ifaces;		int n_ifaces;
	struct conf_pool *pools;		int n_pools;
	struct conf_user *users;		int n_users;
	struct conf_isakmp_policy *policies;	int n_policies;	/* sorted by priority */
	struct conf_transform_set *tsets;	int n_tsets;
	struct conf_dynamic_map *dynmaps;	int n_dynmaps;	/* sorted by name, seq */
	struct conf_crypto_map *cmaps;		int n_cmaps;
	struct conf_acl *acls;			int n_acls;	/* in file order */
	struct conf_group_policy *gpolicies;	int n_gpolicies;
	struct conf_aaa_server *aaa;		int n_aaa;
	struct conf_tunnel_group *tgroups;	int n_tgroups;
	struct conf_secret_span *secrets;	int n_secrets;
	char cmap_iface_map[CONF_NAME];		/* crypto map NAME interface IF */
	char cmap_iface[32];			/*   (nameif) */
	char ikev1_enable[32];			/* crypto ikev1 enable IF (nameif) */
	char ikev2_enable[32];			/* crypto ikev2 enable IF (nameif) */
	struct conf_ikev2_policy *v2policies;	int n_v2policies;	/* sorted by priority */
	struct conf_ipsec_proposal *v2props;	int n_v2props;
	int natt_keepalive;			/* crypto isakmp nat-traversal N (0 = off) */
	int replay_window;			/* crypto ipsec security-association replay window-size N
						 * (64..1024); -1: replay disable; 0: not configured.
						 * Read it through conf_replay_window(). */
	bool am_disable;			/* crypto ikev1 am-disable */
	int esp_workers;			/* crypto engine workers N (1..16); 0: not
						 * configured, one per CPU (master decides) */
	char hostname[CONF_NAME];		/* hostname X */
	/* crypto ipsec security-association lifetime seconds N | kilobytes N|unlimited
	 * (global; a map entry's own value wins); bits CONF_LIFE_* say which were given */
	uint32_t ipsec_lifetime_sec;
	uint32_t ipsec_lifetime_kb;		/* 0: unlimited */
	uint8_t ipsec_lifetime_set;
	/* lib/conf_pki.c */
	struct conf_trustpoint *trustpoints;	int n_trustpoints;
	struct conf_certmap_rule *cm_rules;	int n_cm_rules;	/* in file order */
	struct conf_tg_map *tg_maps;		int n_tg_maps;	/* in file order */
	int tgm_enable;				/* enum conf_tgm_enable mask */
	char tgm_default[CONF_NAME];		/* tunnel-group-map default-group TG */
	bool offload_disable;			/* crypto engine offload disable (ravpn):
						 * no TUN TSO, UDP GSO or GRO */
	int rx_usecs;				/* crypto engine rx-usecs N (ravpn): 1..1000;
						 * -1: 0 (off); 0: not configured.
						 * Read it through conf_rx_usecs(). */
};

#define CONF_LIFE_SEC	1
#define CONF_LIFE_KB	2

/* Parses text (len bytes) named fname in messages.  On error returns false
 * and writes "fname:line:col: message" to err.  *out is valid (and must be
 * conf_free'd) only on success. */
bool conf_parse_text(const char *text, size_t len, const char *fname,
		     struct conf *out, char *err, size_t errlen);
bool conf_parse_file(const char *path, struct conf *out, char *err, size_t errlen);
void conf_free(struct conf *c);

/* Returns a malloc'd copy of text with every secret of the given kinds
 * (a mask of enum conf_secret_kind) overwritten by '*' characters of the
 * same length, so the copy still parses and columns stay. */
char *conf_redact(const char *text, size_t len, const struct conf *c, int kinds);

/* Lookups by name (exact, case-sensitive); NULL when absent. */
const struct conf_tunnel_group *conf_tunnel_group(const struct conf *c, const char *name);
const struct conf_group_policy *conf_group_policy(const struct conf *c, const char *name);
const struct conf_pool *conf_pool(const struct conf *c, const char *name);
const struct conf_transform_set *conf_transform_set(const struct conf *c, const char *name);
const struct conf_user *conf_user(const struct conf *c, const char *name);
const struct conf_iface *conf_iface_by_nameif(const struct conf *c, const char *nameif);
const struct conf_aaa_server *conf_aaa_server(const struct conf *c, const char *name);
const struct conf_dynamic_map *conf_dynamic_map(const struct conf *c, const char *name, int seq);
/* Walks the entries of access-list name in file order: pass NULL first,
 * then the previous result; NULL at the end. */
const struct conf_acl *conf_acl_next(const struct conf *c, const char *name,
				     const struct conf_acl *prev);
const struct conf_trustpoint *conf_trustpoint(const struct conf *c, const char *name);
const struct conf_ipsec_proposal *conf_ipsec_proposal(const struct conf *c, const char *name);
/* The address IKE listens on: the interface named by `crypto ikev1 enable`,
 * else by `crypto ikev2 enable`. */
uint32_t conf_outside_addr(const struct conf *c);
/* The inbound anti-replay window for new SAs (ipc_sa_add.replay_window):
 * the configured size, 64 when not configured, 0 when disabled. */
uint32_t conf_replay_window(const struct conf *c);
/* The ESP workers' receive moderation wait in microseconds (0: off). */
#define CONF_RX_USECS_DEFAULT	100
unsigned conf_rx_usecs(const struct conf *c);

/* Weak algorithms configured (DES, DH group 1, MD5, esp-null, esp-none;
 * in IKEv2 objects also 3DES and DH groups 2 and 5):
 * writes up to max lines "object: reason" to out, returns how many there
 * are (may exceed max).  Master logs them at start and reload (conf_weak.c). */
#define CONF_WEAK_LEN	160
int conf_weak_algorithms(const struct conf *c, char (*out)[CONF_WEAK_LEN], int max);

/* LAN-to-LAN (lib/conf_l2l.c): static crypto map entries. */
/* The complete static entry (ACL and peer) whose peer is addr; NULL if none. */
const struct conf_crypto_map *conf_l2l_by_peer(const struct conf *c, uint32_t addr);
/* The complete static entry whose ACL permits src -> dst (src 0: any), and
 * that ACL line in *acl; NULL if none.  Network order. */
const struct conf_crypto_map *conf_l2l_by_traffic(const struct conf *c, uint32_t src,
						  uint32_t dst, const struct conf_acl **acl);
/* The ACL line of entry m that contains the selectors local -> remote
 * (a subset of, or equal to, a permitted pair); NULL when they are wider
 * than every line (a superset is refused, as the seeds require). */
const struct conf_acl *conf_l2l_acl_covering(const struct conf *c, const struct conf_crypto_map *m,
					     uint32_t lnet, uint32_t lmask, uint32_t rnet,
					     uint32_t rmask);
/* Phase 2 lifetime of map entry d (NULL: none matched): the entry's own
 * `set security-association lifetime`, else the global one, else the
 * defaults 28800 s / 4608000 KB.  Kilobytes 0 = unlimited. */
uint32_t conf_p2_lifetime_sec(const struct conf *c, const struct conf_dynamic_map *d);
uint32_t conf_p2_lifetime_kb(const struct conf *c, const struct conf_dynamic_map *d);

#endif
