/* The one IPC vocabulary of ravpn.
 *
 * Every message between two ravpn processes (and between ravpnctl and
 * master) is declared here: a fixed header, then a payload struct of
 * exactly the size the table in ipc.c gives for its type.  Only
 * IPC_CONFIG carries variable-length data.  No pointers cross a socket.
 * Channels are SOCK_SEQPACKET socketpairs; fds travel with SCM_RIGHTS.
 * A receiver that gets an unknown or mis-sized message logs it and drops
 * the channel (ipc_recv returns IPC_BROKEN).
 *
 * Naming: IPC_<REQUEST> / IPC_<REQUEST>_ANS pairs share the header id,
 * chosen by the requester, so answers can arrive in any order. */
#ifndef RAVPN_IPC_H
#define RAVPN_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum proc_role {
	ROLE_MASTER = 0,
	ROLE_IKE,
	ROLE_ESP,
	ROLE_AUTHD,
	ROLE_POOLD,
	ROLE_DB,
	ROLE_CTL,
	ROLE_MAX
};

const char *role_name(enum proc_role r);

/* Message types, grouped by channel and direction. */
enum ipc_type {
	IPC_NONE = 0,

	/* master -> every child: start-up and wiring */
	IPC_CONFIG,		/* text of the config (secrets redacted per role) */
	IPC_FD,			/* struct ipc_fd + one fd */
	IPC_CHANNEL,		/* struct ipc_channel + one fd: a channel to a peer */
	IPC_START,		/* struct ipc_start: everything was sent, begin */

	/* any child -> master */
	IPC_PEER_BROKEN,	/* struct ipc_peer: a peer sent garbage; master restarts it */

	/* ike -> master: secret operations (the IKE worker never holds a PSK) */
	IPC_SKEYID,		/* struct ipc_skeyid */
	IPC_SKEYID_ANS,		/* struct ipc_skeyid_ans */

	/* master -> ike: operator commands and shutdown */
	IPC_LOGOFF,		/* struct ipc_logoff */
	IPC_LOGOFF_ANS,		/* struct ipc_logoff_ans */
	IPC_SHUTDOWN,		/* struct ipc_shutdown */
	IPC_SHUTDOWN_ANS,	/* struct ipc_shutdown (echo) */

	/* ike <-> authd */
	IPC_AUTH,		/* struct ipc_auth */
	IPC_AUTH_ANS,		/* struct ipc_auth_ans */

	/* ike <-> poold */
	IPC_LEASE,		/* struct ipc_lease */
	IPC_LEASE_ANS,		/* struct ipc_lease_ans */
	IPC_LEASE_FREE,		/* struct ipc_lease_free */

	/* ike -> esp */
	IPC_SA_ADD,		/* struct ipc_sa_add */
	IPC_SA_DEL,		/* struct ipc_sa_del */
	IPC_SA_SEQ,		/* esp -> ike: struct ipc_sa_seq, every few seconds */

	/* anyone -> db: events; db never answers */
	IPC_DB_SESSION_NEW,	/* struct ipc_db_session_new */
	IPC_DB_SESSION_UPD,	/* struct ipc_db_session_upd */
	IPC_DB_SESSION_END,	/* struct ipc_db_session_end */
	IPC_DB_END_ALL,		/* struct ipc_db_end_all */
	IPC_DB_IKE_SA,		/* struct ipc_db_ike_sa */
	IPC_DB_CHILD_SA,	/* struct ipc_db_child_sa */
	IPC_DB_COUNTERS,	/* struct ipc_db_counters */
	IPC_DB_LEASE,		/* struct ipc_db_lease */
	IPC_DB_AAA_STATS,	/* struct ipc_db_aaa_stats */
	IPC_DB_WORKER_STATS,	/* struct ipc_db_worker_stats */

	/* ravpnctl <-> master, over the control socket */
	IPC_CTL,		/* struct ipc_ctl */
	IPC_CTL_ANS,		/* struct ipc_ctl_ans */

	/* db <-> authd: the accounting spool (db is the state of record) */
	IPC_ACCT_SEND,		/* struct ipc_acct_send: db -> authd, one record */
	IPC_ACCT_DONE,		/* struct ipc_acct_done: authd -> db, answered */

