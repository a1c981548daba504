/* password_reset.c - password reset tokens in the database (see password_reset.h). */
#include "password_reset.h"

#include "user.h"

int reset_create(db *d, int64_t user_id, const char *token_hash, int64_t now, int64_t expires)
{
	if (db_begin(d) < 0)
		return -1;
	if (db_exec(d, "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
		    DB_ARGS(db_v_int(user_id), db_v_text(token_hash), db_v_int(now), db_v_int(expires))) != 1 ||
	    /* Keep the table small: rows are worthless once expired, used or not. */
	    db_exec(d, "DELETE FROM password_resets WHERE expires_at < ?", DB_ARGS(db_v_int(now))) < 0 ||
	    db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

/* The condition for a live token; binds token_hash, then now. */
#define LIVE " token_hash = ? AND used_at IS NULL AND expires_at > ?" \
	     " AND user_id IN (SELECT id FROM users WHERE is_active = 1)"

int reset_find(db *d, const char *token_hash, int64_t now, int64_t *user_id)
{
	return db_query_int(d, "SELECT user_id FROM password_resets WHERE" LIVE,
			    DB_ARGS(db_v_text(token_hash), db_v_int(now)), user_id);
}

/* The account's e-mail was not proven until this reset: whoever made the account
 * may not be the mailbox's owner who now takes it over (they signed up with the
 * victim's address), so what would let them back in goes, besides the sessions:
 * the identities they linked and the API keys they made (docs/accounts.md). Then
 * the e-mail is proven. Inside the caller's transaction. 0 or -1. */
static int take_over(db *d, int64_t user_id, int64_t now)
{
	return db_exec(d, "DELETE FROM identities WHERE user_id = ?", DB_ARGS(db_v_int(user_id))) < 0 ||
			       db_exec(d, "UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
				       DB_ARGS(db_v_int(now), db_v_int(user_id))) < 0 ||
			       db_exec(d, "UPDATE users SET email_verified = 1 WHERE id = ?", DB_ARGS(db_v_int(user_id))) != 1
		       ? -1
		       : 0;
}

int reset_consume(db *d, const char *token_hash, int64_t now, int64_t *user_id)
{
	/* The UPDATE takes the row's lock: on PostgreSQL a second transaction consuming
	 * the same token waits for the first, then re-reads the row, finds it used and
	 * changes nothing. Whatever the statement returns, only exactly one changed row
	 * is a consumption. */
	db_rows *r = db_query(d, "UPDATE password_resets SET used_at = ? WHERE" LIVE " RETURNING user_id",
			      DB_ARGS(db_v_int(now), db_v_text(token_hash), db_v_int(now)));
	if (!r)
		return -1;
	int changed = 0, rc;
	while ((rc = db_step(r)) == 1) {
		if (changed++ == 0)
			*user_id = db_int(r, 0);
	}
	db_done(r);
	if (rc < 0)
		return -1;
	return changed == 1 ? 1 : changed == 0 ? 0 : -1;
}

int reset_use(db *d, const char *token_hash, int64_t now, const char *password_hash, int64_t *user_id,
	      bool *was_verified)
{
	if (db_begin(d) < 0)
		return -1;
	int64_t verified = 0;
	int rc = reset_consume(d, token_hash, now, user_id);
	if (rc == 1 &&
	    (db_query_int(d, "SELECT email_verified FROM users WHERE id = ?", DB_ARGS(db_v_int(*user_id)), &verified) != 1 ||
	     user_replace_password(d, *user_id, password_hash) < 0 || (!verified && take_over(d, *user_id, now) < 0) ||
	     db_exec(d, "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL",
		     DB_ARGS(db_v_int(now), db_v_int(*user_id))) < 0))
		rc = -1;
	if (was_verified)
		*was_verified = verified != 0;
	if (rc != 1 || db_commit(d) < 0) {
		db_rollback(d);
		return rc == 0 ? 0 : -1;
	}
	return 1;
}
