/* log.c - /admin/log/: every change an administrator made (who, what, when,
 * on which object, the old and new value where there is one), newest first, paged,
 * filtered by administrator (admin=<name>) and action (action=<one of the log's
 * actions>). Read only: nothing on the web changes or deletes an entry. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "admin.h"
#include "../context.h"

/* Old and new values shown; the rest is cut (the message's own page has it all). */
#define VALUE_CHARS 300
#define MAX_NAME 200

/* The log's address with admin and action as given (NULL: left out). */
static void log_url(buf *u, const char *admin, const char *action, bool open)
{
	buf_puts(u, "/admin/log/?");
	if (admin) {
		buf_puts(u, "admin=");
		url_encode(u, admin);
	}
	if (action) {
		buf_puts(u, admin ? "&action=" : "action=");
		url_encode(u, action);
	}
	if (open && (admin || action))
		buf_putc(u, '&');
}

/* What each of the log's actions reads as; the stored name stays in data-action
 * and in the filter's URL, which scripts and bookmarks use. */
static const char *action_label(const char *action)
{
	static const char *const labels[][2] = {
		{"message_edit", "edited a message"},	{"message_delete", "deleted a message"},
		{"user_activate", "activated"},		{"user_deactivate", "deactivated"},
		{"user_grant_admin", "granted admin"},	{"user_revoke_admin", "revoked admin"},
		{"user_delete", "deleted the user"},	{"key_revoke", "revoked an API key"},
		{"user_create", "added the user"},	{"user_edit", "edited the user"},
		{"user_set_password", "set a password"},
	};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i][0], action) == 0)
			return labels[i][1];
	return action;
}

static void filter_link(buf *b, const char *admin, const char *action, const char *label, bool here)
{
	buf u = BUF_INIT;
	log_url(&u, admin, action, false);
	html_printf(b, here ? "<a href=\"%s\" aria-current=\"true\"><strong>%s</strong></a> " : "<a href=\"%s\">%s</a> ",
		    u.data ? u.data : "/admin/log/", label);
	buf_free(&u);
}

static void value(buf *b, const char *v)
{
	if (!v) {
		html_raw(b, "–");
		return;
	}
	html_raw(b, "<span class=\"admin-value\">");
	admin_cut(b, v, VALUE_CHARS, false);
	html_raw(b, "</span>");
}

