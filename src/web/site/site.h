/* site.h - the pages about the site and its tools (web/site/): home, about,
 * /health/, /metrics and the JSON viewer. */
#ifndef LLMMETA_WEB_SITE_H
#define LLMMETA_WEB_SITE_H

#include "../../http/http.h"

void page_home(http_req *r);
void page_about(http_req *r);
void page_health(http_req *r);
void page_json_viewer(http_req *r);
/* Metrics (metrics_page.c, docs/metrics.md): registers the metrics of db/, llm/ and
 * web/ (after llm_config_load, before serving); 0 or -1. */
int metrics_page_init(void);
void page_metrics(http_req *r);

#endif
