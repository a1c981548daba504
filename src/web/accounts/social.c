/* social.c - signing in with a provider (docs/sign-in.md), as django-allauth's URLs
 * had it: POST /accounts/<provider>/login/ starts (GET shows a button that does, so
 * that another site cannot start a sign-in in your browser), and
 * /accounts/<provider>/login/callback/ is where the provider sends the browser back.
 *
 * The state between the two legs is a row of oauth_states, found by the SHA-256 of
 * the `state` parameter and deleted as it is read: a state works once. The row also
 * holds the SHA-256 of the llmmeta_oauth cookie, so a callback from another browser
 * (a link an attacker got from their own sign-in) is refused. Every failure shows a
 * message on the login page and creates no account and no session. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../auth/social.h"
#include "../../core/config.h"
#include "../../core/log.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../model/identity.h"
#include "../../oauth/oauth.h"
#include "../context.h"
#include "accounts.h"

#define OAUTH_COOKIE "llmmeta_oauth"
#define STATE_MINUTES 10
/* Sign-ins one client address may have in progress at once: enough for a family
 * behind one NAT, too few to fill the table. */
#define STATES_PER_ADDR 20

void social_buttons(buf *b, http_req *r)
{
	const struct oauth_provider *p;
	const char *next = http_param(r, "next");
	for (size_t i = 0; (p = oauth_provider_at(i)); i++) {
		/* Signed in: linking is the page's purpose, so no "or" between forms. */
		if (i == 0)
			html_raw(b, visitor(r)->user_id ? "<div class=\"social\">\n"
							 : "<p class=\"divider\"><span>or</span></p>\n<div class=\"social\">\n");
		html_printf(b, "<form method=\"post\" action=\"/accounts/%s/login/\" class=\"inline\">"
			       "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">",
			    p->name, auth_csrf_token(r));
		if (next_is_safe(next))
			html_printf(b, "<input type=\"hidden\" name=\"next\" value=\"%s\">", next);
		html_printf(b, "<button type=\"submit\" class=\"secondary\">%s with %s</button></form>\n",
			    visitor(r)->user_id ? "Link an account" : "Sign in", p->label);
	}
	if (oauth_provider_at(0))
		html_raw(b, "</div>\n");
}

/* PUBLIC_URL/accounts/<provider>/login/callback/: registered at the provider. */
static void callback_uri(buf *b, const struct oauth_provider *p)
{
	buf_printf(b, "%s/accounts/%s/login/callback/", cfg.public_url, p->name);
}

/* A failure: on the account page when a logged-in user was linking, else on the
 * login page. */
static void fail(http_req *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(http_req *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (visitor(r)->user_id)
		connections_page(r, status, msg, NULL);
	else
		login_page(r, status, msg);
}

/* ---- the first leg ---- */

static void confirm_page(http_req *r, const struct oauth_provider *p)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Sign in", "login");
	html_printf(&b, "<h1>Sign in with %s</h1>\n<p>You will be sent to %s, then back here.</p>\n", p->label, p->label);
	social_buttons(&b, r);
	page_end(&b);
	page_send(r, 200, &b);
}

/* The cookie that binds a sign-in to this browser: the one it has (two tabs signing
 * in at once share it), else a new one. */
static const char *browser_binding(http_req *r, char fresh[64])
{
	const char *c = http_cookie(r, OAUTH_COOKIE);
	if (c && strlen(c) == 43)
		return c;
	rand_token(fresh, 64, 32);
	http_set_cookie(r, OAUTH_COOKIE, fresh, STATE_MINUTES * 60);
	return fresh;
}

/* For a provider whose authorization page is on another origin than its issuer's
 * (AWS Cognito's, say): the Content-Security-Policy's form-action would stop the
 * redirect of the button's post, so a page takes the browser there instead (a
 * refresh is not a form's navigation). */