	/* esp -> ike: an SA reached its soft or hard byte (or sequence) limit */
	IPC_SA_EXPIRE,		/* struct ipc_sa_expire */

	/* ike -> db: a session's authorization and timers (at login, on CoA) */
	IPC_DB_SESSION_AUTHZ,	/* struct ipc_db_session_authz */

	/* esp -> ike: a TUN packet for a LAN-to-LAN destination found no SA */
	IPC_ACQUIRE,		/* struct ipc_acquire */

	/* ike -> master: sign with a trustpoint's private key (never in ike) */
	IPC_SIGN,		/* struct ipc_sign */
	IPC_SIGN_ANS,		/* struct ipc_sign_ans */

	/* esp -> master: a transport-mode peer gained or lost its route */
	IPC_TRANSPORT_ROUTE,	/* struct ipc_transport_route */

	/* ike -> master: IKEv2 pre-shared-key AUTH values (the key stays in master) */
	IPC_V2_AUTH,		/* struct ipc_v2_auth */
	IPC_V2_AUTH_ANS,	/* struct ipc_v2_auth_ans */

	IPC_TYPE_MAX
};

struct ipc_hdr {
	uint16_t type;
	uint16_t reserved;
	uint32_t id;		/* request id, echoed by the answer */
	uint32_t len;		/* payload bytes after the header */
};

#define IPC_CONFIG_MAX	(192 * 1024)
#define IPC_MSG_MAX	(sizeof(struct ipc_hdr) + IPC_CONFIG_MAX)

#define NAME_LEN	64	/* user, group, tunnel-group, policy names */
#define POOL_LEN	32
#define CAUSE_LEN	16

/* ---- start-up ---- */
enum ipc_fd_kind {
	FD_UDP500 = 1,		/* IKE: UDP 500 on the outside address */
	FD_UDP4500,		/* IKE or ESP: this process's member of the 4500 group */
	FD_TUN,			/* ESP: this worker's TUN queue */
	FD_RAW_ESP,		/* ESP: raw IP protocol 50 socket with SPI filter */
	FD_DAE,			/* authd: RADIUS dynamic authorization (later) */
	FD_KEYLOG,		/* ike: --keylog file for tshark (debugging) */
	FD_PKI,			/* ike: the trustpoints' public PEM files (master/sign.c) */
};

struct ipc_fd {
	uint32_t kind;		/* enum ipc_fd_kind */
};

struct ipc_channel {
	uint8_t peer_role;	/* enum proc_role */
	uint8_t peer_index;	/* which worker of that role */
	uint8_t pad[2];
};

struct ipc_peer {
	uint8_t role;		/* enum proc_role of the broken peer */
	uint8_t index;
	uint8_t pad[2];
};

struct ipc_start {
	uint8_t index;		/* this worker's index within its role */
	uint8_t n_ike;
	uint8_t n_esp;
	uint8_t pad;
	uint32_t outside_addr;	/* network byte order */
};

/* ---- secret operations ---- */
struct ipc_skeyid {
	char group[NAME_LEN];	/* tunnel-group whose PSK is the key */
	uint8_t prf;		/* IKEv1 hash attribute value (1 MD5, 2 SHA1, 4 SHA2-256...) */
	uint8_t pad;
	uint16_t ni_len;
	uint16_t nr_len;
	uint8_t pad2[2];
	uint8_t ni[256];
	uint8_t nr[256];
};

struct ipc_skeyid_ans {
	int32_t status;		/* 0 ok, -1 no such group / no PSK */
	uint32_t len;
	uint8_t skeyid[64];
};

/* RSA signature (PKCS #1 v1.5 padding over the raw hash, no DigestInfo,
 * as IKEv1 signs HASH_I/HASH_R) with the key of trustpoint `trustpoint`. */
struct ipc_sign {
	char trustpoint[NAME_LEN];
	uint32_t len;		/* bytes of data */
	uint32_t pad;
	uint8_t data[64];	/* the hash to sign */
};

