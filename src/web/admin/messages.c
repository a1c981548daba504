/* messages.c - /admin/messages/: every user's messages in a table, filtered
 * (role, model, date, user, status, source), searched (q: content and username),
 * sorted by any column (sort=name, -name descending) and paged (page); each filter
 * shown as links with capped counts, a checkbox per row for the bulk deletion. And
 * /admin/messages/delete/ (POST, one ids field per message): a confirmation page
 * listing them, then, posted again with confirm=yes, their deletion.
 * docs/admin.md says what each parameter takes and why counts stop at 1000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../../http/assets.h"
#include "../page.h"
#include "admin.h"
#include "../context.h"

/* The page's parameters as they will be written back into its links. */
enum { P_ROLE, P_MODEL, P_DATE, P_USER, P_STATUS, P_SOURCE, P_Q, P_SORT, P_COMPARISON, NPARAMS };
static const char *const param_names[NPARAMS] = {"role", "model", "date", "user", "status", "source", "q", "sort",
						 "comparison"};

/* Longest model name or username a filter takes: longer ones are no filter. */
#define MAX_FILTER_TEXT 200
#define MAX_Q 1000

struct cur {
	const char *v[NPARAMS];
};

/* The address of the list with the current parameters, `key` set to val (NULL:
 * left out), page left out; ends ready for one more parameter when `open`. */
static void list_url(buf *u, const struct cur *c, int key, const char *val, bool open)
{
	buf_puts(u, "/admin/messages/?");
	bool first = true;
	for (int i = 0; i < NPARAMS; i++) {
		const char *v = i == key ? val : c->v[i];
		if (!v || !*v)
			continue;
		if (!first)
			buf_putc(u, '&');
		first = false;
		buf_puts(u, param_names[i]);
		buf_putc(u, '=');
		url_encode(u, v);
	}
	if (open && !first)
		buf_putc(u, '&');
}

static void link_to(buf *b, const struct cur *c, int key, const char *val, const char *label, bool here,
		    const struct admin_count *n)
{
	buf u = BUF_INIT;
	list_url(&u, c, key, val, false);
	html_printf(b, here ? "<a href=\"%s\" aria-current=\"true\"><strong>%s</strong></a>" : "<a href=\"%s\">%s</a>",
		    u.data ? u.data : "/admin/messages/", label);
	if (n) {
		html_raw(b, " (");
		admin_count(b, n);
		html_raw(b, ")");
	}
	html_raw(b, " ");
	buf_free(&u);
}

/* One filter's line: "All" and each value with its count. */
static void facet_line(buf *b, const struct cur *c, int key, const char *label, const struct admin_count *counts,
		       size_t n)
{
	html_printf(b, "<p class=\"facet\" data-filter=\"%s\"><span class=\"facet-name\">%s:</span> ", param_names[key],
		    label);
	link_to(b, c, key, NULL, "All", !c->v[key], NULL);
	for (size_t i = 0; i < n; i++)
		link_to(b, c, key, counts[i].value, counts[i].value, c->v[key] && strcmp(c->v[key], counts[i].value) == 0,
			&counts[i]);
	html_raw(b, "</p>\n");
}

static void search_form(buf *b, const struct cur *c)
{
	html_printf(b,
		    "<form method=\"get\" action=\"/admin/messages/\" class=\"admin-search\" role=\"search\">"
		    "<label for=\"q\">Search content and usernames</label> "
		    "<input type=\"search\" id=\"q\" name=\"q\" value=\"%s\" maxlength=\"%d\"> "
		    "<label for=\"user\">User</label> <input type=\"text\" id=\"user\" name=\"user\" value=\"%s\" "
		    "maxlength=\"%d\">",
		    c->v[P_Q] ? c->v[P_Q] : "", MAX_Q, c->v[P_USER] ? c->v[P_USER] : "", MAX_FILTER_TEXT);
	/* The other filters kept as they are. */
	for (int i = 0; i < NPARAMS; i++)
		if (i != P_Q && i != P_USER && c->v[i])
			html_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", param_names[i], c->v[i]);
	html_raw(b, " <button type=\"submit\">Search</button></form>\n");
}

