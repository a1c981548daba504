/* static.c - the registered static files (see assets.h), served zero-copy with an
 * ETag. Pages link them with ?v=<etag> (asset_url), which browsers may cache for a
 * year; a plain URL is cached briefly and revalidated (304). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "assets.h"
#include "cache.h"

#define MAX_ASSETS 32

static const struct asset *table;
static char urls[MAX_ASSETS][160];
static size_t nurls;

void http_set_assets(const struct asset *t)
{
	table = t;
	nurls = 0;
	for (size_t i = 0; t && i < MAX_ASSETS && t[i].path; i++, nurls++) {
		/* The ETag without its quotes makes the version. */
		size_t elen = strlen(t[i].etag);
		snprintf(urls[i], sizeof urls[i], "%s?v=%.*s", t[i].path, (int)(elen - 2), t[i].etag + 1);
	}
}

const struct asset *asset_find(const char *path)
{
	for (size_t i = 0; table && table[i].path; i++)
		if (strcmp(table[i].path, path) == 0)
			return &table[i];
	return NULL;
}

const char *asset_url(const char *path)
{
	for (size_t i = 0; i < nurls; i++)
		if (strcmp(table[i].path, path) == 0)
			return urls[i];
	return path;
}

void http_send_asset(http_req *r)
{
	const struct asset *a = asset_find(r->path);
	if (!a) {
		http_error(r, 404, NULL);
		return;
	}
	http_add_header(r, "ETag", a->etag);
	const char *v = http_query(r, "v");
	bool versioned = v && strlen(v) + 2 == strlen(a->etag) && strncmp(v, a->etag + 1, strlen(v)) == 0;
	http_add_header(r, "Cache-Control", versioned ? "public, max-age=31536000, immutable" : "public, max-age=300");
	const char *inm = http_header(r, "If-None-Match");
	if (inm && http_etag_listed(inm, a->etag)) {
		http_send_text(r, 304, a->type, "");
		return;
	}
	http_send_static(r, 200, a->type, a->data, a->len);
}
