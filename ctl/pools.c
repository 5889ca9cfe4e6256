/* show ip local pool [NAME]: sizes from the config, use from the leases. */
#include "conf.h"
#include "ctl.h"
#include "json.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lease_row {
	char pool[32], addr[16], user[64];
	long long since;
};

struct leases {
	struct lease_row *v;
	int n;
};

static int load_leases(sqlite3 *h, struct leases *out)
{
	sqlite3_stmt *st;
	int rc, cap = 0;

	out->v = NULL;
	out->n = 0;
	if (sqlite3_prepare_v2(h, "SELECT pool, addr, username, since FROM leases ORDER BY"
			       " pool, since", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ravpnctl: query: %s\n", sqlite3_errmsg(h));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lease_row *r;

		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			r = realloc(out->v, (size_t)cap * sizeof *r);
			if (!r)
				break;
			out->v = r;
		}
		r = &out->v[out->n++];
		snprintf(r->pool, sizeof r->pool, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(r->addr, sizeof r->addr, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(r->user, sizeof r->user, "%s", (const char *)sqlite3_column_text(st, 2));
		r->since = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "ravpnctl: query: %s\n", sqlite3_errmsg(h));
		free(out->v);
		return -1;
	}
	return 0;
}

/* Addresses poold can hand out: the range minus its network and broadcast
 * addresses (same rule as poold). */
static long long capacity(const struct conf_pool *p)
{
	uint32_t first = ntohl(p->first), last = ntohl(p->last), mask = ntohl(p->mask);
	long long n = 0;

	for (uint64_t a = first; a <= last; a++) {
		uint32_t net = (uint32_t)a & mask;

		n += mask >= 0xfffffffeu || ((uint32_t)a != net && (uint32_t)a != (net | ~mask));
	}
	return n;
}

static int in_use(const struct leases *l, const char *pool)
{
	int n = 0;

	for (int i = 0; i < l->n; i++)
		n += strcmp(l->v[i].pool, pool) == 0;
	return n;
}

static void ip(uint32_t a, char out[16])
{
	struct in_addr in = { .s_addr = a };

	inet_ntop(AF_INET, &in, out, 16);
}

static void json_pool(struct ctl_json *j, const struct conf_pool *p, const struct leases *l)
{
	char b[16], e[16], m[16];
	long long cap = capacity(p), used = in_use(l, p->name);

	ip(p->first, b), ip(p->last, e), ip(p->mask, m);
	ctl_json_begin_object(j);
	ctl_json_kstr(j, "name", p->name);
	ctl_json_kstr(j, "begin", b);
	ctl_json_kstr(j, "end", e);
	ctl_json_kstr(j, "mask", m);
	ctl_json_kint(j, "size", cap);
	ctl_json_kint(j, "in_use", used);
	ctl_json_kint(j, "free", cap > used ? cap - used : 0);
	ctl_json_key(j, "leases");
	ctl_json_begin_array(j);
	for (int i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].pool, p->name) != 0)
			continue;
		ctl_json_begin_object(j);
		ctl_json_kstr(j, "addr", l->v[i].addr);
		ctl_json_kstr(j, "username", l->v[i].user);
		ctl_json_kint(j, "since", l->v[i].since);
		ctl_json_end_object(j);
	}
	ctl_json_end_array(j);
	ctl_json_end_object(j);
}

static void text_pool(const struct conf_pool *p, const struct leases *l, bool addrs)
{
	char b[16], e[16], m[16], t[48];
	long long cap = capacity(p), used = in_use(l, p->name);

	ip(p->first, b), ip(p->last, e), ip(p->mask, m);
	printf("%-16s %-15s %-15s %-15s %-8lld %lld\n", p->name, b, e, m,
	       cap > used ? cap - used : 0, used);
	if (!addrs)
		return;
	printf("\nIn use addresses:\n");
	for (int i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].pool, p->name) != 0)
			continue;
		ctl_fmt_time(l->v[i].since, false, t, sizeof t);
		printf("%-15s %-16s since %s\n", l->v[i].addr, l->v[i].user, t);
	}
}

static void print_pools(const struct ctl_opts *o, const struct conf *c, const char *name,
			const struct leases *l)
{
	struct ctl_json j;

	if (o->json) {
		ctl_json_init(&j, stdout);
		ctl_json_begin_array(&j);
	} else {
		printf("%-16s %-15s %-15s %-15s %-8s %s\n", "Pool", "Begin", "End", "Mask",
		       "Free", "In use");
	}
	for (int i = 0; i < c->n_pools; i++) {
		if (name && strcmp(name, c->pools[i].name) != 0)
			continue;
		if (o->json)
			json_pool(&j, &c->pools[i], l);
		else
			text_pool(&c->pools[i], l, name != NULL);
	}
	if (o->json) {
		ctl_json_end_array(&j);
		ctl_json_finish(&j);
	}
}

int ctl_show_pools(const struct ctl_opts *o, const char *name)
{
	struct conf c;
	struct leases l;
	char err[CONF_ERR];
	sqlite3 *h;
	int rc;

	if (!conf_parse_file(o->config, &c, err, sizeof err)) {
		fprintf(stderr, "ravpnctl: pool sizes need the config: %s\n", err);
		return -1;
	}
	if (name && !conf_pool(&c, name)) {
		fprintf(stderr, "ravpnctl: no pool named %s in %s\n", name, o->config);
		conf_free(&c);
		return -1;
	}
	rc = ctl_db_open(o->db, &h);
	if (rc == 0) {
		rc = load_leases(h, &l);
		sqlite3_close(h);
	}
	if (rc == 0) {
		print_pools(o, &c, name, &l);
		free(l.v);
	}
	conf_free(&c);
	return rc;
}
