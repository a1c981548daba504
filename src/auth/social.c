/* social.c - the linking rules of a sign-in with a provider (see social.h). An
 * e-mail address links a new identity to an existing account only when the provider
 * vouches for it (email_verified): otherwise whoever can make an account at some
 * provider with your address unverified could take over your account here. And
 * only when the account's own e-mail is proven too (users.email_verified): else
 * whoever signed up here with your address first would get your sign-in. */
#include "social.h"

#include <stdio.h>
#include <string.h>

#include "../core/log.h"
#include "../core/util.h"
#include "../model/identity.h"

void auth_username_base(const char *hint, char out[AUTH_USERNAME_BASE + 1])
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)(hint ? hint : ""); *p && n < AUTH_USERNAME_BASE; p++) {
		if (user_name_char(*p))
			out[n++] = (char)*p;
		else if (*p == ' ' && n && out[n - 1] != '_')
			out[n++] = '_';
	}
	while (n && out[n - 1] == '_')
		n--;
	out[n] = '\0';
	if (!n)
		snprintf(out, AUTH_USERNAME_BASE + 1, "user");
}

void auth_username_candidate(const char *base, int n, char *out, size_t outlen)
{
	if (n <= 1)
		snprintf(out, outlen, "%s", base);
	else
		snprintf(out, outlen, "%s%d", base, n);
}

/* Tries base, base2, ... then a random suffix, until a username is free. */
static enum social_result create(db *d, const struct social_identity *id, int64_t *uid, bool *linked_meanwhile)
{
	char base[AUTH_USERNAME_BASE + 1], name[AUTH_USERNAME_BASE + 24];
	auth_username_base(id->username, base);
	/* The account's e-mail is one the provider vouches for, or none: an unverified
	 * address must not keep its owner from signing up with it. */
	const char *email = id->email && id->email_verified ? id->email : "";
	int64_t now = now_ms();
	for (int n = 1; n <= 30; n++) {
		if (n <= 20) {
			auth_username_candidate(base, n, name, sizeof name);
		} else {
			char tok[16];
			rand_token(tok, sizeof tok, 6);
			snprintf(name, sizeof name, "%s-%s", base, tok);
		}
		int rc = identity_create_user(d, name, email, id->provider, id->subject, id->email, now, uid);
		if (rc == 0)
			return SOCIAL_OK;
		if (rc == 3) {
			*linked_meanwhile = true;
			return SOCIAL_OK;
		}
		if (rc == 2) /* the verified e-mail was taken meanwhile: no e-mail then */
			email = "";
		else if (rc != 1)
			return SOCIAL_ERROR;
	}
	return SOCIAL_ERROR;
}

static enum social_result load(db *d, int64_t uid, struct user *u)
{
	int rc = user_by_id(d, uid, u);
	if (rc != 1)
		return SOCIAL_ERROR;
	return u->is_active ? SOCIAL_OK : SOCIAL_INACTIVE;
}

enum social_result auth_social_user(db *d, const struct social_identity *given, int64_t linking_user, struct user *u,
				    bool *created)
{
	*created = false;
	/* An address no account could have (too long, malformed) is no address. */
	struct social_identity checked = *given;
	buf why = BUF_INIT;
	if (checked.email && !user_valid_email(checked.email, &why))
		checked.email = NULL, checked.email_verified = false;
	buf_free(&why);
	const struct social_identity *id = &checked;
	int64_t now = now_ms(), uid = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		int rc = identity_find(d, id->provider, id->subject, now, &uid);
		if (rc < 0)
			return SOCIAL_ERROR;
		if (rc == 1) {
			if (linking_user && uid != linking_user)
				return SOCIAL_OTHER_USER;
			return load(d, uid, u);
		}
		if (linking_user) {
			rc = identity_add(d, id->provider, id->subject, linking_user, id->email, now);
			if (rc == 1)
				continue; /* linked meanwhile: to whom? look again */
			return rc < 0 ? SOCIAL_ERROR : load(d, linking_user, u);
		}
		if (id->email && id->email_verified) {
			struct user owner = {0};
			rc = user_by_email(d, id->email, &owner);
			if (rc < 0)
				return SOCIAL_ERROR;
			if (rc == 1) {
				uid = owner.id;
				bool active = owner.is_active, verified = owner.email_verified;
				user_clear(&owner);
				if (!active) /* no link made for an account that cannot log in */
					return SOCIAL_INACTIVE;
				/* Only an account whose owner proved the mailbox: an address typed
				 * at signup proves nothing, and whoever typed the victim's would
				 * get the victim's sign-in. No new account either: the address is
				 * that account's. */
				if (!verified)
					return SOCIAL_EMAIL_TAKEN;
				rc = identity_add(d, id->provider, id->subject, uid, id->email, now);
				if (rc == 1)
					continue;
				if (rc < 0)
					return SOCIAL_ERROR;
				log_info("sign-in: %s identity linked to user %lld by its verified e-mail", id->provider,
					 (long long)uid);
				return load(d, uid, u);
			}
		}
		bool meanwhile = false;
		if (create(d, id, &uid, &meanwhile) < 0)
			return SOCIAL_ERROR;
		if (meanwhile)
			continue;
		*created = true;
		log_info("sign-in: user %lld created for a %s identity", (long long)uid, id->provider);
		return load(d, uid, u);
	}
	return SOCIAL_ERROR;
}