/* A column's header: a link sorting by it, the other way when it is the sort. */
static void header(buf *b, const struct cur *c, const char *name, int sort, bool desc)
{
	bool here = sort >= 0 && strcmp(admin_sort_name((size_t)sort), name) == 0;
	char val[32];
	snprintf(val, sizeof val, "%s%s", here && !desc ? "-" : "", name);
	buf u = BUF_INIT;
	list_url(&u, c, P_SORT, val, false);
	html_raw(b, !here ? "<th scope=\"col\">"
		       : desc ? "<th scope=\"col\" aria-sort=\"descending\">"
			      : "<th scope=\"col\" aria-sort=\"ascending\">");
	html_printf(b, "<a href=\"%s\">%s</a>%s</th>", u.data ? u.data : "/admin/messages/", name,
		    here ? (desc ? " ↓" : " ↑") : "");
	buf_free(&u);
}

static void row(buf *b, const struct cur *c, const struct admin_msg_row *m)
{
	html_printf(b,
		    "<tr><td><input type=\"checkbox\" name=\"ids\" value=\"%lld\" aria-label=\"Select message %lld\"></td>"
		    "<td><a href=\"/admin/messages/%lld/\">%lld</a></td><td>%s",
		    (long long)m->id, (long long)m->id, (long long)m->id, (long long)m->id, m->role);
	if (strcmp(m->status, "ok") != 0)
		html_printf(b, " <span class=\"error\">%s</span>", m->status);
	html_raw(b, "</td><td class=\"content\">");
	admin_cut(b, m->content, ADMIN_CHARS, m->cut);
	html_printf(b, "</td><td>%s</td><td class=\"n\">", m->model ? m->model : "");
	admin_num(b, m->tokens);
	html_raw(b, "</td><td class=\"n\">");
	admin_num(b, m->elapsed_ms);
	html_raw(b, "</td><td>");
	admin_time(b, m->created_at);
	buf u = BUF_INIT;
	list_url(&u, c, P_USER, m->username, false);
	html_printf(b, "</td><td><a href=\"%s\">%s</a></td><td><a href=\"/admin/messages/%lld/#m%lld\">",
		    u.data ? u.data : "/admin/messages/", m->username, (long long)m->id, (long long)m->id);
	buf_free(&u);
	admin_cut(b, *m->title ? m->title : "(untitled)", 40, false);
	html_printf(b, "</a> <span class=\"muted\">#%lld</span></td></tr>\n", (long long)m->conv_id);
}

/* Reads the parameters: fixed ones must be one of their values, texts are bounded;
 * anything else is no filter (a link with a stale value still shows a list). */
static void read_params(http_req *r, struct cur *c, struct admin_filter *f)
{
	memset(c, 0, sizeof *c);
	memset(f, 0, sizeof *f);
	f->role = c->v[P_ROLE] = admin_pick(admin_roles, http_query(r, "role"));
	f->status = c->v[P_STATUS] = admin_pick(admin_statuses, http_query(r, "status"));
	f->source = c->v[P_SOURCE] = admin_pick(admin_sources, http_query(r, "source"));
	f->date = c->v[P_DATE] = admin_pick(admin_dates, http_query(r, "date"));
	const char *model = http_query(r, "model"), *user = http_query(r, "user"), *q = http_query(r, "q");
	if (model && *model && strlen(model) <= MAX_FILTER_TEXT)
		f->model = c->v[P_MODEL] = model;
	if (user && !str_blank(user) && strlen(user) <= MAX_FILTER_TEXT)
		f->user = c->v[P_USER] = user;
	if (q && !str_blank(q))
		f->q = c->v[P_Q] = q;
	/* A comparison's columns (docs/compare.md), by its UUID. */
	const char *cmp = http_query(r, "comparison");
	if (cmp && strlen(cmp) == 36)
		f->comparison = c->v[P_COMPARISON] = cmp;
	f->sort = admin_sort_parse(http_query(r, "sort"), &f->desc);
	if (f->sort >= 0)
		c->v[P_SORT] = http_query(r, "sort");
	f->page = admin_page(r);
	f->now = now_ms();
}

