/* layout.c - the page frame and form widgets (see layout.h). */
#include "layout.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../auth/auth.h"
#include "../http/assets.h"
#include "html.h"

static void nav_link(buf *b, const char *href, const char *label, const char *section, const char *current)
{
	bool here = current && strcmp(section, current) == 0;
	html_printf(b, here ? "<a href=\"%s\" aria-current=\"page\">%s</a>" : "<a href=\"%s\">%s</a>", href, label);
}

void page_begin(buf *b, http_req *r, const char *title, const char *section)
{
	html_printf(b,
		    "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>%s · llmmeta</title>\n<link rel=\"stylesheet\" href=\"%s\">\n"
		    "<link rel=\"icon\" href=\"%s\" type=\"image/svg+xml\">\n"
		    "<script src=\"%s\" defer></script>\n</head>\n<body>\n"
		    "<header class=\"top\"><nav aria-label=\"Main\">",
		    title, asset_url("/static/style.css"), asset_url("/static/favicon.svg"), asset_url("/static/ask.js"));
	html_raw(b, "<a class=\"brand\" href=\"/\">llmmeta</a>");
	nav_link(b, "/ask/", "Ask", "ask", section);
	nav_link(b, "/conversation/", "History", "history", section);
	nav_link(b, "/json-viewer/", "JSON viewer", "json", section);
	if (r->user.admin)
		nav_link(b, "/admin/", "Admin", "admin", section);
	html_raw(b, "<span class=\"spacer\"></span>");
	if (r->user.id) {
		html_printf(b, "<span class=\"who\">%s</span>", r->user.name);
		nav_link(b, "/accounts/password/change/", "Password", "password", section);
		html_printf(b,
			    "<form class=\"inline\" method=\"post\" action=\"/accounts/logout/\">"
			    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">"
			    "<button type=\"submit\" class=\"link\">Log out</button></form>",
			    auth_csrf_token(r));
	} else {
		nav_link(b, "/accounts/login/", "Log in", "login", section);
		nav_link(b, "/accounts/signup/", "Sign up", "signup", section);
	}
	html_raw(b, "</nav></header>\n<main>\n");
}

void page_end(buf *b)
{
	html_printf(b, "</main>\n<footer>llmmeta %s · <a href=\"/about/\">About</a> · "
		       "<a href=\"/health/\">Health</a></footer>\n</body>\n</html>\n",
		    LLMMETA_VERSION);
}

void page_send(http_req *r, int status, buf *b)
{
	http_send(r, status, "text/html; charset=utf-8", b);
}

/* A 64-bit hash of the page for its ETag: eight independent multiply-rotate lanes
 * over 8-byte words (as many as the multiplier can keep busy), so it costs a small
 * fraction of writing the page. Not for anything an attacker could exploit a
 * collision in: a collision only shows a user their own stale page. */
static uint64_t page_hash(const unsigned char *p, size_t n)
{
	const uint64_t k1 = 0x9E3779B97F4A7C15ULL, k2 = 0xC2B2AE3D27D4EB4FULL;
	uint64_t lane[8];
	for (int l = 0; l < 8; l++)
		lane[l] = k1 * (uint64_t)(l + 1) ^ n;
	size_t i = 0;
	for (; i + 64 <= n; i += 64)
		for (int l = 0; l < 8; l++) {
			uint64_t w;
			memcpy(&w, p + i + 8 * (size_t)l, 8);
			w = (lane[l] ^ w) * k1;
			lane[l] = (w << 29) | (w >> 35);
		}
	uint64_t h = n;
	for (int l = 0; l < 8; l++)
		h = (h ^ lane[l]) * k2;
	for (; i < n; i++)
		h = (h ^ p[i]) * k1;
	h ^= h >> 29;
	h *= k2;
	h ^= h >> 32;
	return h;
}

/* Whether the If-None-Match list (`"a", W/"b"` or `*`) holds etag; compared weakly,
 * as that header is. */
static bool etag_listed(const char *list, const char *etag)
{
	size_t n = strlen(etag);
	for (const char *p = list; *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		size_t len = strcspn(p, ",");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == n && memcmp(p, etag, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

void page_send_cached(http_req *r, int status, buf *b)
{
	if (status != 200 || b->oom) {
		page_send(r, status, b);
		return;
	}
	char etag[24];
	snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)page_hash((const unsigned char *)b->data, b->len));
	http_add_header(r, "ETag", etag);
	http_add_header(r, "Cache-Control", "private, no-cache");
	const char *inm = http_header(r, "If-None-Match");
	if (inm && etag_listed(inm, etag)) {
		buf_free(b);
		http_send_text(r, 304, "text/html; charset=utf-8", "");
		return;
	}
	page_send(r, 200, b);
}

void form_begin(buf *b, http_req *r, const char *action, const char *css_class)
{
	html_printf(b,
		    "<form method=\"post\" action=\"%s\" class=\"%s\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n",
		    action, css_class ? css_class : "stacked", auth_csrf_token(r));
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
	if (f->value && strcmp(f->type ? f->type : "", "password") != 0)
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
