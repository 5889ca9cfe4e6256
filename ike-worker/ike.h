/* The IKE worker's state: IKE SAs (one per client session), their child
 * SAs, and the worker-wide context.  Exchange files (aggressive.c,
 * xauth.c, modecfg.c, quick.c, info.c) drive one SA through its states. */
#ifndef RAVPN_IKE_H
#define RAVPN_IKE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "child.h"
#include "crypto.h"
#include "ikev1_keys.h"
#include "ikev2.h"
#include "ikev2_keys.h"
#include "isakmp.h"

enum sa_state {
	ST_AM_WAIT_SKEYID,	/* message 1 in, waiting for master */
	ST_AM_SENT2,		/* message 2 out, waiting for message 3 */
	ST_MM_SENT2,		/* main mode 2 out, waiting for 3 */
	ST_MM_WAIT_SKEYID,	/* main mode 3 in, waiting for master */
	ST_MM_SENT4,		/* main mode 4 out, waiting for 5 */
	ST_MI_SENT1,		/* LAN-to-LAN initiator (mm_init.c): main mode 1 out, waiting for 2 */
	ST_MI_SENT3,		/*   3 out, waiting for 4 */
	ST_MI_WAIT_SKEYID,	/*   4 in, waiting for master */
	ST_MI_SENT5,		/*   5 out, waiting for 6 */
	ST_XAUTH_REQ,		/* XAUTH request out */
	ST_XAUTH_CHECK,		/* credentials at authd */
	ST_XAUTH_SET,		/* status out, waiting for ACK */
	ST_XAUTH_FAILED,	/* failure status out, SA ends on ACK/timeout */
	ST_CFG_WAIT,		/* XAUTH done, waiting for the client's request */
	ST_CFG_LEASE,		/* address at poold */
	ST_ESTABLISHED,		/* mode-config done; quick modes may run */
	/* IKEv2 (an IKEv2 SA then uses ST_CFG_LEASE and ST_ESTABLISHED too) */
	ST_V2_INIT_SENT,	/* IKE_SA_INIT answered, waiting for IKE_AUTH */
	ST_V2_AUTH_CHECK,	/* IKE_AUTH in, AUTH values at master */
};

struct child_sa {
	bool used, installed;
	uint32_t spi_in, spi_out;	/* host order */
	uint8_t esp_index;
	uint8_t enc, auth, encap;	/* enum esp_enc / esp_auth / sa_encap */
	uint16_t key_bits;
	uint16_t encap_mode;		/* as negotiated (for the DB) */
	uint32_t lifetime;
	uint8_t key_in[128], key_out[128];	/* enc key then auth key */
	uint8_t enc_len, auth_len;
	uint32_t seq_out_seen;		/* last outbound sequence number the ESP worker reported */
	int pfs_group;			/* 0: no PFS */
	long long installed_ms;
	long long retire_ms;		/* replaced by a rekey: removed then; 0 = live */
	uint8_t idci[16], idcr[16];	/* the client's quick mode IDs (bodies) */
	uint8_t idci_len, idcr_len;
	uint64_t packets_seen;		/* ESP packets the ESP worker last reported (timeouts.c) */
	uint32_t lifetime_kb;		/* byte lifetime in KB; 0 = unlimited */
	bool soft_expired;		/* the ESP worker reported its soft byte/sequence limit */
	/* LAN-to-LAN (l2l.c): the selectors, network order; rmask 0 = the
	 * remote-access client's own address (ike_sa.addr) */
	uint32_t lnet, lmask, rnet, rmask;
};

/* One transform our quick mode offers: a rekey offers the old SA's, a
 * first LAN-to-LAN quick mode each transform set of the map entry. */
struct qm_offer {
	uint8_t enc, auth;		/* enum esp_enc / esp_auth */
	uint16_t key_bits;		/* AES and AES-GCM: 128/192/256; else 0 */
};
#define QM_OFFERS 6			/* the transform sets a map entry may name */

