/* libFuzzer target: what the IKE worker does with a client's CERT and ID
 * payloads before the certificate is trusted (DER certificate, ID payload
 * against it, DN text, certificate-map criteria over its names) and the
 * FD_PKI bundle reader.  Input: u8 n, n bytes of ID payload body, the rest
 * a CERT payload body after its encoding byte (and also a bundle). */
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "ike.h"

struct ike_ctx ike;

static const char CONF_TEXT[] =
	"tunnel-group Sales type remote-access\n"
	"tunnel-group DefaultRAGroup type remote-access\n"
	"crypto ca certificate map CM 10\n subject-name attr cn eq bob\n issuer-name co ravpn\n"
	"crypto ca certificate map CM 20\n subject-name attr ou nc x\n subject-name ne y\n"
	"tunnel-group-map CM 10 Sales\ntunnel-group-map CM 20 Sales\n";

static struct conf *fuzz_conf(void)
{
	static struct conf c;
	static int ready;
	char err[CONF_ERR];

	if (!ready) {
		if (!conf_parse_text(CONF_TEXT, sizeof CONF_TEXT - 1, "fuzz", &c, err, sizeof err))
			abort();
		ready = 1;
	}
	return &c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_store s;
	size_t n = size ? data[0] : 0;
	const unsigned char *p;
	char dn[256];
	X509 *x;

	if (cert_store_parse(&s, data, size))
		cert_store_free(&s);
	if (size < 1 + n)
		return 0;
	p = data + 1 + n;
	x = d2i_X509(NULL, &p, (long)(size - 1 - n));
	if (!x)
		return 0;
	cert_check_id(x, data + 1, n);
	cert_dn_str(X509_get_subject_name(x), dn, sizeof dn);
	cert_map_group(fuzz_conf(), x, data + 1, n, "10.99.0.2");
	cert_check_sig(x, data, n > 64 ? 64 : n, data + 1, n);
	X509_free(x);
	return 0;
}
