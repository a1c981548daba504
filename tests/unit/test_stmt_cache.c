/* test_stmt_cache.c - the bounded statement cache (src/db/db.c) and how the two
 * backends use it (src/db/db_sqlite.c, db_pg.c).
 *
 * Covers: the LRU itself (a hit moves an entry to the front, misses evict the least
 * recently used, the evict hook runs exactly once per evicted handle, pinned entries
 * are skipped, clear and take), checked also against a reference model over random
 * operations; on SQLite, 10,000 distinct statements keep the live statements at the
 * capacity, and a statement an open db_rows is reading is never finalized under it;
 * on PostgreSQL (only when LLMMETA_TEST_PG_URL names a database, as scripts/test.sh
 * does; skipped otherwise), 10,000 distinct statements never leave more than the
 * capacity in pg_prepared_statements, evicted statements run again correctly, an
 * aborted transaction leaks nothing, and a reset connection starts afresh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/db/db_impl.h"

#define CAP STMT_CACHE_CAPACITY

/* Every handle the evict hook saw, by number (handles are small integers). */
static int evicted[4 * CAP + 2];
static int evict_calls, last_evicted;
static bool pin[4 * CAP + 2];

static void on_evict(void *handle, void *arg)
{
	assert_ptr_equal(arg, &evict_calls);
	int h = (int)(intptr_t)handle;
	evicted[h]++;
	evict_calls++;
	last_evicted = h;
}

static bool is_pinned(void *handle, void *arg)
{
	(void)arg;
	return pin[(intptr_t)handle];
}

static void *H(int i) { return (void *)(intptr_t)i; }

static void key(char out[32], int i) { snprintf(out, 32, "SELECT %d", i); }

static struct stmt_cache cache; /* static: too large for a test's stack */

static int release_cache(void **state)
{
	(void)state;
	stmt_cache_clear(&cache, NULL, NULL);
	return 0;
}

static struct stmt_cache *fresh(void)
{
	struct stmt_cache *c = &cache;
	stmt_cache_clear(c, NULL, NULL);
	memset(evicted, 0, sizeof evicted);
	memset(pin, 0, sizeof pin);
	evict_calls = last_evicted = 0;
	stmt_cache_init(c, on_evict, is_pinned, &evict_calls);
	return c;
}

/* Puts keys first..last (inclusive) with handle = key number. */
static void fill(struct stmt_cache *c, int first, int last)
{
	char k[32];
	for (int i = first; i <= last; i++) {
		key(k, i);
		assert_true(stmt_cache_put(c, k, H(i)));
	}
}

static void test_eviction_order(void **state)
{
	(void)state;
	struct stmt_cache *c = fresh();
	fill(c, 1, CAP);
	assert_int_equal(c->count, CAP);
	assert_int_equal(evict_calls, 0); /* the last accepted entry evicts nothing */
	char k[32];
	for (int i = 1; i <= CAP; i++) {
		fill(c, CAP + i, CAP + i);
		assert_int_equal(last_evicted, i); /* oldest first */
		assert_int_equal(evict_calls, i);
		assert_int_equal(c->count, CAP);
		key(k, i);
		assert_null(stmt_cache_get(c, k));
	}
	for (int i = 1; i <= 2 * CAP; i++)
		assert_int_equal(evicted[i], i <= CAP ? 1 : 0);
	for (int i = CAP + 1; i <= 2 * CAP; i++) {
		key(k, i);
		assert_ptr_equal(stmt_cache_get(c, k), H(i));
	}
}

static void test_hit_moves_to_front(void **state)
{
	(void)state;
	struct stmt_cache *c = fresh();
	fill(c, 1, CAP);
	char k[32];
	key(k, 1);
	assert_ptr_equal(stmt_cache_get(c, k), H(1)); /* 1 is now the newest */
	key(k, 3);
	assert_ptr_equal(stmt_cache_get(c, k), H(3));
	fill(c, CAP + 1, CAP + 1);
	assert_int_equal(last_evicted, 2);
	fill(c, CAP + 2, CAP + 2);
	assert_int_equal(last_evicted, 4);
	key(k, 1);
	assert_ptr_equal(stmt_cache_get(c, k), H(1));
	/* Misses do not reorder anything. */
	assert_null(stmt_cache_get(c, "SELECT absent"));
	for (int i = 5; i <= CAP; i++) {
		fill(c, CAP + i, CAP + i);
		assert_int_equal(last_evicted, i);
	}
	/* Now 3, CAP+1, CAP+2, 1 (used again after those two went in). */
	const int expect[] = {3, CAP + 1, CAP + 2, 1};
	for (int j = 0; j < 4; j++) {
		fill(c, 2 * CAP + 1 + j, 2 * CAP + 1 + j);
		assert_int_equal(last_evicted, expect[j]);
	}
	assert_int_equal(evict_calls, CAP + 2);
	for (int i = 1; i <= CAP + 2; i++)
		assert_int_equal(evicted[i], 1);
}