/* A quick mode ravpn started to rekey a child SA. */
struct qm_init {
	uint32_t msgid;			/* 0 = none */
	/* 20 bytes: vpnc answers by writing its 20-byte nonce over ours in
	 * place, so a longer one would leave our tail in its Nr. */
	uint8_t ni[20];
	struct dh *dh;
	uint8_t gx[CRYPTO_MAX_DH];
	size_t gx_len;
	struct child_sa child;		/* the new SA; spi_out comes with the answer */
	uint8_t *msg;			/* our message 1, resent without an answer */
	size_t msg_len;
	long long sent_ms;
	int tries;
	struct qm_offer offers[QM_OFFERS];	/* proposals 1..n_offers, in order */
	int n_offers;
};

/* A quick mode in progress (responder side). */
struct qm_state {
	uint32_t msgid;			/* 0 = none */
	uint8_t ni[256], nr[32];
	size_t ni_len, nr_len;
	uint8_t gxy[CRYPTO_MAX_DH];
	size_t gxy_len;
	struct child_sa child;
};

struct msg_iv {
	uint32_t msgid;
	uint8_t iv[16];
};

#define SA_IVS 8
#define INFO_SEEN 16
#define CHILD_RETIRE_MS	10000	/* an SA replaced by a rekey lives on this long */
#define SA_CHILDREN 4

struct ike_sa {
	struct ike_sa *next;
	uint64_t sid;
	enum sa_state state;
	uint32_t req_id;		/* outstanding IPC request (SKEYID) */
	long long created_ms, state_ms;
	uint8_t icky[8], rcky[8];
	struct sockaddr_in peer;	/* where the last authenticated packet came from */
	struct sockaddr_in peer1;	/* where message 1 came from (NAT-D input) */
	bool on4500;			/* the peer floated to UDP 4500 */
	uint8_t natd_type;		/* 0: peer did not offer NAT-T */
	bool nat_peer, nat_local;	/* NAT detected on either side */
	bool peer_dpd;
	long long last_rx_ms;		/* last authenticated message from the peer */
	uint32_t dpd_seq;		/* of our outstanding R-U-THERE */
	long long dpd_sent_ms;
	int dpd_tries;			/* 0: none outstanding */
	long long natt_ka_ms;		/* last NAT-T keepalive sent (natt.c) */

	/* phase 1 */
	int enc, key_bits, hash, group, auth;
	uint32_t lifetime;
	struct dh *dh;
	uint8_t gxi[CRYPTO_MAX_DH], gxr[CRYPTO_MAX_DH], gxy[CRYPTO_MAX_DH];
	size_t gx_len;
	uint8_t ni[256], nr[32];
	size_t ni_len, nr_len;
	uint8_t *sai_b;			/* initiator's SA payload body */
	size_t sai_len;
	uint8_t idi_b[300];		/* initiator's ID payload body */
	size_t idi_len;
	uint8_t idr_b[300];		/* our ID payload body (a DN with certificates) */
	size_t idr_len;
	char group_name[NAME_LEN];
	struct v1_keys keys;
	size_t block;
	uint8_t p1_iv[16];		/* last CBC block of phase 1 */
	struct msg_iv ivs[SA_IVS];
	int iv_next;

	/* retransmission: the last request we answered and our answer */
	uint8_t last_in_hash[32];
	uint8_t *last_out;
	size_t last_out_len;
	long long sent_ms;		/* when last_out was (re)sent */
	int retries;			/* of our own request in this state */

