/* http_metrics.h - the HTTP layer's metrics (docs/metrics.md): requests by route
 * pattern, method and status, their duration by route, connections open, and the
 * slow-client guard's cuts. */
#ifndef LLMMETA_HTTP_METRICS_H
#define LLMMETA_HTTP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "router.h"

/* Registers the HTTP metrics; the route label's values are the patterns of routes
 * (a pattern that appears twice is one value) and "unmatched". Call once, before
 * serving; routes must live as long as the process. 0 or -1 (out of memory). */
int http_metrics_init(const struct route *routes, size_t n);

/* ---- internal to http/ ---- */
/* A request ended (completed: its answer was sent whole) after us microseconds. */
void http_metrics_request(const http_req *r, bool completed, int64_t us);
/* A connection opened (+1) or closed (-1). */
void http_metrics_connection(int delta);
/* The guard cut n connections that did not send their request in time. */
void http_metrics_cut(unsigned long n);
/* Requests being read or answered right now (server.c). */
int64_t http_requests_in_flight(void);

#endif
