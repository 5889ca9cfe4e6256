/* ESP worker totals (IPC_DB_WORKER_STATS): one row per worker index,
 * replaced on every report; `ravpnctl stats` reads it. */
#include "db.h"
#include "ipc.h"
#include "log.h"

/* Created on the first report, so the session schema (schema.c) and its
 * version stay as they are: the table holds nothing that must survive. */
static const char workers_sql[] =
	"CREATE TABLE IF NOT EXISTS esp_workers ("
	" esp_index INTEGER PRIMARY KEY, n_sas INTEGER NOT NULL,"
	" in_pkts INTEGER NOT NULL, in_bytes INTEGER NOT NULL,"
	" out_pkts INTEGER NOT NULL, out_bytes INTEGER NOT NULL,"
	" rebinds INTEGER NOT NULL,"
	" drop_auth INTEGER NOT NULL, drop_replay INTEGER NOT NULL,"
	" drop_malformed INTEGER NOT NULL, drop_spoof INTEGER NOT NULL,"
	" drop_no_sa_in INTEGER NOT NULL, drop_not_esp INTEGER NOT NULL,"
	" drop_bad_ip INTEGER NOT NULL, drop_truncated INTEGER NOT NULL,"
	" drop_no_sa_out INTEGER NOT NULL, drop_not_ipv4 INTEGER NOT NULL,"
	" drop_seal INTEGER NOT NULL, drop_tun_write INTEGER NOT NULL,"
	" drop_tx INTEGER NOT NULL, updated INTEGER NOT NULL,"
	" tso_split INTEGER NOT NULL, tso_segs INTEGER NOT NULL,"
	" gso_sends INTEGER NOT NULL, gso_segs INTEGER NOT NULL,"
	" gro_batches INTEGER NOT NULL, gro_segs INTEGER NOT NULL,"
	" tun_gso_writes INTEGER NOT NULL, tun_gso_segs INTEGER NOT NULL,"
	" rx_waits INTEGER NOT NULL)";

static long long v64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (long long)v;
}

int db_worker_stats(struct db *d, const struct ipc_db_worker_stats *m, long long now)
{
	static bool fresh;
	const uint64_t *x = m->drops;

	/* a table of an older shape (fewer columns) goes: it is rebuilt from
	 * the next reports */
	if (!fresh && db_exec(d->h, "DROP TABLE IF EXISTS esp_workers") == 0)
		fresh = true;
	if (db_exec(d->h, workers_sql) < 0)
		return -1;
	return db_run(d->h,
		      "INSERT OR REPLACE INTO esp_workers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		      " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
		      " ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
		      "iiiiiiiiiiiiiiiiiiiiiiiiiiiiii", (long long)m->esp_index, (long long)m->n_sas,
		      v64(m->in_packets), v64(m->in_bytes), v64(m->out_packets),
		      v64(m->out_bytes), v64(m->rebinds), v64(x[WDROP_AUTH]),
		      v64(x[WDROP_REPLAY]), v64(x[WDROP_MALFORMED]), v64(x[WDROP_SPOOF]),
		      v64(x[WDROP_NO_SA_IN]), v64(x[WDROP_NOT_ESP]), v64(x[WDROP_BAD_IP]),
		      v64(x[WDROP_TRUNCATED]), v64(x[WDROP_NO_SA_OUT]), v64(x[WDROP_NOT_IPV4]),
		      v64(x[WDROP_SEAL]), v64(x[WDROP_TUN_WRITE]), v64(x[WDROP_TX]), now,
		      v64(m->tso_split), v64(m->tso_segs), v64(m->gso_sends), v64(m->gso_segs),
		      v64(m->gro_batches), v64(m->gro_segs), v64(m->tun_gso_writes),
		      v64(m->tun_gso_segs), v64(m->rx_waits)) < 0
		       ? -1 : 0;
}
