/* test_call_limit.c - the calls and API-body bytes one user may have in flight
 * (src/web/call/limit.c): each limit at its last accepted and first refused value,
 * users counted apart, gives that never go below zero, and a table that forgets a
 * user who holds nothing (a user back at zero starts afresh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/core/config.h"
#include "../../src/web/call/limit.h"

static void test_calls_last_accepted_first_refused(void **state)
{
	(void)state;
	cfg.max_asks_per_user = 3;
	for (int i = 0; i < 3; i++) {
		assert_false(call_limit_full(7));
		assert_true(call_limit_take(7)); /* the 3rd is the last accepted */
	}
	assert_true(call_limit_full(7));
	assert_false(call_limit_take(7)); /* the 4th is refused */
	assert_true(call_limit_take(8));  /* another user has places of their own */
	call_limit_give(7);
	assert_false(call_limit_full(7));
	assert_true(call_limit_take(7));
	assert_false(call_limit_take(7));
	for (int i = 0; i < 3; i++)
		call_limit_give(7);
	call_limit_give(8);
}

static void test_give_never_below_zero(void **state)
{
	(void)state;
	cfg.max_asks_per_user = 1;
	call_limit_give(9); /* nothing taken: no entry, no underflow */
	call_limit_give(9);
	assert_true(call_limit_take(9));
	assert_false(call_limit_take(9)); /* the extra gives did not make room */
	call_limit_give(9);
	/* With bytes held the user's entry stays: a give of a call not taken must not
	 * wrap its count around. */
	assert_true(call_limit_bytes_take(9, 1, 10));
	call_limit_give(9);
	assert_true(call_limit_take(9));
	call_limit_give(9);
	call_limit_bytes_give(9, 1000);
	assert_true(call_limit_bytes_take(9, 10, 10));
	assert_false(call_limit_bytes_take(9, 1, 10));
	call_limit_bytes_give(9, 10);
}

static void test_bytes_share(void **state)
{
	(void)state;
	assert_true(call_limit_bytes_take(5, 60, 100));
	assert_true(call_limit_bytes_take(5, 40, 100));  /* exactly the share: the last accepted */
	assert_false(call_limit_bytes_take(5, 1, 100));  /* one byte more: refused */
	assert_true(call_limit_bytes_take(6, 100, 100)); /* another user's share is theirs */
	call_limit_bytes_give(5, 40);
	assert_false(call_limit_bytes_take(5, 41, 100));
	assert_true(call_limit_bytes_take(5, 40, 100));
	assert_false(call_limit_bytes_take(4, 101, 100)); /* more than a share at once */
	assert_false(call_limit_bytes_take(4, SIZE_MAX, 100));
	call_limit_bytes_give(5, 100);
	call_limit_bytes_give(6, 100);
}

static void test_calls_and_bytes_are_apart(void **state)
{
	(void)state;
	cfg.max_asks_per_user = 1;
	assert_true(call_limit_take(3));
	assert_true(call_limit_bytes_take(3, 50, 50)); /* a full count of calls leaves the bytes alone */
	call_limit_give(3);
	assert_true(call_limit_full(3) == false);
	assert_false(call_limit_bytes_take(3, 1, 50)); /* the bytes stayed when the call was given */
	call_limit_bytes_give(3, 50);
	assert_true(call_limit_take(3));
	call_limit_give(3);
}

static void test_many_users(void **state)
{
	(void)state;
	cfg.max_asks_per_user = 2;
	for (int64_t u = 1000; u < 1500; u++)
		assert_true(call_limit_take(u));
	for (int64_t u = 1000; u < 1500; u++)
		assert_true(call_limit_take(u));
	for (int64_t u = 1000; u < 1500; u++)
		assert_false(call_limit_take(u));
	for (int64_t u = 1000; u < 1500; u += 2) {
		call_limit_give(u);
		call_limit_give(u);
	}
	for (int64_t u = 1000; u < 1500; u++)
		assert_true(call_limit_full(u) == (u % 2 == 1));
	for (int64_t u = 1001; u < 1500; u += 2) {
		call_limit_give(u);
		call_limit_give(u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_last_accepted_first_refused),
		cmocka_unit_test(test_give_never_below_zero),
		cmocka_unit_test(test_bytes_share),
		cmocka_unit_test(test_calls_and_bytes_are_apart),
		cmocka_unit_test(test_many_users),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
