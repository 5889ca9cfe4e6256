/* show aaa-server [GROUP]: RADIUS servers' state and counters, as authd
 * last reported them to the database. */
#include "ctl.h"
#include "json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define AAA_NCOUNTERS	7

static const char *const counter_keys[AAA_NCOUNTERS] = {
	"requests", "accepts", "rejects", "challenges", "timeouts", "retransmissions",
	"bad_responses",
};

static const char *const counter_labels[AAA_NCOUNTERS] = {
	"Number of authentication requests", "Number of accepts", "Number of rejects",
	"Number of challenges", "Number of timeouts", "Number of retransmissions",
	"Number of bad responses",
};

struct aaa_row {
	char group[64], addr[16];
	long long host_index, port, dead_until, rtt_ms, rtt_avg_ms, updated;
	long long counters[AAA_NCOUNTERS];
};

static void read_row(sqlite3_stmt *st, struct aaa_row *r)
{
	snprintf(r->group, sizeof r->group, "%s", (const char *)sqlite3_column_text(st, 0));
	r->host_index = sqlite3_column_int64(st, 1);
	snprintf(r->addr, sizeof r->addr, "%s", (const char *)sqlite3_column_text(st, 2));
	r->port = sqlite3_column_int64(st, 3);
	r->dead_until = sqlite3_column_int64(st, 4);
	for (int i = 0; i < AAA_NCOUNTERS; i++)
		r->counters[i] = sqlite3_column_int64(st, 5 + i);
	r->rtt_ms = sqlite3_column_int64(st, 12);
	r->rtt_avg_ms = sqlite3_column_int64(st, 13);
	r->updated = sqlite3_column_int64(st, 14);
}

static void json_row(struct ctl_json *j, const struct aaa_row *r, long long now)
{
	bool dead = r->dead_until > now;

	ctl_json_begin_object(j);
	ctl_json_kstr(j, "group", r->group);
	ctl_json_kstr(j, "protocol", "radius");
	ctl_json_kint(j, "host_index", r->host_index);
	ctl_json_kstr(j, "address", r->addr);
	ctl_json_kint(j, "auth_port", r->port);
	ctl_json_kstr(j, "status", dead ? "dead" : "active");
	ctl_json_kint(j, "dead_until", dead ? r->dead_until : 0);
	for (int i = 0; i < AAA_NCOUNTERS; i++)
		ctl_json_kint(j, counter_keys[i], r->counters[i]);
	ctl_json_kint(j, "rtt_ms", r->rtt_ms);
	ctl_json_kint(j, "rtt_avg_ms", r->rtt_avg_ms);
	ctl_json_kint(j, "updated", r->updated);
	ctl_json_end_object(j);
}

/* ASA's layout: one block per server. */
static void text_row(const struct aaa_row *r, long long now)
{
	char t[48], left[32];

	printf("Server Group:    %s\nServer Protocol: radius\nServer Address:  %s\n"
	       "Server port:     %lld\n", r->group, r->addr, r->port);
	if (r->dead_until > now) {
		ctl_fmt_time(r->dead_until, false, t, sizeof t);
		ctl_fmt_duration(r->dead_until - now, left, sizeof left);
		printf("Server status:   FAILED, dead until %s (%s left)\n", t, left);
	} else {
		printf("Server status:   ACTIVE\n");
	}
	printf("Round trip time  %lldms (average %lldms)\n", r->rtt_ms, r->rtt_avg_ms);
	for (int i = 0; i < AAA_NCOUNTERS; i++)
		printf("%-34s %lld\n", counter_labels[i], r->counters[i]);
	printf("\n");
}

static int print_rows(sqlite3_stmt *st, const struct ctl_opts *o)
{
	long long now = (long long)time(NULL);
	struct ctl_json j;
	struct aaa_row r;
	int rc, n = 0;

	if (o->json) {
		ctl_json_init(&j, stdout);
		ctl_json_begin_array(&j);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &r);
		if (o->json)
			json_row(&j, &r, now);
		else
			text_row(&r, now);
		n++;
	}
	if (o->json) {
		ctl_json_end_array(&j);
		ctl_json_finish(&j);
	} else if (n == 0) {
		printf("No RADIUS server has been reported yet.\n");
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

int ctl_show_aaa(const struct ctl_opts *o, const char *group)
{
	static const char sql[] =
		"SELECT grp, host_index, addr, auth_port, dead_until, requests, accepts, rejects,"
		" challenges, timeouts, retransmissions, bad_responses, rtt_ms, rtt_avg_ms, updated"
		" FROM aaa_servers WHERE ?1 IS NULL OR grp = ?1 ORDER BY grp, host_index";
	sqlite3_stmt *st;
	sqlite3 *h;
	int rc;

	if (ctl_db_open(o->db, &h) < 0)
		return -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ravpnctl: query: %s\n", sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	if (group)
		sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
	rc = print_rows(st, o);
	if (rc < 0)
		fprintf(stderr, "ravpnctl: query: %s\n", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}
