/* A fresh ravpn database in a temporary directory as a cmocka fixture,
 * shared by the db unit tests, and a one-integer query helper.  Include
 * after cmocka.h and db/db.h; NOW is the time the database is opened at. */
#ifndef RAVPN_TEST_DB_FIXTURE_H
#define RAVPN_TEST_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW	1700000000LL

struct fx {
	char dir[64];
	char path[96];
	struct db d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	strcpy(f->dir, "/tmp/ravpn-test-db.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/ravpn.db", f->dir);
	assert_int_equal(db_open(&f->d, f->path, NOW), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	db_close(&f->d);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Runs a query returning one integer (or -1 when there is no row). */
static long long q_int(struct db *d, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(d->h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
