/* show crypto isakmp sa [detail] and show crypto ipsec sa [peer A], in
 * the formats of the seeds' IOS outputs (seed 004 section 17), from the
 * ike_sas and child_sas tables; --json for scripts. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "ctl.h"
#include "json.h"

struct ike_row {
	char peer[16], encryption[16], hashing[16], auth[16], user[64];
	long long port, dh, lifetime, created, idx;
};

struct child_row {
	char peer[16], encryption[16], integrity[16], user[64], assigned[16];
	long long spi_in, spi_out, encap, lifetime, created, idx, esp_index, tunnel;
	long long in_pkts, out_pkts, in_bytes, out_bytes, drops_auth, drops_replay, drops_other;
};

static void col(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

/* Opens the database and prepares sql; on error nothing stays open. */
static int open_query(const struct ctl_opts *o, const char *sql, sqlite3 **h, sqlite3_stmt **st)
{
	if (ctl_db_open(o->db, h) < 0)
		return -1;
	if (sqlite3_prepare_v2(*h, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	fprintf(stderr, "ravpnctl: database query failed: %s\n", sqlite3_errmsg(*h));
	sqlite3_close(*h);
	return -1;
}

static const char IKE_SQL[] =
	"SELECT i.peer_ip, i.peer_port, i.encryption, i.hashing, i.auth, i.dh_group,"
	" i.lifetime, i.created, COALESCE(s.username, ''), COALESCE(s.idx, 0)"
	" FROM ike_sas i LEFT JOIN sessions s ON s.sid = i.sid WHERE i.deleted = 0"
	" ORDER BY i.created, i.id";

static void ike_row(sqlite3_stmt *st, struct ike_row *r)
{
	col(st, 0, r->peer, sizeof r->peer);
	r->port = sqlite3_column_int64(st, 1);
	col(st, 2, r->encryption, sizeof r->encryption);
	col(st, 3, r->hashing, sizeof r->hashing);
	col(st, 4, r->auth, sizeof r->auth);
	r->dh = sqlite3_column_int64(st, 5);
	r->lifetime = sqlite3_column_int64(st, 6);
	r->created = sqlite3_column_int64(st, 7);
	col(st, 8, r->user, sizeof r->user);
	r->idx = sqlite3_column_int64(st, 9);
}

static long long remaining(long long created, long long lifetime)
{
	long long left = created + lifetime - (long long)time(NULL);

	return left > 0 ? left : 0;
}

/* An established IKEv1 SA is QM_IDLE on the ASA; an IKEv2 SA is READY. */
static const char *ike_state(const struct ike_row *r)
{
	return strncmp(r->auth, "IKEv2", 5) ? "QM_IDLE" : "READY";
}

static void ike_json(struct ctl_json *j, const struct ike_row *r, const char *local)
{
	ctl_json_begin_object(j);
	ctl_json_kstr(j, "dst", local);
	ctl_json_kstr(j, "src", r->peer);
	ctl_json_kint(j, "src_port", r->port);
	ctl_json_kstr(j, "state", ike_state(r));
	ctl_json_kint(j, "conn_id", r->idx);
	ctl_json_kstr(j, "username", r->user);
	ctl_json_kstr(j, "encryption", r->encryption);
	ctl_json_kstr(j, "hash", r->hashing);
	ctl_json_kstr(j, "auth", r->auth);
	ctl_json_kint(j, "dh_group", r->dh);
	ctl_json_kint(j, "lifetime", r->lifetime);
	ctl_json_kint(j, "lifetime_remaining", remaining(r->created, r->lifetime));
	ctl_json_end_object(j);
}

static void ike_text(const struct ike_row *r, const char *local, bool detail)
{
	printf("%-15s %-15s %-14s %-10lld %d", local, r->peer, ike_state(r), r->idx, 0);
	if (detail)
		printf("   %-8s %-7s %-10s %-3lld %lld/%lld  %s", r->encryption, r->hashing, r->auth,
		       r->dh, remaining(r->created, r->lifetime), r->lifetime, r->user);
	printf("\n");
}

/* The gateway's own address: the outside interface of the config, when
 * the operator may read it. */
static void local_addr(const struct ctl_opts *o, char *out, size_t len)
{
	struct conf c;
	char err[CONF_ERR];
	uint32_t a = 0;

	if (conf_parse_file(o->config, &c, err, sizeof err)) {
		a = conf_outside_addr(&c);
		conf_free(&c);
	}
	if (!a || !inet_ntop(AF_INET, &a, out, (socklen_t)len))
		snprintf(out, len, "-");
}

int ctl_show_isakmp_sa(const struct ctl_opts *o, bool detail)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	struct ctl_json j;
	char local[64];

	if (open_query(o, IKE_SQL, &h, &st) < 0)
		return -1;
	local_addr(o, local, sizeof local);
	if (o->json) {
		ctl_json_init(&j, stdout);
		ctl_json_begin_array(&j);
	} else {
		printf("%-15s %-15s %-14s %-10s %s%s\n", "dst", "src", "state", "conn-id", "slot",
		       detail ? "   encr     hash    auth       DH  lifetime(left/total)  user" : "");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ike_row r;

		ike_row(st, &r);
		if (o->json)
			ike_json(&j, &r, local);
		else
			ike_text(&r, local, detail);
	}
	if (o->json) {
		ctl_json_end_array(&j);
		ctl_json_finish(&j);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return 0;
}

static const char CHILD_SQL[] =
	"SELECT COALESCE(s.public_ip, ''), c.spi_in, c.spi_out, c.encryption, c.integrity,"
	" c.encap, c.lifetime, c.created, COALESCE(s.username, ''), COALESCE(s.idx, 0),"
	" c.esp_index, c.in_pkts, c.out_pkts, c.in_bytes, c.out_bytes, c.drops_auth,"
	" c.drops_replay, c.drops_other, COALESCE(s.assigned_ip, ''), c.tunnel"
	" FROM child_sas c LEFT JOIN sessions s ON s.sid = c.sid WHERE c.deleted = 0"
	" AND (?1 IS NULL OR s.public_ip = ?1) ORDER BY c.created, c.id";

static void child_row(sqlite3_stmt *st, struct child_row *r)
{
	col(st, 0, r->peer, sizeof r->peer);
	r->spi_in = sqlite3_column_int64(st, 1);
	r->spi_out = sqlite3_column_int64(st, 2);
	col(st, 3, r->encryption, sizeof r->encryption);
	col(st, 4, r->integrity, sizeof r->integrity);
	r->encap = sqlite3_column_int64(st, 5);
	r->lifetime = sqlite3_column_int64(st, 6);
	r->created = sqlite3_column_int64(st, 7);
	col(st, 8, r->user, sizeof r->user);
	r->idx = sqlite3_column_int64(st, 9);
	r->esp_index = sqlite3_column_int64(st, 10);
	r->in_pkts = sqlite3_column_int64(st, 11);
	r->out_pkts = sqlite3_column_int64(st, 12);
	r->in_bytes = sqlite3_column_int64(st, 13);
	r->out_bytes = sqlite3_column_int64(st, 14);
	r->drops_auth = sqlite3_column_int64(st, 15);
	r->drops_replay = sqlite3_column_int64(st, 16);
	r->drops_other = sqlite3_column_int64(st, 17);
	col(st, 18, r->assigned, sizeof r->assigned);
	r->tunnel = sqlite3_column_int64(st, 19);
}

/* "esp-aes-256 esp-sha-hmac" from the names the IKE worker stored. */
static void transform_words(const struct child_row *r, char *out, size_t len)
{
	const char *e = r->encryption, *a = r->integrity;
	char enc[32], auth[32];

	if (!strncmp(e, "AES-GCM-", 8))
		snprintf(enc, sizeof enc, "esp-aes-gcm-%s", e + 8);
	else if (!strncmp(e, "AES", 3))
		snprintf(enc, sizeof enc, "esp-aes-%s", e + 3);
	else
		snprintf(enc, sizeof enc, "esp-%s", e);
	for (char *p = enc; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (!strcmp(a, "SHA1"))
		snprintf(auth, sizeof auth, "esp-sha-hmac");
	else if (!strcmp(a, "NONE") || !a[0])
		snprintf(auth, sizeof auth, "%s", "");
	else
		snprintf(auth, sizeof auth, "esp-%c%c%c%s-hmac", a[0] | 32, a[1] | 32, a[2] | 32, a + 3);
	snprintf(out, len, "%s %s", enc, auth);
}

static void child_text_sa(const char *dir, long long spi, const char *tf, const struct child_row *r)
{
	printf("%s esp sas:\n", dir);
	printf("  spi: 0x%08llX(%lld)\n", spi, spi);
	printf("    transform: %s ,\n", tf);
	printf("    in use settings ={%s%s, }\n", r->tunnel ? "Tunnel" : "Transport",
	       r->encap == 1 ? ", UDP-Encaps" : "");
	printf("    conn id: %lld, esp worker: %lld, crypto map: dynamic\n", r->idx, r->esp_index);
	printf("    sa timing: remaining key lifetime (sec): (%lld)\n",
	       remaining(r->created, r->lifetime));
	printf("    replay detection support: Y\n\n");
}

static void child_text(const struct child_row *r, const char *local)
{
	char tf[64];

	transform_words(r, tf, sizeof tf);
	printf("interface: outside\n  Crypto map tag: dynamic, local addr. %s\n\n", local);
	printf("local ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)\n");
	printf("remote ident (addr/mask/prot/port): (%s/255.255.255.255/0/0)\n", r->assigned);
	printf("current_peer: %s, username: %s\n", r->peer, r->user);
	printf("  PERMIT, flags={}\n");
	printf("  #pkts encaps: %lld, #pkts encrypt: %lld, #pkts digest %lld\n", r->out_pkts,
	       r->out_pkts, r->out_pkts);
	printf("  #pkts decaps: %lld, #pkts decrypt: %lld, #pkts verify %lld\n", r->in_pkts,
	       r->in_pkts, r->in_pkts);
	printf("  #bytes encaps: %lld, #bytes decaps: %lld\n", r->out_bytes, r->in_bytes);
	printf("  #recv errors %lld (auth %lld, replay %lld, other %lld)\n\n",
	       r->drops_auth + r->drops_replay + r->drops_other, r->drops_auth, r->drops_replay,
	       r->drops_other);
	printf("local crypto endpt.: %s, remote crypto endpt.: %s\n", local, r->peer);
	printf("current outbound spi: %08llX\n\n", r->spi_out);
	child_text_sa("inbound", r->spi_in, tf, r);
	child_text_sa("outbound", r->spi_out, tf, r);
}

static void child_json(struct ctl_json *j, const struct child_row *r)
{
	ctl_json_begin_object(j);
	ctl_json_kstr(j, "peer", r->peer);
	ctl_json_kstr(j, "username", r->user);
	ctl_json_kint(j, "conn_id", r->idx);
	ctl_json_kstr(j, "remote_ident", r->assigned);
	ctl_json_kint(j, "spi_in", r->spi_in);
	ctl_json_kint(j, "spi_out", r->spi_out);
	ctl_json_kstr(j, "encryption", r->encryption);
	ctl_json_kstr(j, "integrity", r->integrity);
	ctl_json_kstr(j, "encapsulation", r->encap == 1 ? "udp" : "esp");
	ctl_json_kint(j, "esp_worker", r->esp_index);
	ctl_json_kstr(j, "mode", r->tunnel ? "tunnel" : "transport");
	ctl_json_kint(j, "pkts_encaps", r->out_pkts);
	ctl_json_kint(j, "pkts_decaps", r->in_pkts);
	ctl_json_kint(j, "bytes_encaps", r->out_bytes);
	ctl_json_kint(j, "bytes_decaps", r->in_bytes);
	ctl_json_kint(j, "drops_auth", r->drops_auth);
	ctl_json_kint(j, "drops_replay", r->drops_replay);
	ctl_json_kint(j, "drops_other", r->drops_other);
	ctl_json_kint(j, "lifetime_remaining", remaining(r->created, r->lifetime));
	ctl_json_end_object(j);
}

int ctl_show_ipsec_sa(const struct ctl_opts *o, const char *peer)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	struct ctl_json j;
	char local[64];

	if (open_query(o, CHILD_SQL, &h, &st) < 0)
		return -1;
	if (peer)
		sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	local_addr(o, local, sizeof local);
	if (o->json) {
		ctl_json_init(&j, stdout);
		ctl_json_begin_array(&j);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct child_row r;

		child_row(st, &r);
		if (o->json)
			child_json(&j, &r);
		else
			child_text(&r, local);
	}
	if (o->json) {
		ctl_json_end_array(&j);
		ctl_json_finish(&j);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return 0;
}