/* Back from byte i of s to the start of its character. */
static size_t char_start(const char *s, size_t i)
{
	while (i > 0 && (s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* An edit as what changed: the common start and end set aside (a few words of each
 * kept as context), the old middle struck and the new one inserted. One change
 * region, not a full diff: an edit usually changes one place, and the message's own
 * page has both texts whole. */
#define DIFF_CONTEXT 40
static void diff(buf *b, const char *old, const char *new)
{
	size_t lo = strlen(old), ln = strlen(new), pre = 0, suf = 0;
	while (pre < lo && pre < ln && old[pre] == new[pre])
		pre++;
	/* Whole words: the start in common ends with a space, the end in common starts
	 * with one (so both fall between characters too). */
	while (pre > 0 && !isspace((unsigned char)old[pre - 1]))
		pre--;
	while (suf < lo - pre && suf < ln - pre && old[lo - 1 - suf] == new[ln - 1 - suf])
		suf++;
	while (suf > 0 && !isspace((unsigned char)old[lo - suf]))
		suf--;
	size_t from = pre > DIFF_CONTEXT ? char_start(old, pre - DIFF_CONTEXT) : 0;
	html_raw(b, "<span class=\"admin-value diff\">");
	if (from)
		html_raw(b, "…");
	html_textn(b, old + from, pre - from);
	if (lo - suf > pre) {
		html_raw(b, "<del>");
		admin_cut(b, old + pre, VALUE_CHARS, false);
		html_raw(b, "</del>");
	}
	if (ln - suf > pre) {
		buf mid = BUF_INIT;
		buf_append(&mid, new + pre, ln - suf - pre);
		html_raw(b, "<ins>");
		admin_cut(b, mid.data ? mid.data : "", VALUE_CHARS, false);
		html_raw(b, "</ins>");
		buf_free(&mid);
	}
	size_t keep = suf > DIFF_CONTEXT ? char_start(old + lo - suf, DIFF_CONTEXT) : suf;
	html_textn(b, old + lo - suf, keep);
	if (keep < suf)
		html_raw(b, "…");
	html_raw(b, "</span>");
}

static void object(buf *b, const struct admin_log_row *e)
{
	if (strcmp(e->object_type, "message") == 0)
		html_printf(b, "<a href=\"/admin/messages/%lld/\">message %lld</a> of %s", (long long)e->object_id,
			    (long long)e->object_id, e->object_label);
	else if (strcmp(e->object_type, "user") == 0)
		html_printf(b, "<a href=\"/admin/users/%lld/\">user %s</a>", (long long)e->object_id, e->object_label);
	else
		html_printf(b, "%s %lld %s", e->object_type, (long long)e->object_id, e->object_label);
}

void page_admin_log(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *admin = http_query(r, "admin");
	if (admin && (!*admin || strlen(admin) > MAX_NAME))
		admin = NULL;
	const char *action = admin_pick(admin_log_actions, http_query(r, "action"));
	int64_t page = admin_page(r);
	struct admin_log_row *e;
	size_t n;
	bool more;
	char **admins;
	size_t nadmins;
	if (admin_log_list(d, admin, action, page, &e, &n, &more) < 0) {
		http_error(r, 500, "The admin log could not be read.");
		return;
	}
	if (admin_log_admins(d, &admins, &nadmins) < 0) {
		admin_log_rows_free(e, n);
		admin_strings_free(admins, nadmins);
		http_error(r, 500, "The admin log could not be read.");
		return;
	}
	buf b = BUF_INIT;
	admin_begin(&b, r, "Admin log · Admin", "log");
	html_raw(&b, "<h1>Admin log</h1>\n<div class=\"facets\"><p class=\"facet\" data-filter=\"admin\">"
		     "<span class=\"facet-name\">Administrator:</span> ");
	filter_link(&b, NULL, action, "All", !admin);
	for (size_t i = 0; i < nadmins; i++)
		filter_link(&b, admins[i], action, admins[i], admin && strcmp(admin, admins[i]) == 0);
	html_raw(&b, "</p>\n<p class=\"facet\" data-filter=\"action\"><span class=\"facet-name\">Action:</span> ");
	filter_link(&b, admin, NULL, "All", !action);
	for (size_t i = 0; admin_log_actions[i]; i++)
		filter_link(&b, admin, admin_log_actions[i], action_label(admin_log_actions[i]),
			    action == admin_log_actions[i]);
	html_raw(&b, "</p></div>\n<div class=\"table-wrap\"><table class=\"admin-table\" id=\"log\"><thead><tr>"
		     "<th>when</th><th>administrator</th><th>action</th><th>object</th><th>field</th><th>old</th>"
		     "<th>new</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		html_raw(&b, "<tr><td>");
		admin_time(&b, e[i].at);
		html_printf(&b, "</td><td>%s</td><td data-action=\"%s\">%s</td><td>", e[i].admin_name, e[i].action,
			    action_label(e[i].action));
		object(&b, &e[i]);
		html_printf(&b, "</td><td>%s</td>", e[i].field ? e[i].field : "–");
		if (e[i].old_value && e[i].new_value && strcmp(e[i].action, "message_edit") == 0) {
			/* An edit: one cell that shows the change. */
			html_raw(&b, "<td colspan=\"2\">");
			diff(&b, e[i].old_value, e[i].new_value);
		} else {
			html_raw(&b, "<td>");
			value(&b, e[i].old_value);
			html_raw(&b, "</td><td>");
			value(&b, e[i].new_value);
		}
		html_raw(&b, "</td></tr>\n");
	}
	html_raw(&b, "</tbody></table></div>\n");
	if (!n)
		html_raw(&b, "<p>Nothing yet.</p>\n");
	buf u = BUF_INIT;
	log_url(&u, admin, action, true);
	admin_pager(&b, u.data ? u.data : "/admin/log/?", page, more);
	buf_free(&u);
	page_end(&b);
	page_send(r, 200, &b);
	admin_log_rows_free(e, n);
	admin_strings_free(admins, nadmins);
}
