/* db_pg.c - the PostgreSQL backend (libpq). Statements written with `?` are rewritten
 * to $n once and prepared once per connection (named s1, s2, ...); the least recently
 * used are deallocated when the statement cache is full, so the server holds at most
 * STMT_CACHE_CAPACITY of ours. Values go as text
 * (blobs as binary); results come back as text. A connection that breaks is reset on
 * the next call, so a restarted server is picked up again without a restart of ours. */
#include "db_impl.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/buf.h"
#include "../core/log.h"
#include "../core/util.h"

struct pg_db {
	struct db base;
	PGconn *conn;
	struct stmt_cache cache;
	unsigned long long next_name; /* names are never reused on a connection */
};

struct pg_rows {
	struct db_rows base;
	PGresult *res;
	int row; /* current row; -1 before the first step */
	unsigned char *blob; /* decoded bytea of the last db_blob call */
};

static struct pg_db *P(db *d) { return (struct pg_db *)d; }
static struct pg_rows *R(db_rows *r) { return (struct pg_rows *)r; }

static void set_conn_err(struct pg_db *p)
{
	char msg[400];
	snprintf(msg, sizeof msg, "%s", PQerrorMessage(p->conn));
	str_trim(msg);
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	db_set_err(&p->base, "postgres: %s", msg[0] ? msg : "connection failed");
}

/* Rewrites ? placeholders as $1..$n, leaving quoted text alone. */
static char *rewrite(const char *sql)
{
	buf b = BUF_INIT;
	int n = 0;
	char quote = 0;
	for (const char *s = sql; *s; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
			buf_putc(&b, *s);
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
			buf_putc(&b, *s);
		} else if (*s == '?') {
			buf_printf(&b, "$%d", ++n);
		} else {
			buf_putc(&b, *s);
		}
	}
	return buf_detach(&b, NULL);
}

static void free_name(void *name, void *arg)
{
	(void)arg;
	free(name);
}

/* The evict hook: the statement leaves the server too. Not transactional, so it is
 * safe inside a transaction; never called in an aborted one (see prepare()). On a
 * broken connection there is nothing left to deallocate. */
static void deallocate(void *name, void *arg)
{
	struct pg_db *p = arg;
	if (PQstatus(p->conn) == CONNECTION_OK) {
		char sql[48];
		snprintf(sql, sizeof sql, "DEALLOCATE \"%s\"", (const char *)name);
		PGresult *res = PQexec(p->conn, sql);
		/* A connection lost meanwhile took the statement with it. */
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQstatus(p->conn) == CONNECTION_OK)
			log_warn("db: %s failed: %s", sql, PQresultErrorMessage(res));
		PQclear(res);
	}
	free(name);
}

/* A reset connection's server has forgotten every name: only our copies go. */
static void forget_statements(struct pg_db *p)
{
	stmt_cache_clear(&p->cache, free_name, NULL);
}

