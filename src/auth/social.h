/* social.h - which account a sign-in with a provider reaches (docs/sign-in.md,
 * "Linking"). The protocol is oauth/'s; the rows are model/identity.c's. */
#ifndef LLMMETA_SOCIAL_H
#define LLMMETA_SOCIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"
#include "../model/user.h"

/* Who the provider says signed in (oauth_user, seen from here). */
struct social_identity {
	const char *provider; /* google, github, oidc */
	const char *subject;
	const char *email; /* NULL: none */
	bool email_verified;
	const char *username; /* the provider's name for the user, or NULL */
};

enum social_result {
	SOCIAL_ERROR = -1,   /* the database failed */
	SOCIAL_OK = 0,       /* *u is the account, active */
	SOCIAL_INACTIVE = 1, /* the account is inactive: no session */
	SOCIAL_OTHER_USER = 2, /* linking: the identity is another user's already */
	SOCIAL_EMAIL_TAKEN = 3, /* an account has the e-mail, unproven: no link, no new account */
};
/* The account for identity id: the user it is linked to; else, when linking_user is
 * not 0 (a logged-in user adding a way to log in), that user; else the user whose
 * e-mail the provider vouches for (verified only) when that user's e-mail is proven
 * too (SOCIAL_EMAIL_TAKEN when it is not); else a new user with a username
 * made from the provider's (auth_username_base) and the e-mail only when verified.
 * *created says a user was made. */
enum social_result auth_social_user(db *d, const struct social_identity *id, int64_t linking_user, struct user *u,
				    bool *created);

/* A username base from the provider's hint: Django's characters (letters, digits and
 * @.+-_) kept, spaces made '_', the rest dropped, cut to leave room for a number;
 * "user" when nothing is left. out holds AUTH_USERNAME_BASE + 1 bytes. */
#define AUTH_USERNAME_BASE 140
void auth_username_base(const char *hint, char out[AUTH_USERNAME_BASE + 1]);
/* The n-th candidate (n >= 1) for a base: base itself, then base2, base3, ... */
void auth_username_candidate(const char *base, int n, char *out, size_t outlen);

#endif