/* FD_PKI: a read-only memory file of records, each
 *   u8 part (enum pki_part), u8 name length, trustpoint name,
 *   u32 length (network order), that many bytes of PEM text;
 * master writes one record per configured file it could read. */
enum pki_part { PKI_CA = 1, PKI_CERT = 2, PKI_CRL = 3 };
#define PKI_BUNDLE_MAX	(1u << 20)

struct ipc_sign_ans {
	int32_t status;		/* 0 ok, -1 no such trustpoint / no key / failure */
	uint32_t len;
	uint8_t sig[512];	/* up to RSA-4096 */
};

/* IKEv2 pre-shared-key authentication (RFC 7296 2.15): master answers
 * prf(prf(K, "Key Pad for IKEv2"), octets) for the client's signed octets
 * with the tunnel-group's remote key, and for ours with its local key.
 * The octets are a whole IKE_SA_INIT message, a nonce and a prf output. */
#define IPC_V2_OCTETS_MAX	(8192 + 256 + 64)

struct ipc_v2_auth {
	char group[NAME_LEN];	/* tunnel-group whose ikev2 keys sign */
	uint8_t prf;		/* IKEv2 prf transform id (2 SHA1, 5/6/7 SHA2-256/384/512) */
	uint8_t pad[3];
	uint32_t i_len, r_len;
	uint8_t i_octets[IPC_V2_OCTETS_MAX];	/* InitiatorSignedOctets */
	uint8_t r_octets[IPC_V2_OCTETS_MAX];	/* ResponderSignedOctets */
};

struct ipc_v2_auth_ans {
	int32_t status;		/* 0 ok, -1 no such group / no ikev2 key / bad request */
	uint32_t len;		/* bytes of each AUTH value */
	uint8_t auth_i[64];	/* what the client's AUTH must be */
	uint8_t auth_r[64];	/* ours */
};

/* ---- operator commands ---- */
enum logoff_by { LOGOFF_SID = 1, LOGOFF_NAME, LOGOFF_ALL, LOGOFF_ADDR,
		 /* clear crypto sa peer A: the IPsec SAs of peer addr, IKE SA kept;
		  * clear crypto isakmp sa [A]: the IKE SAs of peer addr (0 = all) */
		 LOGOFF_PEER_IPSEC, LOGOFF_PEER_ISAKMP };

/* From master (operator) or authd (RFC 5176 Disconnect-Request); the
 * answer goes back to the sender. */
struct ipc_logoff {
	uint32_t by;		/* enum logoff_by */
	uint32_t pad;
	uint64_t sid;
	char user[NAME_LEN];
	char cause[CAUSE_LEN];
	uint32_t addr;		/* LOGOFF_ADDR: assigned address, network order */
	uint32_t pad2;
	/* coa 1 (authd, RFC 5176 CoA-Request): the matched sessions are not
	 * ended; a has_* timeout becomes its value in seconds from now (0 =
	 * none).  The answer's count is the sessions changed. */
	uint8_t coa;
	uint8_t has_session_timeout;
	uint8_t has_idle_timeout;
	uint8_t pad3[5];
	uint32_t session_timeout;
	uint32_t idle_timeout;
};

struct ipc_logoff_ans {
	uint32_t count;		/* sessions ended */
	uint32_t pad;
};

struct ipc_shutdown {
	char cause[CAUSE_LEN];
};

/* ---- authentication ---- */
/* The longest RADIUS State attribute carried (an attribute holds 253). */
#define IPC_RADIUS_STATE_MAX	128

struct ipc_auth {
	uint64_t sid;
	char user[NAME_LEN];
	char pass[128];
	char tunnel_group[NAME_LEN];
	char server_group[NAME_LEN];	/* "LOCAL" or an aaa-server group */
	uint32_t peer_addr;		/* network byte order */
	uint16_t peer_port;
	uint8_t pad[2];
	/* The answer to an Access-Challenge: its State, echoed (0: none). */
	uint16_t state_len;
	uint8_t pad2[6];
	uint8_t state[IPC_RADIUS_STATE_MAX];
};

/* AUTH_CHALLENGE: RADIUS Access-Challenge; message is the prompt, state
 * goes back with the user's answer in the next ipc_auth. */