/* Makes sure the connection is up, resetting it if it broke. */
static int ensure(struct pg_db *p)
{
	if (PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	forget_statements(p);
	PQreset(p->conn);
	if (PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	set_conn_err(p);
	return -1;
}

/* Returns the prepared statement name for sql, preparing it if needed. A new
 * statement takes its cache entry (evicting, and so deallocating, the least recently
 * used) before it is prepared, so the server never holds more than the cache does.
 * One that cannot be cached (out of memory, or a transaction already aborted, where
 * DEALLOCATE would fail) is prepared as the unnamed statement, which the next unnamed
 * one replaces: nothing is left behind on the server either way. */
static const char *prepare(struct pg_db *p, const char *sql)
{
	const char *cached = stmt_cache_get(&p->cache, sql);
	if (cached)
		return cached;
	char *text = rewrite(sql);
	if (!text) {
		db_set_err(&p->base, "out of memory");
		return NULL;
	}
	char *keep = NULL;
	if (PQtransactionStatus(p->conn) != PQTRANS_INERROR) {
		char numbered[24];
		snprintf(numbered, sizeof numbered, "s%llu", ++p->next_name);
		keep = xstrdup(numbered);
		if (keep && !stmt_cache_put(&p->cache, sql, keep)) {
			free(keep);
			keep = NULL;
		}
	}
	PGresult *res = PQprepare(p->conn, keep ? keep : "", text, 0, NULL);
	free(text);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		set_conn_err(p);
		if (keep)
			free(stmt_cache_take(&p->cache, sql));
		return NULL;
	}
	return keep ? keep : "";
}

static PGresult *run_once(struct pg_db *p, const char *sql, int n, const db_val *v)
{
	if (ensure(p) < 0)
		return NULL;
	const char *stmt = prepare(p, sql);
	if (!stmt)
		return NULL;
	const char *vals[n > 0 ? n : 1];
	int lens[n > 0 ? n : 1], fmts[n > 0 ? n : 1];
	char nums[n > 0 ? n : 1][32];
	for (int i = 0; i < n; i++) {
		lens[i] = 0;
		fmts[i] = 0;
		switch (v[i].type) {
		case DBV_INT:
			snprintf(nums[i], sizeof nums[i], "%lld", (long long)v[i].i);
			vals[i] = nums[i];
			break;
		case DBV_REAL:
			snprintf(nums[i], sizeof nums[i], "%.17g", v[i].r);
			vals[i] = nums[i];
			break;
		case DBV_TEXT: vals[i] = v[i].p; break;
		case DBV_BLOB:
			vals[i] = v[i].p;
			lens[i] = (int)v[i].len;
			fmts[i] = 1;
			break;
		default: vals[i] = NULL; break;
		}
	}
	PGresult *res = PQexecPrepared(p->conn, stmt, n, vals, lens, fmts, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorMessage(res);
		char line[400];
		snprintf(line, sizeof line, "%s", msg && *msg ? msg : PQerrorMessage(p->conn));
		str_trim(line);
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		db_set_err(&p->base, "postgres: %s", line);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* A connection found broken outside a transaction (the server restarted, say) is
 * reset and the statement tried once more; inside one, the failure stands. */
static PGresult *run(struct pg_db *p, const char *sql, int n, const db_val *v)
{
	bool idle = PQtransactionStatus(p->conn) == PQTRANS_IDLE;
	PGresult *res = run_once(p, sql, n, v);
	if (!res && idle && PQstatus(p->conn) == CONNECTION_BAD)
		res = run_once(p, sql, n, v);
	return res;
}

static int64_t g_exec(db *d, const char *sql, int n, const db_val *v)
{
	PGresult *res = run(P(d), sql, n, v);
	if (!res)
		return -1;
	const char *t = PQcmdTuples(res);
	int64_t rows = *t ? strtoll(t, NULL, 10) : 0;
	PQclear(res);
	return rows;
}

static int g_exec_script(db *d, const char *sql)
{
	struct pg_db *p = P(d);
	if (ensure(p) < 0)
		return -1;
	PGresult *res = PQexec(p->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	PQclear(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		set_conn_err(p);
		return -1;
	}
	return 0;
}

static db_rows *g_query(db *d, const char *sql, int n, const db_val *v)
{
	struct pg_rows *r = calloc(1, sizeof *r);
	if (!r) {
		db_set_err(d, "out of memory");
		return NULL;
	}
	r->base.db = d;
	r->row = -1;
	if (!(r->res = run(P(d), sql, n, v))) {
		free(r);
		return NULL;
	}
	return &r->base;
}

static int g_step(db_rows *rows)
{
	struct pg_rows *r = R(rows);
	return ++r->row < PQntuples(r->res) ? 1 : 0;
}

static int g_columns(db_rows *r) { return PQnfields(R(r)->res); }
static bool g_is_null(db_rows *r, int c) { return PQgetisnull(R(r)->res, R(r)->row, c); }
static const char *g_text(db_rows *r, int c) { return PQgetvalue(R(r)->res, R(r)->row, c); }
static int64_t g_int(db_rows *r, int c) { return strtoll(g_text(r, c), NULL, 10); }
static double g_real(db_rows *r, int c) { return strtod(g_text(r, c), NULL); }

static const void *g_blob(db_rows *rows, int c, size_t *len)
{
	struct pg_rows *r = R(rows);
	PQfreemem(r->blob);
	r->blob = PQunescapeBytea((const unsigned char *)g_text(rows, c), len);
	if (!r->blob)
		*len = 0;
	return r->blob ? (const void *)r->blob : "";
}

static void g_done(db_rows *rows)
{
	struct pg_rows *r = R(rows);
	PQfreemem(r->blob);
	PQclear(r->res);
	free(r);
}

static void g_close(db *d)
{
	struct pg_db *p = P(d);
	stmt_cache_clear(&p->cache, free_name, NULL);
	PQfinish(p->conn);
	free(p);
}

static const struct db_ops pg_ops = {
	.close = g_close,
	.exec = g_exec,
	.exec_script = g_exec_script,
	.query = g_query,
	.step = g_step,
	.columns = g_columns,
	.is_null = g_is_null,
	.text = g_text,
	.integer = g_int,
	.real = g_real,
	.blob = g_blob,
	.done = g_done,
	.begin_sql = "BEGIN",
};

static void quiet_notices(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

db *db_pg_open(const char *url, char *err, size_t errlen)
{
	struct pg_db *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->base.ops = &pg_ops;
	p->base.backend = DB_POSTGRES;
	stmt_cache_init(&p->cache, deallocate, NULL, p);
	p->conn = PQconnectdb(url);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		set_conn_err(p);
		snprintf(err, errlen, "%s", p->base.err);
		g_close(&p->base);
		return NULL;
	}
	PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
	PGresult *res = PQexec(p->conn, "SET TIME ZONE 'UTC'");
	PQclear(res);
	return &p->base;
}
