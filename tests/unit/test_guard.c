/* test_guard.c - the slow-client guard's rule (src/http/guard.c, guard_due): when a
 * connection waiting for its request head is cut.
 *
 * Covers: before its time is up nothing is cut, whatever its socket holds; at the
 * timeout a connection with no unread bytes (silent, or a head read as it dripped
 * in) is cut at once; one whose bytes wait unread (the server behind) is kept until
 * the grace is spent and cut at its end whatever it holds; a kept one is cut as soon
 * as its socket is empty; and the same rule with the kept-alive timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/http/guard.h"

#define HEAD_MS (HTTP_HEAD_TIMEOUT_S * 1000)
#define GRACE_MS (HTTP_HEAD_GRACE_S * 1000)

static void test_not_before_its_time(void **state)
{
	(void)state;
	assert_false(guard_due(0, HEAD_MS, GRACE_MS, 0));
	assert_false(guard_due(HEAD_MS - 1, HEAD_MS, GRACE_MS, 0)); /* last kept, silent */
	assert_false(guard_due(HEAD_MS - 1, HEAD_MS, GRACE_MS, 100));
}

static void test_silent_or_read_cut_at_timeout(void **state)
{
	(void)state;
	assert_true(guard_due(HEAD_MS, HEAD_MS, GRACE_MS, 0)); /* first cut */
	assert_true(guard_due(HEAD_MS + 1, HEAD_MS, GRACE_MS, 0));
}

static void test_unread_bytes_kept_through_the_grace(void **state)
{
	(void)state;
	assert_false(guard_due(HEAD_MS, HEAD_MS, GRACE_MS, 1));
	assert_false(guard_due(HEAD_MS + GRACE_MS - 1, HEAD_MS, GRACE_MS, 1)); /* last kept */
	assert_true(guard_due(HEAD_MS + GRACE_MS, HEAD_MS, GRACE_MS, 1));      /* first cut */
	assert_true(guard_due(HEAD_MS + GRACE_MS, HEAD_MS, GRACE_MS, 16384));
	/* Read meanwhile but still not a whole head: cut at the next sweep. */
	assert_true(guard_due(HEAD_MS + 250, HEAD_MS, GRACE_MS, 0));
}

static void test_no_grace(void **state)
{
	(void)state;
	assert_true(guard_due(HEAD_MS, HEAD_MS, 0, 1));
}

static void test_kept_alive_timeout(void **state)
{
	(void)state;
	const int64_t idle = HTTP_KEEPALIVE_S * 1000;
	assert_false(guard_due(idle - 1, idle, GRACE_MS, 0));
	assert_true(guard_due(idle, idle, GRACE_MS, 0));
	assert_false(guard_due(idle + GRACE_MS - 1, idle, GRACE_MS, 40));
	assert_true(guard_due(idle + GRACE_MS, idle, GRACE_MS, 40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_before_its_time),
		cmocka_unit_test(test_silent_or_read_cut_at_timeout),
		cmocka_unit_test(test_unread_bytes_kept_through_the_grace),
		cmocka_unit_test(test_no_grace),
		cmocka_unit_test(test_kept_alive_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
