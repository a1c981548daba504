/* api_keys.c - /accounts/keys/ (docs/api.md): the user's API keys - create one (a
 * name, an optional expiry in days), shown once in full and never again (only its
 * SHA-256 is kept); the list with name, prefix, created, expiry, last use, calls;
 * revoke, at once. Only the user's own keys: another's id is a 404.
 *
 * Creating redirects (303) to the list, so that a reload never makes a second key:
 * the new key rides along in a cookie of two minutes, read and cleared by the
 * list's next view, which shows it that once (assets/keys.js adds Copy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../../http/assets.h"
#include "../../model/apikey.h"
#include "../context.h"
#include "../page.h"
#include "api.h"

#define MAX_NAME 100
#define NEW_KEY_COOKIE "llmmeta_newkey"
#define MAX_DAYS 3650

static void when(buf *b, int64_t ms, const char *none)
{
	if (ms < 0) {
		html_text(b, none);
		return;
	}
	char t[32];
	fmt_iso8601(t, ms);
	t[16] = '\0'; /* to the minute: 2026-11-25T20:31 */
	t[10] = ' ';
	html_printf(b, "<time datetime=\"%s\">%s UTC</time>", t, t);
}

static void keys_page(http_req *r, db *d, int status, const char *name, const char *days, const char *e_name,
		      const char *e_days, const char *new_key)
{
	struct apikey *keys;
	size_t n;
	if (apikey_list(d, visitor(r)->user_id, &keys, &n) < 0) {
		http_error(r, 500, "Your keys could not be read.");
		return;
	}
	buf b = BUF_INIT;
	page_begin(&b, r, "API keys", "keys");
	html_raw(&b, "<h1>API keys</h1>\n<p>A key lets a program call the OpenAI-compatible API at <code>/v1/</code> as "
		     "you; every call is recorded in your history. See the documentation (docs/api.md).</p>\n");
	if (new_key) {
		html_raw(&b, "<div class=\"notice\" role=\"status\"><p><strong>Your new key - copy it now: it is shown "
			     "only this once.</strong></p>\n");
		html_printf(&b,
			    "<p><code class=\"api-key\" id=\"new-key\">%s</code> <button type=\"button\" "
			    "class=\"secondary small\" data-copy=\"new-key\" hidden>Copy</button></p></div>\n",
			    new_key);
	} else if (http_query(r, "created")) {
		html_raw(&b, "<p class=\"notice\" role=\"status\">The new key was shown once, when it was made. If it "
			     "was not copied, revoke it and create another.</p>\n");
	}
	html_raw(&b, "<h2>Create a key</h2>\n");
	form_begin(&b, r, "/accounts/keys/", NULL);
	form_field(&b, &(struct field){.name = "name", .label = "Name", .value = name, .error = e_name, .required = true,
				       .help = "What the key is for, e.g. the notebook or script that uses it."});
	form_field(&b, &(struct field){.name = "expires_days", .label = "Expires after (days)", .type = "number",
				       .value = days, .error = e_days,
				       .help = "Empty: the key does not expire. At most 3650 days."});
	form_end(&b, "Create key");
	html_raw(&b, "<h2>Your keys</h2>\n");
	if (!n)
		html_raw(&b, "<p>You have no keys yet.</p>\n");
	else
		html_raw(&b, "<div class=\"table-wrap\"><table class=\"keys\">\n<thead><tr><th>Name</th><th>Key</th>"
			     "<th>Created</th><th>Expires</th><th>Last used</th><th>Calls</th><th></th></tr></thead>\n<tbody>\n");
	int64_t now = now_ms();
	for (size_t i = 0; i < n; i++) {
		const struct apikey *k = &keys[i];
		html_printf(&b, "<tr><td>%s</td><td><code>%s…</code></td><td>", k->name, k->prefix);
		when(&b, k->created_at, "");
		html_raw(&b, "</td><td>");
		when(&b, k->expires_at, "never");
		html_raw(&b, "</td><td>");
		when(&b, k->last_used_at, "never");
		html_printf(&b, "</td><td>%lld</td><td>", (long long)k->calls);
		if (k->revoked_at >= 0) {
			html_raw(&b, "revoked ");
			when(&b, k->revoked_at, "");
		} else if (!apikey_live(k, now)) { /* not revoked: expired */
			html_raw(&b, "expired");
		} else {
			char action[64];
			snprintf(action, sizeof action, "/accounts/keys/%lld/revoke/", (long long)k->id);
			form_begin(&b, r, action, "inline");
			html_printf(&b, "<button type=\"submit\" class=\"danger\" data-confirm=\"Revoke the key “%s”? "
					"Programs using it are refused from then on.\">Revoke</button></form>",
				    k->name);
		}
		html_raw(&b, "</td></tr>\n");
	}
	if (n)
		html_raw(&b, "</tbody></table></div>\n");
	html_printf(&b, "<script src=\"%s\" defer></script>\n", asset_url("/static/keys.js"));
	apikey_list_free(keys, n);
	page_end(&b);
	page_send(r, status, &b);
}

