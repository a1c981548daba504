/* test_router.c - router_match (src/http/router.c) over a small table like the
 * app's.
 *
 * Covers: literal and typed patterns (<uuid> <int> <word> <token> <path>), the
 * parameters handed back (in pattern order, freshly allocated), ROUTE_NOT_FOUND,
 * ROUTE_BAD_METHOD with the allowed methods and the path's first route, ROUTE_ADD_SLASH, HEAD on GET routes,
 * and the rejection of malformed parameters and of ".." in <path>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/http/router.h"

static void h_home(http_req *r) { (void)r; }
static void h_about(http_req *r) { (void)r; }
static void h_conv(http_req *r) { (void)r; }
static void h_delete(http_req *r) { (void)r; }
static void h_login(http_req *r) { (void)r; }
static void h_reset(http_req *r) { (void)r; }
static void h_static(http_req *r) { (void)r; }
static void h_pair(http_req *r) { (void)r; }
static void h_item_get(http_req *r) { (void)r; }
static void h_item_delete(http_req *r) { (void)r; }

static const struct route routes[] = {
	{"/", HTTP_GET, h_home, 0},
	{"/about/", HTTP_GET, h_about, 0},
	{"/conversation/<uuid>/", HTTP_GET | HTTP_POST, h_conv, 0},
	{"/delete_conversation/<int>/", HTTP_POST, h_delete, 0},
	{"/accounts/<word>/login/", HTTP_GET | HTTP_POST, h_login, 0},
	{"/accounts/password/reset/key/<token>/", HTTP_GET | HTTP_POST, h_reset, 0},
	{"/static/<path>", HTTP_GET, h_static, 0},
	{"/pair/<int>/<word>/", HTTP_GET, h_pair, 0},
	{"/item/<int>/", HTTP_GET, h_item_get, 0}, /* one path, two routes */
	{"/item/<int>/", HTTP_DELETE, h_item_delete, 0},
};
#define NROUTES (sizeof routes / sizeof routes[0])

struct result {
	enum route_result rc;
	const struct route *route;
	char *params[HTTP_MAX_PARAMS];
	int nparams;
	int allowed;
};

static struct result run(int method, const char *path)
{
	struct result x = {.route = NULL, .nparams = -1, .allowed = -1};
	x.rc = router_match(routes, NROUTES, method, path, &x.route, x.params, &x.nparams, &x.allowed);
	return x;
}

static void release(struct result *x)
{
	for (int i = 0; i < x->nparams; i++)
		free(x->params[i]);
	x->nparams = 0;
}

/* Expects ROUTE_FOUND on handler h with a single parameter want (or none). */
static void expect_found(int method, const char *path, http_handler h, const char *want)
{
	struct result x = run(method, path);
	if (x.rc != ROUTE_FOUND)
		print_message("not found: %s\n", path);
	assert_int_equal(x.rc, ROUTE_FOUND);
	assert_non_null(x.route);
	assert_ptr_equal(x.route->handler, h);
	assert_int_equal(x.nparams, want ? 1 : 0);
	bool same = !want || strcmp(x.params[0], want) == 0;
	release(&x);
	assert_true(same);
}

static void expect_not_found(int method, const char *path)
{
	struct result x = run(method, path);
	if (x.rc != ROUTE_NOT_FOUND)
		print_message("matched (%d): %s\n", x.rc, path);
	if (x.rc == ROUTE_FOUND)
		release(&x);
	assert_int_equal(x.rc, ROUTE_NOT_FOUND);
	assert_int_equal(x.nparams, 0);
}

static void test_literal_routes(void **state)
{
	(void)state;
	expect_found(HTTP_GET, "/", h_home, NULL);
	expect_found(HTTP_GET, "/about/", h_about, NULL);
	expect_not_found(HTTP_GET, "/nope/");
	expect_not_found(HTTP_GET, "/about/x");
	expect_not_found(HTTP_GET, "/about//");
	expect_not_found(HTTP_GET, "/abou");
	expect_not_found(HTTP_GET, "");
}

static void test_uuid_param(void **state)
{
	(void)state;
	expect_found(HTTP_GET, "/conversation/123e4567-e89b-12d3-a456-426614174000/", h_conv,
		     "123e4567-e89b-12d3-a456-426614174000");
	expect_found(HTTP_POST, "/conversation/123E4567-E89B-12D3-A456-426614174000/", h_conv,
		     "123E4567-E89B-12D3-A456-426614174000");
	expect_not_found(HTTP_GET, "/conversation/123e4567-e89b-12d3-a456-42661417400/");   /* 35 */
	expect_not_found(HTTP_GET, "/conversation/123e4567-e89b-12d3-a456-4266141740000/"); /* 37 */
	expect_not_found(HTTP_GET, "/conversation/123e4567-e89b-12d3-a456-42661417400g/");
	expect_not_found(HTTP_GET, "/conversation/123e4567e-89b-12d3-a456-426614174000/");
	expect_not_found(HTTP_GET, "/conversation/123e4567e89b12d3a456426614174000/");
	expect_not_found(HTTP_GET, "/conversation//");
}

static void test_int_param(void **state)
{
	(void)state;
	expect_found(HTTP_POST, "/delete_conversation/42/", h_delete, "42");
	expect_found(HTTP_POST, "/delete_conversation/123456789012345678/", h_delete, "123456789012345678");
	expect_not_found(HTTP_POST, "/delete_conversation/1234567890123456789/"); /* 19 digits */
	expect_not_found(HTTP_POST, "/delete_conversation/-1/");
	expect_not_found(HTTP_POST, "/delete_conversation/1a/");
	expect_not_found(HTTP_POST, "/delete_conversation/ 1/");
	expect_not_found(HTTP_POST, "/delete_conversation//");
}

