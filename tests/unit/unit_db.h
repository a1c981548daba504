/* unit_db.h - which database a unit test of model/ runs on: the PostgreSQL database
 * named by LLMMETA_TEST_PG_URL when it is set (scripts/test.sh's PostgreSQL stage
 * gives each test binary a fresh one), else the SQLite URL the test names. The same
 * tests then prove the SQL on both backends. */
#ifndef LLMMETA_TEST_UNIT_DB_H
#define LLMMETA_TEST_UNIT_DB_H

#include <stdio.h>
#include <stdlib.h>

static inline const char *unit_db_url(const char *sqlite_url)
{
	const char *pg = getenv("LLMMETA_TEST_PG_URL");
	if (pg && *pg) {
		/* scripts/test.sh looks for this line: proof the database was used. */
		fprintf(stderr, "unit database: postgres\n");
		return pg;
	}
	return sqlite_url;
}

/* Whether the tests run on PostgreSQL (for what differs by backend). */
static inline int unit_db_is_pg(void)
{
	const char *pg = getenv("LLMMETA_TEST_PG_URL");
	return pg && *pg;
}

#endif
