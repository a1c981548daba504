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

/* The per-connection statement cache: SQL text -> backend handle (a sqlite3_stmt, a
 * PostgreSQL statement name), least recently used first out. It holds at most
 * STMT_CACHE_CAPACITY statements, so a connection that runs many distinct statements
 * (SQL built from whitelisted fragments) keeps a bounded number prepared: a hit moves
 * the entry to the front, a miss when full evicts the least recently used entry and
 * hands its handle to the backend's evict hook (sqlite3_finalize, DEALLOCATE).
 *
 * 128 covers every statement the application runs today (about 40) with room for the
 * pages that build SQL, while keeping a PostgreSQL backend's plan memory small. All
 * of it is zero-initialised memory plus stmt_cache_init(); indices are 1-based so
 * that 0 means "none". */
#define STMT_CACHE_CAPACITY 128
#define STMT_CACHE_BUCKETS 256 /* a power of two, twice the capacity: short chains */

struct stmt_cache_entry {
	char *sql; /* NULL: the entry is free */
	unsigned long hash;
	void *handle;
	int newer, older; /* the recency list */
	int chain;        /* the next entry in the same hash bucket */
};

struct stmt_cache {
	struct stmt_cache_entry e[STMT_CACHE_CAPACITY + 1]; /* e[0] unused */
	int bucket[STMT_CACHE_BUCKETS];
	int newest, oldest, count;
	/* Called once for each handle the cache lets go of by eviction. */
	void (*evict)(void *handle, void *arg);
	/* When set and true, the handle is in use and must not be evicted now (SQLite: a
	 * statement an open db_rows is stepping); the next least recently used one is. */
	bool (*pinned)(void *handle, void *arg);
	void *arg;
};

void stmt_cache_init(struct stmt_cache *c, void (*evict)(void *handle, void *arg),
		     bool (*pinned)(void *handle, void *arg), void *arg);
/* The handle cached for sql, now the most recently used; NULL when not cached. */
void *stmt_cache_get(struct stmt_cache *c, const char *sql);
/* Caches handle under sql (which must not be cached already), evicting the least
 * recently used unpinned entry when full. Returns false, keeping nothing, when every
 * entry is pinned or memory runs out: the caller then still owns handle. */
bool stmt_cache_put(struct stmt_cache *c, const char *sql, void *handle);
/* Removes sql's entry without calling the evict hook and returns its handle (now the
 * caller's), or NULL when not cached: undoes a put whose statement then failed to
 * prepare. */
void *stmt_cache_take(struct stmt_cache *c, const char *sql);
/* Calls fn (not the evict hook: the caller says what letting go means here, e.g. a
 * reset connection whose server has already forgotten every name) on every handle,
 * and empties the cache. */
void stmt_cache_clear(struct stmt_cache *c, void (*fn)(void *handle, void *arg), void *arg);

db *db_sqlite_open(const char *path, char *err, size_t errlen);
db *db_pg_open(const char *url, char *err, size_t errlen);
/* The number of statements alive on a SQLite connection (a sqlite3_next_stmt walk):
 * lets tests show that the cache keeps it bounded. */
int db_sqlite_live_statements(db *d);

#endif
