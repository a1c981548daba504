/* db.c - the backend-independent half of db.h: dispatch, the statement cache, and
 * the per-thread connection. */
#include "db_impl.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/log.h"
#include "../core/metrics.h"
#include "../core/util.h"

db *db_open(const char *url, char *err, size_t errlen)
{
	if (str_starts(url, "sqlite://"))
		return db_sqlite_open(url + 9, err, errlen);
	if (str_starts(url, "postgres://") || str_starts(url, "postgresql://"))
		return db_pg_open(url, err, errlen);
	snprintf(err, errlen, "unknown database scheme (expected sqlite:// or postgres://)");
	return NULL;
}

void db_close(db *d)
{
	if (d)
		d->ops->close(d);
}

/* Statements that failed and connections that could not be opened, all threads. */
static struct metric_family errors = {
	.name = "llmmeta_db_errors_total",
	.help = "Database statements that failed (constraint violations included) and connections that could not be "
		"opened.",
	.kind = METRIC_COUNTER,
};

int db_metrics_init(void) { return metrics_register(&errors); }

static void count_error(void) { metric_add(&errors, 0, 1); }

enum db_backend db_backend(const db *d) { return d->backend; }
const char *db_backend_name(const db *d) { return d->backend == DB_SQLITE ? "sqlite" : "postgres"; }
const char *db_errmsg(const db *d) { return d->err; }

void db_set_err(db *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
}

int64_t db_exec(db *d, const char *sql, int n, const db_val *v)
{
	int64_t rc = d->ops->exec(d, sql, n, v);
	if (rc < 0) {
		count_error();
		log_error("db: %s (in: %.80s)", d->err, sql);
	}
	return rc;
}

int db_exec_script(db *d, const char *sql)
{
	int rc = d->ops->exec_script(d, sql);
	if (rc < 0)
		count_error();
	return rc;
}

db_rows *db_query(db *d, const char *sql, int n, const db_val *v)
{
	db_rows *r = d->ops->query(d, sql, n, v);
	if (!r) {
		count_error();
		log_error("db: %s (in: %.80s)", d->err, sql);
	}
	return r;
}

int db_step(db_rows *r)
{
	int rc = r->db->ops->step(r);
	if (rc < 0)
		count_error();
	return rc;
}
int db_columns(db_rows *r) { return r->db->ops->columns(r); }
bool db_null(db_rows *r, int col) { return r->db->ops->is_null(r, col); }
int64_t db_int(db_rows *r, int col) { return r->db->ops->integer(r, col); }
double db_real(db_rows *r, int col) { return r->db->ops->real(r, col); }
const char *db_text(db_rows *r, int col) { return r->db->ops->text(r, col); }
const void *db_blob(db_rows *r, int col, size_t *len) { return r->db->ops->blob(r, col, len); }

void db_done(db_rows *r)
{
	if (r)
		r->db->ops->done(r);
}

int db_query_int(db *d, const char *sql, int n, const db_val *v, int64_t *out)
{
	db_rows *r = db_query(d, sql, n, v);
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		if (db_null(r, 0))
			rc = 0;
		else
			*out = db_int(r, 0);
	}
	db_done(r);
	return rc;
}

char *db_query_text(db *d, const char *sql, int n, const db_val *v)
{
	db_rows *r = db_query(d, sql, n, v);
	char *t = NULL;
	if (r && db_step(r) == 1)
		t = xstrdup(db_text(r, 0));
	db_done(r);
	return t;
}

int db_begin(db *d) { return db_exec(d, d->ops->begin_sql, DB_NOARGS) < 0 ? -1 : 0; }
int db_commit(db *d) { return db_exec(d, "COMMIT", DB_NOARGS) < 0 ? -1 : 0; }

int db_rollback(db *d)
{
	/* Keep the reason of the failure that led here; ROLLBACK's own is of no use. */
	char saved[sizeof d->err];
	memcpy(saved, d->err, sizeof saved);
	int rc = d->ops->exec(d, "ROLLBACK", 0, NULL) < 0 ? -1 : 0;
	memcpy(d->err, saved, sizeof saved);
	return rc;
}

/* ---- statement cache (least recently used out) ---- */

static unsigned long hash_str(const char *s)
{
	unsigned long h = 1469598103934665603UL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211UL;
	return h;
}

void stmt_cache_init(struct stmt_cache *c, void (*evict)(void *handle, void *arg),
		     bool (*pinned)(void *handle, void *arg), void *arg)
{
	memset(c, 0, sizeof *c);
	c->evict = evict;
	c->pinned = pinned;
	c->arg = arg;
}

static int *bucket_of(struct stmt_cache *c, unsigned long hash)
{
	return &c->bucket[hash & (STMT_CACHE_BUCKETS - 1)];
}

/* The recency list's invariant: from newest to oldest through `older`, each entry
 * in use and pointing back through `newer`, count entries in all, ending at oldest.
 * A walk of at most STMT_CACHE_CAPACITY entries, in the builds with asserts. */