	/* XAUTH and mode-config */
	uint32_t xauth_msgid;
	uint8_t xauth_retries;		/* prompts repeated after a reject with a message */
	uint8_t rad_state[IPC_RADIUS_STATE_MAX];	/* of an Access-Challenge, for the answer */
	uint16_t rad_state_len;
	char user[NAME_LEN];
	uint32_t cfg_msgid;
	uint16_t cfg_ident;
	uint16_t cfg_wanted[32];	/* attribute types the client asked for */
	int n_cfg_wanted;
	uint32_t addr, mask;		/* leased address, network order */
	char pool[POOL_LEN];
	bool session_in_db;
	/* authorization (RADIUS, else the tunnel-group's defaults) */
	char policy[NAME_LEN];		/* group-policy in force */
	uint32_t framed_addr;		/* address RADIUS assigned, 0 = from a pool */
	char framed_pool[POOL_LEN];
	uint32_t session_timeout;	/* seconds, 0 = none */
	char acct_session_id[32];	/* from authd, echoed in accounting */
	uint8_t class_attr[64];		/* RADIUS Class, echoed in accounting */
	uint16_t class_len;
	long long up_ms;		/* when XAUTH succeeded */

	struct qm_state qm;
	struct qm_init qmi;
	struct child_sa children[SA_CHILDREN];

	/* LAN-to-LAN (l2l.c): a peer named by an ipsec-l2l tunnel-group */
	bool l2l;
	int l2l_map;			/* 1 + index of the map entry the last quick mode's IDs matched */
	bool initiator;			/* we sent main mode message 1 */
	uint32_t acq_src, acq_dst;	/* traffic that asked for this SA (network order) */

	/* timeouts.c: session and idle timers of an established session */
	long long session_end_ms;	/* session-timeout ends it then; 0 = never */
	uint32_t idle_timeout;		/* seconds without data traffic; 0 = none */
	long long last_data_ms;		/* last ESP packet either way (or login) */
	bool idle_from_policy;		/* idle_timeout is the group-policy's, not RADIUS's */

	/* cert_mm.c: main mode with RSA signatures */
	char trustpoint[NAME_LEN];	/* ours: CERTREQ, CERT, the key master signs with */
	bool sign_pending;		/* message 5 checked, IPC_SIGN out (state MM_SENT4) */
	char peer_dn[256];		/* the client certificate's subject, for logs */

	/* initial_contact.c: the peer sent INITIAL-CONTACT (RFC 2407 4.6.3.3);
	 * its older sessions go once its identity is known */
	bool initial_contact;
	/* p1_expire.c: the IKE SA's lifetime ran out and it was deleted; the
	 * IPsec SAs live on to their own expiry */
	bool p1_dead;
	/* reauth.c: the address of the session this one re-authenticates (its
	 * IPsec SAs were adopted, installed once the lease is known); 0 = none */
	uint32_t reauth_addr;
	/* info.c: digests of the last INFO_SEEN informationals acted on, so a
	 * replayed copy (informationals do not chain their IVs, a copy
	 * decrypts again) neither repeats them nor moves the peer */
	uint8_t info_seen[INFO_SEEN][32];
	int info_seen_next;

	/* IKEv2 (ikev2_*.c) */
	bool v2;
	struct v2_keys v2k;
	int v2_encr, v2_integ, v2_prf;	/* transform ids of the IKE SA */
	uint32_t v2_rx_msgid;		/* the message ID of the client's next request */
	uint32_t v2_tx_msgid;		/* of our next request */
	uint32_t v2_dpd_msgid;		/* of our outstanding liveness check */
	uint8_t *v2_msg1, *v2_msg2;	/* IKE_SA_INIT request and answer: AUTH signs them */
	size_t v2_msg1_len, v2_msg2_len;
	/* the IKE_AUTH request being answered (decrypted payloads), kept while
	 * master checks AUTH and poold leases the address */
	uint8_t *v2_req;
	size_t v2_req_len;
	uint8_t v2_req_first;
	uint32_t v2_req_msgid;
	uint8_t v2_auth_r[CRYPTO_MAX_HASH];	/* our AUTH, from master */
	size_t v2_auth_len;
	struct v2_esp_choice v2_esp;	/* the client's proposal we chose */
	struct child_sa v2_child;	/* its child SA until installed */
	uint32_t v2_tsr[V2_MAX_TS][2];	/* our TSr: address ranges, host order */
	int v2_n_tsr;
	/* ikev2_ike_rekey.c: the IKE SA a rekey replaced, kept to answer the
	 * client's Delete of it */
	struct v2_prev {
		bool live;
		long long until_ms;
		uint8_t icky[8], rcky[8];
		struct v2_keys k;
		int integ;
		uint32_t rx_msgid, tx_msgid;
	} v2_prev;
};

