/* stats: the data plane's per-worker totals (packets, bytes, drops by
 * reason), as the ESP workers last reported them to the database. */
#include "ctl.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

/* Columns of esp_workers (db/workers.c) after esp_index, in order; the
 * JSON key is the column name. */
static const char *const cols[] = {
	"n_sas", "in_pkts", "in_bytes", "out_pkts", "out_bytes", "rebinds",
	"drop_auth", "drop_replay", "drop_malformed", "drop_spoof", "drop_no_sa_in",
	"drop_not_esp", "drop_bad_ip", "drop_truncated", "drop_no_sa_out", "drop_not_ipv4",
	"drop_seal", "drop_tun_write", "drop_tx", "updated",
	"tso_split", "tso_segs", "gso_sends", "gso_segs", "gro_batches", "gro_segs",
	"tun_gso_writes", "tun_gso_segs", "rx_waits",
};
#define FIRST_OFFLOAD	20	/* cols[20..27]: what the offloads did */
#define RX_WAITS	28	/* cols[28]: receive moderation waits */
#define NCOLS	(sizeof cols / sizeof cols[0])
_Static_assert(RX_WAITS == NCOLS - 1, "rx_waits is the last column");
#define FIRST_DROP	6	/* cols[6..18] are drop reasons */
#define LAST_DROP	18

static void json_row(struct ctl_json *j, sqlite3_stmt *st)
{
	ctl_json_begin_object(j);
	ctl_json_kint(j, "esp_worker", sqlite3_column_int64(st, 0));
	for (size_t i = 0; i < NCOLS; i++)
		ctl_json_kint(j, cols[i], sqlite3_column_int64(st, (int)i + 1));
	ctl_json_end_object(j);
}

static void text_row(sqlite3_stmt *st)
{
	long long v[NCOLS];
	bool any = false;

	for (size_t i = 0; i < NCOLS; i++)
		v[i] = sqlite3_column_int64(st, (int)i + 1);
	printf("ESP worker %lld: %lld SAs\n", sqlite3_column_int64(st, 0), v[0]);
	printf("  in:  %lld packets, %lld bytes\n", v[1], v[2]);
	printf("  out: %lld packets, %lld bytes\n", v[3], v[4]);
	printf("  NAT rebindings followed: %lld\n", v[5]);
	printf("  drops:");
	for (size_t i = FIRST_DROP; i <= LAST_DROP; i++)
		if (v[i]) {
			printf(" %s %lld", cols[i] + 5, v[i]);
			any = true;
		}
	printf("%s\n", any ? "" : " none");
	printf("  offload out: %lld super-segments split into %lld packets, %lld GSO sends of"
	       " %lld packets\n", v[FIRST_OFFLOAD], v[FIRST_OFFLOAD + 1], v[FIRST_OFFLOAD + 2],
	       v[FIRST_OFFLOAD + 3]);
	printf("  offload in:  %lld GRO batches of %lld packets, %lld coalesced TUN writes of"
	       " %lld packets\n", v[FIRST_OFFLOAD + 4], v[FIRST_OFFLOAD + 5],
	       v[FIRST_OFFLOAD + 6], v[FIRST_OFFLOAD + 7]);
	printf("  receive moderation: %lld waits\n", v[RX_WAITS]);
}

static int print_rows(sqlite3_stmt *st, const struct ctl_opts *o)
{
	struct ctl_json j;
	int rc, n = 0;

	if (o->json) {
		ctl_json_init(&j, stdout);
		ctl_json_begin_object(&j);
		ctl_json_key(&j, "esp_workers");
		ctl_json_begin_array(&j);
	}
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (o->json)
			json_row(&j, st);
		else
			text_row(st);
		n++;
	}
	if (o->json) {
		ctl_json_end_array(&j);
		ctl_json_end_object(&j);
		ctl_json_finish(&j);
	} else if (n == 0) {
		printf("No ESP worker has reported yet.\n");
	}
	return !st || rc == SQLITE_DONE ? 0 : -1;
}

static bool have_table(sqlite3 *h)
{
	sqlite3_stmt *st;
	bool yes = false;

	if (sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_master WHERE type = 'table'"
			       " AND name = 'esp_workers'", -1, &st, NULL) != SQLITE_OK)
		return false;
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

int ctl_stats(const struct ctl_opts *o)
{
	char sql[768] = "SELECT esp_index";
	sqlite3_stmt *st = NULL;
	sqlite3 *h;
	int rc;

	if (ctl_db_open(o->db, &h) < 0)
		return -1;
	for (size_t i = 0; i < NCOLS; i++)
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), ", %s", cols[i]);
	snprintf(sql + strlen(sql), sizeof sql - strlen(sql), " FROM esp_workers ORDER BY esp_index");
	/* the table appears with the first report (db/workers.c) */
	if (have_table(h) && sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "ravpnctl: query: %s\n", sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	rc = print_rows(st, o);
	if (rc < 0)
		fprintf(stderr, "ravpnctl: query: %s\n", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}
