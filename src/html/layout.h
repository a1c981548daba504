/* layout.h - the page frame (head, navigation, footer) and form widgets shared by
 * every page. All text goes through the escaping writer. It writes HTML into a
 * buffer and nothing else: who is asking and the CSRF token come as parameters
 * (web/page.h fills them in from the request), and sending is the web layer's. */
#ifndef LLMMETA_LAYOUT_H
#define LLMMETA_LAYOUT_H

#include <stdbool.h>

#include "../core/buf.h"

#ifndef LLMMETA_VERSION
#define LLMMETA_VERSION "0.0.0"
#endif

/* Who the page is for, as its frame shows them. */
struct page_viewer {
	const char *name;       /* NULL: an anonymous visitor */
	bool admin;             /* shows the Admin link */
	const char *csrf_token; /* for the log-out form (a logged-in visitor's) */
};

/* Starts a page; `section` marks the current navigation entry ("ask", ...). */
void page_frame_begin(buf *b, const struct page_viewer *v, const char *title, const char *section);
void page_end(buf *b);

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
	/* A password field's value is written back only when this is set: a form
	 * refused for another field's sake should not make the user type it again. */
	bool keep_password;
};

/* <form method="post"> with the CSRF field holding csrf_token. */
void form_begin_token(buf *b, const char *csrf_token, const char *action, const char *css_class);
void form_field(buf *b, const struct field *f);
void form_end(buf *b, const char *submit_label);
/* The errors of field `name` (one message per line), the first with id e-<name>,
 * which the field's aria-describedby names. */
void form_field_errors(buf *b, const char *name, const char *messages);
/* An error about the whole form (one message per line). */
void form_errors(buf *b, const char *messages);

#endif