/* The worker-wide context. */
struct ike_ctx {
	struct child c;
	int sock500, sock4500;
	uint32_t local_addr;		/* network order */
	struct ike_sa *sas;
	uint32_t next_req_id;
	bool shutting_down;
};

extern struct ike_ctx ike;

/* sa.c: the SA table */
struct ike_sa *sa_new(const uint8_t icky[8], const struct sockaddr_in *peer);
struct ike_sa *sa_find(const uint8_t icky[8], const uint8_t rcky[8]);
struct ike_sa *sa_find_half(const uint8_t icky[8], const struct sockaddr_in *peer);
struct ike_sa *sa_by_sid(uint64_t sid);
void sa_set_state(struct ike_sa *sa, enum sa_state st);
/* Ends the session: DELETE to the client when notify, SAs out of the ESP
 * worker, lease back to poold, history row with cause, SA freed. */
void sa_end(struct ike_sa *sa, const char *cause, bool notify);
const char *sa_peer_str(const struct ike_sa *sa);
void sa_tick(void);
bool sa_spi_in_use(uint32_t spi);
/* vpn-simultaneous-logins of sa's group-policy, once its user is known:
 * false refuses it (0 logins); at the limit the user's oldest session
 * ends to make room. */
bool sa_login_limit(struct ike_sa *sa);

/* net.c: sending and receiving ISAKMP datagrams */
void net_send(struct ike_sa *sa, const uint8_t *p, size_t len);
void net_send_to(const struct sockaddr_in *to, bool on4500, const uint8_t *p, size_t len);
void net_receive(int sock, bool is4500);
/* Remembers the request being answered and then our reply to it, so a
 * retransmitted request gets the same reply again. */
void net_note_request(struct ike_sa *sa, const uint8_t *in, size_t in_len);
void net_set_reply(struct ike_sa *sa, const uint8_t *out, size_t out_len);
bool net_is_retransmit(struct ike_sa *sa, const uint8_t *in, size_t in_len);
/* Follows the client to a new address or port once an authentic packet of
 * its SA arrived there (the float to 4500, or a NAT rebinding). */
void net_track_peer(struct ike_sa *sa, const struct sockaddr_in *from, bool is4500);

/* crypt.c: encrypted messages */
bool crypt_decrypt(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len,
		   struct v1_msg *out);
/* Builds HASH | payloads already in o (the hash payload must be first and
 * reserved with crypt_reserve_hash), computes the transaction-style hash
 * prf(SKEYID_a, M-ID | rest), encrypts, sends. qm_ni: for quick mode
 * HASH(2) (Ni_b is prepended), else NULL. */
size_t crypt_reserve_hash(struct ike_sa *sa, struct v1_out *o);
void crypt_seal_send(struct ike_sa *sa, struct v1_out *o, size_t hash_off,
		     const uint8_t *qm_ni, size_t qm_ni_len);
/* Encrypts and sends a message without a HASH of its own (main mode 6). */
void crypt_seal_plain(struct ike_sa *sa, struct v1_out *o, uint32_t msgid);
/* Checks the HASH payload (first) of a decrypted transaction/info/QM(1)
 * message: prf(SKEYID_a, M-ID | payloads after HASH). */
bool crypt_check_hash(struct ike_sa *sa, const struct v1_msg *m);
uint32_t crypt_new_msgid(void);

/* Exchanges */
void am_msg1(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
	     const uint8_t *pkt, size_t len);
void am_have_keys(struct ike_sa *sa);
void am_msg3(struct ike_sa *sa, const struct v1_msg *m);
void mm_msg1(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
	     const uint8_t *pkt, size_t len);
