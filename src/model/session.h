/* session.h - the SQL of logins: stored sessions (only the SHA-256 of a token is
 * kept) and the login-failure rows that throttling counts. auth/ decides who may
 * log in and when; these functions only read and write. */
#ifndef LLMMETA_MODEL_SESSION_H
#define LLMMETA_MODEL_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

/* The user of a live session: id, name, admin. */
struct session_user {
	int64_t id;
	char *name; /* caller frees */
	bool admin;
};

/* The active user whose unexpired session has token_hash: 1 found, 0 not, -1 error. */
int session_find(db *d, const char *token_hash, int64_t now, struct session_user *out);
/* Stores a new session for user_id, in one transaction with what goes with a login:
 * the session it replaces (replace_hash, NULL for none) is deleted, expired ones are
 * purged, and the user's last_login is set. 0 or -1. */
int session_create(db *d, const char *token_hash, int64_t user_id, int64_t now, int64_t expires,
		   const char *replace_hash);
int session_delete(db *d, const char *token_hash);
/* Deletes every session of user_id except keep_hash's (NULL: all). 0 or -1. */
int session_delete_user(db *d, int64_t user_id, const char *keep_hash);

/* Login failures: a row per failed (or not yet verified) attempt and scope. */
int failures_count(db *d, const char *scope, int64_t since, int64_t *n);
/* Adds one row per scope at `now` and purges rows older than `purge_before`; ids
 * receive the new rows' ids (ids[i] for scopes[i]). All or nothing: 0 or -1. */
int failures_add(db *d, const char *const *scopes, int n, int64_t now, int64_t purge_before, int64_t *ids);
/* Deletes every row of scope, and the row `id` (0: none). 0 or -1. */
int failures_clear(db *d, const char *scope, int64_t id);

#endif
