/* layout.c - the page frame and form widgets (see layout.h). */
#include "layout.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../http/assets.h"
#include "html.h"

static void nav_link(buf *b, const char *href, const char *label, const char *section, const char *current)
{
	bool here = current && strcmp(section, current) == 0;
	html_printf(b, here ? "<a href=\"%s\" aria-current=\"page\">%s</a>" : "<a href=\"%s\">%s</a>", href, label);
}

void page_frame_begin(buf *b, const struct page_viewer *v, const char *title, const char *section)
{
	html_printf(b,
		    "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>%s · llmmeta</title>\n<link rel=\"stylesheet\" href=\"%s\">\n"
		    "<link rel=\"icon\" href=\"%s\" type=\"image/svg+xml\">\n"
		    "<script src=\"%s\" defer></script>\n</head>\n<body>\n"
		    "<a class=\"skip\" href=\"#main\">Skip to the main content</a>\n"
		    "<header class=\"top\"><nav aria-label=\"Main\">",
		    title, asset_url("/static/style.css"), asset_url("/static/favicon.svg"), asset_url("/static/ask.js"));
	html_raw(b, "<a class=\"brand\" href=\"/\">llmmeta</a>");
	nav_link(b, "/ask/", "Ask", "ask", section);
	nav_link(b, "/compare/", "Compare", "compare", section);
	nav_link(b, "/conversation/", "History", "history", section);
	nav_link(b, "/json-viewer/", "JSON viewer", "json", section);
	if (v->name && v->admin)
		nav_link(b, "/admin/", "Admin", "admin", section);
	html_raw(b, "<span class=\"spacer\"></span>");
	if (v->name) {
		/* The account's pages in a menu under the name: a <details>, so that it opens
		 * without JavaScript. */
		html_printf(b, "<details class=\"account\"><summary><span class=\"who\">%s</span></summary><div class=\"menu\">",
			    v->name);
		nav_link(b, "/accounts/password/change/", "Password", "password", section);
		nav_link(b, "/accounts/keys/", "API keys", "keys", section);
		nav_link(b, "/accounts/social/connections/", "Connected accounts", "connections", section);
		html_printf(b,
			    "<form class=\"inline\" method=\"post\" action=\"/accounts/logout/\">"
			    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">"
			    "<button type=\"submit\" class=\"link\">Log out</button></form></div></details>",
			    v->csrf_token ? v->csrf_token : "");
	} else {
		nav_link(b, "/accounts/login/", "Log in", "login", section);
		nav_link(b, "/accounts/signup/", "Sign up", "signup", section);
	}
	html_raw(b, "</nav></header>\n<main id=\"main\">\n");
}

void page_end(buf *b)
{
	html_printf(b, "</main>\n<footer>llmmeta %s · <a href=\"/about/\">About</a> · "
		       "<a href=\"/health/\">Health</a></footer>\n</body>\n</html>\n",
		    LLMMETA_VERSION);
}

void form_begin_token(buf *b, const char *csrf_token, const char *action, const char *css_class)
{
	html_printf(b,
		    "<form method=\"post\" action=\"%s\" class=\"%s\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n",
		    action, css_class ? css_class : "stacked", csrf_token ? csrf_token : "");
}

/* One <p class="cls"> per line of msgs; the first carries id, if any. */
static void messages(buf *b, const char *msgs, const char *id, const char *cls)
{
	for (const char *p = msgs; p && *p;) {
		size_t n = strcspn(p, "\n");
		if (n) {
			html_printf(b, "<p class=\"%s\"", cls);
			if (id)
				html_printf(b, " id=\"%s\"", id);
			html_raw(b, " role=\"alert\">");
			html_textn(b, p, n);
			html_raw(b, "</p>\n");
			id = NULL;
		}
		p += n + (p[n] == '\n');
	}
}

void form_field(buf *b, const struct field *f)
{
	bool bad = f->error && *f->error;
	html_printf(b, "<div class=\"field%s\"><label for=\"f-%s\">%s</label>\n", bad ? " invalid" : "", f->name,
		    f->label);
	html_printf(b, "<input id=\"f-%s\" name=\"%s\" type=\"%s\"", f->name, f->name, f->type ? f->type : "text");
	if (f->value && (f->keep_password || strcmp(f->type ? f->type : "", "password") != 0))
		html_printf(b, " value=\"%s\"", f->value);
	if (f->autocomplete)
		html_printf(b, " autocomplete=\"%s\"", f->autocomplete);
	if (f->required)
		html_raw(b, " required");
	if (f->autofocus)
		html_raw(b, " autofocus");
	if (bad)
		html_printf(b, " aria-invalid=\"true\" aria-describedby=\"e-%s\"", f->name);
	html_raw(b, ">\n");
	if (f->help)
		html_printf(b, "<small>%s</small>\n", f->help);
	if (bad)
		form_field_errors(b, f->name, f->error);
	html_raw(b, "</div>\n");
}

void form_field_errors(buf *b, const char *name, const char *msgs)
{
	char id[80];
	snprintf(id, sizeof id, "e-%s", name);
	messages(b, msgs, id, "error");
}

void form_end(buf *b, const char *submit_label)
{
	html_printf(b, "<button type=\"submit\">%s</button>\n</form>\n", submit_label);
}

void form_errors(buf *b, const char *msgs)
{
	messages(b, msgs, NULL, "error form-error");
}
