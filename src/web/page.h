/* page.h - a page for this request: html/'s frame and form widgets filled in with
 * who is asking and their CSRF token, and the page sent as text/html (page.c). A
 * page includes this, and html/html.h for its own markup. */
#ifndef LLMMETA_WEB_PAGE_H
#define LLMMETA_WEB_PAGE_H

#include "../core/buf.h"
#include "../html/layout.h"
#include "../http/http.h"

/* Starts a page for r's visitor (page_end ends it); `section` marks the current
 * navigation entry ("ask", ...). */
void page_begin(buf *b, http_req *r, const char *title, const char *section);
/* <form method="post"> with the CSRF field of r's visitor. */
void form_begin(buf *b, http_req *r, const char *action, const char *css_class);
/* Sends b as text/html with status (takes b's data). */
void page_send(http_req *r, int status, buf *b);
/* page_send for a page worth revalidating (a conversation, the history): an ETag
 * and 304 when the browser holds the page (http/cache.h). The page holds the
 * session's CSRF token, so its ETag is the user's own. */
void page_send_cached(http_req *r, int status, buf *b);

#endif
