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
#include "../../model/user.h"
#include "../../oauth/oauth.h"
#include "../page.h"
#include "admin.h"
#include "../context.h"

#define MAX_Q 200

static const char *yes_no(bool v) { return v ? "yes" : "no"; }

/* The list's state, as its URL carries it: each key with its value as given
 * (checked), NULL when absent. */
enum { K_Q, K_ACTIVE, K_ADMIN, K_PROVIDER, K_JOINED, K_SORT, NKEYS };
static const char *const keys[NKEYS] = {"q", "active", "admin", "provider", "joined", "sort"};
static const char *const yes_no_values[] = {"yes", "no", NULL};
static const char *const joined_values[] = {"7d", "30d", "365d", NULL};

/* /admin/users/?... with the state, key set to value (NULL: left out), ending in
 * '&' when open (for the pager's page=). */
static void list_url(buf *u, const char *const state[NKEYS], int key, const char *value, bool open)
{
	buf_puts(u, "/admin/users/?");
	bool first = true;
	for (int k = 0; k < NKEYS; k++) {
		const char *v = k == key ? value : state[k];
		if (!v || !*v)
			continue;
		if (!first)
			buf_putc(u, '&');
		buf_printf(u, "%s=", keys[k]);
		url_encode(u, v);
		first = false;
	}
	if (open && !first)
		buf_putc(u, '&');
}

static void facet_link(buf *b, const char *const state[NKEYS], int key, const char *value, const char *label)
{
	buf u = BUF_INIT;
	list_url(&u, state, key, value, false);
	bool here = value ? state[key] && strcmp(state[key], value) == 0 : !state[key];
	html_printf(b, here ? "<a href=\"%s\" aria-current=\"true\"><strong>%s</strong></a> " : "<a href=\"%s\">%s</a> ",
		    u.data ? u.data : "/admin/users/", label);
	buf_free(&u);
}

static void facets(buf *b, const char *const state[NKEYS])
{
	static const char *const names[] = {[K_ACTIVE] = "Active:", [K_ADMIN] = "Admin:"};
	html_raw(b, "<div class=\"facets\">");
	for (int k = K_ACTIVE; k <= K_ADMIN; k++) {
		html_printf(b, "<p class=\"facet\" data-filter=\"%s\"><span class=\"facet-name\">%s</span> ", keys[k],
			    names[k]);
		facet_link(b, state, k, NULL, "All");
		facet_link(b, state, k, "yes", "yes");
		facet_link(b, state, k, "no", "no");
		html_raw(b, "</p>");
	}
	if (oauth_provider_at(0)) {
		html_raw(b, "<p class=\"facet\" data-filter=\"provider\"><span class=\"facet-name\">Signed in with:</span> ");
		facet_link(b, state, K_PROVIDER, NULL, "All");
		const struct oauth_provider *p;
		for (size_t i = 0; (p = oauth_provider_at(i)); i++)
			facet_link(b, state, K_PROVIDER, p->name, p->label);
		html_raw(b, "</p>");
	}
	html_raw(b, "<p class=\"facet\" data-filter=\"joined\"><span class=\"facet-name\">Joined:</span> ");
	facet_link(b, state, K_JOINED, NULL, "any time");
	facet_link(b, state, K_JOINED, "7d", "last 7 days");
	facet_link(b, state, K_JOINED, "30d", "last 30 days");
	facet_link(b, state, K_JOINED, "365d", "last year");
	html_raw(b, "</p></div>\n");
}

/* A column's heading: a link that sorts by it, ascending first, then the other way. */
static void sort_heading(buf *b, const char *const state[NKEYS], const struct admin_user_query *q,
			 enum admin_user_sort col, const char *label)
{
	bool here = q->sort == col && (state[K_SORT] || col == USERS_BY_USERNAME);
	char next[32];
	snprintf(next, sizeof next, "%s%s", here && !q->desc ? "-" : "", admin_user_sorts[col]);
	buf u = BUF_INIT;
	list_url(&u, state, K_SORT, next, false);
	html_raw(b, !here ? "<th>" : q->desc ? "<th aria-sort=\"descending\">" : "<th aria-sort=\"ascending\">");
	html_printf(b, "<a href=\"%s\">%s%s</a></th>", u.data ? u.data : "/admin/users/", label,
		    here ? (q->desc ? " ▼" : " ▲") : "");
	buf_free(&u);
}

/* Reads the list's state from the URL: false (and a 400 sent) when a value is not
 * one the list knows. */
