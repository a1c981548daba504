/* test_db.c - the database interface (src/db/db.c, db_sqlite.c, migrate.c) and the
 * users table (src/model/user.c) on in-memory SQLite.
 *
 * Covers: migrations (applied once, idempotent), binding and reading back every
 * value type (NULL, 64-bit ints, reals, UTF-8 text, blobs with NUL bytes),
 * db_query_int's three outcomes, SQL errors and db_errmsg, values that look like SQL
 * stay values, nested queries with the same SQL text (the statement cache's busy
 * path), transactions, foreign keys, and user_create/user_by_login/user_by_id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../src/db/db.h"
#include "../../src/db/migrate.h"
#include "../../src/model/user.h"

static db *d;

static int setup(void **state)
{
	(void)state;
	char err[256];
	d = db_open("sqlite://:memory:", err, sizeof err);
	if (!d || db_migrate(d) < 1)
		return -1;
	return db_exec_script(d, "CREATE TABLE t (k TEXT, i INTEGER, r REAL, s TEXT, b BLOB)");
}

static int teardown(void **state)
{
	(void)state;
	db_close(d);
	return 0;
}

static int64_t count_rows(const char *table_sql)
{
	int64_t n = -1;
	assert_int_equal(db_query_int(d, table_sql, DB_NOARGS, &n), 1);
	return n;
}

static void test_migrate_idempotent(void **state)
{
	(void)state;
	char err[256];
	db *m = db_open("sqlite://:memory:", err, sizeof err);
	assert_non_null(m);
	assert_string_equal(db_backend_name(m), "sqlite");
	assert_true(db_schema_version() >= 1);
	assert_int_equal(db_migrate(m), db_schema_version());
	assert_int_equal(db_migrate(m), 0);
	int64_t n = 0;
	assert_int_equal(db_query_int(m, "SELECT count(*) FROM schema_migrations", DB_NOARGS, &n), 1);
	assert_int_equal(n, db_schema_version());
	assert_int_equal(db_query_int(m, "SELECT count(*) FROM users", DB_NOARGS, &n), 1);
	db_close(m);
	assert_null(db_open("mysql://x", err, sizeof err));
	assert_true(err[0] != '\0');
}

static void test_every_type_round_trips(void **state)
{
	(void)state;
	const unsigned char blob[] = {'a', 0, 'b', 0, 0xff, 0};
	const int64_t big = (int64_t)1 << 40;
	assert_int_equal(db_exec(d, "INSERT INTO t (k, i, r, s, b) VALUES (?, ?, ?, ?, ?)",
				 DB_ARGS(db_v_text("types"), db_v_int(big), db_v_real(-2.5e-3),
					 db_v_text("h\xC3\xA9llo \xE2\x82\xAC"), db_v_blob(blob, sizeof blob))), 1);
	assert_int_equal(db_exec(d, "INSERT INTO t (k, i, r, s, b) VALUES (?, ?, ?, ?, ?)",
				 DB_ARGS(db_v_text("nulls"), db_v_int(INT64_MIN), db_v_null(), db_v_text(NULL),
					 db_v_blob("", 0))), 1);
	db_rows *r = db_query(d, "SELECT i, r, s, b FROM t WHERE k = ?", DB_ARGS(db_v_text("types")));
	assert_non_null(r);
	assert_int_equal(db_step(r), 1);
	assert_int_equal(db_columns(r), 4);
	assert_true(db_int(r, 0) == big);
	assert_true(db_real(r, 1) == -2.5e-3);
	assert_string_equal(db_text(r, 2), "h\xC3\xA9llo \xE2\x82\xAC");
	size_t len = 0;
	const void *p = db_blob(r, 3, &len);
	assert_int_equal(len, sizeof blob);
	assert_memory_equal(p, blob, sizeof blob);
	assert_false(db_null(r, 0));
	assert_int_equal(db_step(r), 0);
	db_done(r);
	r = db_query(d, "SELECT typeof(i) || typeof(r) || typeof(s) || typeof(b) FROM t WHERE k = 'types'", DB_NOARGS);
	assert_non_null(r);
	assert_int_equal(db_step(r), 1);
	assert_string_equal(db_text(r, 0), "integerrealtextblob"); /* bound as their own types */
	db_done(r);
	r = db_query(d, "SELECT i, r, s, b FROM t WHERE k = ?", DB_ARGS(db_v_text("nulls")));
	assert_non_null(r);
	assert_int_equal(db_step(r), 1);
	assert_true(db_int(r, 0) == INT64_MIN);
	assert_true(db_null(r, 1));
	assert_true(db_null(r, 2));
	assert_string_equal(db_text(r, 2), ""); /* "" for NULL, never a NULL pointer */
	assert_false(db_null(r, 3));            /* an empty blob is not NULL */
	assert_non_null(db_blob(r, 3, &len));
	assert_int_equal(len, 0);
	db_done(r);
}

