/* cache.c - ETags computed from a response's body, and 304 Not Modified (see
 * cache.h). */
#include "cache.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A 64-bit hash of the body for its ETag: eight independent multiply-rotate lanes
 * over 8-byte words (as many as the multiplier can keep busy), so it costs a small
 * fraction of writing the body. Not for anything an attacker could exploit a
 * collision in: a collision only shows a user their own stale response. */
static uint64_t body_hash(const unsigned char *p, size_t n)
{
	const uint64_t k1 = 0x9E3779B97F4A7C15ULL, k2 = 0xC2B2AE3D27D4EB4FULL;
	uint64_t lane[8];
	for (int l = 0; l < 8; l++)
		lane[l] = k1 * (uint64_t)(l + 1) ^ n;
	size_t i = 0;
	for (; i + 64 <= n; i += 64)
		for (int l = 0; l < 8; l++) {
			uint64_t w;
			memcpy(&w, p + i + 8 * (size_t)l, 8);
			w = (lane[l] ^ w) * k1;
			lane[l] = (w << 29) | (w >> 35);
		}
	uint64_t h = n;
	for (int l = 0; l < 8; l++)
		h = (h ^ lane[l]) * k2;
	for (; i < n; i++)
		h = (h ^ p[i]) * k1;
	h ^= h >> 29;
	h *= k2;
	h ^= h >> 32;
	return h;
}

bool http_etag_listed(const char *list, const char *etag)
{
	size_t n = strlen(etag);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		size_t len = strcspn(p, ",");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == n && memcmp(p, etag, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

void http_send_revalidated(http_req *r, int status, const char *content_type, buf *b)
{
	if (status != 200 || b->oom) {
		http_send(r, status, content_type, b);
		return;
	}
	char etag[24];
	snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)body_hash((const unsigned char *)b->data, b->len));
	http_add_header(r, "ETag", etag);
	http_add_header(r, "Cache-Control", "private, no-cache");
	const char *inm = http_header(r, "If-None-Match");
	if (inm && http_etag_listed(inm, etag)) {
		buf_free(b);
		http_send_text(r, 304, content_type, "");
		return;
	}
	http_send(r, 200, content_type, b);
}
