#include "buf.h"

#include <string.h>

bool rbuf_u64(struct rbuf *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (!rbuf_u32(r, &hi) || !rbuf_u32(r, &lo))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

bool rbuf_copy(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *p;

	if (!rbuf_take_(r, n, &p))
		return false;
	if (n)
		memcpy(dst, p, n);
	return true;
}

bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub)
{
	const uint8_t *p;

	if (!rbuf_take_(r, n, &p)) {
		rbuf_init(sub, NULL, 0);
		sub->bad = true;
		return false;
	}
	rbuf_init(sub, p, n);
	return true;
}

const uint8_t *rbuf_base(const struct rbuf *r)
{
	return r->p;
}

const uint8_t *rbuf_cur(const struct rbuf *r)
{
	return r->p + r->off;
}

void wbuf_init(struct wbuf *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->bad = false;
}

bool wbuf_ok(const struct wbuf *w)
{
	return !w->bad;
}

/* The single bounds check every appender goes through. */
static uint8_t *grow(struct wbuf *w, size_t n)
{
	uint8_t *p;

	if (w->bad || n > w->cap - w->len) {
		w->bad = true;
		return NULL;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

bool wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = grow(w, n);

	if (!p)
		return false;
	if (n)
		memcpy(p, src, n);
	return true;
}

bool wbuf_zero(struct wbuf *w, size_t n)
{
	uint8_t *p = grow(w, n);

	if (!p)
		return false;
	memset(p, 0, n);
	return true;
}

bool wbuf_u8(struct wbuf *w, uint8_t v)
{
	return wbuf_bytes(w, &v, 1);
}

bool wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_bytes(w, b, 2);
}

bool wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_bytes(w, b, 4);
}

bool wbuf_u64(struct wbuf *w, uint64_t v)
{
	return wbuf_u32(w, (uint32_t)(v >> 32)) && wbuf_u32(w, (uint32_t)v);
}

size_t wbuf_reserve(struct wbuf *w, size_t n)
{
	size_t off = w->len;

	return wbuf_zero(w, n) ? off : SIZE_MAX;
}

static bool at(struct wbuf *w, size_t off, size_t n)
{
	if (w->bad || off > w->len || n > w->len - off) {
		w->bad = true;
		return false;
	}
	return true;
}

bool wbuf_put_u8_at(struct wbuf *w, size_t off, uint8_t v)
{
	if (!at(w, off, 1))
		return false;
	w->p[off] = v;
	return true;
}

bool wbuf_put_u16_at(struct wbuf *w, size_t off, uint16_t v)
{
	if (!at(w, off, 2))
		return false;
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
	return true;
}

bool wbuf_put_u32_at(struct wbuf *w, size_t off, uint32_t v)
{
	if (!at(w, off, 4))
		return false;
	w->p[off] = (uint8_t)(v >> 24);
	w->p[off + 1] = (uint8_t)(v >> 16);
	w->p[off + 2] = (uint8_t)(v >> 8);
	w->p[off + 3] = (uint8_t)v;
	return true;
}
