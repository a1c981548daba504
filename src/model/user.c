/* user.c - user accounts (see user.h). */
#include "user.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"

void user_clear(struct user *u)
{
	free(u->username);
	free(u->email);
	free(u->password_hash);
	*u = (struct user){0};
}

#define USER_COLUMNS "SELECT id, username, email, password_hash, is_admin, is_active, email_verified FROM users "

static int read_one(db_rows *rows, struct user *u)
{
	if (!rows)
		return -1;
	int rc = db_step(rows);
	if (rc == 1) {
		u->id = db_int(rows, 0);
		u->username = xstrdup(db_text(rows, 1));
		u->email = xstrdup(db_text(rows, 2));
		u->password_hash = xstrdup(db_text(rows, 3));
		u->is_admin = db_int(rows, 4) != 0;
		u->is_active = db_int(rows, 5) != 0;
		u->email_verified = db_int(rows, 6) != 0;
		if (!u->username || !u->email || !u->password_hash) {
			user_clear(u);
			rc = -1;
		}
	}
	db_done(rows);
	return rc;
}

int user_by_login(db *d, const char *login, struct user *u)
{
	/* A username wins over an e-mail address that happens to be spelled the same. */
	return read_one(db_query(d, USER_COLUMNS "WHERE lower(username) = lower(?) OR (email <> '' AND lower(email) = lower(?))"
					       " ORDER BY lower(username) = lower(?) DESC LIMIT 1",
				 DB_ARGS(db_v_text(login), db_v_text(login), db_v_text(login))),
			u);
}

int user_by_email(db *d, const char *email, struct user *u)
{
	return read_one(db_query(d, USER_COLUMNS "WHERE email <> '' AND lower(email) = lower(?) LIMIT 1",
				 DB_ARGS(db_v_text(email))),
			u);
}

int user_by_id(db *d, int64_t id, struct user *u)
{
	return read_one(db_query(d, USER_COLUMNS "WHERE id = ?", DB_ARGS(db_v_int(id))), u);
}

static int taken(db *d, const char *username, const char *email)
{
	int64_t n = 0;
	if (db_query_int(d, "SELECT count(*) FROM users WHERE lower(username) = lower(?)", DB_ARGS(db_v_text(username)),
			 &n) < 0)
		return USER_ERROR;
	if (n)
		return USER_TAKEN_NAME;
	if (*email && db_query_int(d, "SELECT count(*) FROM users WHERE email <> '' AND lower(email) = lower(?)",
				   DB_ARGS(db_v_text(email)), &n) < 0)
		return USER_ERROR;
	return *email && n ? USER_TAKEN_EMAIL : USER_CREATED;
}

enum user_create_result user_create(db *d, const char *username, const char *email, const char *password_hash,
				    bool admin, int64_t *id)
{
	int t = taken(d, username, email);
	if (t != USER_CREATED)
		return t;
	int rc = db_query_int(d,
			      "INSERT INTO users (username, email, password_hash, is_admin, is_active, created_at)"
			      " VALUES (?, ?, ?, ?, 1, ?) RETURNING id",
			      DB_ARGS(db_v_text(username), db_v_text(email), db_v_text(password_hash),
				      db_v_int(admin), db_v_int(now_ms())),
			      id);
	if (rc == 1)
		return USER_CREATED;
	/* Lost a race with another signup of the same name: say which. */
	t = taken(d, username, email);
	return t == USER_CREATED ? USER_ERROR : t;
}

int user_set_password(db *d, int64_t id, const char *password_hash)
{
	return db_exec(d, "UPDATE users SET password_hash = ? WHERE id = ?",
		       DB_ARGS(db_v_text(password_hash), db_v_int(id))) == 1 ? 0 : -1;
}

int user_replace_password(db *d, int64_t id, const char *password_hash)
{
	return user_set_password(d, id, password_hash) < 0 ||
			       db_exec(d, "DELETE FROM sessions WHERE user_id = ?", DB_ARGS(db_v_int(id))) < 0
		       ? -1
		       : 0;
}

int user_change_password(db *d, int64_t id, const char *password_hash)
{
	if (db_begin(d) < 0)
		return -1;
	if (user_replace_password(d, id, password_hash) < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

bool user_valid_name(const char *name, buf *err)
{
	size_t n = strlen(name);
	if (n == 0) {
		buf_puts(err, "This field is required.");
		return false;
	}
	if (n > 150) {
		buf_puts(err, "Ensure this value has at most 150 characters.");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!user_name_char((unsigned char)name[i])) {
			buf_puts(err, "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.");
			return false;
		}
	}
	return true;
}

bool user_name_char(unsigned char c) { return c && (isalnum(c) || strchr("@.+-_", c)); }

bool user_valid_email(const char *email, buf *err)
{
	size_t n = strlen(email);
	const char *at = strchr(email, '@');
	bool ok = n > 0 && n <= 254 && at && at != email && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
		  at[1] != '.' && email[n - 1] != '.';
	/* No space, no control character and no DEL, as for an address we mail
	 * (mailmsg_addr_ok): none of them is ever part of one. */
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)email[i] > ' ' && email[i] != 0x7f && !strchr("<>()[]\\,;:\"", email[i]);
	if (!ok)
		buf_puts(err, n ? "Enter a valid email address." : "This field is required.");
	return ok;
}
