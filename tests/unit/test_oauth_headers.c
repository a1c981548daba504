/* test_oauth_headers.c - the request headers of a call to a sign-in provider
 * (src/oauth/fetch.c) when memory runs out: curl_slist_append failing at each of
 * its calls leaves no list behind (LeakSanitizer checks at exit), and the call is
 * not sent without its headers (its credentials) but fails with "out of memory".
 *
 * fetch.c is compiled into this file, with curl_slist_append replaced by one that
 * fails on the n-th call, and its two public functions renamed so that they do not
 * clash with the library's copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <string.h>

static int fail_at, calls;

static struct curl_slist *failing_slist_append(struct curl_slist *l, const char *s)
{
	if (++calls == fail_at)
		return NULL;
	return curl_slist_append(l, s);
}

#define curl_slist_append failing_slist_append
#define oauth_param test_oauth_param
#define oauth_call_json test_oauth_call_json
#include "../../src/oauth/fetch.c"
#undef curl_slist_append

static int count(const struct curl_slist *h)
{
	int n = 0;
	for (; h; h = h->next)
		n++;
	return n;
}

static void test_each_failure(void **state)
{
	(void)state;
	struct oauth_call c = {.url = "http://127.0.0.1:9/", .bearer = "secret-token", .what = "the test"};
	/* No failure: three headers, the last the credentials. */
	fail_at = 0, calls = 0;
	struct curl_slist *h = headers(&c);
	assert_int_equal(count(h), 3);
	curl_slist_free_all(h);
	/* A failure at the 1st, 2nd or 3rd append: no list, nothing leaked. */
	for (int n = 1; n <= 3; n++) {
		fail_at = n, calls = 0;
		assert_null(headers(&c));
		assert_int_equal(calls, n);
	}
}

static void test_no_call_without_headers(void **state)
{
	(void)state;
	/* Port 9 (discard) on loopback: were the call made, its error would name the
	 * connection, not memory. */
	struct oauth_call c = {.url = "http://127.0.0.1:9/", .basic = "aWQ6c2VjcmV0", .what = "the test"};
	char err[256] = "";
	fail_at = 3, calls = 0;
	assert_null(test_oauth_call_json(&c, false, err, sizeof err));
	assert_string_equal(err, "out of memory");
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_failure),
		cmocka_unit_test(test_no_call_without_headers),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
