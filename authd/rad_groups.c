/* aaa-server groups: the objects the RADIUS threads share, which host to
 * try, dead hosts, and the per-host counters that go to db. */
#include "radius.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rad_group *groups;	/* the configured ones, one reference each */

/* radcli's dictionary, read before the sandbox and parsed per handle. */
static char *dict_buf;
static size_t dict_len;

int rad_init(const char *dictionary)
{
	int fd = open(dictionary, O_RDONLY | O_CLOEXEC);
	size_t cap = 64 * 1024;
	ssize_t n;

	if (fd < 0) {
		log_err("authd: cannot read the RADIUS dictionary %s: %s", dictionary, strerror(errno));
		return -1;
	}
	free(dict_buf);
	dict_buf = malloc(cap + 1);
	dict_len = 0;
	while (dict_buf && (n = read(fd, dict_buf + dict_len, cap - dict_len)) > 0)
		dict_len += (size_t)n;
	close(fd);
	if (!dict_buf || dict_len == cap) {
		log_err("authd: RADIUS dictionary %s unreadable or larger than %zu bytes", dictionary, cap);
		return -1;
	}
	dict_buf[dict_len] = 0;
	return 0;
}

static bool add_opt(rc_handle *rh, const char *name, const char *val)
{
	return rc_add_config(rh, name, val, "ravpn", 0) == 0;
}

/* radcli 1.2.11's rc_config_free frees only name[0] and secret[0] of a
 * server list, so every further host's name and key would leak on each
 * reload (and the keys stay in the heap).  Entries 1.. are wiped and freed
 * here and the list cut to one, which radcli then frees itself; a radcli
 * that frees the whole list finds only entry 0 too. */
static void trim_server_list(rc_handle *rh, const char *option)
{
	SERVER *s = rc_conf_srv(rh, option);

	if (!s)
		return;
	for (int i = 0; i < s->max && i < SERVER_MAX; i++)
		if (s->secret[i])
			sodium_memzero(s->secret[i], strlen(s->secret[i]));
	for (int i = 1; i < s->max && i < SERVER_MAX; i++) {
		free(s->name[i]);
		free(s->secret[i]);
		s->name[i] = NULL;
		s->secret[i] = NULL;
	}
	if (s->max > 1)
		s->max = 1;
}

static void destroy_handle(rc_handle *rh)
{
	trim_server_list(rh, "authserver");
	trim_server_list(rh, "acctserver");
	rc_destroy(rh);
}

/* A radcli handle that knows the group's hosts ("addr:port:secret", which
 * is how radcli finds the secret of the host a request goes to). */
static rc_handle *make_handle(const struct rad_group *g)
{
	char servers[RAD_MAX_HOSTS * 160] = "";
	rc_handle *rh;
	size_t used = 0;

	if (!dict_buf)
		return NULL;
	rh = rc_new();
	if (!rh)
		return NULL;
	rh = rc_config_init(rh);
	if (!rh)
		return NULL;
	for (int i = 0; i < g->n_hosts; i++)
		used += (size_t)snprintf(servers + used, sizeof servers - used, "%s%s:%u:%s",
					 i ? "," : "", g->hosts[i].name, g->hosts[i].conf.auth_port,
					 g->hosts[i].conf.key);
	if (!add_opt(rh, "authserver", servers) || !add_opt(rh, "acctserver", servers) ||
	    !add_opt(rh, "dictionary", RAD_DICTIONARY) || !add_opt(rh, "radius_timeout", "10") ||
	    !add_opt(rh, "radius_retries", "1") || !add_opt(rh, "bindaddr", "*") ||
	    rc_apply_config(rh) != 0 || rc_read_dictionary_from_buffer(rh, dict_buf, dict_len) != 0) {
		destroy_handle(rh);
		return NULL;
	}
	memset(servers, 0, sizeof servers);	/* held the keys */
	return rh;
}

