/* app.c - the route table and what happens to every request before its page runs:
 * the trailing-slash redirect (301, as Django does), 404/405, the session, the CSRF
 * check on every state-changing method, and access rules (login, admin). */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../auth/auth.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/metrics.h"
#include "../core/util.h"
#include "../http/http_metrics.h"
#include "../http/router.h"
#include "../llm/llm.h"
#include "../oauth/oauth.h"
#include "api/api.h"
#include "ask/ask.h"
#include "call/call.h"
#include "call/recorder.h"

enum {
	USER = 1,       /* anonymous visitors are sent to the login page */
	ADMIN = 2,      /* non-admins get 403 */
	NO_CSRF = 4,    /* not a browser form: bearer-authenticated or harmless */
	UPLOAD = 8,     /* a logged-in user may post MAX_UPLOAD_BYTES here */
	WHOLE_FILES = 16, /* the page reads whole files (none cut at file_keep) and asks no model */
	API = 32,       /* the OpenAI-compatible API: an API key (Bearer), never the session cookie */
};

/* Paths under this prefix hold a password reset token: logged as their route's
 * pattern, or masked (see route()). */
#define SECRET_PREFIX "/accounts/password/reset/key/"

static const struct route routes[] = {
	{"/", HTTP_GET, page_home, 0},
	{"/about/", HTTP_GET, page_about, 0},
	{"/ask/", HTTP_GET | HTTP_POST, page_ask, USER | UPLOAD},
	{"/conversation/", HTTP_GET, page_history, USER},
	{"/conversation/<uuid>/", HTTP_GET | HTTP_POST, page_conversation, USER | UPLOAD},
	{"/prompts/<int>/delete/", HTTP_POST, page_prompt_delete, USER},
	{"/uploads/<int>/", HTTP_GET, page_upload, USER},
	{"/delete_conversation/<uuid>/", HTTP_GET | HTTP_POST, page_delete_conversation, USER},
	{"/export/messages.csv", HTTP_GET, page_export, USER},
	{"/export/messages.jsonl", HTTP_GET, page_export, USER},
	/* Anonymous visitors may post 1 MiB here, logged-in users MAX_UPLOAD_BYTES. */
	{"/json-viewer/", HTTP_GET | HTTP_POST, page_json_viewer, UPLOAD | WHOLE_FILES},
	{"/accounts/signup/", HTTP_GET | HTTP_POST, page_signup, 0},
	{"/accounts/login/", HTTP_GET | HTTP_POST, page_login, 0},
	{"/accounts/logout/", HTTP_POST, page_logout, 0},
	{"/accounts/password/change/", HTTP_GET | HTTP_POST, page_password_change, USER},
	/* Password reset by e-mail (password_reset.c); key/done/ before key/<token>/. */
	{"/accounts/password/reset/", HTTP_GET | HTTP_POST, page_password_reset, 0},
	{"/accounts/password/reset/done/", HTTP_GET, page_password_reset_done, 0},
	{"/accounts/password/reset/key/done/", HTTP_GET, page_password_reset_key_done, 0},
	{"/accounts/password/reset/key/<token>/", HTTP_GET | HTTP_POST, page_password_reset_key, 0},
	/* Sign-in with a provider (docs/sign-in.md): the callback is a GET from the
	 * provider's redirect, checked by its state instead of a CSRF token. */
	{"/accounts/social/connections/", HTTP_GET | HTTP_POST, page_connections, USER},
	{"/accounts/<word>/login/", HTTP_GET | HTTP_POST, page_social_login, 0},
	{"/accounts/<word>/login/callback/", HTTP_GET, page_social_callback, 0},
	{"/health/", HTTP_GET | HTTP_POST, page_health, NO_CSRF},
	/* The admin panel (issue 8, docs/admin.md): administrators only. */
	{"/admin/", HTTP_GET, page_admin, ADMIN},
	{"/admin/messages/", HTTP_GET, page_admin_messages, ADMIN},
	{"/admin/messages/delete/", HTTP_POST, page_admin_messages_delete, ADMIN},
	{"/admin/messages/<int>/", HTTP_GET | HTTP_POST, page_admin_message, ADMIN},
	{"/admin/messages/<int>/delete/", HTTP_POST, page_admin_message_delete, ADMIN},
	{"/admin/users/", HTTP_GET, page_admin_users, ADMIN},
	{"/admin/users/<int>/", HTTP_GET | HTTP_POST, page_admin_user, ADMIN},
	{"/admin/log/", HTTP_GET, page_admin_log, ADMIN},
	{"/static/<path>", HTTP_GET, http_send_asset, 0},
	/* Metrics (issue 10): an admin session or the METRICS_TOKEN bearer (metrics_page.c). */
	{"/metrics", HTTP_GET, page_metrics, 0},
	/* The OpenAI-compatible API and its keys (issue 10, docs/api.md). */
	{"/accounts/keys/", HTTP_GET | HTTP_POST, page_api_keys, USER},
	{"/accounts/keys/<int>/revoke/", HTTP_POST, page_api_key_revoke, USER},
	{"/v1/models", HTTP_GET, page_api_models, API | NO_CSRF},
	{"/v1/chat/completions", HTTP_POST, page_api_chat, API | NO_CSRF},
};

