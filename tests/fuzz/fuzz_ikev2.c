/* libFuzzer target: the IKEv2 message parser and every payload reader
 * (header, payload chain, IKE and ESP proposal choice, KE, Notify, ID, TS)
 * and the SK payload after its checksum: the harness gives each input a
 * valid ICV under fixed keys, so the decryption, the padding and the inner
 * chain see arbitrary bytes too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ike.h"

static const char CONF_TEXT[] =
	"crypto ikev2 policy 10\n encryption aes-256 aes\n integrity sha256 sha\n group 14 19\n"
	"crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes-gcm chacha20-poly1305\n"
	" protocol esp integrity null\n"
	"crypto ipsec ikev2 ipsec-proposal Q\n protocol esp encryption aes\n"
	" protocol esp integrity sha-256\n"
	"crypto dynamic-map DYN 10 set ikev2 ipsec-proposal P Q\n";

static struct conf *fuzz_conf(void)
{
	static struct conf c;
	static int ready;
	char err[CONF_ERR];

	if (!ready) {
		crypto_init();
		if (!conf_parse_text(CONF_TEXT, sizeof CONF_TEXT - 1, "fuzz", &c, err, sizeof err))
			abort();
		ready = 1;
	}
	return &c;
}

/* ikev2_sk.c sends through net.c, which the target does not link. */
void net_send(struct ike_sa *sa, const uint8_t *p, size_t len)
{
	(void)sa;
	(void)p;
	(void)len;
}

static void read_payloads(const struct v1_msg *m)
{
	struct v2_ike_choice ic;
	struct v2_esp_choice ec;
	struct v2_range r[V2_MAX_TS];
	const uint8_t *d;
	uint16_t g;
	size_t n;
	char id[NAME_LEN];

	for (int i = 0; i < m->n; i++) {
		const struct v1_payload *p = &m->pl[i];

		if (p->type == V2_PL_SA) {
			v2_select_ike(p->body, p->len, fuzz_conf(), 14, &ic);
			v2_select_esp(p->body, p->len, fuzz_conf(), -1, &ec);
			v2_select_esp(p->body, p->len, fuzz_conf(), 14, &ec);
		} else if (p->type == V2_PL_KE) {
			v2_read_ke(p, &g, &d, &n);
		} else if (p->type == V2_PL_NOTIFY) {
			v2_notify_type(p, &d, &n);
		} else if (p->type == V2_PL_IDI || p->type == V2_PL_IDR) {
			v2_id_text(p, id, sizeof id);
		} else if (p->type == V2_PL_TSI || p->type == V2_PL_TSR) {
			v2_read_ts(p, r, V2_MAX_TS);
		}
	}
}

/* An SA with fixed AES-128 and HMAC-SHA-256-128 keys. */
static void fixed_sa(struct ike_sa *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->v2 = true;
	sa->v2_integ = V2_AUTH_HMAC_SHA2_256_128;
	sa->v2k.integ_len = 32;
	sa->v2k.enc_len = 16;
	memset(sa->v2k.sk_ai, 0x5a, 32);
	memset(sa->v2k.sk_ei, 0xa5, 16);
}

static void open_sk(const uint8_t *data, size_t size, const struct v1_msg *hdr)
{
	static uint8_t pkt[V1_MAX_MSG];
	static struct ike_sa sa;
	struct chunk c;
	struct v1_msg m;

	if (size < ISAKMP_HDR_LEN + 16 || size > sizeof pkt)
		return;
	fixed_sa(&sa);
	memcpy(pkt, data, size);
	c = (struct chunk){ pkt, size - 16 };
	prf_chunks(IKE_HASH_SHA256, sa.v2k.sk_ai, 32, &c, 1, pkt + size - 16);
	if (v2_sk_open(&sa, pkt, size, hdr, &m))
		read_payloads(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct v1_msg m;

	fuzz_conf();
	if (!isakmp_parse_header(data, size, &m))
		return 0;
	if (m.first == V2_PL_SK) {
		open_sk(data, m.len, &m);
		return 0;
	}
	if (v1_parse_payloads(&m, data + ISAKMP_HDR_LEN, m.len - ISAKMP_HDR_LEN))
		read_payloads(&m);
	return 0;
}
