/* http_metrics.c - the HTTP layer's metrics (http_metrics.h, docs/metrics.md).
 *
 * A request is counted when it ends, under the pattern of the route it matched -
 * never its path, which the client chooses - or "unmatched" (404, a redirect to the
 * slashed path); a 405 counts under the pattern whose path it was. The method and
 * status labels are fixed lists: a method outside it is "OTHER", a status outside it
 * its class ("4xx"), and a request that ended before its answer was sent whole (the
 * client went away, the connection broke) "aborted". The route table is only known
 * to http/ by registration (http_metrics_init), so http/ stays ignorant of web/. */
#include "http_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "../core/metrics.h"

static const char *const method_values[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"};
static const struct metric_dim method_dim = {{"method"}, 1, method_values, 8};

/* Exact codes the server sends or a client may provoke; any other is counted by class. */
static const int exact_status[] = {200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405,
				   408, 409, 410, 411, 413, 414, 415, 416, 422, 429, 431, 500, 501, 502, 503, 504};
#define NEXACT (sizeof exact_status / sizeof exact_status[0])
static const char *const status_values[] = {"200", "201", "202", "204", "206", "301", "302", "303", "304", "307",
					    "308", "400", "401", "403", "404", "405", "408", "409", "410", "411",
					    "413", "414", "415", "416", "422", "429", "431", "500", "501", "502",
					    "503", "504", "1xx", "2xx", "3xx", "4xx", "5xx", "aborted"};
#define STATUS_CLASS NEXACT /* "1xx" is NEXACT, "5xx" NEXACT + 4 */
#define STATUS_ABORTED (NEXACT + 5)
_Static_assert(sizeof status_values / sizeof status_values[0] == NEXACT + 6, "one value per exact code, 5 classes, aborted");
static const struct metric_dim status_dim = {{"status"}, 1, status_values, NEXACT + 6};
static unsigned char status_row[600]; /* status code -> row, filled by init */

static struct metric_dim route_dim = {{"route"}, 1, NULL, 0};
static const struct route *table;
static size_t ntable;
static size_t *route_row; /* table index -> row of route_dim */

/* Seconds, in microseconds: from half a millisecond (a static file) to a minute (a
 * question answered without JavaScript waits for the whole answer). */
static const int64_t duration_le[] = {500,	1000,	 2500,	  5000,	   10000,   25000,    50000,	100000,
				      250000,	500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000};
static const struct metric_buckets duration_buckets = {duration_le, sizeof duration_le / sizeof duration_le[0], 6};

static struct metric_family requests = {
	.name = "llmmeta_http_requests_total",
	.help = "HTTP requests answered, by route pattern, method and status (\"aborted\": the answer was not sent whole).",
	.kind = METRIC_COUNTER,
	.dims = {&route_dim, &method_dim, &status_dim},
	.ndims = 3,
	.skip_zero = true,
};
static struct metric_family duration = {
	.name = "llmmeta_http_request_duration_seconds",
	.help = "Time from a request's head to the end of its answer, by route pattern.",
	.kind = METRIC_HISTOGRAM,
	.dims = {&route_dim},
	.ndims = 1,
	.buckets = &duration_buckets,
	.skip_zero = true,
};
static struct metric_family connections = {
	.name = "llmmeta_http_connections",
	.help = "HTTP connections open (waiting for a request, being answered, or suspended).",
	.kind = METRIC_GAUGE,
};
static struct metric_family in_flight = {
	.name = "llmmeta_http_requests_in_flight",
	.help = "HTTP requests being read or answered, suspended ones (waiting for a model) included.",
	.kind = METRIC_GAUGE,
	.read = http_requests_in_flight,
};
static struct metric_family cut = {
	.name = "llmmeta_http_connections_cut_total",
	.help = "Connections closed because they did not send a whole request in time (the slow-client guard).",
	.kind = METRIC_COUNTER,
};

int http_metrics_init(const struct route *routes, size_t n)
{
	for (size_t c = 0; c < 600; c++)
		status_row[c] = (unsigned char)(c >= 100 ? STATUS_CLASS + c / 100 - 1 : STATUS_CLASS + 4);
	for (size_t i = 0; i < NEXACT; i++)
		status_row[exact_status[i]] = (unsigned char)i;
	const char **values = calloc(n + 1, sizeof *values);
	size_t *rows = calloc(n ? n : 1, sizeof *rows);
	if (!values || !rows) {
		free(values);
		free(rows);
		return -1;
	}
	size_t nv = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < nv && strcmp(values[k], routes[i].pattern) != 0)
			k++;
		if (k == nv)
			values[nv++] = routes[i].pattern;
		rows[i] = k;
	}
	values[nv++] = "unmatched";
	route_dim.values = values;
	route_dim.n = nv;
	table = routes;
	ntable = n;
	route_row = rows;
	struct metric_family *all[] = {&requests, &duration, &connections, &in_flight, &cut};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (metrics_register(all[i]) < 0)
			return -1;
	return 0;
}

void http_metrics_request(const http_req *r, bool completed, int64_t us)
{
	if (!route_row)
		return;
	size_t route = route_dim.n - 1; /* unmatched */
	if (r->route && r->route >= table && r->route < table + ntable &&
	    (r->route_result == ROUTE_FOUND || r->route_result == ROUTE_BAD_METHOD))
		route = route_row[r->route - table];
	int m = r->method, method = m > 0 ? 0 : 7;
	while (m > 1 && method < 7) {
		m >>= 1;
		method++;
	}
	size_t status = !completed ? STATUS_ABORTED
			: r->status >= 0 && r->status < 600 ? status_row[r->status]
							    : STATUS_CLASS + 4;
	metric_add(&requests, metric_series(&requests, route, (size_t)method, status), 1);
	metric_observe(&duration, route, us);
}

void http_metrics_connection(int delta) { metric_gauge_add(&connections, 0, delta); }
void http_metrics_cut(unsigned long n) { metric_add(&cut, 0, n); }