static void leave_page(http_req *r, const struct oauth_provider *p, const char *url)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Sign in", "login");
	html_printf(&b, "<h1>Sign in with %s</h1>\n<p><a href=\"%s\">Continue to %s</a></p>\n", p->label, url, p->label);
	page_end(&b);
	/* page_begin wrote the head already: the refresh goes in a header instead. */
	buf refresh = BUF_INIT;
	buf_printf(&refresh, "0; url=%s", url);
	if (!refresh.oom)
		http_add_header(r, "Refresh", refresh.data);
	buf_free(&refresh);
	page_send(r, 200, &b);
}

static void too_many(http_req *r)
{
	http_error(r, 429, "Too many sign-ins are in progress from your address. Wait a few minutes.");
}

static void start(http_req *r, db *d, const struct oauth_provider *p)
{
	struct oauth_secrets s;
	oauth_new_secrets(&s);
	char err[256], fresh[64], state_hash[65], browser_hash[65];
	buf redirect = BUF_INIT, url = BUF_INIT;
	/* The limit first: discovery may wait on the provider, and an address past its
	 * limit must not get to make threads wait (oauth_state_put checks it again, for
	 * sign-ins started meanwhile). */
	int busy = oauth_states_in_progress(d, r->addr, now_ms());
	if (busy < 0 || busy >= STATES_PER_ADDR) {
		if (busy < 0)
			http_error(r, 500, "The sign-in could not be started (database).");
		else
			too_many(r);
		goto out;
	}
	callback_uri(&redirect, p);
	if (redirect.oom || oauth_authorize_url(p, redirect.data, &s, &url, err, sizeof err) < 0) {
		log_warn("sign-in with %s: %s", p->label, redirect.oom ? "out of memory" : err);
		fail(r, 502, "Signing in with %s is not possible right now: %s. Try again later.", p->label,
		     redirect.oom ? "out of memory" : err);
		goto out;
	}
	const char *binding = browser_binding(r, fresh);
	sha256_hex(state_hash, s.state, strlen(s.state));
	sha256_hex(browser_hash, binding, strlen(binding));
	const char *next = http_param(r, "next");
	if (next && strlen(next) > 2048) /* no page of ours has a longer path: not stored */
		next = NULL;
	struct oauth_state_row row = {.browser_hash = browser_hash, .provider = (char *)p->name, .nonce = s.nonce,
				      .verifier = s.verifier,
				      .next = (char *)(next_is_safe(next)	? next
						       : visitor(r)->user_id ? "/accounts/social/connections/"
								    : "/"),
				      .link_user_id = visitor(r)->user_id};
	int64_t now = now_ms();
	int rc = oauth_state_put(d, state_hash, &row, r->addr, now, now + STATE_MINUTES * 60 * 1000, STATES_PER_ADDR);
	if (rc < 0)
		http_error(r, 500, "The sign-in could not be started (database).");
	else if (rc > 0)
		too_many(r);
	else if (oauth_origin_listed(url.data))
		http_redirect(r, 302, url.data);
	else
		leave_page(r, p, url.data);
out:
	sodium_memzero(&s, sizeof s);
	buf_free(&redirect);
	buf_free(&url);
}

void page_social_login(http_req *r)
{
	const struct oauth_provider *p = oauth_provider(r->params[0]);
	db *d;
	if (!p)
		http_error(r, 404, NULL);
	else if (r->method != HTTP_POST)
		confirm_page(r, p);
	else if ((d = web_db(r)))
		start(r, d, p);
}

/* ---- the second leg ---- */

/* Signs in (or links) the user the provider vouched for. */
static void finish(http_req *r, db *d, const struct oauth_provider *p, const struct oauth_state_row *row,
		   const struct oauth_user *ou)
{
	struct social_identity id = {.provider = p->name, .subject = ou->subject, .email = ou->email,
				     .email_verified = ou->email_verified, .username = ou->username};
	struct user u = {0};
	bool created = false;
	enum social_result rc = auth_social_user(d, &id, row->link_user_id, &u, &created);
	if (rc == SOCIAL_ERROR)
		http_error(r, 500, "The sign-in could not be recorded (database).");
	else if (rc == SOCIAL_INACTIVE)
		fail(r, 403, "This account is inactive.");
	else if (rc == SOCIAL_OTHER_USER)
		fail(r, 400, "This %s account is already linked to another user.", p->label);
	else if (rc == SOCIAL_EMAIL_TAKEN)
		fail(r, 409, "An account with this e-mail exists: log in with its password, then link %s from your "
			     "account page.", p->label);
	else if (row->link_user_id)
		http_redirect(r, 302, row->next);
	else if (auth_login(d, r, u.id, u.username, u.is_admin) < 0)
		http_error(r, 500, "The session could not be started.");
	else
		http_redirect(r, 302, row->next);
	user_clear(&u);
}