static void test_query_int(void **state)
{
	(void)state;
	int64_t v = 99;
	assert_int_equal(db_query_int(d, "SELECT i FROM t WHERE k = ?", DB_ARGS(db_v_text("absent")), &v), 0);
	assert_int_equal(v, 99);
	assert_int_equal(db_query_int(d, "SELECT NULL", DB_NOARGS, &v), 0);
	assert_int_equal(v, 99);
	assert_int_equal(db_query_int(d, "SELECT ? * 2", DB_ARGS(db_v_int((int64_t)1 << 40)), &v), 1);
	assert_true(v == (int64_t)1 << 41);
}

static void test_sql_errors(void **state)
{
	(void)state;
	db_set_err(d, "%s", "");
	assert_int_equal(db_exec(d, "SELEC 1", DB_NOARGS), -1);
	assert_non_null(strstr(db_errmsg(d), "syntax error"));
	db_set_err(d, "%s", "");
	assert_null(db_query(d, "SELECT * FROM no_such_table", DB_NOARGS));
	assert_non_null(strstr(db_errmsg(d), "no_such_table"));
	int64_t v = 5;
	assert_int_equal(db_query_int(d, "SELECT nope FROM t", DB_NOARGS, &v), -1);
	assert_int_equal(v, 5);
	assert_int_equal(db_exec_script(d, "CREATE TABLE t (x)"), -1);
	assert_non_null(strstr(db_errmsg(d), "already exists"));
	/* A constraint failure at step time is an error too. */
	assert_int_equal(db_exec(d, "INSERT INTO users (username, created_at) VALUES (NULL, 0)", DB_NOARGS), -1);
	assert_non_null(strstr(db_errmsg(d), "NOT NULL"));
}

static void test_values_are_never_sql(void **state)
{
	(void)state;
	const char *evil = "x'); DROP TABLE users; --";
	assert_int_equal(db_exec(d, "INSERT INTO t (k, s) VALUES ('evil', ?)", DB_ARGS(db_v_text(evil))), 1);
	db_rows *r = db_query(d, "SELECT s FROM t WHERE s = ?", DB_ARGS(db_v_text(evil)));
	assert_non_null(r);
	assert_int_equal(db_step(r), 1);
	assert_string_equal(db_text(r, 0), evil);
	db_done(r);
	int64_t id = 0;
	assert_int_equal(user_create(d, "robert'); DROP TABLE users;--", "", "", false, &id), USER_CREATED);
	struct user u = {0};
	assert_int_equal(user_by_login(d, "ROBERT'); drop table USERS;--", &u), 1);
	assert_true(u.id == id);
	user_clear(&u);
	assert_true(count_rows("SELECT count(*) FROM users") >= 1); /* still there */
}

static void test_nested_same_sql(void **state)
{
	(void)state;
	for (int i = 1; i <= 3; i++)
		db_exec(d, "INSERT INTO t (k, i) VALUES ('nest', ?)", DB_ARGS(db_v_int(i)));
	const char *sql = "SELECT i FROM t WHERE k = ? ORDER BY i";
	db_rows *outer = db_query(d, sql, DB_ARGS(db_v_text("nest")));
	assert_non_null(outer);
	int64_t seen = 0;
	int rc;
	while ((rc = db_step(outer)) == 1) {
		int64_t o = db_int(outer, 0);
		seen = seen * 10 + o;
		/* The cached statement is busy: the same text must still work, in full. */
		db_rows *inner = db_query(d, sql, DB_ARGS(db_v_text("nest")));
		assert_non_null(inner);
		int64_t sum = 0;
		while (db_step(inner) == 1)
			sum += db_int(inner, 0);
		db_done(inner);
		assert_int_equal(sum, 6);
		assert_true(db_int(outer, 0) == o); /* the outer row is undisturbed */
	}
	assert_int_equal(rc, 0);
	assert_int_equal(seen, 123);
	db_done(outer);
	/* And the cached statement is usable again afterwards. */
	int64_t n = 0;
	assert_int_equal(db_query_int(d, sql, DB_ARGS(db_v_text("nest")), &n), 1);
	assert_int_equal(n, 1);
}

