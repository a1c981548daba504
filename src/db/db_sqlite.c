/* db_sqlite.c - the SQLite backend: WAL journal, foreign keys on, a busy timeout so
 * concurrent writers wait instead of failing, and prepared statements cached per
 * connection. */
#include "db_impl.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../core/util.h"

struct sqlite_rows;

struct sqlite_db {
	struct db base;
	sqlite3 *h;
	struct stmt_cache cache;
	struct sqlite_rows *open; /* every db_rows not yet done, newest first */
};

struct sqlite_rows {
	struct db_rows base;
	sqlite3_stmt *st;
	bool cached; /* owned by the cache: reset, don't finalize */
	struct sqlite_rows *next_open;
};

static struct sqlite_db *S(db *d) { return (struct sqlite_db *)d; }
static struct sqlite_rows *R(db_rows *r) { return (struct sqlite_rows *)r; }

static void set_err(struct sqlite_db *s)
{
	db_set_err(&s->base, "sqlite: %s", sqlite3_errmsg(s->h));
}

/* Whether an open db_rows is using st. Tracked here rather than asked of
 * sqlite3_stmt_busy(), which stays false between db_query and the first db_step. The
 * list is as long as queries are nested: one or two. */
static bool in_use(void *st, void *arg)
{
	for (struct sqlite_rows *r = ((struct sqlite_db *)arg)->open; r; r = r->next_open)
		if (r->st == st)
			return true;
	return false;
}

static void finalize_one(void *st, void *arg)
{
	(void)arg;
	sqlite3_finalize(st);
}

/* A statement in use by an open db_rows is pinned: the cache never evicts (finalizes)
 * it under its reader but the next least recently used one, and a nested query with
 * the same text gets a private statement, finalized when done. */
static sqlite3_stmt *prepare(struct sqlite_db *s, const char *sql, bool *cached)
{
	sqlite3_stmt *st = stmt_cache_get(&s->cache, sql);
	if (st && !in_use(st, s)) {
		*cached = true;
		return st;
	}
	bool want_cache = !st;
	st = NULL;
	if (sqlite3_prepare_v3(s->h, sql, -1, want_cache ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
		set_err(s);
		return NULL;
	}
	*cached = want_cache && stmt_cache_put(&s->cache, sql, st);
	return st;
}

static int bind_all(struct sqlite_db *s, sqlite3_stmt *st, int n, const db_val *v)
{
	for (int i = 0; i < n; i++) {
		int rc;
		switch (v[i].type) {
		case DBV_INT: rc = sqlite3_bind_int64(st, i + 1, v[i].i); break;
		case DBV_REAL: rc = sqlite3_bind_double(st, i + 1, v[i].r); break;
		case DBV_TEXT: rc = sqlite3_bind_text64(st, i + 1, v[i].p, v[i].len, SQLITE_STATIC, SQLITE_UTF8); break;
		case DBV_BLOB: rc = sqlite3_bind_blob64(st, i + 1, v[i].p, v[i].len, SQLITE_STATIC); break;
		default: rc = sqlite3_bind_null(st, i + 1); break;
		}
		if (rc != SQLITE_OK) {
			set_err(s);
			return -1;
		}
	}
	return 0;
}

static void release(sqlite3_stmt *st, bool cached)
{
	if (cached) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
}

static int64_t s_exec(db *d, const char *sql, int n, const db_val *v)
{
	struct sqlite_db *s = S(d);
	bool cached;
	sqlite3_stmt *st = prepare(s, sql, &cached);
	if (!st)
		return -1;
	int64_t out = -1;
	if (bind_all(s, st, n, v) == 0) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (rc == SQLITE_DONE)
			out = sqlite3_changes64(s->h);
		else
			set_err(s);
	}
	release(st, cached);
	return out;
}