enum auth_result { AUTH_OK = 0, AUTH_REJECT = 1, AUTH_ERROR = 2, AUTH_CHALLENGE = 3 };

struct ipc_auth_ans {
	uint64_t sid;
	int32_t result;			/* enum auth_result */
	uint32_t pad;
	char message[128];		/* reason or Reply-Message (shown to the client) */
	/* Authorization from RADIUS (zero / empty when absent or LOCAL): */
	uint32_t framed_addr;		/* Framed-IP-Address, network order */
	uint32_t framed_mask;		/* Framed-IP-Netmask, network order */
	uint32_t session_timeout;	/* seconds */
	uint32_t idle_timeout;		/* seconds */
	char framed_pool[POOL_LEN];	/* Framed-Pool */
	char group_policy[NAME_LEN];	/* from Class "OU=<name>" */
	uint8_t class_attr[64];		/* Class as received, echoed in accounting */
	uint16_t class_len;
	uint8_t pad2[6];
	char acct_session_id[32];	/* chosen by authd for this session */
	/* AUTH_CHALLENGE: the RADIUS State attribute (RFC 2865 5.24) */
	uint16_t state_len;
	uint8_t pad3[6];
	uint8_t state[IPC_RADIUS_STATE_MAX];
};

/* ---- address leases ---- */
struct ipc_lease {
	uint64_t sid;
	char pool[POOL_LEN];
	char user[NAME_LEN];
	uint32_t want_addr;		/* RADIUS Framed-IP-Address, network order; 0 = any */
	uint32_t pad;
};

struct ipc_lease_ans {
	uint64_t sid;
	int32_t status;			/* 0 ok, -1 pool exhausted, -2 no such pool */
	uint32_t addr;			/* network byte order */
	uint32_t mask;			/* network byte order */
	uint32_t pad;
	char pool[POOL_LEN];
};

struct ipc_lease_free {
	uint64_t sid;
	uint32_t addr;
	uint32_t pad;
	char pool[POOL_LEN];
};

/* ---- ESP SAs ---- */
enum sa_dir { SA_IN = 1, SA_OUT = 2 };
enum sa_encap { ENCAP_UDP = 1, ENCAP_NONE = 2 };	/* UDP 4500 or IP proto 50 */
/* ESP transform ids (RFC 2407 / IANA "IPSEC ESP Transform Identifiers") */
enum esp_enc {
	ESP_ENC_DES = 2, ESP_ENC_3DES = 3, ESP_ENC_NULL = 11, ESP_ENC_AES_CBC = 12,
	ESP_ENC_AES_GCM_16 = 20,	/* RFC 4106, 16-byte ICV; key + 4-byte salt */
	ESP_ENC_CHACHA20_POLY1305 = 28,	/* RFC 7634; 32-byte key + 4-byte salt */
};
/* ESP authentication algorithm attribute values (RFC 2407, RFC 4868) */
enum esp_auth {
	ESP_AUTH_NONE = 0, ESP_AUTH_HMAC_MD5 = 1, ESP_AUTH_HMAC_SHA1 = 2,
	ESP_AUTH_HMAC_SHA256 = 5, ESP_AUTH_HMAC_SHA384 = 6, ESP_AUTH_HMAC_SHA512 = 7,
};

struct ipc_sa_add {
	uint64_t sid;
	uint32_t spi;			/* host byte order */
	uint8_t dir;			/* enum sa_dir */
	uint8_t encap;			/* enum sa_encap */
	uint8_t enc;			/* enum esp_enc */
	uint8_t auth;			/* enum esp_auth */
	uint8_t enc_key_len;
	uint8_t auth_key_len;
	uint16_t peer_port;		/* host byte order; 4500 style */
	uint32_t peer_addr;		/* network byte order */
	uint32_t local_addr;		/* network byte order */
	uint32_t inner_addr;		/* client's virtual address, network order */
	uint32_t replay_window;		/* packets; 0 = disabled */
	uint8_t enc_key[64];
	uint8_t auth_key[64];
	/* Outbound: continue after this sequence number (0 for a new SA), so a
	 * restarted ESP worker does not replay numbers the client has seen. */
	uint32_t seq_out;
	uint32_t pad;
	/* Byte lifetime (inner bytes through this SA): at soft_bytes the ESP
	 * worker asks for a rekey, at hard_bytes for the SA's removal
	 * (IPC_SA_EXPIRE).  0 = no limit. */
	uint64_t soft_bytes;
	uint64_t hard_bytes;
	/* LAN-to-LAN: inner_addr is the remote network and this its mask
	 * (network order); 0 = a /32, the client's virtual address. */
	uint32_t inner_mask;
	uint32_t pad3;
	/* enum sa_mode: 0 = tunnel (inner IPv4 packet), 1 = transport (the
	 * peer's own IP payload between peer_addr and local_addr) */
	uint8_t mode;
	uint8_t pad4[7];
};