static void test_transactions(void **state)
{
	(void)state;
	assert_int_equal(db_begin(d), 0);
	db_exec(d, "INSERT INTO t (k) VALUES ('tx')", DB_NOARGS);
	assert_int_equal(count_rows("SELECT count(*) FROM t WHERE k = 'tx'"), 1);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(count_rows("SELECT count(*) FROM t WHERE k = 'tx'"), 0);
	assert_int_equal(db_begin(d), 0);
	db_exec(d, "INSERT INTO t (k) VALUES ('tx')", DB_NOARGS);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(count_rows("SELECT count(*) FROM t WHERE k = 'tx'"), 1);
	/* ROLLBACK keeps the message of the failure that led to it. */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_exec(d, "SELEC 1", DB_NOARGS), -1);
	assert_int_equal(db_rollback(d), 0);
	assert_non_null(strstr(db_errmsg(d), "syntax error"));
	assert_int_equal(db_rollback(d), -1); /* no transaction: fails, message kept */
	assert_non_null(strstr(db_errmsg(d), "syntax error"));
}

static void test_foreign_keys_enforced(void **state)
{
	(void)state;
	assert_int_equal(db_exec(d, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, 0, 0)",
				 DB_ARGS(db_v_text("fk-test"), db_v_int(987654))), -1);
	assert_non_null(strstr(db_errmsg(d), "FOREIGN KEY"));
}

static void test_users(void **state)
{
	(void)state;
	int64_t alice = 0, other = 0;
	assert_int_equal(user_create(d, "Alice", "Alice@Example.org", "hash-a", true, &alice), USER_CREATED);
	assert_true(alice > 0);
	assert_int_equal(user_create(d, "aLICE", "new@example.org", "", false, &other), USER_TAKEN_NAME);
	assert_int_equal(user_create(d, "alice2", "alice@EXAMPLE.ORG", "", false, &other), USER_TAKEN_EMAIL);
	/* Many users may have no e-mail address. */
	assert_int_equal(user_create(d, "carol", "", "", false, &other), USER_CREATED);
	assert_int_equal(user_create(d, "dave", "", "", false, &other), USER_CREATED);
	const char *logins[] = {"alice", "ALICE", "Alice", "alice@example.org", "ALICE@example.ORG"};
	for (size_t i = 0; i < sizeof logins / sizeof logins[0]; i++) {
		struct user u = {0};
		assert_int_equal(user_by_login(d, logins[i], &u), 1);
		assert_true(u.id == alice);
		assert_string_equal(u.username, "Alice");
		assert_string_equal(u.email, "Alice@Example.org");
		assert_string_equal(u.password_hash, "hash-a");
		assert_true(u.is_admin);
		assert_true(u.is_active);
		user_clear(&u);
		assert_null(u.username);
	}
	struct user u = {0};
	assert_int_equal(user_by_login(d, "nobody", &u), 0);
	assert_int_equal(user_by_login(d, "", &u), 0); /* never the users without e-mail */
	assert_int_equal(user_by_id(d, alice, &u), 1);
	assert_string_equal(u.username, "Alice");
	user_clear(&u);
	assert_int_equal(user_by_id(d, 424242, &u), 0);
	assert_int_equal(user_set_password(d, alice, "hash-b"), 0);
	assert_int_equal(user_set_password(d, 424242, "x"), -1);
	assert_int_equal(user_by_login(d, "alice", &u), 1);
	assert_string_equal(u.password_hash, "hash-b");
	user_clear(&u);
}

static void test_username_wins_over_email(void **state)
{
	(void)state;
	int64_t by_name = 0, by_mail = 0;
	assert_int_equal(user_create(d, "eve@example.org", "", "", false, &by_name), USER_CREATED);
	assert_int_equal(user_create(d, "zed", "EVE@example.org", "", false, &by_mail), USER_CREATED);
	struct user u = {0};
	assert_int_equal(user_by_login(d, "Eve@Example.org", &u), 1);
	assert_true(u.id == by_name);
	user_clear(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_idempotent),
		cmocka_unit_test(test_every_type_round_trips),
		cmocka_unit_test(test_query_int),
		cmocka_unit_test(test_sql_errors),
		cmocka_unit_test(test_values_are_never_sql),
		cmocka_unit_test(test_nested_same_sql),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_foreign_keys_enforced),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_username_wins_over_email),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
