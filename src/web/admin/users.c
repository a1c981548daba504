/* users.c - /admin/users/ (the users, searched with q: username, e-mail,
 * admin, active, joined, last login, messages, tokens) and /admin/users/<id>/ (one
 * user with their API keys and sign-in identities, and POST action = activate,
 * deactivate, grant_admin, revoke_admin or delete, the last after a confirmation
 * page, or revoke_key with key_id: user_keys.c). An administrator cannot
 * remove their own right, deactivate or delete themselves, and the last active
 * administrator stays one (model/admin_users.c holds the rules; this page says why
 * it refused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "admin.h"
#include "../context.h"

#define MAX_Q 200

static const char *yes_no(bool v) { return v ? "yes" : "no"; }

void page_admin_users(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *q = http_query(r, "q");
	if (q && strlen(q) > MAX_Q) {
		http_error(r, 400, "The search may be at most 200 characters long.");
		return;
	}
	int64_t page = admin_page(r);
	struct admin_user_row *u;
	size_t n;
	bool more;
	if (admin_users(d, q, page, &u, &n, &more) < 0) {
		http_error(r, 500, "The users could not be read.");
		return;
	}
	buf b = BUF_INIT;
	admin_begin(&b, r, "Users · Admin", "users");
	html_printf(&b,
		    "<h1>Users</h1>\n<form method=\"get\" action=\"/admin/users/\" class=\"admin-search\" role=\"search\">"
		    "<label for=\"q\">Search usernames and e-mail addresses</label> "
		    "<input type=\"search\" id=\"q\" name=\"q\" value=\"%s\" maxlength=\"%d\"> "
		    "<button type=\"submit\">Search</button></form>\n",
		    q ? q : "", MAX_Q);
	if (http_query(r, "deleted"))
		html_raw(&b, "<p class=\"notice\" role=\"status\">The user was deleted.</p>\n");
	html_raw(&b, "<div class=\"table-wrap\"><table class=\"admin-table\" id=\"users\"><thead><tr><th>username</th>"
		     "<th>e-mail</th><th>admin</th><th>active</th><th>joined</th><th>last login</th><th>messages</th>"
		     "<th>tokens</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		html_printf(&b, "<tr><td><a href=\"/admin/users/%lld/\">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>",
			    (long long)u[i].id, u[i].username, u[i].email, yes_no(u[i].admin), yes_no(u[i].active));
		admin_time(&b, u[i].created_at);
		html_raw(&b, "</td><td>");
		admin_time(&b, u[i].last_login);
		html_printf(&b, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>\n", (long long)u[i].messages,
			    (long long)u[i].tokens);
	}
	html_raw(&b, "</tbody></table></div>\n");
	if (!n)
		html_raw(&b, "<p>No user matches.</p>\n");
	buf url = BUF_INIT;
	buf_puts(&url, "/admin/users/?");
	if (q && *q) {
		buf_puts(&url, "q=");
		url_encode(&url, q);
		buf_putc(&url, '&');
	}
	admin_pager(&b, url.data ? url.data : "/admin/users/?", page, more);
	buf_free(&url);
	page_end(&b);
	page_send(r, 200, &b);
	admin_user_rows_free(u, n);
}

/* A button posting one action. */
static void action_button(buf *b, http_req *r, int64_t id, const char *action, const char *label, bool danger)
{
	html_printf(b,
		    "<form method=\"post\" action=\"/admin/users/%lld/\" class=\"inline\">"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"action\" value=\"%s\">"
		    "<button type=\"submit\" class=\"%s\">%s</button></form> ",
		    (long long)id, auth_csrf_token(r), action, danger ? "danger" : "", label);
}

