/* routes.h - the route table (routes.c) and the flags by which the request
 * pipeline (app.c) treats each route before its page runs. */
#ifndef LLMMETA_WEB_ROUTES_H
#define LLMMETA_WEB_ROUTES_H

#include <stddef.h>

#include "../../http/router.h"

enum {
	USER = 1,       /* anonymous visitors are sent to the login page */
	ADMIN = 2,      /* non-admins get 403 */
	NO_CSRF = 4,    /* not a browser form: bearer-authenticated or harmless */
	UPLOAD = 8,     /* a logged-in user may post MAX_UPLOAD_BYTES here */
	WHOLE_FILES = 16, /* the page reads whole files (none cut at file_keep) and asks no model */
	API = 32,       /* the OpenAI-compatible API: an API key (Bearer), never the session cookie */
	NO_SESSION = 64, /* the page loads the session itself, when it needs one, or never */
};

/* Paths under this prefix hold a password reset token: logged as their route's
 * pattern, or masked (app.c, route()). */
#define SECRET_PREFIX "/accounts/password/reset/key/"

extern const struct route app_routes[];
extern const size_t app_nroutes;

#endif
