/* session.c - sessions and login failures in the database (see session.h). */
#include "session.h"

#include <stdlib.h>

#include "../core/util.h"

int session_find(db *d, const char *token_hash, int64_t now, struct session_user *out)
{
	db_rows *rows = db_query(d,
				 "SELECT u.id, u.username, u.is_admin FROM sessions s JOIN users u ON u.id = s.user_id"
				 " WHERE s.token_hash = ? AND s.expires_at > ? AND u.is_active = 1",
				 DB_ARGS(db_v_text(token_hash), db_v_int(now)));
	if (!rows)
		return -1;
	int rc = db_step(rows);
	if (rc == 1) {
		out->id = db_int(rows, 0);
		out->name = xstrdup(db_text(rows, 1));
		out->admin = db_int(rows, 2) != 0;
		if (!out->name)
			rc = -1;
	}
	db_done(rows);
	return rc;
}

int session_create(db *d, const char *token_hash, int64_t user_id, int64_t now, int64_t expires,
		   const char *replace_hash)
{
	if (db_begin(d) < 0)
		return -1;
	if ((replace_hash && db_exec(d, "DELETE FROM sessions WHERE token_hash = ?", DB_ARGS(db_v_text(replace_hash))) < 0) ||
	    db_exec(d, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		    DB_ARGS(db_v_text(token_hash), db_v_int(user_id), db_v_int(now), db_v_int(expires))) != 1 ||
	    /* Keep the table small: expired sessions go whenever someone logs in. */
	    db_exec(d, "DELETE FROM sessions WHERE expires_at < ?", DB_ARGS(db_v_int(now))) < 0 ||
	    db_exec(d, "UPDATE users SET last_login = ? WHERE id = ?", DB_ARGS(db_v_int(now), db_v_int(user_id))) < 0 ||
	    db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

int session_delete(db *d, const char *token_hash)
{
	return db_exec(d, "DELETE FROM sessions WHERE token_hash = ?", DB_ARGS(db_v_text(token_hash))) < 0 ? -1 : 0;
}

int session_delete_user(db *d, int64_t user_id, const char *keep_hash)
{
	return db_exec(d, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
		       DB_ARGS(db_v_int(user_id), db_v_text(keep_hash ? keep_hash : ""))) < 0 ? -1 : 0;
}

int failures_count(db *d, const char *scope, int64_t since, int64_t *n)
{
	return db_query_int(d, "SELECT count(*) FROM login_failures WHERE scope = ? AND at > ?",
			    DB_ARGS(db_v_text(scope), db_v_int(since)), n) < 0 ? -1 : 0;
}

int failures_add(db *d, const char *const *scopes, int n, int64_t now, int64_t purge_before, int64_t *ids)
{
	if (db_begin(d) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (db_query_int(d, "INSERT INTO login_failures (scope, at) VALUES (?, ?) RETURNING id",
				 DB_ARGS(db_v_text(scopes[i]), db_v_int(now)), &ids[i]) != 1) {
			db_rollback(d);
			return -1;
		}
	}
	if (db_exec(d, "DELETE FROM login_failures WHERE at < ?", DB_ARGS(db_v_int(purge_before))) < 0 ||
	    db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

int failures_clear(db *d, const char *scope, int64_t id)
{
	return db_exec(d, "DELETE FROM login_failures WHERE scope = ? OR id = ?", DB_ARGS(db_v_text(scope), db_v_int(id))) < 0
		       ? -1
		       : 0;
}