enum sa_mode { SA_MODE_TUNNEL = 0, SA_MODE_TRANSPORT = 1 };

/* An ESP worker holds its first transport-mode outbound SA toward addr
 * (up = 1) or has lost its last one (up = 0): master routes the host's own
 * packets for addr into the TUN only meanwhile (master/transport_route.c). */
struct ipc_transport_route {
	uint32_t addr;			/* the peer's address, network order */
	uint32_t local_addr;		/* our address toward it, network order */
	uint8_t up;
	uint8_t pad[7];
};

/* Why an SA expires: its byte lifetime, or sequence numbers near 2^32. */
enum sa_expire_why { EXPIRE_BYTES = 1, EXPIRE_SEQ = 2 };

struct ipc_sa_expire {
	uint64_t sid;
	uint32_t spi;			/* host order */
	uint8_t dir;			/* enum sa_dir */
	uint8_t hard;			/* 0 soft (rekey now), 1 hard (remove) */
	uint8_t why;			/* enum sa_expire_why */
	uint8_t pad;
};

struct ipc_sa_seq {
	uint64_t sid;
	uint32_t spi;			/* an outbound SA */
	uint32_t seq_out;		/* last sequence number sent */
	/* Sent for inbound SAs too (seq_out 0) when their counters moved: the
	 * IKE worker's idle timer sees data traffic in packets. */
	uint8_t dir;			/* enum sa_dir */
	uint8_t pad[7];
	uint64_t packets;		/* ESP packets opened / sealed, absolute */
};

/* A packet from the LAN side toward a LAN-to-LAN destination that has
 * no outbound SA: the IKE worker starts main mode / quick mode. */
struct ipc_acquire {
	uint32_t src, dst;		/* the packet's addresses, network order */
};

struct ipc_sa_del {
	uint64_t sid;
	uint32_t spi;
	uint32_t pad;
};

/* ---- db events ---- */
struct ipc_db_session_new {
	uint64_t sid;
	char user[NAME_LEN];
	char tunnel_group[NAME_LEN];
	char group_policy[NAME_LEN];
	uint32_t public_addr;		/* network byte order */
	uint16_t public_port;
	uint8_t ike_index;		/* which IKE worker owns it */
	uint8_t pad;
	int64_t login_time;		/* unix seconds */
	/* RADIUS accounting (acct_group empty: none for this session) */
	char acct_group[NAME_LEN];	/* the tunnel-group's accounting-server-group */
	char acct_session_id[32];	/* as in the Access-Request */
	uint8_t class_attr[64];		/* Class from the Access-Accept, echoed */
	uint16_t class_len;
	uint8_t pad2[6];
};

struct ipc_db_session_upd {
	uint64_t sid;
	uint32_t assigned_addr;		/* network byte order, 0 = unchanged */
	uint32_t public_addr;		/* network byte order, 0 = unchanged */
	uint16_t public_port;
	uint8_t pad[6];
	char protocol[32];		/* "IKEv1 IPsecOverNatT", "IKEv1 IPsec" */
	char encryption[32];		/* "AES256" */
	char hashing[32];		/* "SHA1" */
};

struct ipc_db_session_end {
	uint64_t sid;
	char cause[CAUSE_LEN];		/* user, admin, shutdown, dpd, idle, ... */
	int64_t end_time;
};

struct ipc_db_end_all {
	char cause[CAUSE_LEN];
	uint8_t ike_index;		/* 0xff: every worker */
	uint8_t pad[7];
};