void mm_msg3(struct ike_sa *sa, const struct v1_msg *m);
void mm_have_keys(struct ike_sa *sa);
void mm_msg5(struct ike_sa *sa, const struct v1_msg *m);

/* cert_mm.c: main mode with RSA signatures (RFC 2409 5.1) */
bool cert_mm_is_sig(const struct ike_sa *sa);
/* SKEYID = prf(Ni_b | Nr_b, g^xy), no secret needed: derives the keys and
 * sends message 4 as the SKEYID answer would. */
void cert_mm_local_skeyid(struct ike_sa *sa);
void cert_mm_add_certreq(struct ike_sa *sa, struct v1_out *o);
void cert_mm_msg5(struct ike_sa *sa, const struct v1_msg *m);
void cert_mm_sign_answer(uint32_t id, const struct ipc_sign_ans *a);

/* phase1.c: what aggressive and main mode share */
struct p1_choice;
bool p1_choose(const struct v1_msg *m, const struct sockaddr_in *from, bool on4500,
	       const struct v1_payload *sap, const char *group, struct p1_choice *ch);
void p1_apply_choice(struct ike_sa *sa, const struct p1_choice *ch);
bool p1_keep_sa(struct ike_sa *sa, const struct v1_payload *sap);
bool p1_keep_ke_nonce(struct ike_sa *sa, const struct v1_payload *ke,
		      const struct v1_payload *ni);
void p1_request_skeyid(struct ike_sa *sa);
void p1_skeyid_answer(uint32_t id, const struct ipc_skeyid_ans *a);
void p1_own_id(struct ike_sa *sa);
void p1_hash_r(const struct ike_sa *sa, uint8_t *out);
bool p1_hash_i_ok(const struct ike_sa *sa, const struct v1_msg *m);
void p1_complete(struct ike_sa *sa, const char *mode);
void xauth_start(struct ike_sa *sa);
void xauth_input(struct ike_sa *sa, const struct v1_msg *m, uint8_t cfg_type,
		 struct rbuf *attrs);
void xauth_answer(const struct ipc_auth_ans *a);
void modecfg_request(struct ike_sa *sa, const struct v1_msg *m, uint16_t ident,
		     struct rbuf *attrs);
/* Asks poold for the session's address (state ST_CFG_LEASE); ends the
 * session when its tunnel-group has no pool. */
void modecfg_lease(struct ike_sa *sa);
void modecfg_lease_answer(const struct ipc_lease_ans *a);
/* The group-policy's attributes the client asked for (want): DNS, WINS,
 * domain, banner, the split-include or split-exclude list. */
void modecfg_policy_attrs(struct v1_out *o, const struct conf *c,
			  const struct conf_group_policy *gp, const uint16_t *want, int n_want);
void transaction_input(struct ike_sa *sa, const struct v1_msg *m);
void qm_input(struct ike_sa *sa, const struct v1_msg *m);
/* Drops a quick mode that never got its HASH(3) (and its inbound SA). */
void qm_abandon(struct ike_sa *sa);
uint32_t qm_pick_spi(uint8_t *worker);
bool qm_keymat(struct ike_sa *sa, struct child_sa *c, const uint8_t *ni, size_t ni_len,
	       const uint8_t *nr, size_t nr_len, const uint8_t *gxy, size_t gxy_len);
struct child_sa *qm_slot(struct ike_sa *sa);
/* A new child SA is up: older ones of the session are retired shortly. */
void qm_child_up(struct ike_sa *sa, struct child_sa *c);

/* rekey.c: ravpn's own quick mode before a child SA's lifetime ends */
void rekey_tick(struct ike_sa *sa, long long now);
void rekey_answer(struct ike_sa *sa, const struct v1_msg *m);
void rekey_abandon(struct ike_sa *sa);
/* Starts our quick mode for a new SA like old (a rekey, or a first SA). */
void rekey_start(struct ike_sa *sa, const struct child_sa *old);
/* The same, offering each of offers (n of them, at least 1) as its own
 * proposal; the SA gets the algorithms of the one the peer chooses. */
