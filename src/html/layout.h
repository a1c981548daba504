/* layout.h - the page frame (head, navigation, footer) and form widgets shared by
 * every page. All text goes through the escaping writer. */
#ifndef LLMMETA_LAYOUT_H
#define LLMMETA_LAYOUT_H

#include <stdbool.h>

#include "../core/buf.h"
#include "../http/http.h"

#ifndef LLMMETA_VERSION
#define LLMMETA_VERSION "0.0.0"
#endif

/* Starts a page; `section` marks the current navigation entry ("ask", ...). */
void page_begin(buf *b, http_req *r, const char *title, const char *section);
void page_end(buf *b);
/* Sends b as text/html with status. */
void page_send(http_req *r, int status, buf *b);
/* page_send for a page worth revalidating (a conversation, the history): a 200 gets
 * an ETag (a hash of the body, which includes the session's CSRF token, so it is the
 * user's own) and Cache-Control "private, no-cache", so the browser asks again each
 * time; when the request's If-None-Match holds that ETag the answer is 304, without
 * the body. Any other status is sent as page_send sends it. */
void page_send_cached(http_req *r, int status, buf *b);

struct field {
	const char *name;
	const char *label;
	const char *type; /* "text", "email", "password", ... */
	const char *value;
	const char *error; /* one message per line, or NULL */
	const char *autocomplete;
	const char *help;
	bool required;
	bool autofocus;
};

/* <form method="post"> with the CSRF field. */
void form_begin(buf *b, http_req *r, const char *action, const char *css_class);
void form_field(buf *b, const struct field *f);
void form_end(buf *b, const char *submit_label);
/* The errors of field `name` (one message per line), the first with id e-<name>,
 * which the field's aria-describedby names. */
void form_field_errors(buf *b, const char *name, const char *messages);
/* An error about the whole form (one message per line). */
void form_errors(buf *b, const char *messages);

#endif
