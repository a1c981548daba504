/* site.h - the pages about the site and its tools (web/site/): home, about,
 * /health/, /metrics and the JSON viewer. */
#ifndef LLMMETA_WEB_SITE_H
#define LLMMETA_WEB_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../http/http.h"

void page_home(http_req *r);
void page_about(http_req *r);
void page_health(http_req *r);
void page_json_viewer(http_req *r);
/* The largest document an anonymous visitor may post to the JSON viewer: showing one
 * costs memory several times its size, and anyone can post. */
#define VIEWER_ANON_BODY (256 * 1024)
/* Takes a POST's share of the JSON viewer's memory from its Content-Length (limit
 * when it has none), before its body is read, until the request ends (json_viewer.c):
 * false after answering 503 with Retry-After when the viewer's budget is spent. */
bool json_viewer_admit(http_req *r, size_t limit);
/* Metrics (metrics_page.c, docs/metrics.md): registers the metrics of db/, llm/ and
 * web/ (after llm_config_load, before serving); 0 or -1. */
int metrics_page_init(void);
void page_metrics(http_req *r);
/* Who may read the server's inner figures (/metrics, the detail of /health/): the
 * bearer of METRICS_TOKEN (compared in constant time) or an administrator's session. */
bool web_metrics_reader(http_req *r);

#endif
