/* password_reset.c - password reset by e-mail, at django-allauth's URLs
 * (docs/accounts.md):
 *   /accounts/password/reset/           the e-mail form; every accepted address gets
 *                                       the same redirect to .../done/, account or not
 *   /accounts/password/reset/done/      "if the address has an account, a mail is on
 *                                       its way"
 *   /accounts/password/reset/key/<t>/   the new-password form while the link is live
 *   /accounts/password/reset/key/done/  "changed; log in"
 * An accepted request only queues a job (core/workq.h): the lookup, the token and
 * the mail happen on that thread, so an address with an account is answered as fast
 * as one without; without SMTP_URL the link is logged with a warning. */
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../auth/password.h"
#include "../../core/config.h"
#include "../../core/log.h"
#include "../../core/util.h"
#include "../../core/workq.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../mail/mail.h"
#include "../../model/apikey.h"
#include "../../model/identity.h"
#include "../../model/user.h"
#include "../context.h"
#include "accounts.h"

static void message_page(http_req *r, int status, const char *title, const char *text, const char *link,
			 const char *link_text)
{
	buf b = BUF_INIT;
	page_begin(&b, r, title, "login");
	html_printf(&b, "<h1>%s</h1>\n<p>%s</p>\n", title, text);
	if (link)
		html_printf(&b, "<p><a href=\"%s\">%s</a></p>\n", link, link_text);
	page_end(&b);
	page_send(r, status, &b);
}

/* ---- asking for a link ---- */

static void request_form(http_req *r, int status, const char *email, const char *error)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Password reset", "login");
	html_raw(&b, "<h1>Password reset</h1>\n"
		     "<p>Forgotten your password? Enter your e-mail address below, and we will send you an e-mail "
		     "with a link to choose a new one.</p>\n");
	form_begin(&b, r, "/accounts/password/reset/", NULL);
	form_field(&b, &(struct field){.name = "email", .label = "E-mail", .type = "email", .value = email,
				       .error = error, .autocomplete = "email", .required = true, .autofocus = true});
	form_end(&b, "Reset my password");
	html_raw(&b, "<p><a href=\"/accounts/login/\">Back to log in</a></p>\n");
	page_end(&b);
	page_send(r, status, &b);
}

/* The jobs of accepted requests: looking the address up, making the token and
 * mailing it happen here, after the answer, so that the answer takes as long for
 * an address with an account as without (docs/accounts.md). */
#define RESET_QUEUE_MAX 256
#define RESET_STOP_MS 10000
static struct workq jobs = WORKQ_INIT(RESET_QUEUE_MAX, "password reset");

/* A job: the address (valid, user_valid_email) and whether the mail invites a new
 * account to choose its first password (admin's "Add a user") or answers a reset. */
struct reset_job {
	bool invite;
	char email[];
};

/* Sends the link to the user, or logs it when there is no mail server. */
static void send_link(const struct reset_mail *m, bool invite)
{
	buf link = BUF_INIT, body = BUF_INIT;
	buf_printf(&link, "%s/accounts/password/reset/key/%s/", cfg.public_url, m->token);
	if (!cfg.smtp_url) {
		/* The one place a secret is logged, on purpose (docs/accounts.md): without a
		 * mail server the operator hands the link over. */
		log_warn("password reset: SMTP_URL is not set, so no mail was sent; the link for user %lld (%s), "
			 "valid for one hour: %s",
			 (long long)m->user_id, m->username, link.oom ? "(out of memory)" : link.data);
	} else {
		if (invite)
			buf_printf(&body,
				   "Hello %s,\n\n"
				   "an administrator made you an account at %s.\n"
				   "To choose your password, open this link within one hour:\n\n"
				   "%s\n\n"
				   "The link works once. Later, \"Forgot password?\" on the login page sends a new one.\n",
				   m->username, cfg.public_url, link.data ? link.data : "");
		else
			buf_printf(&body,
				   "Hello %s,\n\n"
				   "someone, probably you, asked to reset the password of your account at %s.\n"
				   "To choose a new password, open this link within one hour:\n\n"
				   "%s\n\n"
				   "The link works once. Choosing a new password logs out every session of the account; "
				   "if its e-mail address was never confirmed before, it also revokes its API keys and "
				   "removes its linked sign-ins.\n\n"
				   "If you did not ask for this, ignore this e-mail: your password stays as it is.\n",
				   m->username, cfg.public_url, link.data ? link.data : "");
		char err[512] = "out of memory";
		const char *subject = invite ? "Your new account" : "Password reset";
		if (link.oom || body.oom || mail_send(m->email, subject, body.data, err, sizeof err) < 0)
			log_error("password reset: no mail sent to user %lld at %s: %s", (long long)m->user_id, m->email, err);
		else
			log_info("password reset: mail sent to user %lld at %s", (long long)m->user_id, m->email);
	}
	buf_free(&link);
	buf_free(&body);
}

