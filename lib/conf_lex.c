/* Config tokenizer and typed-argument readers.
 *
 * Every reader takes the line and a token index, checks the token is
 * there and valid, and on failure writes "file:line:col: what, expected
 * what" with the column of the offending token (or of the end of the line
 * when an argument is missing). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf_priv.h"

static bool conf_vfail(struct conf_parser *p, int line, int col, const char *fmt, va_list ap)
{
	int n = snprintf(p->err, p->errlen, "%s:%d:%d: ", p->fname, line, col);

	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	return false;
}

bool conf_fail(struct conf_parser *p, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vfail(p, p->lineno, col, fmt, ap);
	va_end(ap);
	return false;
}

bool conf_fail_at(struct conf_parser *p, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vfail(p, line, col, fmt, ap);
	va_end(ap);
	return false;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Control characters (other than tab) never belong in a config; bytes
 * >= 0x80 are allowed so a banner may carry UTF-8. */
static bool is_bad_char(unsigned char ch)
{
	return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

static bool lex_check_chars(struct conf_parser *p, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_bad_char((unsigned char)s[i]))
			return conf_fail(p, (int)i + 1, "invalid character 0x%02x, expected printable text",
					 (unsigned char)s[i]);
	return true;
}

static bool lex_is_comment(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_blank(s[i]))
		i++;
	return i < len && (s[i] == '!' || s[i] == '#' || s[i] == ':');
}

bool conf_lex_line(struct conf_parser *p, const char *s, size_t len, size_t off,
		   struct conf_line *l)
{
	if (len > 0 && s[len - 1] == '\r')
		len--;
	memset(l, 0, sizeof *l);
	l->s = s;
	l->len = len;
	l->lineno = p->lineno;
	if (!lex_check_chars(p, s, len))
		return false;
	l->indented = len > 0 && is_blank(s[0]);
	if (lex_is_comment(s, len))
		return true;
	for (size_t i = 0; i < len;) {
		if (is_blank(s[i])) {
			i++;
			continue;
		}
		if (l->n == CONF_MAX_TOK)
			return conf_fail(p, (int)i + 1, "too many words, expected at most %d", CONF_MAX_TOK);
		struct conf_tok *t = &l->tok[l->n++];
		t->s = s + i;
		t->off = off + i;
		t->col = (int)i + 1;
		while (i < len && !is_blank(s[i]))
			i++;
		t->len = (size_t)(s + i - t->s);
		l->end_col = (int)i + 2;
	}
	return true;
}

bool conf_is(const struct conf_tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->len == n && memcmp(t->s, word, n) == 0;
}

bool conf_need(struct conf_parser *p, const struct conf_line *l, int i, const char *expected)
{
	if (i < l->n)
		return true;
	return conf_fail(p, l->end_col, "missing argument, expected %s", expected);
}

bool conf_end(struct conf_parser *p, const struct conf_line *l, int i)
{
	if (i >= l->n)
		return true;
	return conf_fail(p, l->tok[i].col, "unexpected '%.*s', expected end of line",
			 CONF_TOK(&l->tok[i]));
}

/* "a, b or c" */
const char *conf_words(const char *const *words, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; words[i]; i++) {
		const char *sep = i == 0 ? "" : words[i + 1] ? ", " : " or ";
		int n = snprintf(buf + used, size - used, "%s%s", sep, words[i]);

		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

bool conf_kw(struct conf_parser *p, const struct conf_line *l, int i,
	     const char *const *words, int *out)
{
	char buf[512];

	if (!conf_need(p, l, i, conf_words(words, buf, sizeof buf)))
		return false;
	for (int k = 0; words[k]; k++) {
		if (conf_is(&l->tok[i], words[k])) {
			*out = k;
			return true;
		}
	}
	return conf_fail(p, l->tok[i].col, "invalid value '%.*s', expected %s",
			 CONF_TOK(&l->tok[i]), conf_words(words, buf, sizeof buf));
}

static bool parse_u32(const char *s, size_t len, uint64_t *v)
{
	if (len == 0 || len > 10)
		return false;
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

bool conf_num(struct conf_parser *p, const struct conf_line *l, int i,
	      uint32_t min, uint32_t max, const char *what, uint32_t *out)
{
	uint64_t v;

	if (!conf_need(p, l, i, what))
		return false;
	const struct conf_tok *t = &l->tok[i];
	bool digits = parse_u32(t->s, t->len, &v);

	if (!digits && t->len <= 10)
		return conf_fail(p, t->col, "invalid number '%.*s', expected %s (%u..%u)",
				 CONF_TOK(t), what, min, max);
	if (!digits || v < min || v > max)
		return conf_fail(p, t->col, "'%.*s' is out of range, expected %s (%u..%u)",
				 CONF_TOK(t), what, min, max);
	*out = (uint32_t)v;
	return true;
}

/* Strict dotted quad: four decimal parts 0..255, no leading zeros. */
bool conf_ip_str(const char *s, size_t len, uint32_t *out)
{
	uint32_t host = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		uint32_t v = 0;

		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			v = v * 10 + (uint32_t)(s[i++] - '0');
		size_t nd = i - start;
		if (nd == 0 || nd > 3 || v > 255 || (nd > 1 && s[start] == '0'))
			return false;
		host = host << 8 | v;
		if (part < 3 && (i >= len || s[i++] != '.'))
			return false;
	}
	if (i != len)
		return false;
	*out = htonl(host);
	return true;
}

bool conf_ip(struct conf_parser *p, const struct conf_line *l, int i, uint32_t *out)
{
	if (!conf_need(p, l, i, "an IPv4 address"))
		return false;
	if (conf_ip_str(l->tok[i].s, l->tok[i].len, out))
		return true;
	return conf_fail(p, l->tok[i].col, "invalid IPv4 address '%.*s', expected a.b.c.d",
			 CONF_TOK(&l->tok[i]));
}

bool conf_mask(struct conf_parser *p, const struct conf_line *l, int i, uint32_t *out)
{
	if (!conf_need(p, l, i, "a netmask"))
		return false;
	if (!conf_ip_str(l->tok[i].s, l->tok[i].len, out))
		return conf_fail(p, l->tok[i].col, "invalid netmask '%.*s', expected a.b.c.d",
				 CONF_TOK(&l->tok[i]));
	uint32_t m = ntohl(*out);

	/* contiguous: the inverted mask plus one is a power of two */
	if (((~m + 1) & ~m) != 0)
		return conf_fail(p, l->tok[i].col, "'%.*s' is not a contiguous netmask, expected a mask like 255.255.255.0",
				 CONF_TOK(&l->tok[i]));
	return true;
}

bool conf_name(struct conf_parser *p, const struct conf_line *l, int i,
	       char *dst, size_t size, const char *what)
{
	if (!conf_need(p, l, i, what))
		return false;
	const struct conf_tok *t = &l->tok[i];

	if (t->len >= size)
		return conf_fail(p, t->col, "'%.*s' is too long (%zu characters), expected %s of at most %zu characters",
				 CONF_TOK(t), t->len, what, size - 1);
	memcpy(dst, t->s, t->len);
	dst[t->len] = 0;
	return true;
}

bool conf_paren_nameif(const struct conf_tok *t)
{
	return t->len >= 3 && t->s[0] == '(' && t->s[t->len - 1] == ')';
}
