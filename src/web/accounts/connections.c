/* connections.c - /accounts/social/connections/ (django-allauth's URL): the
 * sign-in accounts linked to the user, each with a button to remove it, and buttons
 * to link more. The last way to log in cannot be removed: a user without a usable
 * password keeps their only identity (docs/sign-in.md). */
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../auth/password.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../model/identity.h"
#include "../../model/user.h"
#include "../../oauth/oauth.h"
#include "../context.h"
#include "accounts.h"

static const char *label_of(const char *provider)
{
	const struct oauth_provider *p = oauth_provider(provider);
	return p ? p->label : provider; /* a provider no longer configured: its name */
}

static void identity_row(buf *b, http_req *r, const struct identity *it)
{
	char created[32], used[32];
	fmt_iso8601(created, it->created_at);
	fmt_iso8601(used, it->last_used);
	created[10] = used[10] = '\0'; /* the date is enough */
	html_printf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>", label_of(it->provider), it->email,
		    created, used);
	form_begin(b, r, "/accounts/social/connections/", "inline");
	html_printf(b, "<input type=\"hidden\" name=\"identity\" value=\"%lld\">", (long long)it->id);
	html_raw(b, "<button type=\"submit\" class=\"secondary\">Remove</button></form></td></tr>\n");
}

void connections_page(http_req *r, int status, const char *error, const char *notice)
{
	db *d = web_db(r);
	if (!d)
		return;
	struct identity *list = NULL;
	int n = identity_list(d, visitor(r)->user_id, &list);
	if (n < 0) {
		http_error(r, 500, "Your linked accounts could not be read.");
		return;
	}
	buf b = BUF_INIT;
	page_begin(&b, r, "Linked accounts", "connections");
	html_raw(&b, "<h1>Linked accounts</h1>\n");
	form_errors(&b, error);
	if (notice)
		html_printf(&b, "<p class=\"notice\" role=\"status\">%s</p>\n", notice);
	if (n == 0) {
		html_raw(&b, "<p>No account at another site is linked to yours.</p>\n");
	} else {
		html_raw(&b, "<table class=\"identities\">\n<thead><tr><th>Provider</th><th>E-mail</th><th>Linked</th>"
			     "<th>Last used</th><th></th></tr></thead>\n<tbody>\n");
		for (int i = 0; i < n; i++)
			identity_row(&b, r, &list[i]);
		html_raw(&b, "</tbody></table>\n");
	}
	if (oauth_provider_at(0)) {
		html_raw(&b, "<h2>Link another account</h2>\n<p>Then you can log in with it too.</p>\n");
		social_buttons(&b, r);
	}
	html_raw(&b, "<p><a href=\"/accounts/password/change/\">Password</a></p>\n");
	page_end(&b);
	page_send(r, status, &b);
	identity_list_free(list, n);
}

static void remove_post(http_req *r, db *d)
{
	int64_t id;
	if (!parse_int64(http_form(r, "identity"), 1, INT64_MAX, &id)) {
		http_error(r, 404, NULL);
		return;
	}
	struct user u = {0};
	if (user_by_id(d, visitor(r)->user_id, &u) != 1) {
		http_error(r, 500, "Your account could not be read.");
		return;
	}
	int rc = identity_remove(d, u.id, id, password_usable(u.password_hash));
	user_clear(&u);
	if (rc < 0)
		http_error(r, 500, "The linked account could not be removed.");
	else if (rc == 0) /* none, or someone else's: the same answer */
		http_error(r, 404, NULL);
	else if (rc == 2)
		connections_page(r, 400,
				 "This is your only way to log in, so it stays. Set a password first, or link "
				 "another account.",
				 NULL);
	else
		connections_page(r, 200, NULL, "The linked account was removed.");
}

void page_connections(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	if (r->method == HTTP_POST)
		remove_post(r, d);
	else
		connections_page(r, 200, NULL, NULL);
}