static int s_exec_script(db *d, const char *sql)
{
	struct sqlite_db *s = S(d);
	char *msg = NULL;
	if (sqlite3_exec(s->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		db_set_err(d, "sqlite: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static db_rows *s_query(db *d, const char *sql, int n, const db_val *v)
{
	struct sqlite_db *s = S(d);
	struct sqlite_rows *r = calloc(1, sizeof *r);
	if (!r) {
		db_set_err(d, "out of memory");
		return NULL;
	}
	r->base.db = d;
	r->st = prepare(s, sql, &r->cached);
	if (!r->st || bind_all(s, r->st, n, v) < 0) {
		if (r->st)
			release(r->st, r->cached);
		free(r);
		return NULL;
	}
	r->next_open = s->open;
	s->open = r;
	return &r->base;
}

static int s_step(db_rows *rows)
{
	struct sqlite_rows *r = R(rows);
	int rc = sqlite3_step(r->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	set_err(S(rows->db));
	return -1;
}

static int s_columns(db_rows *r) { return sqlite3_column_count(R(r)->st); }
static bool s_is_null(db_rows *r, int c) { return sqlite3_column_type(R(r)->st, c) == SQLITE_NULL; }
static int64_t s_int(db_rows *r, int c) { return sqlite3_column_int64(R(r)->st, c); }
static double s_real(db_rows *r, int c) { return sqlite3_column_double(R(r)->st, c); }

static const char *s_text(db_rows *r, int c)
{
	const unsigned char *t = sqlite3_column_text(R(r)->st, c);
	return t ? (const char *)t : "";
}

static const void *s_blob(db_rows *r, int c, size_t *len)
{
	const void *p = sqlite3_column_blob(R(r)->st, c);
	*len = (size_t)sqlite3_column_bytes(R(r)->st, c);
	return p ? p : "";
}

static void s_done(db_rows *rows)
{
	struct sqlite_rows *r = R(rows);
	struct sqlite_rows **link = &S(rows->db)->open;
	while (*link != r)
		link = &(*link)->next_open;
	*link = r->next_open;
	release(r->st, r->cached);
	free(r);
}

int db_sqlite_live_statements(db *d)
{
	int n = 0;
	for (sqlite3_stmt *st = sqlite3_next_stmt(S(d)->h, NULL); st; st = sqlite3_next_stmt(S(d)->h, st))
		n++;
	return n;
}

static void s_close(db *d)
{
	struct sqlite_db *s = S(d);
	stmt_cache_clear(&s->cache, finalize_one, NULL);
	sqlite3_close(s->h);
	free(s);
}

static const struct db_ops sqlite_ops = {
	.close = s_close,
	.exec = s_exec,
	.exec_script = s_exec_script,
	.query = s_query,
	.step = s_step,
	.columns = s_columns,
	.is_null = s_is_null,
	.text = s_text,
	.integer = s_int,
	.real = s_real,
	.blob = s_blob,
	.done = s_done,
	.begin_sql = "BEGIN IMMEDIATE",
};

/* Creates the directory holding the database file, so `make run` works from a clone. */
static void make_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return;
	char *dir = xstrndup(path, (size_t)(slash - path));
	if (dir && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		/* sqlite3_open_v2 reports the real problem below. */
	}
	free(dir);
}

db *db_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct sqlite_db *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &sqlite_ops;
	s->base.backend = DB_SQLITE;
	stmt_cache_init(&s->cache, finalize_one, in_use, s);
	make_parent_dir(path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
	if (sqlite3_open_v2(path, &s->h, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: cannot open %s: %s", path, s->h ? sqlite3_errmsg(s->h) : "out of memory");
		sqlite3_close(s->h);
		free(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->h, 10000);
	sqlite3_extended_result_codes(s->h, 1);
	if (s_exec_script(&s->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;") < 0) {
		snprintf(err, errlen, "%s (%s)", s->base.err, path);
		s_close(&s->base);
		return NULL;
	}
	return &s->base;
}