void rekey_start_offering(struct ike_sa *sa, const struct child_sa *old,
			  const struct qm_offer *offers, int n);
/* The ESP worker says an SA reached its soft (rekey) or hard (remove) byte
 * or sequence-number limit. */
void rekey_sa_expire(const struct ipc_sa_expire *e);
/* Inner bytes after which the ESP worker asks for a rekey (0: no limit). */
uint64_t rekey_soft_bytes(const struct child_sa *c);
/* A decrypted informational is authentic and new: its HASH(1) verifies and
 * it repeats none of the last INFO_SEEN accepted.  Checked before the
 * message may move the peer (net.c); info_input relies on it. */
bool info_authentic(struct ike_sa *sa, const struct v1_msg *m, const uint8_t *pkt, size_t len);
void info_input(struct ike_sa *sa, const struct v1_msg *m);
/* One informational message deleting the IKE SA and then its ESP SAs. */
void info_send_delete_all(struct ike_sa *sa);
/* An informational DELETE of the IKE (ISAKMP) SA alone. */
void info_send_delete_ike(struct ike_sa *sa);
/* An informational DELETE of ESP SAs: our inbound SPIs (host order). */
void info_send_delete_esp(struct ike_sa *sa, const uint32_t *spis_in, uint16_t n);
/* An encrypted informational notify (quick mode refusals). */
void info_send_notify(struct ike_sa *sa, uint16_t type);
/* seconds / kb: 0 leaves that lifetime out */
void info_send_responder_lifetime(struct ike_sa *sa, uint32_t spi_in, uint32_t seconds,
				  uint32_t kb);
void info_send_notify_plain(const struct v1_msg *m, const struct sockaddr_in *to, bool on4500,
			    uint16_t type);

/* timeouts.c: session-timeout and idle-timeout (vpn-idle-timeout, RADIUS
 * Idle-Timeout), and their change by a RADIUS CoA-Request */
void timeouts_start(struct ike_sa *sa, uint32_t radius_idle_timeout);
void timeouts_db(struct ike_sa *sa);
enum timeout_kind { TIMEOUT_NONE, TIMEOUT_SESSION, TIMEOUT_IDLE };
/* Which timer of an established session ran out at now (ms). */
enum timeout_kind timeouts_due(const struct ike_sa *sa, long long now);
/* Ends sa when a timer ran out; true if it did (sa is freed). */
bool timeouts_tick(struct ike_sa *sa, long long now);
void timeouts_esp_report(const struct ipc_sa_seq *q);
void timeouts_coa(struct ike_sa *sa, const struct ipc_logoff *l);
/* After a reload (new ike.c.conf): sessions whose idle-timeout is their
 * group-policy's vpn-idle-timeout take its new value; RADIUS's stay. */
void timeouts_reload(void);

/* initial_contact.c: RFC 2407 4.6.3.3 - a peer that starts afresh makes
 * its older sessions (same address, and same user for XAUTH) go */
void ic_scan(struct ike_sa *sa, const struct v1_msg *m);
/* Ends the older sessions when sa's identity is known (after XAUTH, or
 * phase 1 of a LAN-to-LAN peer). */
void ic_apply(struct ike_sa *sa);
/* Same peer identity: address, and user for XAUTH (LAN-to-LAN: address). */
bool ic_same_identity(const struct ike_sa *a, const struct ike_sa *b);

/* reauth.c: a client's new phase 1 + XAUTH from the same address and port
 * as its live session takes that session's IPsec SAs and address over. */
void reauth_adopt(struct ike_sa *sa);
void reauth_install_adopted(struct ike_sa *sa);

/* p1_expire.c: phase 1 lifetime.  The tick deletes an expired IKE SA and
 * ends the session when its last IPsec SA is gone (true: sa is freed). */
