/* context.h - what any page may ask of the request it is answering, besides http/'s
 * reading and sending: the thread's database connection and the visitor's session.
 * The request pipeline (web/app/) loads the session before a page runs; a page that
 * runs without it (an error page, /metrics) loads it here. Who the visitor is, once
 * loaded, is read with auth/'s visitor(r). */
#ifndef LLMMETA_WEB_CONTEXT_H
#define LLMMETA_WEB_CONTEXT_H

#include "../db/db.h"
#include "../http/http.h"

/* The largest body anyone may send without an account (and most routes accept
 * nothing larger): so that nobody can make the server hold large bodies without
 * one. The pipeline's body limit (app_body_limit) and the JSON viewer use it. */
#define WEB_SMALL_BODY (1024 * 1024)

/* The calling thread's database connection; on failure it answers 500 and returns
 * NULL, so a page can simply return. */
db *web_db(http_req *r);
/* Loads the visitor's session once per request (idempotent). 0, or -1 when the
 * database failed (the visitor is then anonymous). */
int web_session(http_req *r);

#endif