static bool read_state(http_req *r, const char *state[NKEYS], struct admin_user_query *q)
{
	for (int k = 0; k < NKEYS; k++) {
		const char *v = http_query(r, keys[k]);
		state[k] = v && *v ? v : NULL;
	}
	if (state[K_Q] && strlen(state[K_Q]) > MAX_Q) {
		http_error(r, 400, "The search may be at most 200 characters long.");
		return false;
	}
	const char *sort = state[K_SORT] && state[K_SORT][0] == '-' ? state[K_SORT] + 1 : state[K_SORT];
	const char *picked = sort ? admin_pick(admin_user_sorts, sort) : admin_user_sorts[0];
	bool bad_provider = false;
	if (state[K_PROVIDER]) {
		bad_provider = true;
		const struct oauth_provider *p;
		for (size_t i = 0; (p = oauth_provider_at(i)); i++)
			if (strcmp(p->name, state[K_PROVIDER]) == 0)
				bad_provider = false;
	}
	if ((state[K_ACTIVE] && !admin_pick(yes_no_values, state[K_ACTIVE])) ||
	    (state[K_ADMIN] && !admin_pick(yes_no_values, state[K_ADMIN])) ||
	    (state[K_JOINED] && !admin_pick(joined_values, state[K_JOINED])) || !picked || bad_provider) {
		http_error(r, 400, "active and admin take yes or no; joined 7d, 30d or 365d; provider a configured "
				   "sign-in provider; sort a column's name (username, email, admin, active, joined, "
				   "last_login, messages, tokens), with a leading - for the other way.");
		return false;
	}
	q->q = state[K_Q];
	q->active = !state[K_ACTIVE] ? 0 : strcmp(state[K_ACTIVE], "yes") == 0 ? 1 : -1;
	q->admin = !state[K_ADMIN] ? 0 : strcmp(state[K_ADMIN], "yes") == 0 ? 1 : -1;
	q->provider = state[K_PROVIDER];
	if (state[K_JOINED])
		q->joined_since = now_ms() - (int64_t)atoi(state[K_JOINED]) * 86400000;
	for (int i = 0; i < USERS_NSORTS; i++)
		if (admin_user_sorts[i] == picked)
			q->sort = (enum admin_user_sort)i;
	q->desc = state[K_SORT] && state[K_SORT][0] == '-';
	return true;
}