bool p1_expire_tick(struct ike_sa *sa, long long now);
/* sa has an IPsec SA up: sessions of the same peer whose IKE SA expired end. */
void p1_replace_expired(struct ike_sa *sa);

/* dpd.c: dead peer detection (RFC 3706), periodic as the ASA's
 * isakmp keepalive threshold/retry */
void dpd_tick(struct ike_sa *sa, long long now);
void dpd_ack(struct ike_sa *sa, uint32_t seq);
void dpd_send(struct ike_sa *sa, uint32_t seq);

/* keylog.c: --keylog lines for tshark */
void keylog_ike(const struct ike_sa *sa);
void keylog_ike_v2(const struct ike_sa *sa);
void keylog_esp(const struct ike_sa *sa, const struct child_sa *ch);

/* l2l.c: LAN-to-LAN peers (static crypto map entries, ipsec-l2l tunnel-groups) */
void l2l_acquire(const struct ipc_acquire *q);
/* Phase 1 done: true when sa is a LAN-to-LAN peer (no XAUTH; established now). */
bool l2l_phase1_done(struct ike_sa *sa);
/* Quick mode responder: the peer's proxy IDs against the crypto ACL (a
 * subset is accepted, a superset refused); fills c's selectors. */
bool l2l_check_ids(struct ike_sa *sa, const struct v1_msg *m, struct child_sa *c);
/* The configuration phase 2 proposals are chosen from: for a LAN-to-LAN
 * peer, its static map entry only; else every dynamic map. */
const struct conf *l2l_p2_conf(const struct ike_sa *sa);
/* clear crypto sa peer A / clear crypto isakmp sa [A]: SAs cleared. */
uint32_t l2l_clear(const struct ipc_logoff *l);
/* qm_init.c: our first quick mode for the ACL line acl of entry m */
void qmi_start(struct ike_sa *sa, const struct conf_crypto_map *m, const struct conf_acl *acl);
/* mm_init.c: main mode initiator (RFC 2409 5.4, pre-shared key) */
struct ike_sa *mi_start(const struct conf_crypto_map *m);
void mi_adopt_rcky(const struct v1_msg *hdr);
bool mi_clear_input(struct ike_sa *sa, const struct v1_msg *hdr, uint8_t *pkt, size_t len);
void mi_have_keys(struct ike_sa *sa);
void mi_msg6(struct ike_sa *sa, const struct v1_msg *m);
/* Resends our last message, gives up after a few tries: true if sa ended. */
bool mi_tick(struct ike_sa *sa, long long now);

/* natt.c */
void natt_add_vids(const struct ike_sa *sa, struct v1_out *o);
void natt_scan_vids(struct ike_sa *sa, const struct v1_msg *m);
void natt_add_natd(struct ike_sa *sa, struct v1_out *o);
void natt_check_natd(struct ike_sa *sa, const struct v1_msg *m, uint16_t local_port);
void natt_keepalive_tick(struct ike_sa *sa, long long now);

/* peers.c: IPC to the other processes */
void peers_send(int role, int index, uint16_t type, uint32_t id, const void *p, size_t len);
void peers_install_child(struct ike_sa *sa, struct child_sa *ch);
void peers_install_in(struct ike_sa *sa, struct child_sa *ch);
void peers_install_out(struct ike_sa *sa, struct child_sa *ch);
void peers_remove_child(struct ike_sa *sa, struct child_sa *ch);
void peers_reinstall_esp(int esp_index);
void peers_peer_moved(struct ike_sa *sa);
void peers_input(int fd, int role, int index);
void peers_db_session_new(struct ike_sa *sa);
void peers_db_session_upd(struct ike_sa *sa, const struct child_sa *ch);
void peers_db_ike_sa(struct ike_sa *sa, bool deleted);
void peers_db_child_sa(struct ike_sa *sa, const struct child_sa *ch, bool deleted);

#endif
