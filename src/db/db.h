/* db.h - the one narrow interface to the database, with two backends behind it:
 * SQLite (embedded, the default) and PostgreSQL (libpq), chosen by DATABASE_URL.
 *
 * SQL is written once, portably, with `?` placeholders; the PostgreSQL backend turns
 * them into $1, $2... Values are only ever bound, never spliced into SQL. Statements
 * are prepared once per connection and cached by their text.
 *
 * A connection belongs to one thread at a time. The HTTP server gives each worker
 * thread its own (db_thread()). Integers are 64-bit, reals are doubles, timestamps
 * are integers in milliseconds since the epoch (UTC). */
#ifndef LLMMETA_DB_H
#define LLMMETA_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct db db;
typedef struct db_rows db_rows;

enum db_backend { DB_SQLITE, DB_POSTGRES };
enum db_type { DBV_NULL, DBV_INT, DBV_REAL, DBV_TEXT, DBV_BLOB };

typedef struct db_val {
	enum db_type type;
	int64_t i;
	double r;
	const void *p;
	size_t len;
} db_val;

static inline db_val db_v_int(int64_t i) { return (db_val){.type = DBV_INT, .i = i}; }
static inline db_val db_v_real(double r) { return (db_val){.type = DBV_REAL, .r = r}; }
static inline db_val db_v_null(void) { return (db_val){.type = DBV_NULL}; }
/* A NULL string binds SQL NULL. */
static inline db_val db_v_text(const char *s)
{
	return s ? (db_val){.type = DBV_TEXT, .p = s, .len = strlen(s)} : db_v_null();
}
static inline db_val db_v_blob(const void *p, size_t len) { return (db_val){.type = DBV_BLOB, .p = p, .len = len}; }

/* db_query(db, "SELECT ... WHERE a = ? AND b = ?", DB_ARGS(db_v_int(1), db_v_text(s))) */
#define DB_ARGS(...) (int)(sizeof((db_val[]){__VA_ARGS__}) / sizeof(db_val)), (db_val[]){__VA_ARGS__}
#define DB_NOARGS 0, NULL

/* Opens a connection for url ("sqlite://path", "postgres://..."). On failure returns
 * NULL with a reason in err. */
db *db_open(const char *url, char *err, size_t errlen);
void db_close(db *d);
enum db_backend db_backend(const db *d);
const char *db_backend_name(const db *d);
/* The last error on this connection, for logs and error pages (never holds secrets). */
const char *db_errmsg(const db *d);
/* Sets the message db_errmsg() returns. */
void db_set_err(db *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs a statement that returns no rows. Returns the number of rows changed, or -1. */
int64_t db_exec(db *d, const char *sql, int n, const db_val *v);
/* Runs several semicolon-separated statements without parameters (migrations). */
int db_exec_script(db *d, const char *sql);
/* Runs a query. NULL on error. Step through rows with db_step, then db_done. */
db_rows *db_query(db *d, const char *sql, int n, const db_val *v);
/* 1 when a row is ready, 0 at the end, -1 on error. */
int db_step(db_rows *r);
int db_columns(db_rows *r);
bool db_null(db_rows *r, int col);
int64_t db_int(db_rows *r, int col);
double db_real(db_rows *r, int col);
/* Valid until the next db_step or db_done; "" for NULL. */
const char *db_text(db_rows *r, int col);
const void *db_blob(db_rows *r, int col, size_t *len);
void db_done(db_rows *r);

/* The first column of the first row as an integer: 1 found, 0 no row (or NULL), -1 error. */
int db_query_int(db *d, const char *sql, int n, const db_val *v, int64_t *out);

/* The first column of the first row as a fresh string (caller frees); NULL when
 * there is no row, on error, or out of memory. */
char *db_query_text(db *d, const char *sql, int n, const db_val *v);

/* BEGIN (IMMEDIATE on SQLite, so writers queue instead of deadlocking), COMMIT,
 * ROLLBACK. Return 0 or -1. */
int db_begin(db *d);
int db_commit(db *d);
int db_rollback(db *d);

/* The calling thread's connection to the configured database, opened on first use
 * and reopened after a failure. NULL (with the reason logged) when the database
 * cannot be reached. Closed by db_thread_close() or at thread exit. */
db *db_thread(void);
void db_thread_close(void);
/* Why the last db_thread() on this thread returned NULL. */
const char *db_thread_error(void);
/* Sets the URL db_thread() connects to; call once before any thread uses it. */
int db_thread_init(const char *url);
/* Registers llmmeta_db_errors_total (docs/metrics.md): failed statements and failed
 * connections of every thread. Call once before serving; 0 or -1. */
int db_metrics_init(void);

#endif
