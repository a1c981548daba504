/* user_keys.c - the parts of /admin/users/<id>/ that other features own: the
 * user's API keys (docs/api.md) with a revoke button each (POST action=revoke_key,
 * key_id; logged like every admin change), and their linked sign-in identities
 * (docs/sign-in.md), read-only. The lists are apikey_list's and identity_list's. */
#include <stdio.h>
#include <stdlib.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../../model/apikey.h"
#include "../../model/identity.h"
#include "admin.h"
#include "../../db/db.h"

static void key_row(buf *b, http_req *r, int64_t user_id, const struct apikey *k, int64_t now)
{
	html_printf(b, "<tr id=\"key-%lld\"><td>%s</td><td><code>%s…</code></td><td>", (long long)k->id, k->name,
		    k->prefix);
	admin_time(b, k->created_at);
	html_raw(b, "</td><td>");
	if (k->expires_at < 0)
		html_raw(b, "never");
	else
		admin_time(b, k->expires_at);
	html_raw(b, "</td><td>");
	admin_time(b, k->last_used_at);
	html_printf(b, "</td><td class=\"n\">%lld</td><td>", (long long)k->calls);
	if (k->revoked_at >= 0) {
		html_raw(b, "revoked ");
		admin_time(b, k->revoked_at);
	} else if (!apikey_live(k, now)) { /* not revoked: expired */
		html_raw(b, "expired");
	} else {
		html_printf(b,
			    "<form method=\"post\" action=\"/admin/users/%lld/\" class=\"inline\">"
			    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">"
			    "<input type=\"hidden\" name=\"action\" value=\"revoke_key\">"
			    "<input type=\"hidden\" name=\"key_id\" value=\"%lld\">"
			    "<button type=\"submit\" class=\"danger\">Revoke</button></form>",
			    (long long)user_id, auth_csrf_token(r), (long long)k->id);
	}
	html_raw(b, "</td></tr>\n");
}

int admin_user_keys(buf *b, http_req *r, db *d, int64_t user_id)
{
	struct apikey *keys;
	size_t n;
	if (apikey_list(d, user_id, &keys, &n) < 0)
		return -1;
	html_raw(b, "<h2>API keys</h2>\n");
	if (!n) {
		html_raw(b, "<p>No API keys.</p>\n");
	} else {
		html_raw(b, "<div class=\"table-wrap\"><table class=\"admin-table\" id=\"keys\"><thead><tr><th>name</th>"
			     "<th>prefix</th><th>created</th><th>expires</th><th>last used</th><th>calls</th>"
			     "<th>revoked</th></tr></thead>\n<tbody>\n");
		int64_t now = now_ms();
		for (size_t i = 0; i < n; i++)
			key_row(b, r, user_id, &keys[i], now);
		html_raw(b, "</tbody></table></div>\n");
	}
	apikey_list_free(keys, n);
	return 0;
}

int admin_user_identities(buf *b, db *d, int64_t user_id)
{
	struct identity *list;
	int n = identity_list(d, user_id, &list);
	if (n < 0)
		return -1;
	html_raw(b, "<h2>Sign-in identities</h2>\n");
	if (!n) {
		html_raw(b, "<p>No account at a sign-in provider is linked.</p>\n");
	} else {
		html_raw(b, "<div class=\"table-wrap\"><table class=\"admin-table\" id=\"identities\"><thead><tr>"
			     "<th>provider</th><th>e-mail</th><th>linked</th><th>last used</th></tr></thead>\n<tbody>\n");
		for (int i = 0; i < n; i++) {
			html_printf(b, "<tr><td>%s</td><td>%s</td><td>", list[i].provider,
				    *list[i].email ? list[i].email : "–");
			admin_time(b, list[i].created_at);
			html_raw(b, "</td><td>");
			admin_time(b, list[i].last_used > 0 ? list[i].last_used : -1);
			html_raw(b, "</td></tr>\n");
		}
		html_raw(b, "</tbody></table></div>\n");
	}
	identity_list_free(list, n);
	return 0;
}

void admin_user_revoke_key(http_req *r, db *d, int64_t user_id)
{
	int64_t key_id;
	const char *s = http_form(r, "key_id");
	if (!s || !parse_int64(s, 1, INT64_MAX, &key_id)) {
		http_error(r, 404, NULL); /* no such key of this user */
		return;
	}
	struct admin_actor a = admin_actor_of(r);
	enum admin_result res = admin_key_revoke(d, &a, user_id, key_id);
	if (res == ADMIN_NOT_FOUND) {
		http_error(r, 404, NULL);
	} else if (res == ADMIN_ERROR) {
		http_error(r, 500, "The key could not be revoked.");
	} else {
		char to[80];
		snprintf(to, sizeof to, "/admin/users/%lld/?done=revoke_key#keys", (long long)user_id);
		http_redirect(r, 303, to);
	}
}
