/* history.c - /conversation/: the user's conversations, most recently active first,
 * fifty a page, each linking to the page where it can be read and continued.
 * (Search, grouping by day and deletion belong to the history feature proper.) */
#include <stdio.h>
#include <stdlib.h>

#include "../core/util.h"
#include "../html/html.h"
#include "../html/layout.h"
#include "../model/conversation.h"
#include "web.h"

#define PER_PAGE 50

void page_history(http_req *r)
{
	db *d = app_db(r);
	if (!d)
		return;
	int64_t page = 1;
	const char *p = http_query(r, "page");
	if (p && !parse_int64(p, 1, 1000000, &page)) {
		http_error(r, 400, "The page number must be a whole number from 1.");
		return;
	}
	struct conv_summary *list;
	size_t n;
	/* One more than a page tells whether there is a next one. */
	if (conv_list(d, r->user.id, PER_PAGE + 1, (page - 1) * PER_PAGE, &list, &n) < 0) {
		http_error(r, 500, "Your conversations could not be read.");
		return;
	}
	buf b = BUF_INIT;
	page_begin(&b, r, "History", "history");
	html_raw(&b, "<h1>Your conversations</h1>\n<p><a class=\"button\" href=\"/ask/\">New conversation</a></p>\n");
	if (n == 0)
		html_raw(&b, page == 1 ? "<p>No conversations yet.</p>\n" : "<p>No more conversations.</p>\n");
	else
		html_raw(&b, "<ul class=\"history\">\n");
	for (size_t i = 0; i < n && i < PER_PAGE; i++) {
		char ts[32];
		fmt_iso8601(ts, list[i].updated_at);
		html_printf(&b, "<li><a href=\"/conversation/%s/\">%s</a> <small><time>%s</time> · %lld messages</small></li>\n",
			    list[i].uuid, *list[i].title ? list[i].title : "(untitled)", ts, (long long)list[i].messages);
	}
	if (n)
		html_raw(&b, "</ul>\n");
	html_raw(&b, "<nav class=\"pages\">");
	if (page > 1)
		html_printf(&b, "<a href=\"/conversation/?page=%lld\">Newer</a> ", (long long)(page - 1));
	if (n > PER_PAGE)
		html_printf(&b, "<a href=\"/conversation/?page=%lld\">Older</a>", (long long)(page + 1));
	html_raw(&b, "</nav>\n");
	page_end(&b);
	page_send_cached(r, 200, &b);
	conv_list_free(list, n);
}
