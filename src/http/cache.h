/* cache.h - revalidation (cache.c): an ETag computed from the body, and 304 Not
 * Modified when the browser already holds that body. */
#ifndef LLMMETA_HTTP_CACHE_H
#define LLMMETA_HTTP_CACHE_H

#include <stdbool.h>

#include "http.h"

/* http_send for a response worth revalidating (a conversation, the history): a 200
 * gets an ETag (a hash of the body; a page that holds the session's CSRF token is
 * then the user's own) and Cache-Control "private, no-cache", so the browser asks
 * again each time; when the request's If-None-Match lists that ETag the answer is
 * 304, without the body. Any other status is sent as http_send sends it. Takes
 * ownership of body's data. */
void http_send_revalidated(http_req *r, int status, const char *content_type, buf *body);
/* Whether an If-None-Match list (`"a", W/"b"` or `*`) holds etag (quoted);
 * compared weakly, as that header is. */
bool http_etag_listed(const char *list, const char *etag);

#endif
