/* page.c - the request's side of a page: who is asking and their CSRF token handed
 * to html/'s layout, and the page sent (see page.h). */
#include "page.h"

#include "../auth/auth.h"
#include "../http/cache.h"

#define HTML_TYPE "text/html; charset=utf-8"

void page_begin(buf *b, http_req *r, const char *title, const char *section)
{
	/* The token only for a logged-in visitor (the log-out form): for anyone else
	 * it would set the anonymous CSRF cookie on every page. */
	struct page_viewer v = {0};
	if (visitor(r)->user_id) {
		v.name = visitor(r)->name ? visitor(r)->name : "";
		v.admin = visitor(r)->admin;
		v.csrf_token = auth_csrf_token(r);
	}
	page_frame_begin(b, &v, title, section);
}

void form_begin(buf *b, http_req *r, const char *action, const char *css_class)
{
	form_begin_token(b, auth_csrf_token(r), action, css_class);
}

void page_send(http_req *r, int status, buf *b) { http_send(r, status, HTML_TYPE, b); }

void page_send_cached(http_req *r, int status, buf *b) { http_send_revalidated(r, status, HTML_TYPE, b); }
