/* The session database's file name and schema, shared by ravpn-db (the
 * only writer) and ravpnctl (a read-only reader). */
#ifndef RAVPN_DB_SCHEMA_H
#define RAVPN_DB_SCHEMA_H

/* The file inside the database directory (ravpn-db is chrooted there). */
#define DB_FILE			"ravpn.db"
#define DB_DEFAULT_DIR		"/var/lib/ravpn"
#define DB_DEFAULT_PATH		DB_DEFAULT_DIR "/" DB_FILE
/* Bumped whenever a table changes; stored in PRAGMA user_version. */
#define DB_SCHEMA_VERSION	1

#endif
