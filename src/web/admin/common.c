/* common.c - the helpers the admin pages share (see admin.h). */
#include "admin.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"

void admin_begin(buf *b, http_req *r, const char *title, const char *here)
{
	static const struct {
		const char *key, *href, *label;
	} links[] = {{"overview", "/admin/", "Overview"},
		     {"messages", "/admin/messages/", "Messages"},
		     {"users", "/admin/users/", "Users"},
		     {"log", "/admin/log/", "Admin log"}};
	page_begin(b, r, title, "admin");
	html_raw(b, "<nav class=\"admin-nav\" aria-label=\"Admin\">");
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		html_printf(b, strcmp(links[i].key, here) == 0 ? "<a href=\"%s\" aria-current=\"page\">%s</a> "
							       : "<a href=\"%s\">%s</a> ",
			    links[i].href, links[i].label);
	html_raw(b, "</nav>\n");
}

void admin_time(buf *b, int64_t ms)
{
	if (ms < 0) {
		html_raw(b, "never");
		return;
	}
	char iso[32];
	fmt_iso8601(iso, ms);
	html_printf(b, "<time datetime=\"%s\">%.10s %.8s UTC</time>", iso, iso, iso + 11);
}

void admin_cut(buf *b, const char *s, size_t max, bool more)
{
	size_t i = 0, chars = 0;
	while (s[i] && chars < max) {
		i++;
		while ((s[i] & 0xC0) == 0x80) /* the rest of a character */
			i++;
		chars++;
	}
	html_textn(b, s, i);
	if (s[i] || more)
		html_raw(b, "…");
}

void admin_num(buf *b, int64_t v)
{
	if (v < 0)
		html_raw(b, "–");
	else
		html_int(b, (long long)v);
}

void admin_count(buf *b, const struct admin_count *c)
{
	html_int(b, (long long)c->n);
	if (c->more)
		html_raw(b, "+");
}

int64_t admin_page(http_req *r)
{
	int64_t p;
	const char *s = http_query(r, "page");
	if (!s || !parse_int64(s, 1, ADMIN_MAX_PAGE, &p))
		return 1;
	return p;
}

bool admin_id(http_req *r, int64_t *id)
{
	if (r->nparams < 1 || !parse_int64(r->params[0], 1, INT64_MAX, id)) {
		http_error(r, 404, NULL);
		return false;
	}
	return true;
}

void admin_pager(buf *b, const char *url, int64_t page, bool more)
{
	html_raw(b, "<nav class=\"pager\" aria-label=\"Pages\">");
	if (page > 1)
		html_printf(b, "<a rel=\"prev\" href=\"%spage=%lld\">Previous</a> ", url, (long long)page - 1);
	html_printf(b, "<span>Page %lld</span>", (long long)page);
	if (more && page < ADMIN_MAX_PAGE)
		html_printf(b, " <a rel=\"next\" href=\"%spage=%lld\">Next</a>", url, (long long)page + 1);
	else if (more)
		html_raw(b, " <span>(narrow the filters to see further)</span>");
	html_raw(b, "</nav>\n");
}

struct admin_actor admin_actor_of(http_req *r)
{
	return (struct admin_actor){.id = visitor(r)->user_id, .name = visitor(r)->name ? visitor(r)->name : ""};
}
