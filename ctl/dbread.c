/* Reading the session database (read-only). */
#include "ctl.h"
#include "../db/db_schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int open_mode(const char *path, bool immutable, sqlite3 **h)
{
	char uri[4200];
	int rc;

	/* immutable: no -shm to read or create (a directory the operator
	 * cannot write, and ravpn-db not running). */
	snprintf(uri, sizeof uri, "file:%s%s", path, immutable ? "?immutable=1" : "");
	rc = sqlite3_open_v2(uri, h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(*h, 2000);
		rc = sqlite3_exec(*h, "SELECT COUNT(*) FROM sessions", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		sqlite3_close(*h);
		*h = NULL;
	}
	return rc;
}

int ctl_db_open(const char *path, sqlite3 **h)
{
	struct stat st;
	int rc;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "ravpnctl: no session database at %s: %s%s\n", path,
			strerror(errno), errno == ENOENT ? " (is ravpnd running?)" : "");
		return -1;
	}
	rc = open_mode(path, false, h);
	if (rc == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY)
		rc = open_mode(path, true, h);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "ravpnctl: cannot read %s: %s\n", path, sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* Columns 18-23: the session's row of session_authz (NULL when none). */
static const char sql_live[] =
	"SELECT s.idx, s.sid, username, tunnel_group, group_policy, assigned_ip, public_ip,"
	" public_port, protocol, encryption, hashing, login_time, bytes_tx, bytes_rx,"
	" pkts_tx, pkts_rx, 0, '', a.sid, a.class, a.session_timeout, a.session_deadline,"
	" a.idle_timeout, a.last_activity FROM sessions s LEFT JOIN session_authz a"
	" ON a.sid = s.sid WHERE ?1 IS NULL OR username = ?1 ORDER BY s.idx";
static const char sql_history[] =
	"SELECT idx, sid, username, tunnel_group, group_policy, assigned_ip, public_ip,"
	" public_port, protocol, encryption, hashing, login_time, bytes_tx, bytes_rx,"
	" pkts_tx, pkts_rx, end_time, cause, NULL, '', 0, 0, 0, 0 FROM history"
	" WHERE ?1 IS NULL OR username = ?1 ORDER BY hid";

static void text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", s ? (const char *)s : "");
}

/* Times relative to now (end_time of a live session). */
static void authz_row(sqlite3_stmt *st, struct ctl_session *s)
{
	long long deadline, last;

	s->has_authz = sqlite3_column_type(st, 18) != SQLITE_NULL;
	s->session_left = -1;
	if (!s->has_authz)
		return;
	text(st, 19, s->radius_class, sizeof s->radius_class);
	s->session_timeout = sqlite3_column_int64(st, 20);
	deadline = sqlite3_column_int64(st, 21);
	s->idle_timeout = sqlite3_column_int64(st, 22);
	last = sqlite3_column_int64(st, 23);
	if (deadline)
		s->session_left = deadline > s->end_time ? deadline - s->end_time : 0;
	if (last < s->login_time)
		last = s->login_time;
	s->idle_secs = s->end_time > last ? s->end_time - last : 0;
}

static void row(sqlite3_stmt *st, bool history, struct ctl_session *s)
{
	memset(s, 0, sizeof *s);
	s->idx = sqlite3_column_int64(st, 0);
	s->sid = (uint64_t)sqlite3_column_int64(st, 1);
	text(st, 2, s->username, sizeof s->username);
	text(st, 3, s->tunnel_group, sizeof s->tunnel_group);
	text(st, 4, s->group_policy, sizeof s->group_policy);
	text(st, 5, s->assigned_ip, sizeof s->assigned_ip);
	text(st, 6, s->public_ip, sizeof s->public_ip);
	s->public_port = sqlite3_column_int64(st, 7);
	text(st, 8, s->protocol, sizeof s->protocol);
	text(st, 9, s->encryption, sizeof s->encryption);
	text(st, 10, s->hashing, sizeof s->hashing);
	s->login_time = sqlite3_column_int64(st, 11);
	s->bytes_tx = sqlite3_column_int64(st, 12);
	s->bytes_rx = sqlite3_column_int64(st, 13);
	s->pkts_tx = sqlite3_column_int64(st, 14);
	s->pkts_rx = sqlite3_column_int64(st, 15);
	s->end_time = history ? sqlite3_column_int64(st, 16) : (long long)time(NULL);
	text(st, 17, s->cause, sizeof s->cause);
	s->duration = s->end_time > s->login_time ? s->end_time - s->login_time : 0;
	authz_row(st, s);
}

static int append(struct ctl_session_list *l, int *cap)
{
	if (l->n == *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		struct ctl_session *nv = realloc(l->v, (size_t)ncap * sizeof *nv);

		if (!nv)
			return -1;
		l->v = nv;
		*cap = ncap;
	}
	return l->n++;
}

int ctl_db_sessions(sqlite3 *h, bool history, const char *user, struct ctl_session_list *out)
{
	sqlite3_stmt *st;
	int rc, cap = 0, i;

	out->v = NULL;
	out->n = 0;
	if (sqlite3_prepare_v2(h, history ? sql_history : sql_live, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ravpnctl: query: %s\n", sqlite3_errmsg(h));
		return -1;
	}
	if (user)
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && (i = append(out, &cap)) >= 0)
		row(st, history, &out->v[i]);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "ravpnctl: query: %s\n",
			rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(h));
		ctl_session_list_free(out);
		return -1;
	}
	return 0;
}

void ctl_session_list_free(struct ctl_session_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int ctl_db_sid_of_index(sqlite3 *h, long long idx, uint64_t *sid)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(h, "SELECT sid FROM sessions WHERE idx = ?1", -1, &st, NULL)
	    != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, idx);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*sid = (uint64_t)sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}