static void test_word_and_token_params(void **state)
{
	(void)state;
	expect_found(HTTP_GET, "/accounts/github/login/", h_login, "github");
	expect_found(HTTP_POST, "/accounts/open_id-x/login/", h_login, "open_id-x");
	expect_not_found(HTTP_GET, "/accounts/GitHub/login/");
	expect_not_found(HTTP_GET, "/accounts/git.hub/login/");
	expect_not_found(HTTP_GET, "/accounts//login/");
	char tok[200] = "/accounts/password/reset/key/";
	size_t base = strlen(tok);
	memset(tok + base, 'A', 128);
	strcpy(tok + base + 128, "/");
	expect_found(HTTP_GET, "/accounts/password/reset/key/abc-DEF_123/", h_reset, "abc-DEF_123");
	struct result x = run(HTTP_GET, tok); /* 128 characters: the longest allowed */
	assert_int_equal(x.rc, ROUTE_FOUND);
	assert_int_equal(strlen(x.params[0]), 128);
	release(&x);
	memset(tok + base, 'A', 129);
	strcpy(tok + base + 129, "/");
	expect_not_found(HTTP_GET, tok);
	expect_not_found(HTTP_GET, "/accounts/password/reset/key/a.b/");
	expect_not_found(HTTP_GET, "/accounts/password/reset/key/a%2Fb/");
}

static void test_path_param(void **state)
{
	(void)state;
	expect_found(HTTP_GET, "/static/site.css", h_static, "site.css");
	expect_found(HTTP_GET, "/static/css/app/site.min.css", h_static, "css/app/site.min.css");
	expect_not_found(HTTP_GET, "/static/../x");
	expect_not_found(HTTP_GET, "/static/a/../../etc/passwd");
	expect_not_found(HTTP_GET, "/static/..");
	expect_not_found(HTTP_GET, "/static/");
}

static void test_several_params_in_order(void **state)
{
	(void)state;
	struct result x = run(HTTP_GET, "/pair/7/seven/");
	assert_int_equal(x.rc, ROUTE_FOUND);
	assert_int_equal(x.nparams, 2);
	bool ok = strcmp(x.params[0], "7") == 0 && strcmp(x.params[1], "seven") == 0;
	release(&x);
	assert_true(ok);
}

static void test_bad_method(void **state)
{
	(void)state;
	struct result x = run(HTTP_POST, "/about/");
	assert_int_equal(x.rc, ROUTE_BAD_METHOD);
	assert_int_equal(x.allowed, HTTP_GET);
	assert_int_equal(x.nparams, 0);
	x = run(HTTP_GET, "/delete_conversation/5/");
	assert_int_equal(x.rc, ROUTE_BAD_METHOD);
	assert_int_equal(x.allowed, HTTP_POST);
	x = run(HTTP_DELETE, "/conversation/123e4567-e89b-12d3-a456-426614174000/");
	assert_int_equal(x.rc, ROUTE_BAD_METHOD);
	assert_int_equal(x.allowed, HTTP_GET | HTTP_POST);
	/* The methods of every route on the path, and the later route is found too. */
	x = run(HTTP_PUT, "/item/3/");
	assert_int_equal(x.rc, ROUTE_BAD_METHOD);
	assert_int_equal(x.allowed, HTTP_GET | HTTP_DELETE);
	/* The path's first route is named (the metrics count the 405 under its pattern). */
	assert_ptr_equal(x.route, &routes[8]);
	assert_string_equal(x.route->pattern, "/item/<int>/");
	expect_found(HTTP_DELETE, "/item/3/", h_item_delete, "3");
	expect_found(HTTP_GET, "/item/3/", h_item_get, "3");
	/* A wrong method on a path that does not exist is still "not found". */
	expect_not_found(HTTP_POST, "/nope/");
}

static void test_head_matches_get(void **state)
{
	(void)state;
	expect_found(HTTP_HEAD, "/about/", h_about, NULL);
	expect_found(HTTP_HEAD, "/static/x.js", h_static, "x.js");
	struct result x = run(HTTP_HEAD, "/delete_conversation/5/");
	assert_int_equal(x.rc, ROUTE_BAD_METHOD);
	assert_int_equal(x.allowed, HTTP_POST);
}

static void test_add_slash(void **state)
{
	(void)state;
	struct result x = run(HTTP_GET, "/about");
	assert_int_equal(x.rc, ROUTE_ADD_SLASH);
	assert_int_equal(x.nparams, 0);
	x = run(HTTP_GET, "/conversation/123e4567-e89b-12d3-a456-426614174000");
	assert_int_equal(x.rc, ROUTE_ADD_SLASH);
	x = run(HTTP_GET, "/accounts/github/login");
	assert_int_equal(x.rc, ROUTE_ADD_SLASH);
	expect_not_found(HTTP_GET, "/nope");
	expect_not_found(HTTP_GET, "/delete_conversation/x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_routes),
		cmocka_unit_test(test_uuid_param),
		cmocka_unit_test(test_int_param),
		cmocka_unit_test(test_word_and_token_params),
		cmocka_unit_test(test_path_param),
		cmocka_unit_test(test_several_params_in_order),
		cmocka_unit_test(test_bad_method),
		cmocka_unit_test(test_head_matches_get),
		cmocka_unit_test(test_add_slash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