static void show(http_req *r, db *d, int64_t id, int status, const char *error)
{
	struct admin_user_row u;
	int rc = admin_user(d, id, &u);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? "The user could not be read." : NULL);
		return;
	}
	bool self = id == visitor(r)->user_id;
	buf b = BUF_INIT;
	admin_begin(&b, r, "User · Admin", "users");
	html_printf(&b, "<h1>%s</h1>\n", u.username);
	if (error)
		form_errors(&b, error);
	if (http_query(r, "done"))
		html_raw(&b, "<p class=\"notice\" role=\"status\">Done.</p>\n");
	html_printf(&b, "<dl class=\"fields\"><dt>id</dt><dd>%lld</dd><dt>username</dt><dd>%s</dd><dt>e-mail</dt><dd>%s</dd>"
			"<dt>admin</dt><dd>%s</dd><dt>active</dt><dd>%s</dd><dt>joined</dt><dd>",
		    (long long)u.id, u.username, *u.email ? u.email : "–", yes_no(u.admin), yes_no(u.active));
	admin_time(&b, u.created_at);
	html_raw(&b, "</dd><dt>last login</dt><dd>");
	admin_time(&b, u.last_login);
	buf url = BUF_INIT;
	buf_puts(&url, "/admin/messages/?user=");
	url_encode(&url, u.username); /* a + in a name is not a space */
	html_printf(&b,
		    "</dd><dt>conversations</dt><dd>%lld</dd><dt>messages</dt><dd><a href=\"%s\">%lld"
		    "</a></dd><dt>tokens</dt><dd>%lld</dd></dl>\n",
		    (long long)u.conversations, url.data ? url.data : "/admin/messages/", (long long)u.messages,
		    (long long)u.tokens);
	buf_free(&url);
	if (admin_user_keys(&b, r, d, id) < 0 || admin_user_identities(&b, d, id) < 0) {
		buf_free(&b);
		free(u.username);
		free(u.email);
		http_error(r, 500, "The user could not be read.");
		return;
	}
	html_raw(&b, "<h2>Actions</h2>\n<div class=\"actions\">");
	if (u.active && !self)
		action_button(&b, r, id, "deactivate", "Deactivate (ends their sessions)", false);
	else if (!u.active)
		action_button(&b, r, id, "activate", "Activate", false);
	if (!u.admin)
		action_button(&b, r, id, "grant_admin", "Make admin", false);
	else if (!self)
		action_button(&b, r, id, "revoke_admin", "Remove admin right", false);
	if (!self)
		action_button(&b, r, id, "delete", "Delete with all their data…", true);
	html_raw(&b, "</div>\n");
	if (self)
		html_raw(&b, "<p class=\"help\">This is you: you cannot remove your own admin right, deactivate or "
			     "delete yourself.</p>\n");
	page_end(&b);
	page_send(r, status, &b);
	free(u.username);
	free(u.email);
}

static void confirm_delete(http_req *r, db *d, int64_t id)
{
	struct admin_user_row u;
	int rc = admin_user(d, id, &u);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? "The user could not be read." : NULL);
		return;
	}
	buf b = BUF_INIT;
	admin_begin(&b, r, "Delete user · Admin", "users");
	html_printf(&b,
		    "<h1>Delete %s?</h1>\n<p>The account and all its data will be deleted: %lld conversations, %lld "
		    "messages, their files, sessions, saved prompts, API keys, sign-in identities and password "
		    "reset links. The admin log keeps the name. This cannot be "
		    "undone.</p>\n<form method=\"post\" action=\"/admin/users/%lld/\" class=\"delete-confirm\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		    "<input type=\"hidden\" name=\"action\" value=\"delete\">\n"
		    "<input type=\"hidden\" name=\"confirm\" value=\"yes\">\n"
		    "<div class=\"actions\"><button type=\"submit\" class=\"danger\">Delete</button>\n"
		    "<a href=\"/admin/users/%lld/\">Cancel</a></div>\n</form>\n",
		    u.username, (long long)u.conversations, (long long)u.messages, (long long)id, auth_csrf_token(r),
		    (long long)id);
	page_end(&b);
	page_send(r, 200, &b);
	free(u.username);
	free(u.email);
}

static void act(http_req *r, db *d, int64_t id)
{
	const char *name = http_form(r, "action");
	if (name && strcmp(name, "revoke_key") == 0) { /* one of their API keys, not the user */
		admin_user_revoke_key(r, d, id);
		return;
	}
	int action = admin_action_parse(name);
	if (action < 0) {
		http_error(r, 400, "The action must be activate, deactivate, grant_admin, revoke_admin, delete or "
				   "revoke_key.");
		return;
	}
	const char *confirm = http_form(r, "confirm");
	if (action == ADMIN_DELETE && (!confirm || strcmp(confirm, "yes") != 0) && id != visitor(r)->user_id) {
		confirm_delete(r, d, id);
		return;
	}
	struct admin_actor a = admin_actor_of(r);
	enum admin_result res = admin_user_action(d, &a, id, (enum admin_action)action);
	char to[80];
	switch (res) {
	case ADMIN_DONE:
	case ADMIN_UNCHANGED:
		if (action == ADMIN_DELETE) {
			http_redirect(r, 303, "/admin/users/?deleted=1");
		} else {
			snprintf(to, sizeof to, "/admin/users/%lld/?done=1", (long long)id);
			http_redirect(r, 303, to);
		}
		return;
	case ADMIN_NOT_FOUND: http_error(r, 404, NULL); return;
	case ADMIN_SELF:
		show(r, d, id, 400, "You cannot remove your own admin right, deactivate or delete yourself.");
		return;
	case ADMIN_LAST_ADMIN:
		show(r, d, id, 400, "This is the last active administrator: make someone else an administrator first.");
		return;
	case ADMIN_NOT_ADMIN: http_error(r, 403, "This page is for administrators."); return;
	case ADMIN_ERROR: break;
	}
	http_error(r, 500, "The change could not be made.");
}

void page_admin_user(http_req *r)
{
	int64_t id;
	if (!admin_id(r, &id))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	if (r->method == HTTP_POST)
		act(r, d, id);
	else
		show(r, d, id, 200, NULL);
}