void app_init(void)
{
	http_set_error_renderer(app_error_page);
	http_set_assets(app_assets);
	http_set_https(cfg.https);
	/* Metrics are not needed to serve: without memory for them, serve without. */
	if (http_metrics_init(routes, sizeof routes / sizeof routes[0]) < 0 || app_metrics_init() < 0)
		log_error("metrics: out of memory at start-up; /metrics will be incomplete");
	oauth_init();
	/* The sign-in buttons post to us and are redirected to the providers. */
	buf origins = BUF_INIT;
	oauth_origins(&origins);
	http_set_form_action(origins.oom ? NULL : origins.data);
	buf_free(&origins);
}

void app_stop(void)
{
	llm_engine_stop();
	call_heartbeat_stop();
}

void app_shutdown(void)
{
	app_stop();
	app_reset_stop(); /* the password reset mails still queued */
	call_recorder_stop(); /* after the last request: every call's record is written */
	app_instance_stop();
	metrics_unregister_all();
	oauth_cleanup();
}

db *app_db(http_req *r)
{
	db *d = db_thread();
	if (!d)
		http_error(r, 500, "The database cannot be reached.");
	return d;
}

bool app_safe_next(const char *n)
{
	if (!n || n[0] != '/' || n[1] == '/' || n[1] == '\\')
		return false;
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f)
			return false;
	return true;
}

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
	if (app_wants_json(r)) {
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

int app_session(http_req *r)
{
	if (r->session_loaded)
		return 0;
	db *d = db_thread();
	if (!d || auth_load_session(d, r) < 0)
		return -1;
	r->session_loaded = true;
	return 0;
}

/* Matches the route once, when the headers are in; app_handle uses the result. */
static void route(http_req *r)
{
	if (r->routed)
		return;
	r->routed = true;
	r->route_result = router_match(routes, sizeof routes / sizeof routes[0], r->method, r->path, &r->route, r->params,
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
	if (r->user.key_id && !again)
		return true;
	db *d = db_thread();
	int rc = d ? auth_apikey_load(d, r) : -1;
	if (rc < 0)
		http_error(r, 500, "The database cannot be reached.");
	else if (rc == 0)
		app_api_error(r, 401, "invalid_request_error", "invalid_api_key", NULL,
			      "Incorrect API key provided: send \"Authorization: Bearer llmk-...\" with a key from "
			      "/accounts/keys/ (revoked and expired keys, and keys of deactivated users, are refused).");
	return rc == 1;
}

size_t app_body_limit(http_req *r)
{
	size_t small = cfg.max_upload_bytes < APP_SMALL_BODY ? cfg.max_upload_bytes : APP_SMALL_BODY;
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
	if (r->method != HTTP_POST || r->route_result != ROUTE_FOUND || !(r->route->flags & UPLOAD) || !type ||
	    strncasecmp(type, "multipart/form-data", 19) != 0 || app_session(r) < 0 || !r->user.id)
		return small;
	if (r->route->flags & WHOLE_FILES)
		return cfg.max_upload_bytes;
	/* Refused before a byte of the file is read: the user has as many questions in
	 * flight as one may (the same check as ask_job_start's, which takes the place). */
	if (ask_limit_full(r->user.id)) {
		http_add_header(r, "Retry-After", "5");
		http_error(r, 429, ASK_LIMIT_REACHED);
		return small;
	}
	return cfg.max_upload_bytes;
}

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
	if (rt->handler != http_send_asset && rt->handler != page_health && rt->handler != page_metrics &&
	    app_session(r) < 0) {
		http_error(r, 500, "The database cannot be reached.");
		return;
	}
	bool writes = !(r->method & (HTTP_GET | HTTP_HEAD | HTTP_OPTIONS));
	if (writes && !(rt->flags & NO_CSRF) && !auth_csrf_ok(r)) {
		http_error(r, 403, "The form was missing its security token, or it had expired. "
				   "Go back, reload the page and try again.");
		return;
	}
	if ((rt->flags & (USER | ADMIN)) && !r->user.id) {
		to_login(r);
		return;
	}
	if ((rt->flags & ADMIN) && !r->user.admin) {
		http_error(r, 403, "This page is for administrators.");
		return;
	}
	rt->handler(r);
}