void page_admin_messages(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *q = http_query(r, "q");
	if (q && strlen(q) > MAX_Q) {
		http_error(r, 400, "The search may be at most 1000 characters long.");
		return;
	}
	struct cur c;
	struct admin_filter f;
	read_params(r, &c, &f);
	struct admin_msg_page p;
	if (admin_messages(d, &f, &p) < 0) {
		http_error(r, 500, "The messages could not be read.");
		return;
	}
	buf b = BUF_INIT;
	admin_begin(&b, r, "Messages · Admin", "messages");
	html_raw(&b, "<h1>Messages</h1>\n");
	int64_t deleted;
	const char *del = http_query(r, "deleted");
	if (del && parse_int64(del, 0, ADMIN_MAX_BULK, &deleted))
		html_printf(&b, "<p class=\"notice\" role=\"status\">%lld message%s deleted.</p>\n", (long long)deleted,
			    deleted == 1 ? "" : "s");
	search_form(&b, &c);
	if (p.why)
		html_printf(&b, "<p class=\"error\">%s Only usernames were searched.</p>\n", p.why);
	if (p.nnames) {
		html_raw(&b, "<p class=\"help\">Also the messages of the users whose name holds the text: ");
		for (size_t i = 0; i < p.nnames; i++)
			html_printf(&b, "%s%s", i ? ", " : "", p.names[i]);
		html_raw(&b, "</p>\n");
	}
	html_raw(&b, "<div class=\"facets\">\n");
	facet_line(&b, &c, P_ROLE, "Role", p.roles, 4);
	facet_line(&b, &c, P_STATUS, "Status", p.statuses, 4);
	facet_line(&b, &c, P_SOURCE, "Source", p.sources, ADMIN_NSOURCES);
	facet_line(&b, &c, P_DATE, "Date", p.dates, 4);
	facet_line(&b, &c, P_MODEL, "Model", p.model_counts, p.nmodels);
	if (c.v[P_USER]) {
		html_raw(&b, "<p class=\"facet\"><span class=\"facet-name\">User:</span> ");
		link_to(&b, &c, P_USER, NULL, "All", false, NULL);
		html_printf(&b, "<strong>%s</strong></p>\n", c.v[P_USER]);
	}
	html_raw(&b, "</div>\n<p class=\"total\">");
	admin_count(&b, &p.total);
	html_printf(&b, " message%s</p>\n", p.total.n == 1 && !p.total.more ? "" : "s");

	/* The list as filtered: where the deletion comes back to (its "back"). */
	buf here = BUF_INIT;
	list_url(&here, &c, -1, NULL, true);
	html_printf(&b,
		    "<form method=\"post\" action=\"/admin/messages/delete/\" class=\"admin-bulk\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		    "<input type=\"hidden\" name=\"back\" value=\"%s\">\n"
		    "<div class=\"table-wrap\"><table class=\"admin-table\" id=\"messages\">\n<thead><tr>"
		    "<th scope=\"col\"><span class=\"visually-hidden\">Select</span>"
		    "<input type=\"checkbox\" id=\"select-all\" aria-label=\"Select every message of the page\" hidden>"
		    "</th>",
		    auth_csrf_token(r), here.data ? here.data : "/admin/messages/?");
	buf_free(&here);
	for (size_t i = 0; i < admin_nsorts; i++)
		header(&b, &c, admin_sort_name(i), f.sort, f.desc);
	html_raw(&b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < p.n; i++)
		row(&b, &c, &p.rows[i]);
	html_raw(&b, "</tbody></table></div>\n");
	if (p.n)
		html_raw(&b, "<p><button type=\"submit\" class=\"danger\">Delete the selected messages…</button></p>\n");
	else
		html_raw(&b, "<p>No message matches.</p>\n");
	html_printf(&b, "</form>\n<script src=\"%s\" defer></script>\n", asset_url("/static/admin.js"));
	buf u = BUF_INIT;
	list_url(&u, &c, -1, NULL, true);
	admin_pager(&b, u.data ? u.data : "/admin/messages/?", f.page, p.more);
	buf_free(&u);
	page_end(&b);
	page_send(r, 200, &b);
	admin_msg_page_free(&p);
}

/* The filtered list a deletion goes back to: the posted "back" when it is one of
 * the list's own addresses (as list_url writes them: printable, no quote or
 * angle bracket, bounded), else the whole list. Ends in ? or &, for deleted=. */
static const char *back_of(http_req *r)
{
	const char *b = http_form(r, "back");
	size_t n = b ? strlen(b) : 0;
	if (!b || !str_starts(b, "/admin/messages/?") || n > 2048 || (b[n - 1] != '?' && b[n - 1] != '&'))
		return "/admin/messages/?";
	for (const char *p = b; *p; p++)
		if (*p <= ' ' || *p > '~' || strchr("\"'<>\\#", *p))
			return "/admin/messages/?";
	return b;
}

