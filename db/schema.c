/* Creates the tables of the session database (idempotent). */
#include "db.h"
#include "db_schema.h"
#include "log.h"

#include <sqlite3.h>
#include <stdio.h>

/* The columns a session and its history row share, in one place so the
 * INSERT ... SELECT that ends a session cannot drift from the tables. */
#define SESSION_COLS \
	"sid INTEGER UNIQUE NOT NULL, username TEXT NOT NULL DEFAULT ''," \
	" tunnel_group TEXT NOT NULL DEFAULT '', group_policy TEXT NOT NULL DEFAULT ''," \
	" assigned_ip TEXT NOT NULL DEFAULT '', public_ip TEXT NOT NULL DEFAULT ''," \
	" public_port INTEGER NOT NULL DEFAULT 0, protocol TEXT NOT NULL DEFAULT ''," \
	" encryption TEXT NOT NULL DEFAULT '', hashing TEXT NOT NULL DEFAULT ''," \
	" login_time INTEGER NOT NULL DEFAULT 0," \
	" bytes_tx INTEGER NOT NULL DEFAULT 0, bytes_rx INTEGER NOT NULL DEFAULT 0," \
	" pkts_tx INTEGER NOT NULL DEFAULT 0, pkts_rx INTEGER NOT NULL DEFAULT 0," \
	" ike_index INTEGER NOT NULL DEFAULT 0"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS sessions ("
	" idx INTEGER PRIMARY KEY AUTOINCREMENT, " SESSION_COLS ");"
	"CREATE TABLE IF NOT EXISTS history ("
	" hid INTEGER PRIMARY KEY AUTOINCREMENT, idx INTEGER NOT NULL,"
	" " SESSION_COLS ","
	" end_time INTEGER NOT NULL, duration INTEGER NOT NULL, cause TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS history_end ON history(end_time);"
	"CREATE TABLE IF NOT EXISTS ike_sas ("
	" id INTEGER PRIMARY KEY, sid INTEGER NOT NULL,"
	" icookie TEXT NOT NULL, rcookie TEXT NOT NULL,"
	" encryption TEXT, hashing TEXT, auth TEXT, dh_group INTEGER,"
	" lifetime INTEGER, peer_ip TEXT, peer_port INTEGER, created INTEGER,"
	" deleted INTEGER NOT NULL DEFAULT 0, UNIQUE(icookie, rcookie));"
	"CREATE INDEX IF NOT EXISTS ike_sas_sid ON ike_sas(sid);"
	/* Counters keep the last absolute value an ESP worker reported and
	 * the accumulated total: a restarted worker counts from zero again. */
	"CREATE TABLE IF NOT EXISTS child_sas ("
	" id INTEGER PRIMARY KEY, sid INTEGER NOT NULL,"
	" spi_in INTEGER NOT NULL, spi_out INTEGER NOT NULL,"
	" encryption TEXT, integrity TEXT, tunnel INTEGER, encap INTEGER,"
	" lifetime INTEGER, created INTEGER, deleted INTEGER NOT NULL DEFAULT 0,"
	" esp_index INTEGER NOT NULL DEFAULT 0,"
	" in_bytes_last INTEGER NOT NULL DEFAULT 0, in_bytes INTEGER NOT NULL DEFAULT 0,"
	" in_pkts_last INTEGER NOT NULL DEFAULT 0, in_pkts INTEGER NOT NULL DEFAULT 0,"
	" out_bytes_last INTEGER NOT NULL DEFAULT 0, out_bytes INTEGER NOT NULL DEFAULT 0,"
	" out_pkts_last INTEGER NOT NULL DEFAULT 0, out_pkts INTEGER NOT NULL DEFAULT 0,"
	" drops_auth INTEGER NOT NULL DEFAULT 0, drops_replay INTEGER NOT NULL DEFAULT 0,"
	" drops_other INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE(sid, spi_in, spi_out));"
	"CREATE INDEX IF NOT EXISTS child_sas_in ON child_sas(spi_in);"
	"CREATE INDEX IF NOT EXISTS child_sas_out ON child_sas(spi_out);"
	"CREATE TABLE IF NOT EXISTS leases ("
	" pool TEXT NOT NULL, addr TEXT NOT NULL, sid INTEGER NOT NULL,"
	" username TEXT NOT NULL DEFAULT '', since INTEGER NOT NULL,"
	" PRIMARY KEY(pool, addr));"
	/* RADIUS servers as authd last reported them, by position in the group */
	"CREATE TABLE IF NOT EXISTS aaa_servers ("
	" grp TEXT NOT NULL, host_index INTEGER NOT NULL, addr TEXT NOT NULL,"
	" auth_port INTEGER NOT NULL, dead_until INTEGER NOT NULL DEFAULT 0,"
	" requests INTEGER NOT NULL DEFAULT 0, accepts INTEGER NOT NULL DEFAULT 0,"
	" rejects INTEGER NOT NULL DEFAULT 0, challenges INTEGER NOT NULL DEFAULT 0,"
	" timeouts INTEGER NOT NULL DEFAULT 0, retransmissions INTEGER NOT NULL DEFAULT 0,"
	" bad_responses INTEGER NOT NULL DEFAULT 0, rtt_ms INTEGER NOT NULL DEFAULT 0,"
	" rtt_avg_ms INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL,"
	" PRIMARY KEY(grp, host_index));"
	/* RADIUS accounting (db/acct.c): per session what the records need,
	 * and the spool of Accounting-Requests not yet answered. */
	"CREATE TABLE IF NOT EXISTS acct_sessions ("
	" sid INTEGER PRIMARY KEY, grp TEXT NOT NULL, acct_session_id TEXT NOT NULL,"
	" class TEXT NOT NULL DEFAULT '', started INTEGER NOT NULL DEFAULT 0,"
	" start_time INTEGER NOT NULL DEFAULT 0, interim_secs INTEGER NOT NULL DEFAULT 0,"
	" next_interim INTEGER NOT NULL DEFAULT 0);"
	/* A live session's Class and timers (db/authz.c), for the operator */
	"CREATE TABLE IF NOT EXISTS session_authz ("
	" sid INTEGER PRIMARY KEY, class TEXT NOT NULL DEFAULT '',"
	" session_timeout INTEGER NOT NULL DEFAULT 0, session_deadline INTEGER NOT NULL DEFAULT 0,"
	" idle_timeout INTEGER NOT NULL DEFAULT 0, last_activity INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS acct_spool ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, created INTEGER NOT NULL,"
	" status INTEGER NOT NULL, cause INTEGER NOT NULL DEFAULT 0, grp TEXT NOT NULL,"
	" username TEXT NOT NULL DEFAULT '', acct_session_id TEXT NOT NULL DEFAULT '',"
	" framed_ip TEXT NOT NULL DEFAULT '', calling_ip TEXT NOT NULL DEFAULT '',"
	" class TEXT NOT NULL DEFAULT '', session_time INTEGER NOT NULL DEFAULT 0,"
	" in_octets INTEGER NOT NULL DEFAULT 0, out_octets INTEGER NOT NULL DEFAULT 0,"
	" in_pkts INTEGER NOT NULL DEFAULT 0, out_pkts INTEGER NOT NULL DEFAULT 0);";

static int schema_version(sqlite3 *h)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_schema_apply(sqlite3 *h)
{
	char sql[64];
	char *err = NULL;
	int v = schema_version(h);

	/* No migrations exist yet: refuse a file written by another version
	 * rather than guess at its layout. */
	if (v != 0 && v != DB_SCHEMA_VERSION) {
		log_err("db: schema version %d, this build knows %d", v, DB_SCHEMA_VERSION);
		return -1;
	}
	if (sqlite3_exec(h, schema_sql, NULL, NULL, &err) != SQLITE_OK) {
		log_err("db: schema: %s", err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", DB_SCHEMA_VERSION);
	return db_exec(h, sql);
}