static void create(http_req *r, db *d)
{
	const char *raw_name = http_form(r, "name"), *raw_days = http_form(r, "expires_days");
	char *name = xstrdup(raw_name ? raw_name : ""), *days = xstrdup(raw_days ? raw_days : "");
	if (!name || !days) {
		free(name);
		free(days);
		http_error(r, 500, "Out of memory.");
		return;
	}
	str_trim(name);
	str_trim(days);
	const char *e_name = NULL, *e_days = NULL;
	int64_t nd = -1;
	if (!*name)
		e_name = "This field is required.";
	else if (strlen(name) > MAX_NAME)
		e_name = "Ensure this value has at most 100 characters.";
	if (*days && !parse_int64(days, 1, MAX_DAYS, &nd))
		e_days = "Enter a whole number of days from 1 to 3650, or leave it empty.";
	if (e_name || e_days) {
		keys_page(r, d, 400, name, days, e_name, e_days, NULL);
	} else {
		char key[APIKEY_LEN + 1];
		int64_t id;
		if (auth_apikey_create(d, visitor(r)->user_id, name, nd > 0 ? now_ms() + nd * 86400000LL : -1, key, &id) < 0) {
			http_error(r, 500, "The key could not be saved.");
		} else {
			http_set_cookie(r, NEW_KEY_COOKIE, key, 120);
			http_redirect(r, 303, "/accounts/keys/?created=1");
		}
		memset(key, 0, sizeof key);
	}
	free(name);
	free(days);
}

void page_api_keys(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	if (r->method == HTTP_POST) {
		create(r, d);
		return;
	}
	/* The key just made, once: the cookie is cleared by this answer. Only a value
	 * shaped like a key is shown (it is the visitor's own cookie either way). */
	const char *fresh = http_cookie(r, NEW_KEY_COOKIE);
	bool shaped = fresh && strlen(fresh) == APIKEY_LEN && str_starts(fresh, APIKEY_PREFIX);
	char key[APIKEY_LEN + 1] = "";
	if (shaped)
		memcpy(key, fresh, sizeof key);
	if (fresh)
		http_set_cookie(r, NEW_KEY_COOKIE, "", 0);
	keys_page(r, d, 200, "", "", NULL, NULL, shaped ? key : NULL);
	memset(key, 0, sizeof key);
}

void page_api_key_revoke(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	int64_t id;
	if (!parse_int64(r->params[0], 1, INT64_MAX, &id)) {
		http_error(r, 404, NULL);
		return;
	}
	int rc = apikey_revoke(d, visitor(r)->user_id, id);
	if (rc < 0)
		http_error(r, 500, "The key could not be revoked.");
	else if (rc == 0)
		http_error(r, 404, NULL);
	else
		http_redirect(r, 303, "/accounts/keys/");
}
