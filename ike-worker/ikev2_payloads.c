/* IKEv2 payloads without state: the header and Notify builders, and the
 * readers of ID, Notify, KE and TS payloads (RFC 7296 3.4-3.13).  Every
 * length comes from the bounded reader; tests/fuzz/fuzz_ikev2.c drives
 * them with arbitrary bytes. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "ikev2.h"

void v2_out_begin(struct v1_out *o, const uint8_t spi_i[8], const uint8_t spi_r[8],
		  uint8_t exch, uint8_t flags, uint32_t msgid)
{
	v1_out_begin(o, spi_i, spi_r, exch, flags, msgid);
	wbuf_put_u8_at(&o->w, 17, V2_VERSION);
}

void v2_out_notify(struct v1_out *o, uint16_t type, const void *data, size_t len)
{
	size_t s = v1_out_open(o, V2_PL_NOTIFY);

	wbuf_u8(&o->w, 0);	/* protocol: none (about the IKE SA) */
	wbuf_u8(&o->w, 0);	/* SPI size */
	wbuf_u16(&o->w, type);
	wbuf_bytes(&o->w, data, len);
	v1_out_close(o, s);
}

void v2_out_ke(struct v1_out *o, int group, const uint8_t *pub, size_t len)
{
	size_t s = v1_out_open(o, V2_PL_KE);

	wbuf_u16(&o->w, (uint16_t)group);
	wbuf_u16(&o->w, 0);
	wbuf_bytes(&o->w, pub, len);
	v1_out_close(o, s);
}

bool v2_deletes_ike_sa(const struct v1_payload *d)
{
	return d->type == V2_PL_DELETE && d->len >= 1 && d->body[0] == PROTO_ISAKMP;
}

bool v2_id_text(const struct v1_payload *id, char *out, size_t cap)
{
	struct rbuf r;
	uint8_t type;
	size_t n;

	rbuf_init(&r, id->body, id->len);
	if (!rbuf_u8(&r, &type) || !rbuf_skip(&r, 3) || cap < INET_ADDRSTRLEN)
		return false;
	n = rbuf_left(&r);
	if (type == V2_ID_IPV4_ADDR)
		return n == 4 && inet_ntop(AF_INET, rbuf_cur(&r), out, (socklen_t)cap);
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = isprint(rbuf_cur(&r)[i]) ? (char)rbuf_cur(&r)[i] : '?';
	out[n] = 0;
	return true;
}

uint16_t v2_notify_type(const struct v1_payload *n, const uint8_t **data, size_t *len)
{
	struct rbuf r;
	uint8_t proto, spi_size;
	uint16_t type;

	rbuf_init(&r, n->body, n->len);
	if (!rbuf_u8(&r, &proto) || !rbuf_u8(&r, &spi_size) || !rbuf_u16(&r, &type) ||
	    !rbuf_skip(&r, spi_size))
		return 0;
	if (data) {
		*len = rbuf_left(&r);
		*data = rbuf_cur(&r);
	}
	return type;
}

const struct v1_payload *v2_find_notify(const struct v1_msg *m, uint16_t type)
{
	for (int i = 0; i < m->n; i++)
		if (m->pl[i].type == V2_PL_NOTIFY && v2_notify_type(&m->pl[i], NULL, NULL) == type)
			return &m->pl[i];
	return NULL;
}

bool v2_read_ke(const struct v1_payload *ke, uint16_t *group, const uint8_t **gx,
		    size_t *len)
{
	struct rbuf r;

	rbuf_init(&r, ke->body, ke->len);
	if (!rbuf_u16(&r, group) || !rbuf_skip(&r, 2))
		return false;
	*len = rbuf_left(&r);
	*gx = rbuf_cur(&r);
	return true;
}

int v2_read_ts(const struct v1_payload *p, struct v2_range *out, int max)
{
	struct rbuf r, t;
	uint8_t count, type, proto;
	uint16_t len, sport, eport;
	int n = 0;

	rbuf_init(&r, p->body, p->len);
	if (!rbuf_u8(&r, &count) || !rbuf_skip(&r, 3))
		return -1;
	for (int i = 0; i < count; i++) {
		if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &proto) || !rbuf_u16(&r, &len) ||
		    len < 8 || !rbuf_sub(&r, len - 4u, &t))
			return -1;
		if (type != V2_TS_IPV4_ADDR_RANGE || n == max)
			continue;
		if (!rbuf_u16(&t, &sport) || !rbuf_u16(&t, &eport) || !rbuf_u32(&t, &out[n].lo) ||
		    !rbuf_u32(&t, &out[n].hi) || out[n].lo > out[n].hi)
			return -1;
		n++;
	}
	return n;
}