static void test_pinned_are_skipped(void **state)
{
	(void)state;
	struct stmt_cache *c = fresh();
	fill(c, 1, CAP);
	pin[1] = pin[2] = true;
	fill(c, CAP + 1, CAP + 1);
	assert_int_equal(last_evicted, 3);
	assert_int_equal(evicted[1] + evicted[2], 0);
	char k[32];
	key(k, 1);
	assert_ptr_equal(stmt_cache_get(c, k), H(1));
	/* Every entry pinned: nothing is evicted and the new one is not cached. */
	for (int i = 0; i < (int)(sizeof pin / sizeof pin[0]); i++)
		pin[i] = true;
	int calls = evict_calls;
	assert_false(stmt_cache_put(c, "SELECT refused", H(4 * CAP + 1)));
	assert_int_equal(evict_calls, calls);
	assert_null(stmt_cache_get(c, "SELECT refused"));
	assert_int_equal(c->count, CAP);
	/* Unpinning one makes room again. */
	pin[CAP] = false;
	assert_true(stmt_cache_put(c, "SELECT accepted", H(4 * CAP + 1)));
	assert_int_equal(last_evicted, CAP);
}

static int cleared[CAP + 2];
static void on_clear(void *handle, void *arg)
{
	(void)arg;
	cleared[(intptr_t)handle]++;
}

static void test_clear_and_take(void **state)
{
	(void)state;
	struct stmt_cache *c = fresh();
	fill(c, 1, CAP);
	char k[32];
	key(k, 7);
	assert_ptr_equal(stmt_cache_take(c, k), H(7));
	assert_null(stmt_cache_take(c, k));
	assert_null(stmt_cache_get(c, k));
	assert_int_equal(c->count, CAP - 1);
	fill(c, 7, 7); /* the freed entry is used again; nothing evicted */
	assert_int_equal(evict_calls, 0);
	memset(cleared, 0, sizeof cleared);
	stmt_cache_clear(c, on_clear, NULL);
	assert_int_equal(evict_calls, 0); /* clear calls its own function, not the hook */
	for (int i = 1; i <= CAP; i++)
		assert_int_equal(cleared[i], 1);
	assert_int_equal(c->count, 0);
	key(k, 1);
	assert_null(stmt_cache_get(c, k));
	/* Empty and usable: fills to capacity again before evicting. */
	fill(c, 1, CAP);
	assert_int_equal(evict_calls, 0);
	fill(c, CAP + 1, CAP + 1);
	assert_int_equal(last_evicted, 1);
	stmt_cache_clear(c, NULL, NULL);
}

/* Random gets, puts and takes over more keys than fit, against a model that
 * remembers when each key was last used: catches any slip in the hash chains or the
 * recency list. */
static void test_against_model(void **state)
{
	(void)state;
	enum { KEYS = 3 * CAP };
	struct stmt_cache *c = fresh();
	long used[KEYS + 1]; /* 0: not cached */
	memset(used, 0, sizeof used);
	long clock = 0;
	unsigned seed = 12345;
	char k[32];
	for (int op = 0; op < 50000; op++) {
		seed = seed * 1103515245u + 12345u;
		int i = 1 + (int)((seed >> 8) % KEYS);
		key(k, i);
		int kind = (int)((seed >> 4) % 8);
		if (kind == 0) {
			assert_ptr_equal(stmt_cache_take(c, k), used[i] ? H(i) : NULL);
			used[i] = 0;
			continue;
		}
		void *got = stmt_cache_get(c, k);
		assert_ptr_equal(got, used[i] ? H(i) : NULL);
		if (got) {
			used[i] = ++clock;
			continue;
		}
		int n = 0, oldest = 0;
		for (int j = 1; j <= KEYS; j++) {
			if (!used[j])
				continue;
			n++;
			if (!oldest || used[j] < used[oldest])
				oldest = j;
		}
		int calls = evict_calls;
		assert_true(stmt_cache_put(c, k, H(i)));
		if (n == CAP) {
			assert_int_equal(evict_calls, calls + 1);
			assert_int_equal(last_evicted, oldest);
			used[oldest] = 0;
		} else {
			assert_int_equal(evict_calls, calls);
		}
		used[i] = ++clock;
		assert_true(c->count <= CAP);
	}
	stmt_cache_clear(c, NULL, NULL);
}

/* ---- the backends ---- */

/* Runs `SELECT ? + i` (a distinct text per i) and checks the answer. */
static void run_distinct(db *d, int i)
{
	char sql[64];
	snprintf(sql, sizeof sql, "SELECT ? + %d", i);
	int64_t v = -1;
	assert_int_equal(db_query_int(d, sql, DB_ARGS(db_v_int(1000000)), &v), 1);
	assert_true(v == 1000000 + i);
}

