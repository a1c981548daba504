/* static.c - the stylesheet, icon and scripts compiled into the binary, served with
 * an ETag. Pages link them with ?v=<etag> (asset_url), which browsers may cache for
 * a year; a plain URL is cached briefly and revalidated (304). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../core/util.h"
#include "../http/assets.h"
#include "web.h"

#define MAX_ASSETS 32

static char urls[MAX_ASSETS][160];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build_urls(void)
{
	for (int i = 0; i < MAX_ASSETS && assets[i].path; i++) {
		/* The ETag without its quotes makes the version. */
		size_t elen = strlen(assets[i].etag);
		snprintf(urls[i], sizeof urls[i], "%s?v=%.*s", assets[i].path, (int)(elen - 2), assets[i].etag + 1);
	}
}

const struct asset *asset_find(const char *path)
{
	for (int i = 0; assets[i].path; i++)
		if (strcmp(assets[i].path, path) == 0)
			return &assets[i];
	return NULL;
}

const char *asset_url(const char *path)
{
	pthread_once(&once, build_urls);
	for (int i = 0; i < MAX_ASSETS && assets[i].path; i++)
		if (strcmp(assets[i].path, path) == 0)
			return urls[i];
	return path;
}

void page_static(http_req *r)
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
	if (inm && (strcmp(inm, a->etag) == 0 || strcmp(inm, "*") == 0)) {
		http_send_text(r, 304, a->type, "");
		return;
	}
	http_send_static(r, 200, a->type, a->data, a->len);
}
