/* test_http_metrics.c - the HTTP layer's metrics (src/http/http_metrics.c): which
 * labels a request is counted under.
 *
 * Covers: a route's pattern as its label, one label for a pattern two routes share,
 * "unmatched" for a path no route takes, the pattern for a 405, methods outside the
 * list as OTHER, exact status codes and the classes of the others, "aborted" for an
 * answer not sent whole, the duration histogram by route, and the connection gauge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/core/metrics.h"
#include "../../src/http/http_metrics.h"

static void h(http_req *r) { (void)r; }

static const struct route routes[] = {
	{"/", HTTP_GET, h, 0},
	{"/item/<int>/", HTTP_GET, h, 0},
	{"/item/<int>/", HTTP_DELETE, h, 0}, /* the same pattern again: one label */
	{"/static/<path>", HTTP_GET, h, 0},
};

static void request(const struct route *rt, int result, int method, int status, bool completed, int64_t us)
{
	http_req r = {.route = rt, .route_result = result, .method = method, .status = status};
	http_metrics_request(&r, completed, us);
}

static char *scrape(void)
{
	buf b = BUF_INIT;
	assert_int_equal(metrics_write(&b), 0);
	return buf_detach(&b, NULL);
}

static void assert_has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing: %s\nin:\n%s", line, text);
}

static void test_labels(void **state)
{
	(void)state;
	assert_int_equal(http_metrics_init(routes, sizeof routes / sizeof routes[0]), 0);
	request(&routes[0], ROUTE_FOUND, HTTP_GET, 200, true, 300);
	request(&routes[0], ROUTE_FOUND, HTTP_GET, 200, true, 700);
	request(&routes[1], ROUTE_FOUND, HTTP_GET, 404, true, 100);
	request(&routes[2], ROUTE_FOUND, HTTP_DELETE, 303, true, 100);
	request(&routes[1], ROUTE_BAD_METHOD, HTTP_POST, 405, true, 100);
	request(NULL, ROUTE_NOT_FOUND, HTTP_GET, 404, true, 100);
	request(&routes[3], ROUTE_ADD_SLASH, HTTP_GET, 301, true, 100); /* a redirect is no route's */
	request(&routes[0], ROUTE_FOUND, HTTP_OTHER, 418, true, 100);
	request(&routes[0], ROUTE_FOUND, HTTP_PATCH, 299, true, 100);
	request(&routes[3], ROUTE_FOUND, HTTP_GET, 200, false, 100);
	/* A route pointer from elsewhere (not the registered table) is not trusted. */
	static const struct route other = {"/secret/<token>/", HTTP_GET, h, 0};
	request(&other, ROUTE_FOUND, HTTP_GET, 200, true, 100);
	http_metrics_connection(1);
	http_metrics_connection(1);
	http_metrics_connection(-1);
	http_metrics_cut(3);

	char *t = scrape();
	assert_has(t, "llmmeta_http_requests_total{route=\"/\",method=\"GET\",status=\"200\"} 2\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"/item/<int>/\",method=\"GET\",status=\"404\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"/item/<int>/\",method=\"DELETE\",status=\"303\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"/item/<int>/\",method=\"POST\",status=\"405\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"301\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"200\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"/\",method=\"OTHER\",status=\"4xx\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"/\",method=\"PATCH\",status=\"2xx\"} 1\n");
	assert_has(t, "llmmeta_http_requests_total{route=\"/static/<path>\",method=\"GET\",status=\"aborted\"} 1\n");
	assert_null(strstr(t, "/secret/"));
	/* The shared pattern is one label: its two routes' requests in one histogram. */
	assert_has(t, "llmmeta_http_request_duration_seconds_count{route=\"/item/<int>/\"} 3\n");
	assert_has(t, "llmmeta_http_request_duration_seconds_bucket{route=\"/\",le=\"0.0005\"} 3\n"
		      "llmmeta_http_request_duration_seconds_bucket{route=\"/\",le=\"0.001\"} 4\n");
	assert_has(t, "llmmeta_http_request_duration_seconds_sum{route=\"/\"} 0.0012\n");
	assert_has(t, "llmmeta_http_connections 1\n");
	assert_has(t, "llmmeta_http_connections_cut_total 3\n");
	/* Only the lines written: one route label per pattern, never the same twice. */
	const char *p = t;
	int n = 0;
	while ((p = strstr(p, "llmmeta_http_request_duration_seconds_count{route=\"/item/<int>/\"}")))
		n++, p++;
	assert_int_equal(n, 1);
	free(t);
	metrics_unregister_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
