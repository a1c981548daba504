/* web.h - the pages, one file each, and the app that routes requests to them. */
#ifndef LLMMETA_WEB_H
#define LLMMETA_WEB_H

#include "../db/db.h"
#include "../http/assets.h"
#include "../http/http.h"

/* The files under assets/, compiled in by tools/embed.c (build/assets.c). */
extern const struct asset app_assets[];

/* Registers with the HTTP layer what it serves with: the error pages, the static
 * files, and whether the site is https (from PUBLIC_URL). Call once before serving. */
void app_init(void);
/* Ends what suspended requests wait on (provider calls, the heartbeat), so that
 * they are answered before the server stops; more than once is fine. */
void app_stop(void);
/* After the last request: app_stop, the answers waiting for the database written
 * if it can be, and this server's lease given back. */
void app_shutdown(void);
/* This server's lease and the sweep of questions orphaned by dead servers
 * (instance.c): start before serving, stop after the last request. */
int app_instance_start(void);
void app_instance_stop(void);
int64_t app_instance_id(void);
/* The one handler the server calls: routing, session, CSRF, access, then the page. */
void app_handle(http_req *r);
/* The largest body a request may send: MAX_UPLOAD_BYTES for a logged-in user
 * posting a question (with its file), APP_SMALL_BODY for everything else, so that
 * nobody can make the server hold large bodies without an account. */
#define APP_SMALL_BODY (1024 * 1024)
size_t app_body_limit(http_req *r);
/* Renders the error pages (400, 401, 403, 404, 405, 413, 429, 500, 503): HTML, or
 * JSON in the OpenAI error shape when app_wants_json. */
void app_error_page(http_req *r, int status, const char *detail);
/* An error in the OpenAI shape {"error":{"message","type","param","code"}}; type
 * and message NULL take the status's defaults, param and code NULL are null. */
void app_api_error(http_req *r, int status, const char *type, const char *code, const char *param,
		   const char *message);
/* True for the API (/v1/...) and for clients whose Accept names JSON and not HTML. */
bool app_wants_json(http_req *r);
/* Loads the visitor's session once per request (idempotent). 0, or -1 when the
 * database failed (the visitor is then anonymous). */
int app_session(http_req *r);
/* The calling thread's database connection; on failure it answers 500 and returns
 * NULL, so a page can simply return. */
db *app_db(http_req *r);
/* True for a path that is safe to redirect to after login: local, not //host. */
bool app_safe_next(const char *next);

void page_home(http_req *r);
void page_about(http_req *r);
void page_ask(http_req *r);
void page_signup(http_req *r);
void page_login(http_req *r);
void page_logout(http_req *r);
void page_password_change(http_req *r);
/* Password reset by e-mail (password_reset.c). */
void page_password_reset(http_req *r);
void page_password_reset_done(http_req *r);
void page_password_reset_key(http_req *r);
void page_password_reset_key_done(http_req *r);
/* Sends the reset mails still queued (for at most 10 s) and stops their thread. */
void app_reset_stop(void);
void page_conversation(http_req *r);
void page_history(http_req *r);
void page_prompt_delete(http_req *r);
void page_upload(http_req *r);
void page_health(http_req *r);
void page_json_viewer(http_req *r);
void page_delete_conversation(http_req *r);
void page_export(http_req *r);
/* The admin panel (issue 8): src/web/admin_*.c, docs/admin.md. */
void page_admin(http_req *r);
void page_admin_messages(http_req *r);
void page_admin_messages_delete(http_req *r);
void page_admin_message(http_req *r);
void page_admin_message_delete(http_req *r);
void page_admin_users(http_req *r);
void page_admin_user(http_req *r);
void page_admin_log(http_req *r);

/* Metrics (issue 10, metrics_page.c, docs/metrics.md): registers the metrics of
 * db/, llm/ and web/ (after llm_config_load, before serving); 0 or -1. */
int app_metrics_init(void);
void page_metrics(http_req *r);
/* ---- the OpenAI-compatible API and its keys (issue 10, docs/api.md) ---- */
void page_api_keys(http_req *r);
void page_api_key_revoke(http_req *r);
void page_api_models(http_req *r);
void page_api_chat(http_req *r);
/* Sign-in with Google, GitHub or an OpenID Connect issuer (social.c, connections.c;
 * docs/sign-in.md). */
void page_social_login(http_req *r);
void page_social_callback(http_req *r);
void page_connections(http_req *r);
/* The configured providers' buttons ("Sign in with ...", or "Link an account with
 * ..." for a logged-in user), each a form posting to /accounts/<provider>/login/. */
void social_buttons(buf *b, http_req *r);
/* The login page with an error about the whole form (accounts.c). */
void web_login_page(http_req *r, int status, const char *error);
/* The linked-accounts page with an error or a notice (either may be NULL). */
void web_connections_page(http_req *r, int status, const char *error, const char *notice);

/* Content-Disposition: attachment with name as an ASCII fallback (anything outside
 * printable ASCII, quotes, backslashes and slashes replaced by '_') and as
 * filename*=UTF-8''percent-encoded (RFC 6266). */
void web_disposition(buf *b, const char *name);

#endif