static void test_sqlite_statements_bounded(void **state)
{
	(void)state;
	char err[256];
	db *d = db_open("sqlite://:memory:", err, sizeof err);
	assert_non_null(d);
	int most = 0;
	for (int i = 0; i < 10000; i++) {
		run_distinct(d, i);
		int live = db_sqlite_live_statements(d);
		if (live > most)
			most = live;
	}
	assert_int_equal(most, CAP); /* filled, never above */
	run_distinct(d, 0); /* evicted long ago: prepared again, same answer */
	run_distinct(d, 9999);
	assert_int_equal(db_sqlite_live_statements(d), CAP);

	/* A statement an open db_rows reads is never finalized under it, whether it has
	 * been stepped yet or not, however many statements run meanwhile. */
	assert_int_equal(db_exec_script(d, "CREATE TABLE n (i INTEGER); INSERT INTO n VALUES (1), (2), (3)"), 0);
	db_rows *unstepped = db_query(d, "SELECT i * 10 FROM n ORDER BY i", DB_NOARGS);
	db_rows *stepped = db_query(d, "SELECT i FROM n ORDER BY i", DB_NOARGS);
	assert_non_null(unstepped);
	assert_non_null(stepped);
	assert_int_equal(db_step(stepped), 1);
	for (int i = 20000; i < 20000 + 3 * CAP; i++) {
		run_distinct(d, i);
		assert_true(db_sqlite_live_statements(d) <= CAP);
	}
	assert_true(db_int(stepped, 0) == 1);
	int64_t sum = 0;
	while (db_step(unstepped) == 1)
		sum += db_int(unstepped, 0);
	assert_true(sum == 60);
	assert_int_equal(db_step(stepped), 1);
	assert_true(db_int(stepped, 0) == 2);
	db_done(unstepped);
	db_done(stepped);
	db_close(d);
}

static int64_t pg_prepared(db *d)
{
	int64_t n = -1;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM pg_prepared_statements", DB_NOARGS, &n), 1);
	return n;
}

static void test_pg_statements_bounded(void **state)
{
	(void)state;
	const char *url = getenv("LLMMETA_TEST_PG_URL");
	if (!url || !*url) {
		/* scripts/test.sh sets it while its PostgreSQL cluster is up */
		print_message("LLMMETA_TEST_PG_URL is not set: runs in the PostgreSQL stage\n");
		skip();
		return;
	}
	char err[256];
	db *d = db_open(url, err, sizeof err);
	if (!d)
		fail_msg("%s", err);
	int64_t most = 0;
	for (int i = 0; i < 10000; i++) {
		run_distinct(d, i);
		if (i % 250 == 0) {
			int64_t n = pg_prepared(d);
			if (n > most)
				most = n;
		}
	}
	assert_true(most <= CAP);
	assert_true(pg_prepared(d) == CAP); /* filled, not above */
	run_distinct(d, 0); /* deallocated long ago: prepared again, same answer */
	run_distinct(d, 1);
	assert_true(pg_prepared(d) == CAP);

	/* In an aborted transaction a new statement fails without being cached or left
	 * prepared (DEALLOCATE could not run there); afterwards all is as before. */
	assert_int_equal(db_begin(d), 0);
	assert_null(db_query(d, "SELECT no_such_column", DB_NOARGS));
	assert_int_equal(db_exec(d, "SELECT 'after the failure'", DB_NOARGS), -1);
	assert_int_equal(db_rollback(d), 0);
	assert_true(pg_prepared(d) <= CAP);
	run_distinct(d, 2);
	/* Inside a healthy transaction, eviction deallocates without disturbing it. */
	assert_int_equal(db_begin(d), 0);
	for (int i = 30000; i < 30000 + CAP; i++)
		run_distinct(d, i);
	assert_int_equal(db_commit(d), 0);
	assert_true(pg_prepared(d) == CAP);

	/* A connection the server dropped is reset and forgets every name. */
	int64_t pid = 0;
	assert_int_equal(db_query_int(d, "SELECT pg_backend_pid()", DB_NOARGS, &pid), 1);
	db *killer = db_open(url, err, sizeof err);
	assert_non_null(killer);
	int64_t ok = 0;
	assert_int_equal(db_query_int(killer, "SELECT pg_terminate_backend(?::int)::int", DB_ARGS(db_v_int(pid)), &ok), 1);
	assert_true(ok == 1);
	db_close(killer);
	run_distinct(d, 3);
	int64_t after = pg_prepared(d);
	assert_true(after == 2); /* the two statements run since the reset */
	db_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_hit_moves_to_front),
		cmocka_unit_test(test_pinned_are_skipped),
		cmocka_unit_test(test_clear_and_take),
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_sqlite_statements_bounded),
		cmocka_unit_test(test_pg_statements_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, release_cache);
}