static void group_free(struct rad_group *g)
{
	if (g->rh)
		destroy_handle(g->rh);
	pthread_mutex_destroy(&g->lock);
	memset(g, 0, sizeof *g);	/* the keys */
	free(g);
}

static struct rad_group *group_new(const struct conf_aaa_server *s)
{
	struct rad_group *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	pthread_mutex_init(&g->lock, NULL);
	ipc_strcpy(g->name, sizeof g->name, s->name);
	g->dead_time_s = s->dead_time * 60;
	g->max_failed = s->max_failed > 0 ? s->max_failed : 1;
	for (int i = 0; i < s->n_hosts && g->n_hosts < RAD_MAX_HOSTS; i++) {
		struct rad_host *h = &g->hosts[g->n_hosts];
		struct in_addr a = { .s_addr = s->hosts[i].addr };

		if (!s->hosts[i].key[0]) {
			inet_ntop(AF_INET, &a, h->name, sizeof h->name);
			log_warn("authd: aaa-server %s host %s has no key, skipped", s->name, h->name);
			continue;
		}
		h->conf = s->hosts[i];
		inet_ntop(AF_INET, &a, h->name, sizeof h->name);
		g->n_hosts++;
	}
	g->rh = make_handle(g);
	if (!g->rh)
		log_err("authd: aaa-server %s: radcli refused its configuration", s->name);
	g->refs = 1;
	g->dirty = true;
	return g;
}

/* A host that stays across a reload keeps its dead time and counters. */
static void carry_state(struct rad_group *g, struct rad_group *old)
{
	pthread_mutex_lock(&old->lock);
	for (int i = 0; i < g->n_hosts; i++) {
		for (int k = 0; k < old->n_hosts; k++) {
			const struct rad_host *o = &old->hosts[k];

			if (o->conf.addr != g->hosts[i].conf.addr ||
			    o->conf.auth_port != g->hosts[i].conf.auth_port)
				continue;
			g->hosts[i].dead_until = o->dead_until;
			g->hosts[i].fails = o->fails;
			g->hosts[i].st = o->st;
		}
	}
	pthread_mutex_unlock(&old->lock);
}

static struct rad_group *find_locked(const char *name)
{
	for (struct rad_group *g = groups; g; g = g->next)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

int rad_configure(const struct conf *c)
{
	struct rad_group *fresh = NULL, **tail = &fresh, *old;
	int rc = 0;

	for (int i = 0; i < c->n_aaa; i++) {
		struct rad_group *g = group_new(&c->aaa[i]);

		if (!g) {
			rc = -1;
			continue;
		}
		*tail = g;
		tail = &g->next;
	}
	pthread_mutex_lock(&list_lock);
	for (struct rad_group *g = fresh; g; g = g->next)
		if ((old = find_locked(g->name)) != NULL)
			carry_state(g, old);
	old = groups;
	groups = fresh;
	while (old) {
		struct rad_group *next = old->next;

		if (--old->refs == 0)
			group_free(old);
		old = next;
	}
	pthread_mutex_unlock(&list_lock);
	return rc;
}

struct rad_group *rad_group_get(const char *name)
{
	struct rad_group *g;

	pthread_mutex_lock(&list_lock);
	g = find_locked(name);
	if (g)
		g->refs++;
	pthread_mutex_unlock(&list_lock);
	return g;
}

void rad_group_put(struct rad_group *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&list_lock);
	if (--g->refs == 0)
		group_free(g);
	pthread_mutex_unlock(&list_lock);
}

int rad_pick_host(struct rad_group *g, int from, long long now)
{
	int pick = -1;

	pthread_mutex_lock(&g->lock);
	for (int i = from < 0 ? 0 : from; i < g->n_hosts && pick < 0; i++)
		if (g->hosts[i].dead_until <= now)
			pick = i;
	if (pick < 0 && from <= 0 && g->n_hosts > 0) {
		/* every host is dead: try them all again rather than fail everyone */
		for (int i = 0; i < g->n_hosts; i++)
			g->hosts[i].dead_until = 0;
		log_warn("authd: every server of aaa-server %s is dead, reactivating all", g->name);
		g->dirty = true;
		pick = 0;
	}
	pthread_mutex_unlock(&g->lock);
	return pick;
}

