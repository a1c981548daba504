/* password_reset.h - the SQL of password resets by e-mail (docs/accounts.md): one
 * row per link sent, holding only the SHA-256 of its token. auth/reset.c makes the
 * tokens and decides; these functions only read and write. */
#ifndef LLMMETA_MODEL_PASSWORD_RESET_H
#define LLMMETA_MODEL_PASSWORD_RESET_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

/* Stores a token for user_id, valid until `expires`, and purges the rows that
 * expired before `now`, in one transaction. 0 or -1. */
int reset_create(db *d, int64_t user_id, const char *token_hash, int64_t now, int64_t expires);
/* The user of a live token: unused, unexpired at `now`, its user active.
 * 1 (*user_id set), 0 none, -1 error. */
int reset_find(db *d, const char *token_hash, int64_t now, int64_t *user_id);
/* Inside the caller's transaction, marks the live token used and gives its user:
 * 1 when exactly one row changed (*user_id set), 0 when none did (not live, or
 * consumed by another transaction meanwhile), -1 error (more than one row too).
 * reset_use is its only caller outside the tests. */
int reset_consume(db *d, const char *token_hash, int64_t now, int64_t *user_id);
/* Spends the token and sets the new password, in one transaction: the token is
 * marked used by a conditional UPDATE (... WHERE used_at IS NULL), so of two uses at
 * once exactly one wins; then the password is replaced, every session of the user
 * ends, and the user's other unused tokens are spent too. When the user's e-mail
 * was not proven before, their identities are deleted and their API keys revoked
 * as well, and the e-mail is then proven (the reset reached the mailbox).
 * *was_verified (may be NULL) says whether it was proven before. 1 done (*user_id
 * set), 0 the token is not live (unknown, used, expired, user inactive), -1 error. */
int reset_use(db *d, const char *token_hash, int64_t now, const char *password_hash, int64_t *user_id,
	      bool *was_verified);

#endif