static void reset_job(void *arg)
{
	const struct reset_job *j = arg;
	db *d = db_thread();
	struct reset_mail m;
	int rc = d ? auth_reset_start(d, j->email, &m) : -1;
	if (rc < 0) {
		log_error("password reset: the database failed, no link was made");
	} else if (rc == 1) {
		send_link(&m, j->invite);
		auth_reset_mail_free(&m);
	}
}

/* Queues the link's job: false when the queue is full or stopping. */
static bool queue_link(const char *email, bool invite)
{
	size_t len = strlen(email);
	struct reset_job *j = malloc(sizeof *j + len + 1);
	if (!j)
		return false;
	j->invite = invite;
	memcpy(j->email, email, len + 1);
	if (workq_push(&jobs, reset_job, free, j) < 0) {
		free(j);
		return false;
	}
	return true;
}

bool password_invite(const char *email) { return queue_link(email, true); }

void password_reset_stop(void) { workq_stop(&jobs, RESET_STOP_MS); }

static void request_post(http_req *r, db *d, const char *email)
{
	buf err = BUF_INIT;
	if (!user_valid_email(email, &err)) {
		request_form(r, 400, email, err.data);
		buf_free(&err);
		return;
	}
	/* ASCII only: mail goes only to plain ASCII addresses (core/mailmsg.c), and the
	 * throttle's lower-casing (ASCII) and the database's lower() (Unicode on
	 * PostgreSQL: the Kelvin sign is a 'k') would count one address as two. */
	for (const unsigned char *c = (const unsigned char *)email; *c; c++) {
		if (*c >= 0x80) {
			request_form(r, 400, email, "Enter the address in plain ASCII characters.");
			return;
		}
	}
	int allowed = auth_reset_allow(d, email, r->addr);
	if (allowed < 0) {
		http_add_header(r, "Retry-After", "30");
		http_error(r, 503, "The database did not record the request. Try again in a moment.");
		return;
	}
	if (allowed == 0) {
		http_error(r, 429, "Too many password reset requests for this address, or from your network. "
				   "Wait an hour and try again.");
		return;
	}
	if (!queue_link(email, false)) /* said to nobody but the log: the answer must not depend on it */
		log_error("password reset: the queue is full or stopping; a request was dropped");
	http_redirect(r, 302, "/accounts/password/reset/done/");
}

void page_password_reset(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *v = http_form(r, "email");
	char *email = xstrdup(v ? v : "");
	if (!email)
		http_error(r, 500, NULL);
	else if (r->method == HTTP_POST)
		request_post(r, d, str_trim(email));
	else
		request_form(r, 200, "", NULL);
	free(email);
}

void page_password_reset_done(http_req *r)
{
	message_page(r, 200, "Password reset",
		     "If that address belongs to an account, we have sent it an e-mail with a link to choose a new "
		     "password. The link works once, for one hour. If no e-mail arrives within a few minutes, check your "
		     "spam folder, or ask again.",
		     "/accounts/login/", "Back to log in");
}

/* ---- using the link ---- */

static void bad_link(http_req *r)
{
	message_page(r, 400, "Bad link",
		     "This password reset link is invalid or has been used. It may also have expired: a link works "
		     "once, for one hour. You can ask for a new one.",
		     "/accounts/password/reset/", "Ask for a new link");
}

static void key_form(http_req *r, int status, const char *token, const buf *e1, const buf *e2)
{
	buf b = BUF_INIT, action = BUF_INIT;
	buf_printf(&action, "/accounts/password/reset/key/%s/", token);
	page_begin(&b, r, "Choose a new password", "login");
	html_raw(&b, "<h1>Choose a new password</h1>\n");
	form_begin(&b, r, action.oom ? "" : action.data, NULL);
	form_field(&b, &(struct field){.name = "password1", .label = "New password", .type = "password",
				       .error = e1 ? e1->data : NULL, .autocomplete = "new-password", .required = true,
				       .autofocus = true,
				       .help = "At least 8 characters, not only digits, not a common password, "
					       "not like your username or e-mail."});
	form_field(&b, &(struct field){.name = "password2", .label = "New password (again)", .type = "password",
				       .error = e2 ? e2->data : NULL, .autocomplete = "new-password", .required = true});
	form_end(&b, "Change password");
	page_end(&b);
	buf_free(&action);
	page_send(r, status, &b);
}

#define CHANGED_TEXT "Your password is now changed, and every session of your account has been logged out."

/* After a reset of an account whose e-mail was proven: its other ways in (linked
 * identities, live API keys) are kept, and listed here with where to remove them,
 * in case they are not the owner's. False when there is none (or the database
 * failed: the plain page then). */
