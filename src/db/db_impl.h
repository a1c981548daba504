/* db_impl.h - what the two backends share: the dispatch table every connection and
 * result carries, and the per-connection statement cache keyed by SQL text. Only
 * db*.c include this. */
#ifndef LLMMETA_DB_IMPL_H
#define LLMMETA_DB_IMPL_H

#include "db.h"

struct db_ops {
	void (*close)(db *d);
	int64_t (*exec)(db *d, const char *sql, int n, const db_val *v);
	int (*exec_script)(db *d, const char *sql);
	db_rows *(*query)(db *d, const char *sql, int n, const db_val *v);
	int (*step)(db_rows *r);
	int (*columns)(db_rows *r);
	bool (*is_null)(db_rows *r, int col);
	const char *(*text)(db_rows *r, int col);
	int64_t (*integer)(db_rows *r, int col);
	double (*real)(db_rows *r, int col);
	const void *(*blob)(db_rows *r, int col, size_t *len);
	void (*done)(db_rows *r);
	const char *begin_sql;
};

struct db {
	const struct db_ops *ops;
	enum db_backend backend;
	char err[512];
};

struct db_rows {
	db *db;
};

/* A small open-addressing map from SQL text to a backend handle. Full tables simply
 * stop caching; statements still run. */
#define STMT_CACHE_SIZE 256
struct stmt_cache {
	struct {
		char *sql;
		unsigned long hash;
		void *handle;
	} slot[STMT_CACHE_SIZE];
	int count;
};

void *stmt_cache_get(struct stmt_cache *c, const char *sql);
/* Returns false when not cached (cache full or out of memory). */
bool stmt_cache_put(struct stmt_cache *c, const char *sql, void *handle);
/* Calls fn on every handle and empties the cache. */
void stmt_cache_clear(struct stmt_cache *c, void (*fn)(void *handle, void *arg), void *arg);

db *db_sqlite_open(const char *path, char *err, size_t errlen);
db *db_pg_open(const char *url, char *err, size_t errlen);

#endif