void page_admin_users(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *state[NKEYS];
	struct admin_user_query q = {0};
	if (!read_state(r, state, &q))
		return;
	int64_t page = admin_page(r);
	struct admin_user_row *u;
	size_t n;
	bool more;
	if (admin_users(d, &q, page, &u, &n, &more) < 0) {
		http_error(r, 500, "The users could not be read.");
		return;
	}
	buf b = BUF_INIT;
	admin_begin(&b, r, "Users · Admin", "users");
	html_raw(&b, "<h1>Users</h1>\n<p><a class=\"button\" href=\"/admin/users/new/\">Add a user</a></p>\n");
	html_printf(&b,
		    "<form method=\"get\" action=\"/admin/users/\" class=\"admin-search\" role=\"search\">"
		    "<label for=\"q\">Search usernames and e-mail addresses</label> "
		    "<input type=\"search\" id=\"q\" name=\"q\" value=\"%s\" maxlength=\"%d\"> ",
		    state[K_Q] ? state[K_Q] : "", MAX_Q);
	for (int k = K_ACTIVE; k < NKEYS; k++) /* the search keeps the filters and the order */
		if (state[k])
			html_printf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", keys[k], state[k]);
	html_raw(&b, "<button type=\"submit\">Search</button></form>\n");
	facets(&b, state);
	if (http_query(r, "deleted"))
		html_raw(&b, "<p class=\"notice\" role=\"status\">The user was deleted.</p>\n");
	html_raw(&b, "<div class=\"table-wrap\"><table class=\"admin-table\" id=\"users\"><thead><tr>");
	static const char *const labels[USERS_NSORTS] = {"username", "e-mail",     "admin",    "active",
							 "joined",   "last login", "messages", "tokens"};
	for (int c = 0; c < USERS_NSORTS; c++)
		sort_heading(&b, state, &q, (enum admin_user_sort)c, labels[c]);
	html_raw(&b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		html_printf(&b, "<tr><td><a href=\"/admin/users/%lld/\">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>",
			    (long long)u[i].id, u[i].username, u[i].email, yes_no(u[i].admin), yes_no(u[i].active));
		admin_time(&b, u[i].created_at);
		html_raw(&b, "</td><td>");
		admin_time(&b, u[i].last_login);
		html_raw(&b, "</td><td class=\"n\">");
		html_int(&b, (long long)u[i].messages);
		html_raw(&b, "</td><td class=\"n\">");
		html_int(&b, (long long)u[i].tokens);
		html_raw(&b, "</td></tr>\n");
	}
	html_raw(&b, "</tbody></table></div>\n");
	if (!n)
		html_raw(&b, "<p>No user matches.</p>\n");
	buf url = BUF_INIT;
	list_url(&url, state, -1, NULL, true);
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

/* What the last action did, said after its redirect (?done=<action>, ?added=). */
static void notice(buf *b, http_req *r, const struct admin_user_row *u)
{
	const char *done = http_query(r, "done"), *added = http_query(r, "added");
	static const char *const said[][3] = {
		{"activate", "Activated ", ": they can log in again."},
		{"deactivate", "Deactivated ", ": every session of theirs has ended and they cannot log in."},
		{"grant_admin", "", " is now an administrator."},
		{"revoke_admin", "", " is no longer an administrator."},
		{"revoke_key", "Revoked an API key of ", ": programs using it are refused from now on."},
		{"set_email", "Saved the e-mail address of ", "."},
		{"set_password", "Set a new password for ", ": every session of theirs has ended."},
	};
	const char *const *line = NULL;
	for (size_t i = 0; done && i < sizeof said / sizeof said[0]; i++)
		if (strcmp(done, said[i][0]) == 0)
			line = said[i];
	if (line) {
		html_printf(b, "<p class=\"notice\" role=\"status\">%s%s%s</p>\n", line[1], u->username, line[2]);
	} else if (added) {
		html_printf(b, "<p class=\"notice\" role=\"status\">Added %s.%s</p>\n", u->username,
			    strcmp(added, "invited") == 0 ? " An invitation to choose a password was e-mailed to them." : "");
	}
}

/* Change the e-mail address; set a password (posted to the accounts' page for it,
 * user_password.c in web/accounts/, which hashes off the request threads). */
static void account_forms(buf *b, http_req *r, const struct admin_user_row *u, bool self)
{
	html_printf(b,
		    "<h2>Account</h2>\n<form method=\"post\" action=\"/admin/users/%lld/\" class=\"stacked\">"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\"><input type=\"hidden\" name=\"action\" "
		    "value=\"set_email\">",
		    (long long)u->id, auth_csrf_token(r));
	form_field(b, &(struct field){.name = "email", .label = "E-mail", .type = "email", .value = u->email,
				      .required = true, .help = "The new address is not taken as proven (docs/admin.md)."});
	html_raw(b, "<button type=\"submit\">Save the e-mail address</button></form>\n");
	if (self) /* their own is changed at /accounts/password/change/ */
		return;
	html_printf(b,
		    "<form method=\"post\" action=\"/admin/users/%lld/password/\" class=\"stacked\">"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">",
		    (long long)u->id, auth_csrf_token(r));
	form_field(b, &(struct field){.name = "password1", .label = "New password", .type = "password",
				      .autocomplete = "new-password", .required = true});
	form_field(b, &(struct field){.name = "password2", .label = "New password (again)", .type = "password",
				      .autocomplete = "new-password", .required = true});
	html_raw(b, "<button type=\"submit\">Set the password (ends their sessions)</button></form>\n");
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
	notice(&b, r, &u);
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
	account_forms(&b, r, &u, self);
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

/* action=set_email: the address checked as signup checks it, then stored and logged. */
static void set_email(http_req *r, db *d, int64_t id)
{
	const char *email = http_form(r, "email");
	buf why = BUF_INIT;
	if (!email || !user_valid_email(email, &why)) {
		show(r, d, id, 400, why.data ? why.data : "Enter a valid e-mail address.");
		buf_free(&why);
		return;
	}
	struct admin_actor a = admin_actor_of(r);
	char to[80];
	switch (admin_user_set_email(d, &a, id, email)) {
	case ADMIN_DONE:
	case ADMIN_UNCHANGED:
		snprintf(to, sizeof to, "/admin/users/%lld/?done=set_email", (long long)id);
		http_redirect(r, 303, to);
		return;
	case ADMIN_NOT_FOUND: http_error(r, 404, NULL); return;
	case ADMIN_TAKEN: show(r, d, id, 400, "A user is already registered with this e-mail address."); return;
	default: http_error(r, 500, "The change could not be made."); return;
	}
}

static void act(http_req *r, db *d, int64_t id)
{
	const char *name = http_form(r, "action");
	if (name && strcmp(name, "revoke_key") == 0) { /* one of their API keys, not the user */
		admin_user_revoke_key(r, d, id);
		return;
	}
	if (name && strcmp(name, "set_email") == 0) {
		set_email(r, d, id);
		return;
	}
	int action = admin_action_parse(name);
	if (action < 0) {
		http_error(r, 400, "The action must be activate, deactivate, grant_admin, revoke_admin, delete, "
				   "revoke_key or set_email.");
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
			snprintf(to, sizeof to, "/admin/users/%lld/?done=%s", (long long)id, name);
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
	case ADMIN_TAKEN: /* not an answer of these actions */
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
