/* account.c - creating an account, once for every way in: the signup form and
 * `llmmeta createuser`. Django's rules for the username, e-mail and password, the
 * password hashed with Argon2id, and a clear reason for each field refused. The
 * password rules are also those of a change and a reset (auth_new_password_ok). */
#include <string.h>

#include "../model/user.h"
#include "auth.h"
#include "password.h"

bool auth_new_password_ok(const char *p1, const char *p2, const char *username, const char *email, buf *e1,
			  buf *e2)
{
	bool ok = true;
	if (!*p1) {
		buf_puts(e1, "This field is required.");
		ok = false;
	} else if (password_check(p1, username, email, e1) > 0) {
		ok = false;
	}
	if (p2 && strcmp(p1, p2) != 0) {
		buf_puts(e2, "You must type the same password each time.");
		ok = false;
	}
	return ok;
}

int auth_create_account(db *d, const struct new_account *a, struct account_errors *e, int64_t *id)
{
	bool ok = user_valid_name(a->username, &e->username);
	ok &= user_valid_email(a->email, &e->email);
	ok &= auth_new_password_ok(a->password1, a->password2, a->username, a->email, &e->password1, &e->password2);
	if (!ok)
		return 0;
	char hash[128];
	if (password_hash(a->password1, hash) != 0)
		return -1;
	switch (user_create(d, a->username, a->email, hash, a->admin, id)) {
	case USER_CREATED: return 1;
	case USER_TAKEN_NAME: buf_puts(&e->username, "A user with that username already exists."); return 0;
	case USER_TAKEN_EMAIL: buf_puts(&e->email, "A user is already registered with this e-mail address."); return 0;
	default: return -1;
	}
}

const char *account_first_error(const struct account_errors *e)
{
	const buf *all[] = {&e->username, &e->email, &e->password1, &e->password2};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i]->len)
			return all[i]->data;
	return NULL;
}

void account_errors_free(struct account_errors *e)
{
	buf_free(&e->username);
	buf_free(&e->email);
	buf_free(&e->password1);
	buf_free(&e->password2);
}