struct ipc_db_ike_sa {
	uint64_t sid;
	uint8_t icookie[8];
	uint8_t rcookie[8];
	char encryption[16];
	char hashing[16];
	char auth[16];			/* "PSK+XAUTH" */
	uint8_t dh_group;
	uint8_t deleted;		/* 1: the SA is gone */
	uint8_t pad[2];
	uint32_t lifetime;
	uint32_t peer_addr;
	uint16_t peer_port;
	uint8_t pad2[6];
	int64_t created;
};

struct ipc_db_child_sa {
	uint64_t sid;
	uint32_t spi_in;
	uint32_t spi_out;
	char encryption[16];
	char integrity[16];
	uint8_t tunnel;			/* 1 tunnel, 0 transport */
	uint8_t encap;			/* enum sa_encap */
	uint8_t deleted;
	uint8_t pad;
	uint32_t lifetime;
	int64_t created;
};

struct ipc_db_counters {
	uint64_t sid;
	uint32_t spi;			/* the inbound or outbound SA */
	uint8_t dir;			/* enum sa_dir */
	uint8_t esp_index;
	uint8_t pad[2];
	uint64_t bytes;			/* payload bytes so far, absolute */
	uint64_t packets;
	uint64_t drops_auth;
	uint64_t drops_replay;
	uint64_t drops_other;
};

struct ipc_db_lease {
	uint64_t sid;
	char pool[POOL_LEN];
	char user[NAME_LEN];
	uint32_t addr;
	uint8_t in_use;
	uint8_t pad[3];
};

/* authd -> db: one RADIUS host's counters, absolute since authd started
 * (a restarted authd starts from zero again). */
struct ipc_db_aaa_stats {
	char group[NAME_LEN];		/* aaa-server group */
	uint32_t addr;			/* network byte order */
	uint16_t auth_port;		/* host byte order */
	uint8_t host_index;		/* position in the group, 0 = tried first */
	uint8_t dead;			/* 1: skipped until dead_until */
	int64_t dead_until;		/* unix seconds, 0 = alive */
	uint64_t requests;		/* Access-Requests sent (not counting retransmissions) */
	uint64_t accepts;
	uint64_t rejects;
	uint64_t challenges;
	uint64_t timeouts;		/* requests that got no answer */
	uint64_t retransmissions;
	uint64_t bad_responses;		/* failed authenticator, malformed */
	uint32_t rtt_ms;		/* last round-trip time */
	uint32_t rtt_avg_ms;		/* average over answered requests */
};

/* ---- RADIUS accounting spool (db -> authd -> db) ---- */
enum acct_status { ACCT_START = 1, ACCT_STOP = 2, ACCT_INTERIM = 3, ACCT_ON = 7, ACCT_OFF = 8 };

/* One spooled Accounting-Request.  authd adds NAS-IP-Address and
 * NAS-Identifier, and Acct-Delay-Time = now - created at each send. */
struct ipc_acct_send {
	uint64_t rec_id;		/* db's spool row; echoed in IPC_ACCT_DONE */
	uint32_t status_type;		/* enum acct_status */
	uint32_t terminate_cause;	/* RFC 2866 value, Stop only */
	int64_t created;		/* unix seconds the event happened */
	char group[NAME_LEN];		/* aaa-server group to send to */
	char user[NAME_LEN];
	char acct_session_id[32];
	uint32_t framed_addr;		/* network order, 0 = none */
	uint32_t calling_addr;		/* the client's public address, network order */
	uint32_t session_time;		/* seconds */
	uint16_t class_len;
	uint8_t pad[2];
	uint8_t class_attr[64];
	uint64_t in_octets, out_octets;	/* from / to the client */
	uint64_t in_packets, out_packets;
};

struct ipc_acct_done {
	uint64_t rec_id;
};

/* ike -> db: what `show vpn-sessiondb detail` shows beyond the session
 * row; sent after IPC_DB_SESSION_NEW and again when a CoA changes it. */
