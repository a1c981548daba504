/* visitor.c - the request's visitor (see auth.h): created when auth/ first fills it
 * in, hung on the request for the pages to read, freed by the server with it. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

/* What a request is before anything is loaded: anonymous, no session, no binding. */
static const struct visitor nobody;

static void visitor_free(void *p)
{
	struct visitor *v = p;
	if (!v)
		return;
	free(v->name);
	if (v->session)
		sodium_memzero(v->session, strlen(v->session));
	free(v->session);
	free(v->csrf_cookie);
	free(v);
}

const struct visitor *visitor(const http_req *r) { return r->app ? r->app : &nobody; }

struct visitor *visitor_edit(http_req *r)
{
	if (r->app)
		return r->app;
	struct visitor *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	r->app = v;
	r->app_free = visitor_free;
	return v;
}