static void count(struct rad_stats *st, enum rad_outcome o, uint32_t rtt_ms)
{
	switch (o) {
	case RAD_ACCEPT: st->accepts++; break;
	case RAD_REJECT: st->rejects++; break;
	case RAD_CHALLENGE: st->challenges++; break;
	case RAD_TIMEOUT: st->timeouts++; return;
	case RAD_BAD: st->bad_responses++; return;
	case RAD_ERROR: return;
	}
	st->rtt_ms = rtt_ms;
	st->rtt_sum_ms += rtt_ms;
	st->answered++;
}

static void failed(struct rad_group *g, struct rad_host *h, long long now)
{
	if (++h->fails < g->max_failed)
		return;
	h->fails = 0;
	if (g->dead_time_s <= 0)
		return;
	h->dead_until = now + g->dead_time_s;
	log_warn("authd: RADIUS server %s of aaa-server %s marked dead for %d s after %d failed attempt(s)",
		 h->name, g->name, g->dead_time_s, g->max_failed);
}

void rad_record(struct rad_group *g, int i, enum rad_outcome o, int sends, uint32_t rtt_ms,
		long long now)
{
	struct rad_host *h;

	if (i < 0 || i >= g->n_hosts)
		return;
	h = &g->hosts[i];
	pthread_mutex_lock(&g->lock);
	h->st.requests++;
	h->st.retransmissions += sends > 1 ? (uint64_t)(sends - 1) : 0;
	count(&h->st, o, rtt_ms);
	if (o == RAD_TIMEOUT || o == RAD_BAD || o == RAD_ERROR) {
		failed(g, h, now);
	} else {
		if (h->dead_until)
			log_info("authd: RADIUS server %s of aaa-server %s answers again",
				 h->name, g->name);
		h->fails = 0;
		h->dead_until = 0;
	}
	g->dirty = true;
	pthread_mutex_unlock(&g->lock);
}

static void host_stats(const struct rad_group *g, int i, long long now,
		       struct ipc_db_aaa_stats *m)
{
	const struct rad_host *h = &g->hosts[i];

	memset(m, 0, sizeof *m);
	ipc_strcpy(m->group, sizeof m->group, g->name);
	m->addr = h->conf.addr;
	m->auth_port = h->conf.auth_port;
	m->host_index = (uint8_t)i;
	m->dead = h->dead_until > now;
	m->dead_until = h->dead_until > now ? h->dead_until : 0;
	m->requests = h->st.requests;
	m->accepts = h->st.accepts;
	m->rejects = h->st.rejects;
	m->challenges = h->st.challenges;
	m->timeouts = h->st.timeouts;
	m->retransmissions = h->st.retransmissions;
	m->bad_responses = h->st.bad_responses;
	m->rtt_ms = h->st.rtt_ms;
	m->rtt_avg_ms = h->st.answered ? (uint32_t)(h->st.rtt_sum_ms / h->st.answered) : 0;
}

int rad_stats_snapshot(struct ipc_db_aaa_stats *out, int max, bool force, long long now)
{
	int n = 0;

	pthread_mutex_lock(&list_lock);
	for (struct rad_group *g = groups; g; g = g->next) {
		pthread_mutex_lock(&g->lock);
		if (g->dirty || force) {
			for (int i = 0; i < g->n_hosts && n < max; i++)
				host_stats(g, i, now, &out[n++]);
			g->dirty = false;
		}
		pthread_mutex_unlock(&g->lock);
	}
	pthread_mutex_unlock(&list_lock);
	return n;
}
