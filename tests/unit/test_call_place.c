/* test_call_place.c - the calls in flight per user counted across instances in
 * PostgreSQL (src/model/call_place.c), on the database named by LLMMETA_TEST_PG_URL
 * (skipped without it: on SQLite one instance counts in memory, web/call/limit.c).
 *
 * Covers: the limit at its last accepted and first refused place, with the places
 * taken on two instances added up; a give making room on the other instance; an
 * instance's own row set from its own count; a user counted apart; the places of an instance whose lease ran out counting for nothing,
 * and going with its lease when the sweep buries it (and with a clean end); a
 * rewrite of an instance's rows; and eight instances racing for the last places of
 * one user getting exactly the limit, never more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../../src/core/util.h"
#include "../../src/db/db.h"
#include "../../src/db/migrate.h"
#include "../../src/model/call_place.h"
#include "../../src/model/instance.h"
#include "../../src/model/user.h"
#include "unit_db.h"

static db *d;
static int64_t ada, bob;

static int setup(void **state)
{
	(void)state;
	if (!unit_db_is_pg())
		return 0;
	char err[256];
	if (!(d = db_open(unit_db_url(""), err, sizeof err)) || db_migrate(d) < 1)
		return -1;
	return user_create(d, "ada", "", "", false, &ada) == USER_CREATED &&
			       user_create(d, "bob", "", "", false, &bob) == USER_CREATED
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (d)
		db_close(d);
	return 0;
}

static bool pg_or_skip(void)
{
	if (unit_db_is_pg())
		return true;
	print_message("PostgreSQL only: LLMMETA_TEST_PG_URL is not set\n");
	skip();
	return false;
}

static int64_t places(int64_t user, int64_t live_since)
{
	int64_t n = -1;
	assert_int_equal(call_place_count(d, user, 0, live_since, &n), 0);
	return n;
}

static bool alive(int64_t pid) { return pid == 1; }

static void test_limit_across_instances(void **state)
{
	(void)state;
	if (!pg_or_skip())
		return;
	int64_t now = now_ms(), since = now - 60000, a, b;
	assert_int_equal(instance_register(d, "here", 1, now, &a), 0);
	assert_int_equal(instance_register(d, "there", 1, now, &b), 0);
	/* Each take says how many the instance then holds (its memory's count). */
	assert_int_equal(call_place_take(d, a, ada, 1, 3, since), 1);
	assert_int_equal(call_place_take(d, a, ada, 2, 3, since), 1);
	assert_int_equal(call_place_take(d, b, ada, 1, 3, since), 1); /* the 3rd: the last accepted */
	assert_int_equal(places(ada, since), 3);
	int64_t others = -1; /* what another instance than a holds */
	assert_int_equal(call_place_count(d, ada, a, since, &others), 0);
	assert_int_equal(others, 1);
	assert_int_equal(call_place_take(d, b, ada, 2, 3, since), 0); /* the 4th refused, on either */
	assert_int_equal(call_place_take(d, a, ada, 3, 3, since), 0);
	assert_int_equal(places(ada, since), 3);                      /* a refusal writes nothing */
	assert_int_equal(call_place_take(d, a, bob, 1, 3, since), 1); /* bob has places of his own */
	assert_int_equal(call_place_set(d, a, ada, 1), 0);            /* given back on one... */
	assert_int_equal(places(ada, since), 2);
	assert_int_equal(call_place_take(d, b, ada, 2, 3, since), 1); /* ...taken on the other */
	assert_int_equal(call_place_take(d, b, ada, 3, 3, since), 0);
	/* An instance's own row is its count, whatever the row said: a give not yet
	 * written does not hold this instance's next take. */
	assert_int_equal(call_place_set(d, a, ada, 0), 0);
	assert_int_equal(call_place_take(d, b, ada, 3, 3, since), 1);
	/* Given back to zero: the rows go (the table holds only users with calls). */
	assert_int_equal(call_place_set(d, b, ada, 0), 0);
	assert_int_equal(places(ada, since), 0);
	int64_t rows = -1;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM call_places WHERE user_id = ?", DB_ARGS(db_v_int(ada)), &rows),
			 1);
	assert_int_equal(rows, 0);
	/* A rewrite says exactly what the instance holds. */
	int64_t users[] = {ada, bob};
	unsigned counts[] = {2, 0};
	assert_int_equal(call_place_reset(d, a, users, counts, 2), 0);
	assert_int_equal(places(ada, since), 2);
	assert_int_equal(places(bob, since), 0);
	assert_int_equal(instance_end(d, a), 0); /* a clean stop takes its places along */
	assert_int_equal(places(ada, since), 0);
	assert_int_equal(instance_end(d, b), 0);
}