/* The ids posted, each a message id; false (and 400 answered) otherwise. */
static bool posted_ids(http_req *r, int64_t *ids, size_t *n)
{
	const char *v[ADMIN_MAX_BULK + 1];
	size_t k = http_form_all(r, "ids", v, ADMIN_MAX_BULK + 1);
	if (k == 0) {
		http_error(r, 400, "Select at least one message.");
		return false;
	}
	if (k > ADMIN_MAX_BULK) {
		http_error(r, 400, "At most 500 messages can be deleted at once.");
		return false;
	}
	for (size_t i = 0; i < k; i++)
		if (!parse_int64(v[i], 1, INT64_MAX, &ids[i])) {
			http_error(r, 400, "A selected message is not a message id.");
			return false;
		}
	*n = k;
	return true;
}

static void confirm_page(http_req *r, db *d, const int64_t *ids, size_t n)
{
	struct admin_msg_row *rows;
	size_t k;
	if (admin_messages_by_id(d, ids, n, &rows, &k) < 0) {
		http_error(r, 500, "The messages could not be read.");
		return;
	}
	buf b = BUF_INIT;
	admin_begin(&b, r, "Delete messages · Admin", "messages");
	html_printf(&b,
		    "<h1>Delete %lld message%s?</h1>\n<p>These messages will be deleted, with the files only they use "
		    "and the conversations they leave empty. This cannot be undone.</p>\n"
		    "<form method=\"post\" action=\"/admin/messages/delete/\" class=\"delete-confirm\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		    "<input type=\"hidden\" name=\"confirm\" value=\"yes\">\n"
		    "<input type=\"hidden\" name=\"back\" value=\"%s\">\n"
		    "<div class=\"table-wrap\"><table class=\"admin-table\" id=\"confirm\"><thead><tr><th>id</th><th>role</th>"
		    "<th>content</th><th>username</th><th>time</th></tr></thead>\n<tbody>\n",
		    (long long)k, k == 1 ? "" : "s", auth_csrf_token(r), back_of(r));
	for (size_t i = 0; i < k; i++) {
		const struct admin_msg_row *m = &rows[i];
		html_printf(&b,
			    "<tr><td><input type=\"hidden\" name=\"ids\" value=\"%lld\"><a href=\"/admin/messages/%lld/\">%lld"
			    "</a></td><td>%s</td><td>",
			    (long long)m->id, (long long)m->id, (long long)m->id, m->role);
		admin_cut(&b, m->content, ADMIN_CHARS, m->cut);
		html_printf(&b, "</td><td>%s</td><td>", m->username);
		admin_time(&b, m->created_at);
		html_raw(&b, "</td></tr>\n");
	}
	html_raw(&b, "</tbody></table></div>\n");
	if (k < n)
		html_printf(&b, "<p class=\"help\">%lld of the selected messages no longer exist.</p>\n",
			    (long long)(n - k));
	html_raw(&b, "<div class=\"actions\">");
	if (k)
		html_raw(&b, "<button type=\"submit\" class=\"danger\">Delete</button> ");
	html_printf(&b, "<a href=\"%s\">Cancel</a></div>\n</form>\n", back_of(r));
	page_end(&b);
	page_send(r, 200, &b);
	admin_msg_rows_free(rows, k);
}

void page_admin_messages_delete(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	int64_t ids[ADMIN_MAX_BULK];
	size_t n;
	if (!posted_ids(r, ids, &n))
		return;
	const char *confirm = http_form(r, "confirm");
	if (!confirm || strcmp(confirm, "yes") != 0) {
		confirm_page(r, d, ids, n);
		return;
	}
	struct admin_actor a = admin_actor_of(r);
	int64_t deleted = admin_messages_delete(d, &a, ids, n);
	if (deleted < 0) {
		http_error(r, 500, "The messages could not be deleted.");
		return;
	}
	buf to = BUF_INIT;
	buf_printf(&to, "%sdeleted=%lld", back_of(r), (long long)deleted);
	if (to.oom)
		http_error(r, 500, NULL);
	else
		http_redirect(r, 303, to.data);
	buf_free(&to);
}
