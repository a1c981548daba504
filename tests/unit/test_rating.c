/* test_rating.c - the leaderboard's figures (src/model/rating.c): counts per model
 * (a model with two columns in one vote counted once), finite ratings for a model
 * that never won and one that never lost (the virtual tie with the reference),
 * symmetry (two models that split their games rate the same, at 1000), the winner
 * rated higher, an interval around the rating, the same figures from the same votes
 * (the fixed seed), and the generator's first outputs (the docs' and the JS test's). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/model/rating.h"

static void test_mulberry32_known_outputs(void **state)
{
	(void)state;
	uint32_t s = 42;
	/* mulberry32(42): the same sequence the JavaScript reference draws. */
	uint32_t a = rating_random(&s), b = rating_random(&s);
	uint32_t s2 = 42;
	assert_int_equal(rating_random(&s2), a);
	assert_int_equal(rating_random(&s2), b);
	assert_true(a != b);
	assert_int_equal(a, 2581720956u);
}

static void test_counts_and_finite_ratings(void **state)
{
	(void)state;
	/* Model 0 always beats 1; a vote with model 0 twice and 1 once counts once each. */
	struct rating_vote v[] = {
		{.model = {0, 1}, .ncols = 2, .winner = 0},
		{.model = {1, 0}, .ncols = 2, .winner = 1},
		{.model = {0, 0, 1}, .ncols = 3, .winner = 1},
	};
	struct rating_row rows[2];
	assert_int_equal(rating_compute(v, 3, 2, rows), 0);
	assert_int_equal(rows[0].votes, 3);
	assert_int_equal(rows[0].wins, 3);
	assert_int_equal(rows[0].losses, 0);
	assert_int_equal(rows[1].votes, 3);
	assert_int_equal(rows[1].wins, 0);
	assert_int_equal(rows[1].losses, 3);
	assert_true(isfinite(rows[0].rating) && isfinite(rows[1].rating));
	assert_true(rows[0].rating > 1000 && rows[1].rating < 1000);
	assert_true(rows[0].lo <= rows[0].rating && rows[0].rating <= rows[0].hi);
}

static void test_split_games_rate_equal(void **state)
{
	(void)state;
	struct rating_vote v[] = {
		{.model = {0, 1}, .ncols = 2, .winner = 0},
		{.model = {0, 1}, .ncols = 2, .winner = 1},
		{.model = {0, 1}, .ncols = 2, .winner = -1},
	};
	struct rating_row rows[2], again[2];
	assert_int_equal(rating_compute(v, 3, 2, rows), 0);
	assert_true(fabs(rows[0].rating - 1000) < 1e-6);
	assert_true(fabs(rows[1].rating - 1000) < 1e-6);
	assert_int_equal(rows[0].ties, 1);
	assert_int_equal(rating_compute(v, 3, 2, again), 0);
	assert_true(rows[0].lo == again[0].lo && rows[0].hi == again[0].hi); /* the seed is fixed */
}

static void test_no_votes(void **state)
{
	(void)state;
	struct rating_row rows[1];
	assert_int_equal(rating_compute(NULL, 0, 1, rows), 0);
	assert_true(fabs(rows[0].rating - 1000) < 1e-9);
	assert_int_equal(rows[0].votes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mulberry32_known_outputs),
		cmocka_unit_test(test_counts_and_finite_ratings),
		cmocka_unit_test(test_split_games_rate_equal),
		cmocka_unit_test(test_no_votes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
