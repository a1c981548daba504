/* context.c - the request's database connection and session for the pages (see
 * context.h); the visitor they describe is auth/'s (auth.h). */
#include "context.h"

#include "../auth/auth.h"

db *web_db(http_req *r)
{
	db *d = db_thread();
	if (!d)
		http_error(r, 500, "The database cannot be reached.");
	return d;
}

int web_session(http_req *r)
{
	if (visitor(r)->session_loaded)
		return 0;
	db *d = db_thread();
	return d && auth_load_session(d, r) == 0 ? 0 : -1;
}
