/* reset.c - password reset by e-mail (docs/accounts.md): a token of 256 random bits
 * in the link, of which the database keeps only the SHA-256 (as for sessions), valid
 * RESET_TTL_MS and spent by its first use. The rows are model/password_reset.c's;
 * sending the mail is the page's business (web/password_reset.c). */
#include <sodium.h>
#include <stdlib.h>

#include "../core/util.h"
#include "../model/password_reset.h"
#include "../model/user.h"
#include "auth.h"

int auth_reset_start(db *d, const char *email, struct reset_mail *m)
{
	*m = (struct reset_mail){0};
	struct user u = {0};
	int rc = user_by_email(d, email, &u);
	/* Inactive users get no mail: the reset could not log them in anyway. */
	if (rc == 1 && !u.is_active)
		rc = 0;
	if (rc == 1) {
		char hash[65];
		rand_token(m->token, sizeof m->token, 32);
		auth_token_hash(hash, m->token);
		int64_t now = now_ms();
		m->user_id = u.id;
		m->username = u.username;
		m->email = u.email;
		u.username = u.email = NULL;
		if (reset_create(d, u.id, hash, now, now + RESET_TTL_MS) < 0)
			rc = -1;
	}
	user_clear(&u);
	if (rc != 1)
		auth_reset_mail_free(m);
	return rc;
}

void auth_reset_mail_free(struct reset_mail *m)
{
	free(m->username);
	free(m->email);
	sodium_memzero(m, sizeof *m);
}

int auth_reset_check(db *d, const char *token, int64_t *user_id)
{
	if (!auth_token_shape(token))
		return 0;
	char hash[65];
	auth_token_hash(hash, token);
	return reset_find(d, hash, now_ms(), user_id);
}

int auth_reset_finish(db *d, const char *token, const char *password_hash, int64_t *user_id, bool *was_verified)
{
	if (!auth_token_shape(token))
		return 0;
	char hash[65];
	auth_token_hash(hash, token);
	return reset_use(d, hash, now_ms(), password_hash, user_id, was_verified);
}
