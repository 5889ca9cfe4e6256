/* ravpnctl: the operator's command line. */
#ifndef RAVPN_CTL_H
#define RAVPN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define CTL_DEFAULT_SOCKET	"/run/ravpn/ravpn.sock"
#define CTL_DEFAULT_CONFIG	"/etc/ravpn/ravpn.conf"

struct ctl_opts {
	const char *db;
	const char *socket;
	const char *config;
	bool json;
};

/* One row of sessions or history. */
struct ctl_session {
	long long idx;
	uint64_t sid;
	char username[64], tunnel_group[64], group_policy[64];
	char assigned_ip[16], public_ip[16];
	long long public_port;
	char protocol[32], encryption[32], hashing[32];
	long long login_time, bytes_tx, bytes_rx, pkts_tx, pkts_rx;
	long long end_time, duration;	/* history; for live ones: now */
	char cause[16];
	/* live sessions (db table session_authz); has_authz false: unknown */
	bool has_authz;
	char radius_class[72];		/* RADIUS Class, non-printables as '.' */
	long long session_timeout;	/* seconds, 0 = none */
	long long session_left;		/* seconds until the session-timeout, -1 = none */
	long long idle_timeout;		/* seconds, 0 = none */
	long long idle_secs;		/* seconds since the last data traffic */
};

struct ctl_session_list {
	struct ctl_session *v;
	int n;
};

/* Every function below prints its own one-line error to stderr and
 * returns -1; main turns that into exit status 1. */

/* Opens the database read-only. */
int ctl_db_open(const char *path, sqlite3 **h);
/* Loads live sessions (history=false) or ended ones, optionally only
 * those of user (NULL: all). */
int ctl_db_sessions(sqlite3 *h, bool history, const char *user, struct ctl_session_list *out);
void ctl_session_list_free(struct ctl_session_list *l);
/* The sid of the live session with that index; -1 if there is none. */
int ctl_db_sid_of_index(sqlite3 *h, long long idx, uint64_t *sid);

/* show vpn-sessiondb [detail|history] [filter name U] */
int ctl_show_sessions(const struct ctl_opts *o, bool detail, bool history, const char *user);
/* show crypto isakmp sa [detail]; show crypto ipsec sa [peer A] */
int ctl_show_isakmp_sa(const struct ctl_opts *o, bool detail);
int ctl_show_ipsec_sa(const struct ctl_opts *o, const char *peer);
/* show ip local pool [NAME] */
int ctl_show_pools(const struct ctl_opts *o, const char *name);
/* show aaa-server [GROUP] */
int ctl_show_aaa(const struct ctl_opts *o, const char *group);
/* vpn-sessiondb logoff name U | index N | all; reload. */
int ctl_logoff(const struct ctl_opts *o, const char *by, const char *arg);
int ctl_reload(const struct ctl_opts *o);
/* Sends one command to ravpnd and waits for its answer (control.c). */
struct ipc_ctl;
struct ipc_ctl_ans;
int ctl_request(const struct ctl_opts *o, const struct ipc_ctl *req, struct ipc_ctl_ans *ans);
int ctl_report_answer(const struct ctl_opts *o, struct ipc_ctl_ans *ans);
/* clear crypto sa [peer A] | clear crypto isakmp sa [A] (clear.c) */
int ctl_clear_crypto(const struct ctl_opts *o, bool isakmp, const char *peer);
/* stats: per ESP worker packets, bytes, drops by reason (ctl/stats.c) */
int ctl_stats(const struct ctl_opts *o);
/* hash-password [PASSWORD] */
int ctl_hash_password(const char *password);

/* Formatting shared by the show commands. */
void ctl_fmt_duration(long long secs, char *out, size_t len);
void ctl_fmt_time(long long t, bool with_year, char *out, size_t len);

#endif
