/* overview.c - /admin/: the totals (users, conversations, messages, tokens),
 * messages and tokens per model and per user since today's midnight, over 7 days
 * and over 30 days (UTC), the error and cancellation counts, and the latest 10
 * errors with links to them. */
#include <stdio.h>
#include <stdlib.h>

#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "admin.h"
#include "../context.h"

static void stats(buf *b, const char *caption, const char *what, const struct admin_stat *s, size_t n)
{
	html_printf(b, "<table class=\"admin-table\"><caption>%s</caption><thead><tr><th>%s</th><th>messages</th>"
		       "<th>tokens</th></tr></thead><tbody>",
		    caption, what);
	for (size_t i = 0; i < n; i++)
		html_printf(b, "<tr><td>%s</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>", s[i].label,
			    (long long)s[i].messages, (long long)s[i].tokens);
	if (!n)
		html_raw(b, "<tr><td colspan=\"3\">None.</td></tr>");
	html_raw(b, "</tbody></table>\n");
}

void page_admin(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	struct admin_overview o;
	if (admin_overview(d, now_ms(), &o) < 0) {
		http_error(r, 500, "The figures could not be read.");
		return;
	}
	static const char *const windows[] = {"today", "the last 7 days", "the last 30 days"};
	buf b = BUF_INIT;
	admin_begin(&b, r, "Admin", "overview");
	html_printf(&b,
		    "<h1>Overview</h1>\n<dl class=\"totals\"><dt>users</dt><dd id=\"total-users\">%lld</dd>"
		    "<dt>conversations</dt><dd id=\"total-conversations\">%lld</dd><dt>messages</dt>"
		    "<dd id=\"total-messages\">%lld</dd><dt>tokens</dt><dd id=\"total-tokens\">%lld</dd>"
		    "<dt><a href=\"/admin/messages/?status=error\">errors</a></dt><dd id=\"total-errors\">%lld</dd>"
		    "<dt><a href=\"/admin/messages/?status=cancelled\">cancelled</a></dt><dd id=\"total-cancelled\">%lld</dd>"
		    "</dl>\n",
		    (long long)o.users, (long long)o.conversations, (long long)o.messages, (long long)o.tokens,
		    (long long)o.errors, (long long)o.cancelled);
	for (int w = 0; w < 3; w++) {
		char caption[64];
		html_printf(&b, "<section class=\"window\"><h2>Since %s</h2>\n<div class=\"side-by-side\">", windows[w]);
		snprintf(caption, sizeof caption, "Per model, %s", windows[w]);
		stats(&b, caption, "model", o.by_model[w], o.nby_model[w]);
		snprintf(caption, sizeof caption, "Per user, %s (the 20 most active)", windows[w]);
		stats(&b, caption, "user", o.by_user[w], o.nby_user[w]);
		html_raw(&b, "</div></section>\n");
	}
	html_raw(&b, "<h2>Latest errors</h2>\n<div class=\"table-wrap\"><table class=\"admin-table\" id=\"errors\"><thead>"
		     "<tr><th>id</th><th>time</th><th>user</th><th>model</th><th>content</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < o.nerrors_latest; i++) {
		const struct admin_msg_row *m = &o.errors_latest[i];
		html_printf(&b, "<tr><td><a href=\"/admin/messages/%lld/\">%lld</a></td><td>", (long long)m->id,
			    (long long)m->id);
		admin_time(&b, m->created_at);
		html_printf(&b, "</td><td>%s</td><td>%s</td><td>", m->username, m->model ? m->model : "");
		admin_cut(&b, m->content, ADMIN_CHARS, m->cut);
		html_raw(&b, "</td></tr>\n");
	}
	html_raw(&b, "</tbody></table></div>\n");
	if (!o.nerrors_latest)
		html_raw(&b, "<p>No errors.</p>\n");
	page_end(&b);
	page_send(r, 200, &b);
	admin_overview_free(&o);
}
