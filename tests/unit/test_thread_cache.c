/* test_thread_cache.c - the cache of rendered conversation threads
 * (src/web/history/thread_cache.c).
 *
 * Covers: a hit appends exactly what was kept; a miss (another revision, another
 * conversation, nothing kept) leaves the buffer as it was; a new revision replaces
 * the old one (one entry, the old revision misses) and an older revision never
 * replaces a newer; the bound in bytes: the least recently used goes first, a get
 * counting as a use; a thread of exactly a quarter of the bound is kept and one byte
 * more is not; a bound of 0 keeps nothing; lowering the bound drops what no longer
 * fits; threads getting and putting at once always read a whole, right thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/web/history/thread_cache.h"

static int reset(void **state)
{
	(void)state;
	thread_cache_clear();
	thread_cache_limit(THREAD_CACHE_DEFAULT_BYTES);
	return 0;
}

static void put(int64_t id, int64_t rev, const char *s) { thread_cache_put(id, rev, s, strlen(s)); }

/* Whether (id, rev) is kept; when it is, its text must be `want`. */
static bool kept(int64_t id, int64_t rev, const char *want)
{
	buf b = BUF_INIT;
	buf_puts(&b, "<");
	bool hit = thread_cache_get(id, rev, &b);
	if (hit) {
		char expect[256];
		snprintf(expect, sizeof expect, "<%s", want);
		assert_string_equal(b.data, expect);
	} else {
		assert_string_equal(b.data, "<"); /* a miss appends nothing */
	}
	buf_free(&b);
	return hit;
}

static size_t entries(void)
{
	size_t bytes, n;
	thread_cache_usage(&bytes, &n);
	return n;
}

static size_t bytes_used(void)
{
	size_t bytes, n;
	thread_cache_usage(&bytes, &n);
	return bytes;
}

static void test_hit_and_miss(void **state)
{
	(void)state;
	assert_false(kept(1, 0, ""));
	put(1, 0, "<article>a</article>");
	assert_true(kept(1, 0, "<article>a</article>"));
	assert_false(kept(1, 1, ""));
	assert_false(kept(2, 0, ""));
	put(2, 5, "");
	assert_true(kept(2, 5, "")); /* an empty thread is a thread */
	assert_int_equal(entries(), 2);
}

static void test_new_revision_replaces(void **state)
{
	(void)state;
	put(7, 1, "one");
	put(7, 2, "two");
	assert_int_equal(entries(), 1);
	assert_false(kept(7, 1, ""));
	assert_true(kept(7, 2, "two"));
	put(7, 1, "late"); /* a slower view of the older revision */
	assert_true(kept(7, 2, "two"));
	assert_false(kept(7, 1, ""));
	put(7, 2, "same"); /* the same revision, written by another thread */
	assert_true(kept(7, 2, "two"));
}

static void test_eviction_by_bytes(void **state)
{
	(void)state;
	char text[101];
	memset(text, 'x', 100);
	text[100] = '\0';
	put(1, 0, text);
	size_t cost = bytes_used(); /* one 100-byte thread with its bookkeeping */
	assert_true(cost > 100);
	thread_cache_clear();
	thread_cache_limit(3 * cost); /* three fit, not four; a quarter (cost * 3 / 4) > 100 */
	put(1, 0, text);
	put(2, 0, text);
	put(3, 0, text);
	assert_int_equal(entries(), 3);
	assert_int_equal(bytes_used(), 3 * cost);
	assert_true(kept(1, 0, text)); /* 1 used: 2 is now the least recent */
	put(4, 0, text);
	assert_int_equal(entries(), 3);
	assert_false(kept(2, 0, ""));
	assert_true(kept(1, 0, text));
	assert_true(kept(3, 0, text));
	assert_true(kept(4, 0, text));
	thread_cache_limit(2 * cost); /* lowering drops the least recent: 1 */
	assert_int_equal(entries(), 2);
	assert_false(kept(1, 0, ""));
	assert_true(kept(3, 0, text));
	assert_true(kept(4, 0, text));
}

static void test_largest_kept(void **state)
{
	(void)state;
	thread_cache_limit(4000);
	char *big = malloc(1002);
	memset(big, 'y', 1001);
	big[1001] = '\0';
	thread_cache_put(1, 0, big, 1000); /* a quarter: kept */
	thread_cache_put(2, 0, big, 1001); /* one byte more: not */
	buf b = BUF_INIT;
	assert_true(thread_cache_get(1, 0, &b));
	assert_int_equal(b.len, 1000);
	assert_false(thread_cache_get(2, 0, &b));
	assert_int_equal(b.len, 1000);
	buf_free(&b);
	free(big);
	thread_cache_limit(0);
	assert_int_equal(entries(), 0);
	put(3, 0, "");
	assert_int_equal(entries(), 0);
	assert_false(kept(3, 0, ""));
}

/* Each thread puts and gets conversations 0..15 at rising revisions under a bound
 * that keeps only a few: whatever a get returns is the whole text of that revision. */
static void *churn(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	char want[64];
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		int64_t id = (seed >> 8) % 16, rev = (seed >> 16) % 8;
		int len = snprintf(want, sizeof want, "conversation %lld revision %lld", (long long)id, (long long)rev);
		if (seed & 1) {
			thread_cache_put(id, rev, want, (size_t)len);
		} else {
			buf b = BUF_INIT;
			if (thread_cache_get(id, rev, &b) && (b.len != (size_t)len || memcmp(b.data, want, (size_t)len) != 0))
				return "a wrong thread";
			buf_free(&b);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	thread_cache_limit(1000);
	pthread_t t[4];
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (int i = 0; i < 4; i++) {
		void *why;
		pthread_join(t[i], &why);
		assert_null(why);
	}
	assert_true(bytes_used() <= 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hit_and_miss, reset),
		cmocka_unit_test_setup(test_new_revision_replaces, reset),
		cmocka_unit_test_setup(test_eviction_by_bytes, reset),
		cmocka_unit_test_setup(test_largest_kept, reset),
		cmocka_unit_test_setup(test_threads, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
