/* show vpn-sessiondb: the table, the detail blocks, history and JSON. */
#include "ctl.h"
#include "json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void ctl_fmt_duration(long long secs, char *out, size_t len)
{
	if (secs < 0)
		secs = 0;
	snprintf(out, len, "%lldh:%02lldm:%02llds", secs / 3600, secs / 60 % 60, secs % 60);
}

void ctl_fmt_time(long long t, bool with_year, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) ||
	    !strftime(out, len, with_year ? "%H:%M:%S %Z %a %b %d %Y" : "%H:%M:%S %Z %b %d", &tm))
		snprintf(out, len, "%lld", t);
}

static void json_session(struct ctl_json *j, const struct ctl_session *s, bool history)
{
	ctl_json_begin_object(j);
	ctl_json_kint(j, "index", s->idx);
	ctl_json_kstr(j, "username", s->username);
	ctl_json_kstr(j, "assigned_ip", s->assigned_ip);
	ctl_json_kstr(j, "public_ip", s->public_ip);
	ctl_json_kint(j, "public_port", s->public_port);
	ctl_json_kstr(j, "protocol", s->protocol);
	ctl_json_kstr(j, "encryption", s->encryption);
	ctl_json_kstr(j, "hashing", s->hashing);
	ctl_json_kint(j, "bytes_tx", s->bytes_tx);
	ctl_json_kint(j, "bytes_rx", s->bytes_rx);
	ctl_json_kint(j, "login_time", s->login_time);
	ctl_json_kint(j, "duration", s->duration);
	ctl_json_kstr(j, "tunnel_group", s->tunnel_group);
	ctl_json_kstr(j, "group_policy", s->group_policy);
	if (history) {
		ctl_json_kint(j, "end_time", s->end_time);
		ctl_json_kstr(j, "cause", s->cause);
	}
	if (s->has_authz) {
		ctl_json_kstr(j, "radius_class", s->radius_class);
		ctl_json_kint(j, "session_timeout", s->session_timeout);
		ctl_json_kint(j, "session_timeout_left", s->session_left);
		ctl_json_kint(j, "idle_timeout", s->idle_timeout);
		ctl_json_kint(j, "idle_time", s->idle_secs);
	}
	ctl_json_end_object(j);
}

static void print_json(const struct ctl_session_list *l, bool history)
{
	struct ctl_json j;

	ctl_json_init(&j, stdout);
	ctl_json_begin_array(&j);
	for (int i = 0; i < l->n; i++)
		json_session(&j, &l->v[i], history);
	ctl_json_end_array(&j);
	ctl_json_finish(&j);
}

static void print_table(const struct ctl_session_list *l, bool history)
{
	char login[48], dur[32], end[48];

	printf("%-16s %-6s %-15s %-15s %-20s %-10s %12s %12s %-19s %-*s%s\n", "Username", "Index",
	       "Assigned IP", "Public IP", "Protocol", "Encryption", "Bytes Tx", "Bytes Rx",
	       "Login Time", history ? 12 : 0, "Duration",
	       history ? " End Time            Cause" : "");
	for (int i = 0; i < l->n; i++) {
		const struct ctl_session *s = &l->v[i];

		ctl_fmt_time(s->login_time, false, login, sizeof login);
		ctl_fmt_duration(s->duration, dur, sizeof dur);
		printf("%-16s %-6lld %-15s %-15s %-20s %-10s %12lld %12lld %-19s %-*s", s->username,
		       s->idx, s->assigned_ip, s->public_ip, s->protocol, s->encryption,
		       s->bytes_tx, s->bytes_rx, login, history ? 12 : 0, dur);
		if (history) {
			ctl_fmt_time(s->end_time, false, end, sizeof end);
			printf(" %-19s %s", end, s->cause);
		}
		putchar('\n');
	}
}

/* "N Minutes" as the ASA shows timeouts, or "none"; seconds when not whole. */
static void fmt_timeout(long long secs, char *out, size_t len)
{
	if (secs <= 0)
		snprintf(out, len, "none");
	else if (secs % 60)
		snprintf(out, len, "%lld Seconds", secs);
	else
		snprintf(out, len, "%lld Minutes", secs / 60);
}

static void print_timers(const struct ctl_session *s)
{
	char st[32], it[32], left[32], idle[32];

	fmt_timeout(s->session_timeout, st, sizeof st);
	fmt_timeout(s->idle_timeout, it, sizeof it);
	if (s->session_left >= 0)
		ctl_fmt_duration(s->session_left, left, sizeof left);
	else
		snprintf(left, sizeof left, "none");
	ctl_fmt_duration(s->idle_secs, idle, sizeof idle);
	printf("RADIUS Class : %s\n", s->radius_class[0] ? s->radius_class : "none");
	printf("Sess Timeout : %-22s Time Left    : %s\n", st, left);
	printf("Idle Timeout : %-22s Idle Time    : %s\n", it, idle);
}

/* The ASA's `show vpn-sessiondb detail` layout: two columns of
 * "Name : value" per session. */
static void print_detail(const struct ctl_session *s, bool history)
{
	char t[48], dur[32];

	printf("\nUsername     : %-22s Index        : %lld\n", s->username, s->idx);
	printf("Assigned IP  : %-22s Public IP    : %s\n", s->assigned_ip, s->public_ip);
	printf("Protocol     : %s\n", s->protocol);
	printf("Encryption   : %-22s Hashing      : %s\n", s->encryption, s->hashing);
	printf("Bytes Tx     : %-22lld Bytes Rx     : %lld\n", s->bytes_tx, s->bytes_rx);
	printf("Pkts Tx      : %-22lld Pkts Rx      : %lld\n", s->pkts_tx, s->pkts_rx);
	printf("Group Policy : %-22s Tunnel Group : %s\n", s->group_policy, s->tunnel_group);
	ctl_fmt_time(s->login_time, true, t, sizeof t);
	printf("Login Time   : %s\n", t);
	ctl_fmt_duration(s->duration, dur, sizeof dur);
	printf("Duration     : %s\n", dur);
	if (history) {
		ctl_fmt_time(s->end_time, true, t, sizeof t);
		printf("End Time     : %s\nCause        : %s\n", t, s->cause);
	}
	if (s->has_authz)
		print_timers(s);
}

static void print_text(const struct ctl_session_list *l, bool detail, bool history,
		       const char *user)
{
	if (l->n == 0) {
		if (user)
			printf("INFO: There are no %s sessions for user %s\n",
			       history ? "ended" : "active", user);
		else
			printf("INFO: There are presently no %s sessions\n",
			       history ? "ended" : "active");
		return;
	}
	printf("\nSession Type: IPsec%s\n\n", history ? " (history)" : "");
	if (!detail) {
		print_table(l, history);
		return;
	}
	for (int i = 0; i < l->n; i++)
		print_detail(&l->v[i], history);
}

int ctl_show_sessions(const struct ctl_opts *o, bool detail, bool history, const char *user)
{
	struct ctl_session_list l;
	sqlite3 *h;
	int rc;

	if (ctl_db_open(o->db, &h) < 0)
		return -1;
	rc = ctl_db_sessions(h, history, user, &l);
	sqlite3_close(h);
	if (rc < 0)
		return -1;
	if (o->json)
		print_json(&l, history);
	else
		print_text(&l, detail, history, user);
	ctl_session_list_free(&l);
	return 0;
}
