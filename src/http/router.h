/* router.h - maps a method and a path to a page handler. Patterns are literal
 * segments and typed parameters: <int> (1 to 18 digits), <uuid> (canonical, any
 * case), <token> (1 to 128 of [A-Za-z0-9_-]), <word> (a lower-case name like a
 * provider) and <path> (the rest of the path; last only). */
#ifndef LLMMETA_ROUTER_H
#define LLMMETA_ROUTER_H

#include <stddef.h>

#include "http.h"

struct route {
	const char *pattern;
	int methods; /* HTTP_GET etc.; GET routes answer HEAD too */
	http_handler handler;
	unsigned flags; /* the app's: who may call it, CSRF, logging */
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_METHOD, /* the path exists, not with this method */
	ROUTE_ADD_SLASH,  /* the path exists with a trailing slash: redirect there */
};

/* Finds the route for method and path. On ROUTE_FOUND, *out is the route and params
 * hold freshly allocated copies of the parameters (the caller frees them); on
 * ROUTE_BAD_METHOD, *allowed has the methods the path takes and *out is the first
 * route whose pattern the path matched (to name it in metrics, never to run it). */
enum route_result router_match(const struct route *routes, size_t n, int method, const char *path,
			       const struct route **out, char *params[HTTP_MAX_PARAMS], int *nparams, int *allowed);

#endif
