/* password.c - /accounts/password/change/: the old password, then the new one twice
 * (allauth's field names oldpassword, password1, password2). A change ends every
 * other session of the user and renews this one. Typing the current password is
 * throttled as a login is, on the same counts (the account's and the address's):
 * a stolen session must not be a way to guess the password without limit. */
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../auth/password.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../model/user.h"
#include "../context.h"
#include "accounts.h"

struct change {
	buf e_old, e_new1, e_new2;
	const char *done;
	/* The new password typed twice and accepted, kept in the form when only the
	 * current one was wrong; never echoed when it broke a rule. */
	const char *keep1, *keep2;
	bool has_password; /* false: an account made by signing in with a provider */
};

static void change_form(http_req *r, int status, struct change *c)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Change password", "password");
	html_raw(&b, c->has_password ? "<h1>Change password</h1>\n" : "<h1>Set a password</h1>\n");
	if (c->done)
		html_printf(&b, "<p class=\"notice\" role=\"status\">%s</p>\n", c->done);
	form_begin(&b, r, "/accounts/password/change/", NULL);
	if (c->has_password)
		form_field(&b, &(struct field){.name = "oldpassword", .label = "Current password", .type = "password",
					       .error = c->e_old.data, .autocomplete = "current-password", .required = true});
	form_field(&b, &(struct field){.name = "password1", .label = "New password", .type = "password",
				       .value = c->keep1, .keep_password = c->keep1 != NULL, .error = c->e_new1.data,
				       .autocomplete = "new-password", .required = true});
	form_field(&b, &(struct field){.name = "password2", .label = "New password (again)", .type = "password",
				       .value = c->keep2, .keep_password = c->keep2 != NULL, .error = c->e_new2.data,
				       .autocomplete = "new-password", .required = true});
	form_end(&b, c->has_password ? "Change password" : "Set password");
	/* Sign-in providers (docs/sign-in.md): linked accounts are managed there. */
	html_raw(&b, "<p><a href=\"/accounts/social/connections/\">Linked accounts</a> (Google, GitHub, ...)</p>\n");
	page_end(&b);
	page_send(r, status, &b);
}

static void change_post(http_req *r, db *d, struct change *c)
{
	const char *old = http_form(r, "oldpassword"), *p1 = http_form(r, "password1"), *p2 = http_form(r, "password2");
	old = old ? old : "";
	p1 = p1 ? p1 : "";
	p2 = p2 ? p2 : "";
	struct user u = {0};
	if (user_by_id(d, visitor(r)->user_id, &u) != 1) {
		http_error(r, 500, "Your account could not be read.");
		return;
	}
	bool old_wrong = false;
	/* An account made by signing in with a provider has no password to type. */
	if (c->has_password) {
		char keybuf[32];
		const char *account = auth_account_key(keybuf, sizeof keybuf, u.id, u.username);
		int64_t attempt = 0;
		if (!web_password_attempt(r, d, account, &attempt, "Changing the password")) {
			user_clear(&u);
			return;
		}
		if (password_verify(old, u.password_hash)) {
			auth_attempt_succeeded(d, account, attempt);
		} else {
			buf_puts(&c->e_old, "The current password is not correct.");
			old_wrong = true;
		}
	}
	bool new_ok = auth_new_password_ok(p1, p2, u.username, u.email, &c->e_new1, &c->e_new2);
	if (old_wrong && new_ok) {
		c->keep1 = p1;
		c->keep2 = p2;
	}
	char hash[128];
	if (old_wrong || !new_ok) {
		change_form(r, 400, c);
	} else if (password_hash(p1, hash) != 0 || user_change_password(d, u.id, hash) < 0 ||
		   auth_login(d, r, u.id, u.username, u.is_admin) < 0) {
		http_error(r, 500, "The password could not be changed.");
	} else {
		c->done = "Your password was changed. Your other sessions have been logged out.";
		c->has_password = true;
		change_form(r, 200, c);
	}
	user_clear(&u);
}

void page_password_change(http_req *r)
{
	if (r->method == HTTP_POST && web_hash_elsewhere(r, page_password_change))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	struct change c = {0};
	struct user u = {0};
	if (user_by_id(d, visitor(r)->user_id, &u) != 1) {
		http_error(r, 500, "Your account could not be read.");
		return;
	}
	c.has_password = password_usable(u.password_hash);
	user_clear(&u);
	if (r->method == HTTP_POST)
		change_post(r, d, &c);
	else
		change_form(r, 200, &c);
	buf_free(&c.e_old);
	buf_free(&c.e_new1);
	buf_free(&c.e_new2);
}
