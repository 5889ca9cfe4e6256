/* JSON output with RFC 8259 string escaping. */
#include "json.h"

void ctl_json_init(struct ctl_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

/* Writes the comma between elements, except for a value after its key. */
static void separate(struct ctl_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void open_level(struct ctl_json *j, char c)
{
	separate(j);
	fputc(c, j->f);
	if (j->depth < CTL_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_level(struct ctl_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void ctl_json_begin_array(struct ctl_json *j)
{
	open_level(j, '[');
}

void ctl_json_end_array(struct ctl_json *j)
{
	close_level(j, ']');
}

void ctl_json_begin_object(struct ctl_json *j)
{
	open_level(j, '{');
}

void ctl_json_end_object(struct ctl_json *j)
{
	close_level(j, '}');
}

static void put_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);	/* UTF-8 passes through as is */
	}
	fputc('"', f);
}

void ctl_json_key(struct ctl_json *j, const char *key)
{
	separate(j);
	put_escaped(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void ctl_json_str(struct ctl_json *j, const char *s)
{
	separate(j);
	put_escaped(j->f, s ? s : "");
}

void ctl_json_int(struct ctl_json *j, long long v)
{
	separate(j);
	fprintf(j->f, "%lld", v);
}

void ctl_json_kstr(struct ctl_json *j, const char *key, const char *s)
{
	ctl_json_key(j, key);
	ctl_json_str(j, s);
}

void ctl_json_kint(struct ctl_json *j, const char *key, long long v)
{
	ctl_json_key(j, key);
	ctl_json_int(j, v);
}

void ctl_json_finish(struct ctl_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