struct ipc_db_session_authz {
	uint64_t sid;
	int64_t session_deadline;	/* unix seconds the session-timeout ends it, 0 = none */
	uint32_t session_timeout;	/* seconds, as last set (0 = none) */
	uint32_t idle_timeout;		/* seconds, 0 = none */
	uint16_t class_len;
	uint8_t pad[6];
	uint8_t class_attr[64];		/* RADIUS Class as received */
};

/* esp -> db: one ESP worker's totals, absolute since it started (the
 * per-SA counters leave with their SA; these stay). */
enum esp_worker_drop {
	WDROP_AUTH, WDROP_REPLAY, WDROP_MALFORMED, WDROP_SPOOF,	/* after the SA lookup */
	WDROP_NO_SA_IN, WDROP_NOT_ESP, WDROP_BAD_IP, WDROP_TRUNCATED,	/* inbound, before */
	WDROP_NO_SA_OUT, WDROP_NOT_IPV4, WDROP_SEAL,			/* outbound */
	WDROP_TUN_WRITE, WDROP_TX,					/* I/O */
	WDROP_MAX
};

struct ipc_db_worker_stats {
	uint8_t esp_index;
	uint8_t pad[3];
	uint32_t n_sas;			/* SAs installed now */
	uint64_t in_packets, in_bytes;	/* ESP opened; inner bytes */
	uint64_t out_packets, out_bytes;	/* ESP sealed; inner bytes */
	uint64_t rebinds;		/* NAT rebindings followed */
	uint64_t drops[WDROP_MAX];	/* by enum esp_worker_drop */
	/* offloads (esp-worker/offload.h) */
	uint64_t tso_split, tso_segs;	/* TUN super-segments split; packets made */
	uint64_t gso_sends, gso_segs;	/* UDP GSO sends; ESP packets in them */
	uint64_t gro_batches, gro_segs;	/* UDP GRO datagrams of several; ESP packets */
	uint64_t tun_gso_writes, tun_gso_segs;	/* TUN writes of coalesced TCP; segments */
	uint64_t rx_waits;		/* receive moderation waits (crypto engine rx-usecs) */
};

/* ---- control socket ---- */
enum ctl_cmd { CTL_LOGOFF_NAME = 1, CTL_LOGOFF_SID, CTL_LOGOFF_ALL, CTL_RELOAD, CTL_PING,
	       CTL_LOGOFF_ADDR,	/* CTL_LOGOFF_ADDR: arg is the assigned address */
	       CTL_CLEAR_IPSEC_PEER,	/* clear crypto sa peer A: arg is A */
	       CTL_CLEAR_ISAKMP };	/* clear crypto isakmp sa [A]: arg A or empty */

struct ipc_ctl {
	uint32_t cmd;			/* enum ctl_cmd */
	uint32_t pad;
	uint64_t sid;
	char arg[128];
};

struct ipc_ctl_ans {
	int32_t status;			/* 0 ok */
	uint32_t count;
	char text[256];
};

/* ---- the channel API ---- */
struct ipc_msg {
	struct ipc_hdr hdr;
	int fd;				/* received fd or -1 */
	uint8_t data[IPC_CONFIG_MAX];
};

enum { IPC_BROKEN = -2, IPC_AGAIN = -1, IPC_EOF = 0, IPC_OK = 1 };

const char *ipc_type_name(uint16_t type);
/* True when len is the exact (or allowed) payload size of type. */
bool ipc_size_ok(uint16_t type, size_t len);
/* Sends one message, with fd when fd >= 0.  Returns 0 or -1 (errno set). */
int ipc_send(int sock, uint16_t type, uint32_t id, const void *payload, size_t len, int fd);
/* Receives one message into *m.  IPC_OK, IPC_EOF, IPC_AGAIN (non-blocking
 * socket had nothing) or IPC_BROKEN (unknown type, bad size, truncated,
 * or an fd where none belongs: logged, and the caller drops the channel). */
int ipc_recv(int sock, struct ipc_msg *m);
/* Copies a NUL-terminated string into a fixed field, always terminated. */
void ipc_strcpy(char *dst, size_t cap, const char *src);
/* Makes a SOCK_SEQPACKET socketpair with CLOEXEC set on both ends. */
int ipc_pair(int sv[2]);

#endif
