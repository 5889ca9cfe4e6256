/* Certificates for the IKE workers, which never hold a private key:
 *  - IPC_SIGN: master signs HASH_I/HASH_R with a trustpoint's key, read
 *    from its PEM file for each request (a reload or a replaced file is
 *    seen at once; one RSA signature costs far more than the read);
 *  - FD_PKI: the trustpoints' public files (CA chain, our certificate,
 *    CRL) copied into a memory file the sandboxed worker reads, so every
 *    file is opened by root here and parsed by OpenSSL only there. */
#include "master.h"
#include "buf.h"
#include "log.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PKI_FILE_MAX	(256 * 1024)

static EVP_PKEY *sign_load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (!f) {
		log_err("trustpoint key %s: %s", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k)
		log_err("trustpoint key %s: not a PEM private key", path);
	return k;
}

/* PKCS #1 v1.5 type 1 padding over the data itself (no md set): the
 * signature encoding IKEv1 uses for RSA. */
static bool sign_rsa_raw(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t *sig,
			 size_t *sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	bool ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
		  EVP_PKEY_sign(ctx, sig, sig_len, data, len) > 0;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

bool master_sign_file(const char *key_file, const uint8_t *data, size_t len, uint8_t *sig,
		      size_t *sig_len)
{
	EVP_PKEY *key = sign_load_key(key_file);
	bool ok;

	if (!key)
		return false;
	ok = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
	     (size_t)EVP_PKEY_get_size(key) <= *sig_len && sign_rsa_raw(key, data, len, sig, sig_len);
	EVP_PKEY_free(key);
	if (!ok)
		log_err("sign: key %s is no RSA key of at most 4096 bits, or signing failed",
			key_file);
	return ok;
}

static int32_t sign_answer(const struct master *m, const struct ipc_sign *q,
			   struct ipc_sign_ans *a)
{
	const struct conf_trustpoint *tp = conf_trustpoint(&m->conf, q->trustpoint);
	size_t len = sizeof a->sig;

	if (!tp || !tp->key_file[0] || q->len == 0 || q->len > sizeof q->data) {
		log_warn("sign: trustpoint '%s' %s", q->trustpoint,
			 !tp ? "does not exist" : !tp->key_file[0] ? "has no key file" : "bad request");
		return -1;
	}
	if (!master_sign_file(tp->key_file, q->data, q->len, a->sig, &len))
		return -1;
	a->len = (uint32_t)len;
	return 0;
}

void master_on_sign(struct master *m, struct mchild *k, const struct ipc_msg *msg)
{
	struct ipc_sign q;
	struct ipc_sign_ans a = { 0 };

	memcpy(&q, msg->data, sizeof q);
	q.trustpoint[sizeof q.trustpoint - 1] = 0;
	a.status = sign_answer(m, &q, &a);
	if (a.status < 0)
		a.len = 0;
	log_debug("sign for %s, trustpoint '%s': status %d", k->name, q.trustpoint, a.status);
	master_child_send(m, k, IPC_SIGN_ANS, msg->hdr.id, &a, sizeof a, -1);
}

/* Appends one record (see FD_PKI in lib/ipc.h) with the file's text. */
static bool pki_add_file(int fd, const char *tp, uint8_t part, const char *path)
{
	static uint8_t text[PKI_FILE_MAX];
	uint8_t head[1 + 1 + NAME_LEN + 4];
	struct wbuf w;
	FILE *f;
	size_t n;

	if (!path[0])
		return true;
	f = fopen(path, "r");
	if (!f) {
		log_err("trustpoint %s: %s: %s", tp, path, strerror(errno));
		return false;
	}
	n = fread(text, 1, sizeof text, f);
	fclose(f);
	if (n == sizeof text) {
		log_err("trustpoint %s: %s is larger than %d bytes", tp, path, PKI_FILE_MAX);
		return false;
	}
	wbuf_init(&w, head, sizeof head);
	wbuf_u8(&w, part);
	wbuf_u8(&w, (uint8_t)strlen(tp));
	wbuf_bytes(&w, tp, strlen(tp));
	wbuf_u32(&w, (uint32_t)n);
	return wbuf_ok(&w) && write(fd, head, w.len) == (ssize_t)w.len &&
	       write(fd, text, n) == (ssize_t)n;
}

/* A memory file with every trustpoint's public files, read from the
 * start; -1 when there is no trustpoint (nothing to send). */
int master_pki_fd(const struct master *m)
{
	int fd;

	if (m->conf.n_trustpoints == 0)
		return -1;
	fd = memfd_create("ravpn-pki", MFD_CLOEXEC);
	if (fd < 0) {
		log_err("trustpoints: memfd_create: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < m->conf.n_trustpoints; i++) {
		const struct conf_trustpoint *tp = &m->conf.trustpoints[i];

		pki_add_file(fd, tp->name, PKI_CA, tp->ca_file);
		pki_add_file(fd, tp->name, PKI_CERT, tp->cert_file);
		if (tp->revocation == CONF_REVOKE_CRL)
			pki_add_file(fd, tp->name, PKI_CRL, tp->crl_file);
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Sends an IKE worker the trustpoints' files (start-up and reload). */
int master_pki_feed(struct master *m, struct mchild *k)
{
	struct ipc_fd f = { .kind = FD_PKI };
	int fd, rc;

	if (k->role != ROLE_IKE)
		return 0;
	fd = master_pki_fd(m);
	if (fd < 0)
		return 0;
	rc = master_child_send(m, k, IPC_FD, 0, &f, sizeof f, fd);
	close(fd);
	return rc;
}

/* ---- checks at load (ravpnd -t, start, reload) ---- */

static bool pki_fail(char *err, size_t errlen, const char *tp, const char *path,
		     const char *what)
{
	snprintf(err, errlen, "trustpoint %s: %s: %s", tp, path, what);
	return false;
}

static int pki_count_certs(const char *path, X509 **first)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;

	if (!f)
		return -1;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (n++ == 0 && first)
			*first = x;
		else
			X509_free(x);
	}
	fclose(f);
	ERR_clear_error();
	return n;
}

static bool pki_check_crl(const char *path)
{
	FILE *f = fopen(path, "r");
	X509_CRL *c = f ? PEM_read_X509_CRL(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	X509_CRL_free(c);
	ERR_clear_error();
	return c != NULL;
}

/* Our certificate and its key belong together. */
static bool pki_check_pair(const struct conf_trustpoint *tp, char *err, size_t errlen)
{
	X509 *cert = NULL;
	EVP_PKEY *key;
	bool ok;

	if (pki_count_certs(tp->cert_file, &cert) <= 0)
		return pki_fail(err, errlen, tp->name, tp->cert_file, "no PEM certificate");
	key = sign_load_key(tp->key_file);
	ok = key && X509_check_private_key(cert, key) == 1;
	X509_free(cert);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return ok || pki_fail(err, errlen, tp->name, tp->key_file,
			      "not a PEM private key of the certificate");
}

static bool pki_check_tp(const struct conf_trustpoint *tp, char *err, size_t errlen)
{
	if (!tp->ca_file[0] || pki_count_certs(tp->ca_file, NULL) <= 0)
		return pki_fail(err, errlen, tp->name, tp->ca_file[0] ? tp->ca_file : "-",
				"no PEM CA certificate (ca-certificate file PATH)");
	if (!tp->cert_file[0] != !tp->key_file[0])
		return pki_fail(err, errlen, tp->name, "-",
				"certificate file and key file go together");
	if (tp->cert_file[0] && !pki_check_pair(tp, err, errlen))
		return false;
	if (tp->revocation == CONF_REVOKE_CRL &&
	    (!tp->crl_file[0] || !pki_check_crl(tp->crl_file)))
		return pki_fail(err, errlen, tp->name, tp->crl_file[0] ? tp->crl_file : "-",
				"revocation-check crl needs a PEM CRL (crl file PATH)");
	return true;
}

bool master_pki_check(const struct conf *c, char *err, size_t errlen)
{
	for (int i = 0; i < c->n_trustpoints; i++)
		if (!pki_check_tp(&c->trustpoints[i], err, errlen))
			return false;
	return true;
}
