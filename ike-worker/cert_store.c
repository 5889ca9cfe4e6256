/* The trustpoints' public files as master sends them (FD_PKI, a memory
 * file of records described in lib/ipc.h), parsed into OpenSSL objects:
 * PEM, or DER when a record holds no PEM block. */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cert.h"
#include "ike.h"
#include "log.h"

static struct cert_tp *store_tp(struct cert_store *s, const char *name)
{
	struct cert_tp *tps;

	for (int i = 0; i < s->n; i++)
		if (strcmp(s->tps[i].name, name) == 0)
			return &s->tps[i];
	tps = realloc(s->tps, sizeof *tps * (size_t)(s->n + 1));
	if (!tps)
		return NULL;
	s->tps = tps;
	memset(&tps[s->n], 0, sizeof tps[s->n]);
	ipc_strcpy(tps[s->n].name, sizeof tps[s->n].name, name);
	tps[s->n].cas = sk_X509_new_null();
	tps[s->n].crls = sk_X509_CRL_new_null();
	return &tps[s->n++];
}

/* Every certificate of the text (PEM blocks, else one DER object). */
static int read_certs(const uint8_t *p, size_t len, STACK_OF(X509) *out)
{
	BIO *b = BIO_new_mem_buf(p, (int)len);
	const unsigned char *d = p;
	X509 *x;
	int n = 0;

	while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		n += sk_X509_push(out, x) > 0 ? 1 : (X509_free(x), 0);
	BIO_free(b);
	ERR_clear_error();
	if (n == 0 && (x = d2i_X509(NULL, &d, (long)len)) != NULL)
		n += sk_X509_push(out, x) > 0 ? 1 : (X509_free(x), 0);
	return n;
}

static int read_crls(const uint8_t *p, size_t len, STACK_OF(X509_CRL) *out)
{
	BIO *b = BIO_new_mem_buf(p, (int)len);
	const unsigned char *d = p;
	X509_CRL *x;
	int n = 0;

	while (b && (x = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL)
		n += sk_X509_CRL_push(out, x) > 0 ? 1 : (X509_CRL_free(x), 0);
	BIO_free(b);
	ERR_clear_error();
	if (n == 0 && (x = d2i_X509_CRL(NULL, &d, (long)len)) != NULL)
		n += sk_X509_CRL_push(out, x) > 0 ? 1 : (X509_CRL_free(x), 0);
	return n;
}

static bool store_part(struct cert_tp *tp, uint8_t part, const uint8_t *p, size_t len)
{
	STACK_OF(X509) *mine;

	switch (part) {
	case PKI_CA:
		return read_certs(p, len, tp->cas) > 0;
	case PKI_CRL:
		return read_crls(p, len, tp->crls) > 0;
	case PKI_CERT:
		mine = sk_X509_new_null();
		if (!mine || read_certs(p, len, mine) == 0) {
			sk_X509_free(mine);
			return false;
		}
		X509_free(tp->cert);
		tp->cert = sk_X509_shift(mine);	/* the first one is ours */
		sk_X509_pop_free(mine, X509_free);
		return true;
	default:
		return false;
	}
}

/* One record: part, name, PEM text. */
static bool store_record(struct cert_store *s, struct rbuf *r)
{
	uint8_t part, name_len;
	char name[NAME_LEN];
	uint32_t len;
	const uint8_t *text;
	struct cert_tp *tp;

	if (!rbuf_u8(r, &part) || !rbuf_u8(r, &name_len) || name_len >= sizeof name ||
	    !rbuf_copy(r, name, name_len) || !rbuf_u32(r, &len) || !rbuf_ptr(r, &text, len))
		return false;
	name[name_len] = 0;
	tp = store_tp(s, name);
	if (!tp)
		return false;
	if (!store_part(tp, part, text, len))
		log_warn("trustpoint %s: part %u holds no usable certificate or CRL", name, part);
	return true;
}

bool cert_store_parse(struct cert_store *s, const uint8_t *bundle, size_t len)
{
	struct rbuf r;

	memset(s, 0, sizeof *s);
	rbuf_init(&r, bundle, len);
	while (rbuf_left(&r))
		if (!store_record(s, &r)) {
			cert_store_free(s);
			return false;
		}
	return true;
}

void cert_store_free(struct cert_store *s)
{
	for (int i = 0; i < s->n; i++) {
		sk_X509_pop_free(s->tps[i].cas, X509_free);
		sk_X509_CRL_pop_free(s->tps[i].crls, X509_CRL_free);
		X509_free(s->tps[i].cert);
	}
	free(s->tps);
	memset(s, 0, sizeof *s);
}

const struct cert_tp *cert_store_find(const struct cert_store *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->tps[i].name, name) == 0)
			return &s->tps[i];
	return NULL;
}

/* ---- the worker's store ---- */

static struct cert_store worker_store;
static int worker_store_fd = -1;

/* Reads the whole memory file from its start (master rewound it). */
static uint8_t *read_bundle(int fd, size_t *len)
{
	uint8_t *buf = malloc(PKI_BUNDLE_MAX);
	ssize_t n;

	*len = 0;
	if (!buf)
		return NULL;
	while (*len < PKI_BUNDLE_MAX && (n = read(fd, buf + *len, PKI_BUNDLE_MAX - *len)) > 0)
		*len += (size_t)n;
	return buf;
}

/* A new FD_PKI arrives while the old one is still open, so a different
 * fd number means master sent new files (start-up or reload). */
static void worker_store_refresh(void)
{
	int fd = ike.c.fds[FD_PKI];
	uint8_t *bundle;
	size_t len;

	if (fd == worker_store_fd || fd < 0)
		return;
	worker_store_fd = fd;
	cert_store_free(&worker_store);
	bundle = read_bundle(fd, &len);
	if (!bundle || !cert_store_parse(&worker_store, bundle, len))
		log_err("trustpoints from master: malformed bundle (%zu bytes) ignored", len);
	else
		log_info("trustpoints: %d loaded from master (%zu bytes)", worker_store.n, len);
	free(bundle);
}

const struct cert_tp *cert_trustpoint(const char *name)
{
	worker_store_refresh();
	return cert_store_find(&worker_store, name);
}