static void test_dead_instance_counts_for_nothing(void **state)
{
	(void)state;
	if (!pg_or_skip())
		return;
	int64_t now = now_ms(), since = now - 60000, me, gone, crashed;
	assert_int_equal(instance_register(d, "here", 1, now, &me), 0);
	assert_int_equal(instance_register(d, "there", 1, since - 1, &gone), 0); /* a lease that ran out */
	assert_int_equal(instance_register(d, "here", 2, now, &crashed), 0);   /* a live lease, its process gone */
	int64_t users[] = {ada};
	unsigned two[] = {2}, one[] = {1};
	assert_int_equal(call_place_reset(d, gone, users, two, 1), 0);
	assert_int_equal(call_place_reset(d, crashed, users, one, 1), 0);
	/* The lease that ran out counts for nothing at once; the crashed one until it is
	 * found out. */
	assert_int_equal(places(ada, since), 1);
	assert_int_equal(call_place_take(d, me, ada, 1, 2, since), 1);
	assert_int_equal(call_place_take(d, me, ada, 2, 2, since), 0);
	int64_t marked = -1;
	assert_int_equal(instance_sweep(d, me, "here", since, alive, &marked), 0);
	assert_int_equal(places(ada, since), 1); /* only this instance's own */
	assert_int_equal(places(ada, 0), 1);     /* the buried ones' rows are gone, not just old */
	assert_int_equal(call_place_take(d, me, ada, 2, 2, since), 1);
	assert_int_equal(instance_end(d, me), 0);
}

#define RACERS 8
#define TRIES 25
#define LIMIT 5

struct racer {
	pthread_t t;
	int64_t inst, since; /* an instance of its own, which counts its own places */
	int taken, errors;
};

static pthread_barrier_t start;

static void *race(void *arg)
{
	struct racer *r = arg;
	char err[256];
	db *c = db_open(unit_db_url(""), err, sizeof err);
	pthread_barrier_wait(&start);
	for (int i = 0; c && i < TRIES; i++) {
		int rc = call_place_take(c, r->inst, ada, r->taken + 1, LIMIT, r->since);
		if (rc < 0)
			r->errors++;
		else
			r->taken += rc;
	}
	if (c)
		db_close(c);
	else
		r->errors = TRIES;
	return NULL;
}

static void test_racing_for_the_last_places(void **state)
{
	(void)state;
	if (!pg_or_skip())
		return;
	int64_t now = now_ms();
	struct racer r[RACERS] = {0};
	pthread_barrier_init(&start, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		assert_int_equal(instance_register(d, "here", 1, now, &r[i].inst), 0);
		r[i].since = now - 60000;
		assert_int_equal(pthread_create(&r[i].t, NULL, race, &r[i]), 0);
	}
	int taken = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(r[i].t, NULL);
		assert_int_equal(r[i].errors, 0);
		taken += r[i].taken;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(taken, LIMIT);
	assert_int_equal(places(ada, now - 60000), LIMIT);
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(instance_end(d, r[i].inst), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_across_instances),
		cmocka_unit_test(test_dead_instance_counts_for_nothing),
		cmocka_unit_test(test_racing_for_the_last_places),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
