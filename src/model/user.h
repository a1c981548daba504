/* user.h - user accounts: the SQL for the users table. */
#ifndef LLMMETA_USER_H
#define LLMMETA_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../db/db.h"

struct user {
	int64_t id;
	char *username;
	char *email;
	char *password_hash;
	bool is_admin;
	bool is_active;
	bool email_verified; /* the mailbox is proven (a reset, or a provider vouched) */
};

void user_clear(struct user *u);
/* Finds a user by username or e-mail (case-insensitive). 1 found, 0 not, -1 error. */
int user_by_login(db *d, const char *login, struct user *u);
int user_by_id(db *d, int64_t id, struct user *u);
/* Finds a user by e-mail address only (case-insensitive). 1 found, 0 not, -1 error. */
int user_by_email(db *d, const char *email, struct user *u);

enum user_create_result { USER_CREATED = 0, USER_ERROR = -1, USER_TAKEN_NAME = 1, USER_TAKEN_EMAIL = 2 };
enum user_create_result user_create(db *d, const char *username, const char *email, const char *password_hash,
				    bool admin, int64_t *id);
int user_set_password(db *d, int64_t id, const char *password_hash);
/* Sets a new password and ends every session of the user, in one transaction (the
 * caller then starts the session of the request that changed it). 0 or -1. */
int user_change_password(db *d, int64_t id, const char *password_hash);
/* The same two writes inside the caller's transaction (a password reset's). 0 or -1. */
int user_replace_password(db *d, int64_t id, const char *password_hash);

/* Django's rules for a username (at most 150 of letters, digits and @.+-_) and a
 * plain check of an e-mail address. On failure, append the reason to err. */
bool user_valid_name(const char *username, buf *err);
/* One of the bytes a username may have: an ASCII letter or digit, or @.+-_. */
bool user_name_char(unsigned char c);
bool user_valid_email(const char *email, buf *err);

#endif
