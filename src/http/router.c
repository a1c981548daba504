/* router.c - pattern matching for router.h: a linear scan over a short table,
 * segment by segment, with no allocation until a route matches. */
#include "router.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"

static bool all_of(const char *s, size_t n, size_t max, int (*ok)(int c), const char *extra)
{
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

static int is_lower(int c) { return c >= 'a' && c <= 'z'; }

static bool param_ok(const char *type, size_t tlen, const char *s, size_t n)
{
#define IS(t) (tlen == sizeof(t) - 1 && memcmp(type, t, tlen) == 0)
	if (IS("int"))
		return all_of(s, n, 18, isdigit, "");
	if (IS("uuid"))
		return uuid_shaped(s, n);
	if (IS("token"))
		return all_of(s, n, 128, isalnum, "_-");
	if (IS("word"))
		return all_of(s, n, 32, is_lower, "_-");
	return false;
#undef IS
}

/* Matches path against pattern; records parameter spans in spans (start, length). */
static bool match(const char *pat, const char *path, size_t spans[][2], int *np)
{
	const char *p = pat, *s = path;
	*np = 0;
	while (*p) {
		if (*p != '<') {
			if (*p++ != *s++)
				return false;
			continue;
		}
		const char *close = strchr(p, '>');
		if (!close || *np >= HTTP_MAX_PARAMS)
			return false;
		const char *type = p + 1;
		size_t tlen = (size_t)(close - type);
		size_t n;
		if (tlen == 4 && memcmp(type, "path", 4) == 0) {
			n = strlen(s);
			if (n == 0 || strstr(s, ".."))
				return false;
		} else {
			n = strcspn(s, "/");
			if (!param_ok(type, tlen, s, n))
				return false;
		}
		spans[*np][0] = (size_t)(s - path);
		spans[*np][1] = n;
		(*np)++;
		s += n;
		p = close + 1;
	}
	return *s == '\0';
}

enum route_result router_match(const struct route *routes, size_t n, int method, const char *path,
			       const struct route **out, char *params[HTTP_MAX_PARAMS], int *nparams, int *allowed)
{
	size_t spans[HTTP_MAX_PARAMS][2];
	int np;
	int want = method == HTTP_HEAD ? HTTP_GET | HTTP_HEAD : method;
	*allowed = 0;
	*nparams = 0;
	for (size_t i = 0; i < n; i++) {
		if (!match(routes[i].pattern, path, spans, &np))
			continue;
		if (!(routes[i].methods & want)) {
			if (!*allowed)
				*out = &routes[i]; /* the path's route, for the metrics' label */
			*allowed |= routes[i].methods;
			continue;
		}
		for (int k = 0; k < np; k++) {
			params[k] = xstrndup(path + spans[k][0], spans[k][1]);
			if (!params[k]) {
				while (k--)
					free(params[k]);
				return ROUTE_NOT_FOUND;
			}
		}
		*nparams = np;
		*out = &routes[i];
		return ROUTE_FOUND;
	}
	if (*allowed)
		return ROUTE_BAD_METHOD;
	size_t len = strlen(path);
	if (len && path[len - 1] != '/' && len < 4096) {
		char slashed[4097];
		memcpy(slashed, path, len);
		slashed[len] = '/';
		slashed[len + 1] = '\0';
		for (size_t i = 0; i < n; i++)
			if (match(routes[i].pattern, slashed, spans, &np))
				return ROUTE_ADD_SLASH;
	}
	return ROUTE_NOT_FOUND;
}