/* Takes the state's row when this browser started it (its cookie's hash is part of
 * the deletion, so another browser's request deletes nothing): 1 taken, 0 none,
 * -1 error. */
static int take_mine(http_req *r, db *d, const char *state, struct oauth_state_row *row)
{
	const char *c = http_cookie(r, OAUTH_COOKIE);
	if (!c)
		return 0;
	char hash[65], mine[65];
	sha256_hex(hash, state, strlen(state));
	sha256_hex(mine, c, strlen(c));
	return oauth_state_take(d, hash, mine, now_ms(), row);
}

/* The state's row, if it is live, this provider's and this browser's. */
static bool take_state(http_req *r, db *d, const struct oauth_provider *p, const char *state,
		       struct oauth_state_row *row)
{
	int rc = take_mine(r, d, state, row);
	if (rc < 0) {
		http_error(r, 500, "The sign-in could not be checked (database).");
		return false;
	}
	bool ok = rc == 1 && strcmp(row->provider, p->name) == 0 && row->link_user_id == visitor(r)->user_id;
	if (!ok)
		fail(r, 400, "This sign-in with %s has expired, was already used, or was started in another browser. "
			     "Try again.", p->label);
	return ok;
}

/* The callback's `error` when it is one of RFC 6749's (4.1.2.1), as our own
 * string; NULL for anything else, which is never shown: the parameter is the
 * URL's, so whoever sends the link chooses it. */
static const char *provider_error(const char *error)
{
	static const char *const codes[] = {"invalid_request", "unauthorized_client", "access_denied",
					    "unsupported_response_type", "invalid_scope", "server_error",
					    "temporarily_unavailable"};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(error, codes[i]) == 0)
			return codes[i];
	return NULL;
}

static void callback(http_req *r, db *d, const struct oauth_provider *p)
{
	const char *error = http_query(r, "error"), *state = http_query(r, "state"), *code = http_query(r, "code");
	struct oauth_state_row row = {0};
	if (error) {
		if (state && strlen(state) <= 64) /* spent either way, by its own browser only */
			take_mine(r, d, state, &row);
		const char *code_name = provider_error(error);
		if (code_name && strcmp(code_name, "access_denied") == 0)
			fail(r, 400, "You did not allow the sign-in with %s, so you are not signed in.", p->label);
		else if (code_name)
			fail(r, 400, "%s refused the sign-in (%s).", p->label, code_name);
		else
			fail(r, 400, "%s refused the sign-in.", p->label);
	} else if (!state || !code || strlen(state) > 64 || strlen(code) > 2048) {
		fail(r, 400, "The answer from %s is incomplete: the sign-in did not happen. Try again.", p->label);
	} else if (take_state(r, d, p, state, &row)) {
		char err[256];
		buf redirect = BUF_INIT;
		struct oauth_user ou = {0};
		callback_uri(&redirect, p);
		if (redirect.oom || oauth_fetch_user(p, code, redirect.data, row.nonce, row.verifier, &ou, err, sizeof err) < 0) {
			log_warn("sign-in with %s failed: %s", p->label, redirect.oom ? "out of memory" : err);
			fail(r, 502, "Signing in with %s failed: %s.", p->label, redirect.oom ? "out of memory" : err);
		} else {
			finish(r, d, p, &row, &ou);
		}
		oauth_user_clear(&ou);
		buf_free(&redirect);
	}
	oauth_state_clear(&row);
}

void page_social_callback(http_req *r)
{
	const struct oauth_provider *p = oauth_provider(r->params[0]);
	db *d;
	if (!p)
		http_error(r, 404, NULL);
	else if ((d = web_db(r)))
		callback(r, d, p);
}
