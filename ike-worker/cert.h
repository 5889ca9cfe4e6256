/* Certificates in the IKE worker: the trustpoints' public files as
 * master sent them (FD_PKI), checks of a peer's certificate (chain, CRL,
 * signature, identity) and the certificate-to-tunnel-group mapping.
 * Everything here parses untrusted ASN.1, which is why it runs in the
 * sandboxed worker and never in master. */
#ifndef RAVPN_CERT_H
#define RAVPN_CERT_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ipc.h"

/* ISAKMP notify types of RFC 2408 3.14.1 for certificates */
enum cert_notify {
	N_INVALID_CERT_ENCODING = 19, N_INVALID_CERTIFICATE = 20,
	N_CERT_TYPE_UNSUPPORTED = 21, N_INVALID_CERT_AUTHORITY = 22, N_INVALID_SIGNATURE = 25,
};

/* Payload constants: CERT encoding X.509 signature (RFC 2408 3.9) and the
 * ID type ID_DER_ASN1_DN (RFC 2407 4.6.2.1). */
#define CERT_X509_SIG	4
#define ID_DER_ASN1_DN	9

struct cert_tp {
	char name[NAME_LEN];
	STACK_OF(X509) *cas;		/* ca-certificate file: the trusted chain */
	X509 *cert;			/* certificate file: ours, NULL if none */
	STACK_OF(X509_CRL) *crls;	/* crl file */
};

struct cert_store {
	struct cert_tp *tps;
	int n;
};

/* cert_store.c: the FD_PKI records (lib/ipc.h) into a store; false (and
 * an empty store) on a malformed bundle. */
bool cert_store_parse(struct cert_store *s, const uint8_t *bundle, size_t len);
void cert_store_free(struct cert_store *s);
const struct cert_tp *cert_store_find(const struct cert_store *s, const char *name);
/* The worker's trustpoint by name, its store re-read when master has sent
 * a new FD_PKI since the last call. */
const struct cert_tp *cert_trustpoint(const char *name);

/* cert_verify.c.  cert_check_chain returns 0, or the notify to refuse
 * with, and the reason in why. */
uint16_t cert_check_chain(const struct cert_tp *tp, bool crl_check, X509 *peer,
			  STACK_OF(X509) *chain, char *why, size_t why_len);
/* PKCS #1 v1.5 signature over hash itself (IKEv1's RSA encoding). */
bool cert_check_sig(X509 *peer, const uint8_t *hash, size_t hash_len, const uint8_t *sig,
		    size_t sig_len);
/* The ID payload body (type, protocol, port, data) names this certificate:
 * its subject DN, or an address, FQDN or e-mail of its subjectAltName. */
bool cert_check_id(X509 *peer, const uint8_t *id, size_t id_len);
/* "C=CH, O=ravpn, OU=Sales, CN=alice" */
void cert_dn_str(const X509_NAME *n, char *out, size_t size);

/* cert_map.c: the tunnel-group a certificate maps to (seed 001/002:
 * certificate map rules, then the subject's OU, then the IKE ID, then the
 * peer address, then the default group); NULL when none exists. */
const char *cert_map_group(const struct conf *c, X509 *peer, const uint8_t *id, size_t id_len,
			   const char *peer_ip);
/* One map entry's criteria all hold for the certificate (exposed for the
 * unit tests). */
bool cert_map_entry_matches(const struct conf *c, const char *map, int seq, X509 *peer);

#endif
