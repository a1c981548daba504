/* accounts.c - sign up, log in, log out: the Django app's form field
 * names, Django's password rules, Argon2id hashes, throttled logins, and `next`
 * redirects only to local paths. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../auth/password.h"
#include "../../core/config.h"
#include "../../core/log.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../model/user.h"
#include "../context.h"
#include "accounts.h"

/* A form's fields with surrounding space removed; "" when absent. */
static char *field(http_req *r, const char *name)
{
	const char *v = http_form(r, name);
	char *s = xstrdup(v ? v : "");
	return s ? str_trim(s) : NULL;
}

/* Where a form sends the visitor on: its safe ?next=, else fallback. */
static const char *next_of(http_req *r, const char *fallback)
{
	const char *n = http_param(r, "next");
	return next_is_safe(n) ? n : fallback;
}

static void next_field(buf *b, http_req *r)
{
	const char *n = http_param(r, "next");
	if (next_is_safe(n))
		html_printf(b, "<input type=\"hidden\" name=\"next\" value=\"%s\">\n", n);
}

/* ---- sign up ---- */

struct signup {
	char *username, *email;
	struct account_errors e;
};

static void signup_form(http_req *r, int status, struct signup *s)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Sign up", "signup");
	html_raw(&b, "<h1>Sign up</h1>\n");
	form_begin(&b, r, "/accounts/signup/", NULL);
	next_field(&b, r);
	form_field(&b, &(struct field){.name = "username", .label = "Username", .value = s->username,
				       .error = s->e.username.data, .autocomplete = "username", .required = true,
				       .autofocus = true, .help = "Letters, digits and @ . + - _ only."});
	form_field(&b, &(struct field){.name = "email", .label = "E-mail", .type = "email", .value = s->email,
				       .error = s->e.email.data, .autocomplete = "email", .required = true});
	form_field(&b, &(struct field){.name = "password1", .label = "Password", .type = "password",
				       .error = s->e.password1.data, .autocomplete = "new-password", .required = true,
				       .help = "At least 8 characters, not only digits, not a common password, "
					       "not like your username or e-mail."});
	form_field(&b, &(struct field){.name = "password2", .label = "Password (again)", .type = "password",
				       .error = s->e.password2.data, .autocomplete = "new-password", .required = true});
	form_end(&b, "Sign up");
	/* Sign-in providers (social.c): one button each, none when none is configured. */
	social_buttons(&b, r);
	html_raw(&b, "<p>Already have an account? <a href=\"/accounts/login/\">Log in</a>.</p>\n");
	page_end(&b);
	page_send(r, status, &b);
}

static void signup_post(http_req *r, db *d, struct signup *s)
{
	const char *p1 = http_form(r, "password1"), *p2 = http_form(r, "password2");
	struct new_account a = {.username = s->username, .email = s->email, .password1 = p1 ? p1 : "",
				.password2 = p2 ? p2 : ""};
	int64_t id = 0;
	int rc = auth_create_account(d, &a, &s->e, &id);
	if (rc == 0) {
		signup_form(r, 400, s);
		return;
	}
	if (rc < 0) {
		http_error(r, 500, "The account could not be saved.");
		return;
	}
	log_info("signup: user %lld (%s)", (long long)id, s->username);
	if (auth_login(d, r, id, s->username, false) < 0) {
		http_error(r, 500, "The session could not be started.");
		return;
	}
	/* A new account lands where it can be used, with a one-line welcome (ask.c),
	 * unless the sign-up came from a page it should go back to. */
	http_redirect(r, 302, next_of(r, "/ask/?welcome=1"));
}

void page_signup(http_req *r)
{
	if (r->method == HTTP_POST && web_hash_elsewhere(r, page_signup))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	struct signup s = {0};
	s.username = field(r, "username");
	s.email = field(r, "email");
	if (!s.username || !s.email)
		http_error(r, 500, NULL);
	else if (r->method == HTTP_POST)
		signup_post(r, d, &s);
	else
		signup_form(r, 200, &s);
	free(s.username);
	free(s.email);
	account_errors_free(&s.e);
}

/* ---- log in ---- */

