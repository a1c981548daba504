/* assets.h - static files served from memory with an ETag: the table comes from
 * the program (the web app registers the files compiled from assets/), so this
 * layer knows nothing of which files there are. */
#ifndef LLMMETA_ASSETS_H
#define LLMMETA_ASSETS_H

#include <stddef.h>

#include "http.h"

struct asset {
	const char *path; /* "/static/style.css" */
	const char *type;
	const unsigned char *data;
	size_t len;
	const char *etag; /* quoted, as sent */
};

/* Registers the table (ending with a zeroed entry) before the server starts. */
void http_set_assets(const struct asset *table);
const struct asset *asset_find(const char *path);
/* "/static/style.css?v=<etag>": a URL that changes when the file does, so pages can
 * let browsers cache it for a year. The path itself when it is not in the table. */
const char *asset_url(const char *path);
/* Answers a GET for r->path from the table: 200, 304 on a matching If-None-Match,
 * 404 when absent. A ?v= URL is cacheable for a year, a plain one for 5 minutes. */
void http_send_asset(http_req *r);

#endif
