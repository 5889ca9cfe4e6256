/* A small streaming JSON writer for ravpnctl --json. */
#ifndef RAVPN_CTL_JSON_H
#define RAVPN_CTL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define CTL_JSON_DEPTH	8

struct ctl_json {
	FILE *f;
	int depth;
	bool first[CTL_JSON_DEPTH];	/* no element written yet at this level */
	bool after_key;			/* a key was written; its value comes next */
};

void ctl_json_init(struct ctl_json *j, FILE *f);
void ctl_json_begin_array(struct ctl_json *j);
void ctl_json_end_array(struct ctl_json *j);
void ctl_json_begin_object(struct ctl_json *j);
void ctl_json_end_object(struct ctl_json *j);
void ctl_json_key(struct ctl_json *j, const char *key);
void ctl_json_str(struct ctl_json *j, const char *s);
void ctl_json_int(struct ctl_json *j, long long v);
/* Shorthands for "key": value inside an object. */
void ctl_json_kstr(struct ctl_json *j, const char *key, const char *s);
void ctl_json_kint(struct ctl_json *j, const char *key, long long v);
/* Ends the document with a newline. */
void ctl_json_finish(struct ctl_json *j);

#endif
