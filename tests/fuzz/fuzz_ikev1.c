/* libFuzzer target: the IKEv1 message parser and every payload reader that
 * touches wire data before authentication (header, payload chain, SA
 * negotiation of phase 1 and 2, the answer to our own quick mode, data
 * attributes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "isakmp.h"
#include "proposal.h"

static const char CONF_TEXT[] =
	"crypto ikev1 policy 10\n authentication pre-share\n encryption aes-256\n hash sha\n group 2\n"
	"crypto ikev1 policy 20\n authentication pre-share\n encryption 3des\n hash md5\n group 2\n"
	"crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac\n"
	"crypto ipsec ikev1 transform-set TS2 esp-3des esp-md5-hmac\n"
	"crypto dynamic-map DYN 10 set ikev1 transform-set TS TS2\n";

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

static void walk_attrs(const uint8_t *p, size_t len)
{
	struct rbuf r;
	struct v1_attr a;

	rbuf_init(&r, p, len);
	while (v1_next_attr(&r, &a))
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v1_msg m;
	struct p1_choice c1;
	struct p2_choice c2;

	if (!v1_parse_header(data, size, &m))
		return 0;
	if (!v1_parse_payloads(&m, data + ISAKMP_HDR_LEN, m.len - ISAKMP_HDR_LEN))
		return 0;
	for (int i = 0; i < m.n; i++) {
		const struct v1_payload *p = &m.pl[i];

		if (p->type == PL_SA) {
			prop_select_p1(p->body, p->len, fuzz_conf(), &c1);
			prop_select_p2(p->body, p->len, fuzz_conf(), &c2);
			prop_read_p2_answer(p->body, p->len, &c2);
		} else if (p->type == PL_ATTR && p->len >= 4) {
			walk_attrs(p->body + 4, p->len - 4);
		}
	}
	return 0;
}
