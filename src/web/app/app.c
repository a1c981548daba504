/* app.c - the request pipeline: what happens to every request before its page
 * runs: the trailing-slash redirect (301, as Django does), 404/405, the body limit
 * decided from the headers, the session, the CSRF check on every state-changing
 * method, and the access rules (login, admin, an API key); then the route's page
 * (routes.c). */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/util.h"
#include "../api/api.h"
#include "../ask/ask.h"
#include "../context.h"
#include "../errors.h"
#include "../site/site.h"
#include "routes.h"
#include "../call/limit.h"

static void redirect_with_slash(http_req *r)
{
	buf loc = BUF_INIT;
	buf_puts(&loc, r->path);
	buf_putc(&loc, '/');
	for (size_t i = 0; i < r->query.n; i++) {
		buf_putc(&loc, i ? '&' : '?');
		url_encode(&loc, r->query.v[i].key);
		buf_putc(&loc, '=');
		url_encode(&loc, r->query.v[i].val);
	}
	if (!loc.oom)
		http_redirect(r, 301, loc.data);
	else
		http_error(r, 500, NULL);
	buf_free(&loc);
}

static void to_login(http_req *r)
{
	if (wants_json(r)) {
		http_error(r, 401, "Log in first.");
		return;
	}
	buf loc = BUF_INIT;
	buf_puts(&loc, "/accounts/login/?next=");
	url_encode(&loc, r->path);
	http_redirect(r, 302, loc.oom ? "/accounts/login/" : loc.data);
	buf_free(&loc);
}

static void allow_header(http_req *r, int allowed)
{
	static const struct {
		int m;
		const char *name;
	} names[] = {{HTTP_GET, "GET, HEAD"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_DELETE, "DELETE"}};
	buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (allowed & names[i].m)
			buf_printf(&b, "%s%s", b.len ? ", " : "", names[i].name);
	if (!b.oom && b.len)
		http_add_header(r, "Allow", b.data);
	buf_free(&b);
}

/* Matches the route once, when the headers are in; app_handle uses the result. */
static void route(http_req *r)
{
	if (r->routed)
		return;
	r->routed = true;
	r->route_result = router_match(app_routes, app_nroutes, r->method, r->path, &r->route, r->params,
				       &r->nparams, &r->allowed);
	/* Whoever reads the log must not be able to use a live reset link: a link's path
	 * is logged by its pattern whatever becomes of it (a 301 to the slashed path
	 * when the slash is missing, a 404 for a typo, a 405). */
	if (str_starts(r->path, SECRET_PREFIX))
		r->log_path = r->route ? r->route->pattern : SECRET_PREFIX "...";
}

/* Authenticates an API request by its key, once; answers 401 (or 500) when it
 * cannot. True when the request may go on. */
static bool api_key_ok(http_req *r, bool again)
{
	if (visitor(r)->key_id && !again)
		return true;
	db *d = db_thread();
	int rc = d ? auth_apikey_load(d, r) : -1;
	if (rc < 0)
		http_error(r, 500, "The database cannot be reached.");
	else if (rc == 0)
		error_api(r, 401, "invalid_request_error", "invalid_api_key", NULL,
			  "Incorrect API key provided: send \"Authorization: Bearer llmk-...\" with a key from "
			  "/accounts/keys/ (revoked and expired keys, and keys of deactivated users, are refused).");
	return rc == 1;
}

size_t app_body_limit(http_req *r)
{
	size_t small = cfg.max_upload_bytes < WEB_SMALL_BODY ? cfg.max_upload_bytes : WEB_SMALL_BODY;
	const char *type = http_header(r, "Content-Type");
	route(r);
	if (r->route_result == ROUTE_FOUND && (r->route->flags & API) && r->method == HTTP_POST) {
		/* The key, and the calls in flight, before a byte of the body is read; then
		 * the same limit as a question with its file. */
		if (!api_key_ok(r, false))
			return small;
		/* Its own limit (a chat request is no upload), within the user's share of
		 * the receiving budget; the place and the share are taken now (api_slot.c). */
		size_t limit = api_slot_limit();
		return api_slot_take(r, limit) ? limit : small;
	}
	if (r->route_result == ROUTE_FOUND && (r->route->flags & WHOLE_FILES))
		r->file_keep = 0; /* whoever posts, within their limit, the file is read whole */
	if (r->route_result == ROUTE_FOUND && (r->route->flags & WHOLE_FILES) && r->method == HTTP_POST) {
		/* The JSON viewer: anonymous visitors post less, and every post's memory is
		 * taken from the viewer's budget before its body is read. */
		bool multipart = type && strncasecmp(type, "multipart/form-data", 19) == 0;
		size_t limit = multipart ? cfg.max_upload_bytes : small;
		if (web_session(r) < 0 || !visitor(r)->user_id)
			limit = small < VIEWER_ANON_BODY ? small : VIEWER_ANON_BODY;
		return json_viewer_admit(r, limit) ? limit : small;
	}
	if (r->method != HTTP_POST || r->route_result != ROUTE_FOUND || !(r->route->flags & UPLOAD) || !type ||
	    strncasecmp(type, "multipart/form-data", 19) != 0 || web_session(r) < 0 || !visitor(r)->user_id)
		return small;
	/* Refused before a byte of the file is read: the user has as many questions in
	 * flight as one may (the same check as ask_job_start's, which takes the place). */
	if (call_limit_full(visitor(r)->user_id)) {
		http_error_retry(r, 429, CALL_LIMIT_REACHED);
		return small;
	}
	return cfg.max_upload_bytes;
}

const char *app_log_user(const http_req *r) { return visitor(r)->name; }

void app_handle(http_req *r)
{
	route(r);
	const struct route *rt = r->route;
	switch (r->route_result) {
	case ROUTE_ADD_SLASH: redirect_with_slash(r); return;
	case ROUTE_BAD_METHOD:
		allow_header(r, r->allowed);
		http_error(r, 405, NULL);
		return;
	case ROUTE_FOUND: break;
	default: http_error(r, 404, NULL); return;
	}
	if (rt->flags & API) {
		/* A POST's key once more now that its body is in: a key revoked, or a user
		 * deactivated, while a long upload was arriving starts no call. */
		if (api_key_ok(r, r->method == HTTP_POST))
			rt->handler(r);
		return;
	}
	/* /metrics loads the session itself, only without a valid bearer token. */
	if (!(rt->flags & NO_SESSION) && web_session(r) < 0) {
		http_error(r, 500, "The database cannot be reached.");
		return;
	}
	bool writes = !(r->method & (HTTP_GET | HTTP_HEAD | HTTP_OPTIONS));
	if (writes && !(rt->flags & NO_CSRF) && !auth_csrf_ok(r)) {
		http_error(r, 403, "The form was missing its security token, or it had expired. "
				   "Go back, reload the page and try again.");
		return;
	}
	if ((rt->flags & (USER | ADMIN)) && !visitor(r)->user_id) {
		to_login(r);
		return;
	}
	if ((rt->flags & ADMIN) && !visitor(r)->admin) {
		http_error(r, 403, "This page is for administrators.");
		return;
	}
	rt->handler(r);
}