static bool leftovers_page(http_req *r, db *d, int64_t uid)
{
	struct identity *ids = NULL;
	struct apikey *keys = NULL;
	size_t nkeys = 0, live = 0;
	int nids = identity_list(d, uid, &ids);
	if (apikey_list(d, uid, &keys, &nkeys) < 0)
		nkeys = 0;
	int64_t now = now_ms();
	for (size_t i = 0; i < nkeys; i++)
		live += apikey_live(&keys[i], now);
	bool shown = nids > 0 || live > 0;
	if (shown) {
		buf b = BUF_INIT;
		page_begin(&b, r, "Password changed", "login");
		html_raw(&b, "<h1>Password changed</h1>\n<p>" CHANGED_TEXT "</p>\n"
			     "<p>These other ways into your account still work. If one is not yours, log in and "
			     "remove it.</p>\n");
		if (nids > 0) {
			html_raw(&b, "<h2>Sign-in with providers</h2>\n<ul class=\"leftover-identities\">\n");
			for (int i = 0; i < nids; i++)
				html_printf(&b, "<li>%s %s</li>\n", ids[i].provider, ids[i].email);
			html_raw(&b, "</ul>\n<p><a href=\"/accounts/login/?next=/accounts/social/connections/\">"
				     "Log in and remove a sign-in</a></p>\n");
		}
		if (live > 0) {
			html_raw(&b, "<h2>API keys</h2>\n<ul class=\"leftover-keys\">\n");
			for (size_t i = 0; i < nkeys; i++)
				if (apikey_live(&keys[i], now))
					html_printf(&b, "<li>%s (%s…)</li>\n", keys[i].name, keys[i].prefix);
			html_raw(&b, "</ul>\n<p><a href=\"/accounts/login/?next=/accounts/keys/\">Log in and revoke a "
				     "key</a></p>\n");
		}
		page_end(&b);
		page_send(r, 200, &b);
	}
	identity_list_free(ids, nids > 0 ? nids : 0);
	apikey_list_free(keys, nkeys);
	return shown;
}

static void key_post(http_req *r, db *d, const char *token, const struct user *u)
{
	const char *p1 = http_form(r, "password1"), *p2 = http_form(r, "password2");
	buf e1 = BUF_INIT, e2 = BUF_INIT;
	char hash[128];
	int64_t uid = 0;
	if (!auth_new_password_ok(p1 ? p1 : "", p2 ? p2 : "", u->username, u->email, &e1, &e2)) {
		key_form(r, 400, token, &e1, &e2);
	} else if (password_hash(p1, hash) != 0) {
		http_error(r, 500, "The password could not be changed.");
	} else {
		bool was_verified = false;
		int rc = auth_reset_finish(d, token, hash, &uid, &was_verified);
		if (rc < 0) {
			http_error(r, 500, "The password could not be changed.");
		} else if (rc == 0) {
			bad_link(r); /* used or expired since the form was shown, or a second use at once */
		} else {
			log_info("password reset: user %lld set a new password; their sessions were ended", (long long)uid);
			/* Every session of the user is gone, this browser's too if it had one:
			 * the visitor logs in with the new password. */
			if (visitor(r)->user_id == uid)
				auth_logout(d, r);
			/* Unproven before: the identities and keys are gone already. Proven:
			 * they stay, and the owner sees them to judge. */
			if (!was_verified)
				http_redirect(r, 302, "/accounts/password/reset/key/done/?unproven=1");
			else if (!leftovers_page(r, d, uid))
				http_redirect(r, 302, "/accounts/password/reset/key/done/");
		}
	}
	buf_free(&e1);
	buf_free(&e2);
}

void page_password_reset_key(http_req *r)
{
	if (r->method == HTTP_POST && web_hash_elsewhere(r, page_password_reset_key))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	const char *token = r->params[0];
	int64_t uid = 0;
	struct user u = {0};
	int rc = auth_reset_check(d, token, &uid);
	if (rc == 1)
		rc = user_by_id(d, uid, &u);
	if (rc < 0)
		http_error(r, 500, "The database cannot be reached.");
	else if (rc == 0)
		bad_link(r);
	else if (r->method == HTTP_POST)
		key_post(r, d, token, &u);
	else
		key_form(r, 200, token, NULL, NULL);
	user_clear(&u);
}

void page_password_reset_key_done(http_req *r)
{
	/* After the first reset of an account whose address was never confirmed: its
	 * API keys and linked sign-ins were taken away with the reset (docs/accounts.md). */
	message_page(r, 200, "Password changed",
		     http_query(r, "unproven") ? CHANGED_TEXT " Any API keys of the account were revoked and any linked "
							   "sign-ins removed, since its e-mail address had not been "
							   "confirmed before: make new ones once logged in."
					       : CHANGED_TEXT,
		     "/accounts/login/", "Log in with your new password");
}
