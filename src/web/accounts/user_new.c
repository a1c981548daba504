/* user_new.c - /admin/users/new/ (administrators only): adding a user. With a
 * password typed twice, the account is made with it, under signup's rules. With
 * both password fields empty and a mail server configured, the account is made
 * without a password and its owner is mailed an invitation: a link to choose one
 * (the password reset's, valid one hour). Without a mail server a password is
 * required. The creation is written to the admin log. It lives with the accounts
 * because it is account making (rules, hashing thread, mail), reached from the
 * admin's list of users (docs/admin.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/log.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../../model/admin.h"
#include "../../model/user.h"
#include "../context.h"
#include "../page.h"
#include "accounts.h"

struct new_user {
	const char *username, *email;
	bool admin;
	struct account_errors e;
};

static void form(http_req *r, int status, const struct new_user *u)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Add a user · Admin", "admin");
	html_raw(&b, "<p class=\"sub\"><a href=\"/admin/users/\">Users</a></p>\n<h1>Add a user</h1>\n");
	form_begin(&b, r, "/admin/users/new/", NULL);
	form_field(&b, &(struct field){.name = "username", .label = "Username", .value = u->username,
				       .error = u->e.username.data, .required = true, .autofocus = true,
				       .help = "Letters, digits and @ . + - _ only."});
	form_field(&b, &(struct field){.name = "email", .label = "E-mail", .type = "email", .value = u->email,
				       .error = u->e.email.data, .required = true});
	form_field(&b, &(struct field){.name = "password1", .label = "Password", .type = "password",
				       .error = u->e.password1.data, .autocomplete = "new-password",
				       .required = !cfg.smtp_url,
				       .help = cfg.smtp_url ? "Leave both password fields empty to e-mail an invitation: a "
							      "link to choose a password, valid for one hour."
							    : "The mail server is not configured (SMTP_URL), so the "
							      "account needs a password you hand over."});
	form_field(&b, &(struct field){.name = "password2", .label = "Password (again)", .type = "password",
				       .error = u->e.password2.data, .autocomplete = "new-password",
				       .required = !cfg.smtp_url});
	html_printf(&b, "<div class=\"field\"><label><input type=\"checkbox\" name=\"admin\" value=\"1\"%s> "
			"Administrator</label></div>\n",
		    u->admin ? " checked" : "");
	form_end(&b, "Add the user");
	page_end(&b);
	page_send(r, status, &b);
}

/* An invitation: a name and an address under signup's rules, no password. */
static int create_invited(db *d, struct new_user *u, int64_t *id)
{
	bool ok = user_valid_name(u->username, &u->e.username);
	ok &= user_valid_email(u->email, &u->e.email);
	if (!ok)
		return 0;
	/* "!" is an unusable hash (password.h): nobody logs in until the link is used. */
	switch (user_create(d, u->username, u->email, "!", u->admin, id)) {
	case USER_CREATED: return 1;
	case USER_TAKEN_NAME: buf_puts(&u->e.username, "A user with that username already exists."); return 0;
	case USER_TAKEN_EMAIL: buf_puts(&u->e.email, "A user is already registered with this e-mail address."); return 0;
	default: return -1;
	}
}

static void create(http_req *r, db *d, struct new_user *u)
{
	const char *p1 = http_form(r, "password1"), *p2 = http_form(r, "password2");
	p1 = p1 ? p1 : "";
	p2 = p2 ? p2 : "";
	bool invite = cfg.smtp_url && !*p1 && !*p2;
	int64_t id = 0;
	int rc = invite ? create_invited(d, u, &id)
			: auth_create_account(d, &(struct new_account){.username = u->username, .email = u->email,
									 .password1 = p1, .password2 = p2,
									 .admin = u->admin},
					      &u->e, &id);
	if (rc == 0) {
		form(r, 400, u);
		return;
	}
	if (rc < 0) {
		http_error(r, 500, "The account could not be saved.");
		return;
	}
	/* Logged after the creation, in its own statement: user_create tells a taken
	 * name by its insert failing, which would end an enclosing transaction. */
	struct admin_actor a = {.id = visitor(r)->user_id, .name = visitor(r)->name ? visitor(r)->name : ""};
	if (admin_log_add(d, &a, "user_create", "user", id, u->username, NULL, NULL,
			  invite ? "invited" : "with a password") < 0)
		log_error("admin: user %lld was created but not logged: %s", (long long)id, db_errmsg(d));
	log_info("admin: %s added user %lld (%s)%s", a.name, (long long)id, u->username, invite ? ", invited" : "");
	if (invite && !password_invite(u->email))
		log_error("admin: the invitation of user %lld was not queued", (long long)id);
	char to[96];
	snprintf(to, sizeof to, "/admin/users/%lld/?added=%s", (long long)id, invite ? "invited" : "1");
	http_redirect(r, 303, to);
}

void page_admin_user_new(http_req *r)
{
	if (r->method == HTTP_POST && web_hash_elsewhere(r, page_admin_user_new))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	const char *name = http_form(r, "username"), *email = http_form(r, "email"), *admin = http_form(r, "admin");
	struct new_user u = {.username = name ? name : "", .email = email ? email : "", .admin = admin && *admin};
	if (r->method == HTTP_POST)
		create(r, d, &u);
	else
		form(r, 200, &u);
	account_errors_free(&u.e);
}