#ifndef NDEBUG
static void lru_check(const struct stmt_cache *c)
{
	int n = 0, prev = 0;
	for (int i = c->newest; i; i = c->e[i].older) {
		assert(i >= 1 && i <= STMT_CACHE_CAPACITY && c->e[i].sql);
		assert(c->e[i].newer == prev);
		prev = i;
		n++;
		assert(n <= c->count);
	}
	assert(prev == c->oldest && n == c->count);
}
#else
#define lru_check(c) ((void)0)
#endif

static void lru_unlink(struct stmt_cache *c, int i)
{
	struct stmt_cache_entry *e = &c->e[i];
	assert(i >= 1 && i <= STMT_CACHE_CAPACITY && e->sql);
	assert(e->newer ? c->e[e->newer].older == i : c->newest == i);
	assert(e->older ? c->e[e->older].newer == i : c->oldest == i);
	if (e->newer)
		c->e[e->newer].older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		c->e[e->older].newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = 0;
}

static void lru_push_newest(struct stmt_cache *c, int i)
{
	/* Not in the list: unlinked, or a fresh entry. */
	assert(c->e[i].newer == 0 && c->e[i].older == 0 && c->newest != i && c->oldest != i);
	c->e[i].older = c->newest;
	c->e[i].newer = 0;
	if (c->newest)
		c->e[c->newest].newer = i;
	else
		c->oldest = i;
	c->newest = i;
}

/* Takes entry i out of the cache (its handle is the caller's), leaving it free. */
static void remove_entry(struct stmt_cache *c, int i)
{
	int *link = bucket_of(c, c->e[i].hash);
	while (*link != i)
		link = &c->e[*link].chain;
	*link = c->e[i].chain;
	lru_unlink(c, i);
	free(c->e[i].sql);
	c->e[i] = (struct stmt_cache_entry){0};
	c->count--;
	lru_check(c);
}

static int find(struct stmt_cache *c, const char *sql)
{
	unsigned long h = hash_str(sql);
	for (int i = *bucket_of(c, h); i; i = c->e[i].chain)
		if (c->e[i].hash == h && strcmp(c->e[i].sql, sql) == 0)
			return i;
	return 0;
}

void *stmt_cache_get(struct stmt_cache *c, const char *sql)
{
	int i = find(c, sql);
	if (!i)
		return NULL;
	lru_unlink(c, i);
	lru_push_newest(c, i);
	return c->e[i].handle;
}

void *stmt_cache_take(struct stmt_cache *c, const char *sql)
{
	int i = find(c, sql);
	if (!i)
		return NULL;
	void *handle = c->e[i].handle;
	remove_entry(c, i);
	return handle;
}

bool stmt_cache_put(struct stmt_cache *c, const char *sql, void *handle)
{
	assert(!find(c, sql)); /* two entries for one text: the second never found */
	int slot = 0;
	if (c->count == STMT_CACHE_CAPACITY) {
		int victim = c->oldest;
		while (victim && c->pinned && c->pinned(c->e[victim].handle, c->arg))
			victim = c->e[victim].newer;
		if (!victim)
			return false;
		void *old = c->e[victim].handle;
		remove_entry(c, victim);
		if (c->evict)
			c->evict(old, c->arg);
		slot = victim;
	} else {
		for (slot = 1; c->e[slot].sql; slot++)
			;
		assert(slot <= STMT_CACHE_CAPACITY); /* count < capacity: a free entry exists */
	}
	char *copy = xstrdup(sql);
	if (!copy)
		return false;
	unsigned long h = hash_str(sql);
	int *head = bucket_of(c, h);
	c->e[slot] = (struct stmt_cache_entry){.sql = copy, .hash = h, .handle = handle, .chain = *head};
	*head = slot;
	lru_push_newest(c, slot);
	c->count++;
	lru_check(c);
	return true;
}

void stmt_cache_clear(struct stmt_cache *c, void (*fn)(void *handle, void *arg), void *arg)
{
	while (c->oldest) {
		void *handle = c->e[c->oldest].handle;
		remove_entry(c, c->oldest);
		if (fn)
			fn(handle, arg);
	}
}

/* ---- one connection per thread ---- */

static char *thread_url;
static _Thread_local char open_err[512];

const char *db_thread_error(void) { return open_err; }
static pthread_key_t thread_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void close_conn(void *p) { db_close(p); }
static void make_key(void) { pthread_key_create(&thread_key, close_conn); }

int db_thread_init(const char *url)
{
	pthread_once(&key_once, make_key);
	free(thread_url);
	thread_url = xstrdup(url);
	return thread_url ? 0 : -1;
}

db *db_thread(void)
{
	pthread_once(&key_once, make_key);
	db *d = pthread_getspecific(thread_key);
	if (d)
		return d;
	d = db_open(thread_url, open_err, sizeof open_err);
	if (!d) {
		count_error();
		log_error("database: %s", open_err);
		return NULL;
	}
	pthread_setspecific(thread_key, d);
	return d;
}

void db_thread_close(void)
{
	pthread_once(&key_once, make_key);
	db *d = pthread_getspecific(thread_key);
	if (d) {
		pthread_setspecific(thread_key, NULL);
		db_close(d);
	}
}
