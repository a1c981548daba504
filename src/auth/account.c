/* account.c - creating an account, once for every way in: the signup form and
 * `llmmeta createuser`. Django's rules for the username, e-mail and password, the
 * password hashed with Argon2id, and a clear reason for each field refused. */
#include <string.h>

#include "../model/user.h"
#include "auth.h"
#include "password.h"

int auth_create_account(db *d, const struct new_account *a, struct account_errors *e, int64_t *id)
{
	bool ok = user_valid_name(a->username, &e->username);
	ok &= user_valid_email(a->email, &e->email);
	if (!*a->password1) {
		buf_puts(&e->password1, "This field is required.");
		ok = false;
	} else if (password_check(a->password1, a->username, a->email, &e->password1) > 0) {
		ok = false;
	}
	if (a->password2 && strcmp(a->password1, a->password2) != 0) {
		buf_puts(&e->password2, "You must type the same password each time.");
		ok = false;
	}
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