static void login_form(http_req *r, int status, const char *login, const char *error)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Log in", "login");
	html_raw(&b, "<h1>Log in</h1>\n");
	form_errors(&b, error);
	form_begin(&b, r, "/accounts/login/", NULL);
	next_field(&b, r);
	form_field(&b, &(struct field){.name = "login", .label = "Username or e-mail", .value = login,
				       .autocomplete = "username", .required = true, .autofocus = true});
	form_field(&b, &(struct field){.name = "password", .label = "Password", .type = "password",
				       .autocomplete = "current-password", .required = true});
	form_end(&b, "Log in");
	html_raw(&b, "<p><a href=\"/accounts/password/reset/\">Forgot password?</a></p>\n");
	/* Sign-in providers (social.c): one button each, none when none is configured. */
	social_buttons(&b, r);
	html_raw(&b, "<p>No account yet? <a href=\"/accounts/signup/\">Sign up</a>.</p>\n");
	page_end(&b);
	page_send(r, status, &b);
}

void login_page(http_req *r, int status, const char *error) { login_form(r, status, "", error); }

static char dummy_hash[128];
static void make_dummy(void)
{
	if (password_hash("no user has this password", dummy_hash) != 0)
		dummy_hash[0] = '\0';
}

/* Verifies against a real hash even when the user does not exist, so the answer
 * takes as long either way and does not tell which accounts exist. */
static bool check_password(const struct user *u, const char *pw)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_dummy);
	bool ok = password_verify(pw, u->id ? u->password_hash : dummy_hash);
	return ok && u->id;
}

bool web_password_attempt(http_req *r, db *d, const char *account, int64_t *attempt, const char *what)
{
	int t = auth_throttled(d, account, r->addr);
	if (t == 0 && auth_attempt_begin(d, account, r->addr, attempt) < 0)
		t = -1;
	if (t == 0)
		return true;
	/* Fail closed: an attempt that cannot be counted is not tried. */
	if (t < 0) {
		http_add_header(r, "Retry-After", "30");
		buf msg = BUF_INIT;
		buf_printf(&msg, "%s is not possible right now (the database did not record the attempt). Try again "
				 "in a moment.", what);
		http_error(r, 503, msg.oom ? NULL : msg.data);
		buf_free(&msg);
	} else {
		http_error(r, 429, "Too many failed attempts at the password. Wait 15 minutes and try again.");
	}
	return false;
}

static void login_post(http_req *r, db *d, const char *login)
{
	const char *pw = http_form(r, "password");
	if (!*login || !pw || !*pw) {
		login_form(r, 400, login, "Enter your username (or e-mail) and your password.");
		return;
	}
	/* No username (150) or e-mail address (254) is longer: no account to look up,
	 * and no megabyte-long throttle row to store. */
	if (strlen(login) > 254) {
		login_form(r, 400, "", "The username and/or password you specified are not correct.");
		return;
	}
	struct user u = {0};
	if (user_by_login(d, login, &u) < 0) {
		http_error(r, 500, "The database cannot be reached.");
		return;
	}
	char keybuf[32];
	const char *account = auth_account_key(keybuf, sizeof keybuf, u.id, login);
	int64_t attempt = 0;
	if (!web_password_attempt(r, d, account, &attempt, "Logging in")) {
		user_clear(&u);
		return;
	}
	bool right = check_password(&u, pw);
	if (right)
		auth_attempt_succeeded(d, account, attempt);
	if (!right) {
		login_form(r, 400, login, "The username and/or password you specified are not correct.");
	} else if (!u.is_active) {
		login_form(r, 400, login, "This account is inactive.");
	} else {
		char hash[128];
		if (password_needs_rehash(u.password_hash) && password_hash(pw, hash) == 0)
			user_set_password(d, u.id, hash); /* e.g. a Django pbkdf2 hash, upgraded */
		if (auth_login(d, r, u.id, u.username, u.is_admin) < 0)
			http_error(r, 500, "The session could not be started.");
		else
			http_redirect(r, 302, next_of(r, "/"));
	}
	user_clear(&u);
}

void page_login(http_req *r)
{
	if (r->method == HTTP_POST && !web_hash_thread() && !auth_login_rate_take(cfg.login_rate)) {
		http_add_header(r, "Retry-After", "10");
		http_error(r, 503, "Too many logins are being tried on this site right now. Try again in a moment.");
		return;
	}
	if (r->method == HTTP_POST && web_hash_elsewhere(r, page_login))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	char *login = field(r, "login");
	if (!login)
		http_error(r, 500, NULL);
	else if (r->method == HTTP_POST)
		login_post(r, d, login);
	else if (visitor(r)->user_id)
		http_redirect(r, 302, next_of(r, "/"));
	else
		login_form(r, 200, login, NULL);
	free(login);
}

void page_logout(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	auth_logout(d, r);
	http_redirect(r, 302, "/");
}
