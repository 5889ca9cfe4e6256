/* Bounded buffers: the one API every parser and builder uses.
 *
 * A reader (struct rbuf) walks a byte range; every getter checks the
 * remaining length first and, on a short read, marks the reader bad and
 * returns false.  Once bad, every later call fails too, so a parser may
 * chain reads and test rbuf_ok() once.  No other code does offset
 * arithmetic on wire data.
 *
 * A writer (struct wbuf) appends into a caller-owned array; an overflow
 * marks it bad instead of writing past the end. */
#ifndef RAVPN_BUF_H
#define RAVPN_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

/* The getters every parser runs per field are inline (buf.h's own
 * definitions below): the ESP worker calls them for every packet. */
static inline void rbuf_init(struct rbuf *r, const void *p, size_t len);
static inline size_t rbuf_left(const struct rbuf *r);
static inline bool rbuf_ok(const struct rbuf *r);
static inline bool rbuf_u8(struct rbuf *r, uint8_t *v);
static inline bool rbuf_u16(struct rbuf *r, uint16_t *v);	/* network byte order */
static inline bool rbuf_u32(struct rbuf *r, uint32_t *v);	/* network byte order */
bool rbuf_u64(struct rbuf *r, uint64_t *v);	/* network byte order */
bool rbuf_copy(struct rbuf *r, void *dst, size_t n);
/* Points *p at the next n bytes without copying them. */
static inline bool rbuf_ptr(struct rbuf *r, const uint8_t **p, size_t n);
/* Splits off the next n bytes as their own reader. */
bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub);
static inline bool rbuf_skip(struct rbuf *r, size_t n);
/* The bytes already consumed, from the start of the buffer. */
const uint8_t *rbuf_base(const struct rbuf *r);
const uint8_t *rbuf_cur(const struct rbuf *r);

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool bad;
};

void wbuf_init(struct wbuf *w, void *p, size_t cap);
bool wbuf_ok(const struct wbuf *w);
bool wbuf_u8(struct wbuf *w, uint8_t v);
bool wbuf_u16(struct wbuf *w, uint16_t v);
bool wbuf_u32(struct wbuf *w, uint32_t v);
bool wbuf_u64(struct wbuf *w, uint64_t v);
bool wbuf_bytes(struct wbuf *w, const void *src, size_t n);
bool wbuf_zero(struct wbuf *w, size_t n);
/* Reserves n bytes and returns their offset (for length fields filled in
 * later with wbuf_put_u16_at / wbuf_put_u32_at); SIZE_MAX on overflow. */
size_t wbuf_reserve(struct wbuf *w, size_t n);
bool wbuf_put_u8_at(struct wbuf *w, size_t off, uint8_t v);
bool wbuf_put_u16_at(struct wbuf *w, size_t off, uint16_t v);
bool wbuf_put_u32_at(struct wbuf *w, size_t off, uint32_t v);

/* ---- inline definitions of the reader's hot getters ---- */

static inline void rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
	r->bad = false;
}

static inline size_t rbuf_left(const struct rbuf *r)
{
	return r->bad ? 0 : r->len - r->off;
}

static inline bool rbuf_ok(const struct rbuf *r)
{
	return !r->bad;
}

/* The single bounds check every getter goes through. */
static inline bool rbuf_take_(struct rbuf *r, size_t n, const uint8_t **p)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return false;
	}
	*p = r->p + r->off;
	r->off += n;
	return true;
}

static inline bool rbuf_u8(struct rbuf *r, uint8_t *v)
{
	const uint8_t *p;

	if (!rbuf_take_(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

static inline bool rbuf_u16(struct rbuf *r, uint16_t *v)
{
	const uint8_t *p;

	if (!rbuf_take_(r, 2, &p))
		return false;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

static inline bool rbuf_u32(struct rbuf *r, uint32_t *v)
{
	const uint8_t *p;

	if (!rbuf_take_(r, 4, &p))
		return false;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

static inline bool rbuf_ptr(struct rbuf *r, const uint8_t **p, size_t n)
{
	return rbuf_take_(r, n, p);
}

static inline bool rbuf_skip(struct rbuf *r, size_t n)
{
	const uint8_t *p;

	return rbuf_take_(r, n, &p);
}

#endif
