#include "isakmp.h"

#include <string.h>

bool isakmp_parse_header(const uint8_t *p, size_t len, struct v1_msg *m)
{
	struct rbuf r;

	memset(m, 0, sizeof *m);
	rbuf_init(&r, p, len);
	rbuf_copy(&r, m->icky, 8);
	rbuf_copy(&r, m->rcky, 8);
	rbuf_u8(&r, &m->first);
	rbuf_u8(&r, &m->version);
	rbuf_u8(&r, &m->exch);
	rbuf_u8(&r, &m->flags);
	rbuf_u32(&r, &m->msgid);
	rbuf_u32(&r, &m->len);
	if (!rbuf_ok(&r))
		return false;
	/* The length must cover the header and fit the datagram. */
	return m->len >= ISAKMP_HDR_LEN && m->len <= len;
}

bool v1_parse_header(const uint8_t *p, size_t len, struct v1_msg *m)
{
	return isakmp_parse_header(p, len, m) && (m->version >> 4) == 1;
}

bool v1_parse_payloads(struct v1_msg *m, const uint8_t *body, size_t len)
{
	struct rbuf r;
	uint8_t type = m->first;

	rbuf_init(&r, body, len);
	m->n = 0;
	while (type != PL_NONE) {
		struct v1_payload *pl;
		uint8_t next, reserved;
		uint16_t plen;
		const uint8_t *raw = rbuf_cur(&r);

		if (m->n == V1_MAX_PAYLOADS)
			return false;
		if (!rbuf_u8(&r, &next) || !rbuf_u8(&r, &reserved) || !rbuf_u16(&r, &plen) ||
		    plen < 4 || !rbuf_skip(&r, plen - 4u))
			return false;
		pl = &m->pl[m->n++];
		pl->type = type;
		pl->raw = raw;
		pl->raw_len = plen;
		pl->body = raw + 4;
		pl->len = plen - 4u;
		type = next;
	}
	return true;
}

const struct v1_payload *v1_find(const struct v1_msg *m, uint8_t type, int nth)
{
	for (int i = 0; i < m->n; i++)
		if (m->pl[i].type == type && nth-- == 0)
			return &m->pl[i];
	return NULL;
}

bool v1_next_attr(struct rbuf *r, struct v1_attr *a)
{
	uint16_t t, v;

	if (rbuf_left(r) == 0 || !rbuf_u16(r, &t) || !rbuf_u16(r, &v))
		return false;
	memset(a, 0, sizeof *a);
	a->type = t & 0x7fff;
	a->tv = t & 0x8000;
	if (a->tv) {
		a->num = v;
		return true;
	}
	a->len = v;
	if (!rbuf_ptr(r, &a->val, v))
		return false;
	for (uint16_t i = 0; i < v && v <= 4; i++)
		a->num = a->num << 8 | a->val[i];
	return true;
}

void v1_out_begin(struct v1_out *o, const uint8_t icky[8], const uint8_t rcky[8],
		  uint8_t exch, uint8_t flags, uint32_t msgid)
{
	wbuf_init(&o->w, o->buf, sizeof o->buf);
	wbuf_bytes(&o->w, icky, 8);
	wbuf_bytes(&o->w, rcky, 8);
	o->next_off = o->w.len;
	wbuf_u8(&o->w, PL_NONE);
	wbuf_u8(&o->w, ISAKMP_VERSION);
	wbuf_u8(&o->w, exch);
	wbuf_u8(&o->w, flags);
	wbuf_u32(&o->w, msgid);
	wbuf_u32(&o->w, 0);
}

size_t v1_out_open(struct v1_out *o, uint8_t type)
{
	size_t start = o->w.len;

	wbuf_put_u8_at(&o->w, o->next_off, type);
	o->next_off = start;
	wbuf_u8(&o->w, PL_NONE);
	wbuf_u8(&o->w, 0);
	wbuf_u16(&o->w, 0);
	return start;
}

void v1_out_close(struct v1_out *o, size_t start)
{
	wbuf_put_u16_at(&o->w, start + 2, (uint16_t)(o->w.len - start));
}

void v1_out_payload(struct v1_out *o, uint8_t type, const void *body, size_t len)
{
	size_t s = v1_out_open(o, type);

	wbuf_bytes(&o->w, body, len);
	v1_out_close(o, s);
}

void v1_out_attr16(struct v1_out *o, uint16_t type, uint16_t val)
{
	wbuf_u16(&o->w, 0x8000 | type);
	wbuf_u16(&o->w, val);
}

void v1_out_attr_var(struct v1_out *o, uint16_t type, const void *val, uint16_t len)
{
	wbuf_u16(&o->w, type & 0x7fff);
	wbuf_u16(&o->w, len);
	wbuf_bytes(&o->w, val, len);
}

void v1_out_finish(struct v1_out *o)
{
	wbuf_put_u32_at(&o->w, 24, (uint32_t)o->w.len);
}
