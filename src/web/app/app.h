/* app.h - the web application as the server sees it (main.c): start, the one
 * handler, the body limit, stop. The pages never include this: they are reached
 * through the route table (routes.c) and use context.h and errors.h. */
#ifndef LLMMETA_WEB_APP_H
#define LLMMETA_WEB_APP_H

#include <stddef.h>

#include "../../http/assets.h"
#include "../../http/http.h"

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
/* The one handler the server calls: routing, session, CSRF, access, then the page. */
void app_handle(http_req *r);
/* The largest body a request may send: MAX_UPLOAD_BYTES for a logged-in user
 * posting a question (with its file), WEB_SMALL_BODY for everything else, so that
 * nobody can make the server hold large bodies without an account. */
size_t app_body_limit(http_req *r);
/* Who made the request, for the access log: the visitor's name (NULL: anonymous). */
const char *app_log_user(const http_req *r);

#endif
