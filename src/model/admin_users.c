/* admin_users.c - the admin's list of users and what an administrator may do to a
 * user, with the rules that keep an administrator (see admin.h). */
#include "admin.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "admin_rows.h"
#include "field.h"

#define USER_COLUMNS                                                                                          \
	"SELECT u.id, u.username, u.email, u.is_admin, u.is_active, u.created_at, u.last_login,"              \
	" (SELECT count(*) FROM messages m WHERE m.user_id = u.id),"                                          \
	" (SELECT coalesce(sum(m.total_tokens), 0) FROM messages m WHERE m.user_id = u.id),"                  \
	" (SELECT count(*) FROM conversations c WHERE c.user_id = u.id) FROM users u"

static int read_user(db_rows *r, struct admin_user_row *u)
{
	memset(u, 0, sizeof *u);
	u->id = db_int(r, 0);
	u->username = xstrdup(db_text(r, 1));
	u->email = xstrdup(db_text(r, 2));
	u->admin = db_int(r, 3) != 0;
	u->active = db_int(r, 4) != 0;
	u->created_at = db_int(r, 5);
	u->last_login = int_or_none(r, 6);
	u->messages = db_int(r, 7);
	u->tokens = db_int(r, 8);
	u->conversations = db_int(r, 9);
	return u->username && u->email ? 0 : -1;
}

void admin_user_rows_free(struct admin_user_row *u, size_t n)
{
	for (size_t i = 0; u && i < n; i++) {
		free(u[i].username);
		free(u[i].email);
	}
	free(u);
}

const char *const admin_user_sorts[USERS_NSORTS + 1] = {"username", "email",     "admin",    "active",
							 "joined",   "last_login", "messages", "tokens", NULL};

/* The ORDER BY of each sort: columns of USER_COLUMNS (8 and 9 are the totals, by
 * position); a missing last login is -1 on both databases, which order NULLs
 * differently. */
static const char *const sort_sql[USERS_NSORTS] = {
	"lower(u.username)", "lower(u.email)", "u.is_admin", "u.is_active", "u.created_at", "coalesce(u.last_login, -1)",
	"8",		     "9",
};

int admin_users(db *d, const struct admin_user_query *q, int64_t page, struct admin_user_row **out, size_t *n,
		bool *more)
{
	*out = NULL;
	*n = 0;
	*more = false;
	if (page < 1)
		page = 1;
	if (page > ADMIN_MAX_PAGE)
		page = ADMIN_MAX_PAGE;
	assert(q->sort >= 0 && q->sort < USERS_NSORTS);
	/* The statement from fixed fragments; every value is bound. */
	buf sql = BUF_INIT;
	db_val args[8];
	int na = 0;
	char *like = NULL;
	buf_puts(&sql, USER_COLUMNS " WHERE 1 = 1");
	if (q->q && !str_blank(q->q)) {
		if (!(like = admin_like_anywhere(q->q))) /* in the name or the address */
			return -1;
		buf_puts(&sql, " AND (lower(u.username) LIKE lower(?) ESCAPE '\\' OR lower(u.email) LIKE lower(?) ESCAPE '\\')");
		args[na++] = db_v_text(like);
		args[na++] = db_v_text(like);
	}
	if (q->active)
		buf_puts(&sql, q->active > 0 ? " AND u.is_active = 1" : " AND u.is_active = 0");
	if (q->admin)
		buf_puts(&sql, q->admin > 0 ? " AND u.is_admin = 1" : " AND u.is_admin = 0");
	if (q->provider) {
		buf_puts(&sql, " AND EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id AND i.provider = ?)");
		args[na++] = db_v_text(q->provider);
	}
	if (q->joined_since > 0) {
		buf_puts(&sql, " AND u.created_at >= ?");
		args[na++] = db_v_int(q->joined_since);
	}
	buf_printf(&sql, " ORDER BY %s %s, lower(u.username), u.id LIMIT ? OFFSET ?", sort_sql[q->sort],
		   q->desc ? "DESC" : "ASC");
	args[na++] = db_v_int(ADMIN_PAGE + 1);
	args[na++] = db_v_int((page - 1) * ADMIN_PAGE);
	assert(na <= (int)(sizeof args / sizeof args[0]));
	db_rows *r = sql.oom ? NULL : db_query(d, sql.data, na, args);
	buf_free(&sql);
	if (!r) {
		free(like);
		return -1;
	}
	*out = calloc(ADMIN_PAGE + 1, sizeof **out);
	int rc = *out ? 0 : -1;
	while (rc == 0 && (rc = db_step(r)) == 1 && *n < ADMIN_PAGE + 1)
		rc = read_user(r, &(*out)[(*n)++]);
	db_done(r);
	free(like);
	if (rc < 0) {
		admin_user_rows_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (*n > ADMIN_PAGE) {
		*more = true;
		free((*out)[ADMIN_PAGE].username);
		free((*out)[ADMIN_PAGE].email);
		*n = ADMIN_PAGE;
	}
	return 0;
}

int admin_user(db *d, int64_t id, struct admin_user_row *u)
{
	memset(u, 0, sizeof *u);
	db_rows *r = db_query(d, USER_COLUMNS " WHERE u.id = ?", DB_ARGS(db_v_int(id)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1 && read_user(r, u) < 0)
		rc = -1;
	db_done(r);
	if (rc != 1) {
		free(u->username);
		free(u->email);
		memset(u, 0, sizeof *u);
	}
	return rc;
}

static const char *const action_names[] = {"activate", "deactivate", "grant_admin", "revoke_admin", "delete"};

int admin_action_parse(const char *s)
{
	for (int i = 0; s && i < (int)(sizeof action_names / sizeof action_names[0]); i++)
		if (strcmp(s, action_names[i]) == 0)
			return i;
	return -1;
}

/* The log's name for each action (admin_log_actions holds them too). */
static const char *const log_names[] = {"user_activate", "user_deactivate", "user_grant_admin", "user_revoke_admin",
					"user_delete"};

/* Locks the active administrators' rows, on PostgreSQL (FOR UPDATE, in id order so
 * that two such transactions cannot deadlock): a concurrent change of any of them
 * waits for this transaction, and this one then reads what it made; SQLite's write
 * transaction (BEGIN IMMEDIATE) already runs alone. 0 or -1. */
static int lock_admins(db *d)
{
	if (db_backend(d) != DB_POSTGRES)
		return 0;
	db_rows *r = db_query(d, "SELECT id FROM users WHERE is_admin = 1 AND is_active = 1 ORDER BY id FOR UPDATE",
			      DB_NOARGS);
	if (!r)
		return -1;
	int rc;
	while ((rc = db_step(r)) == 1)
		;
	db_done(r);
	return rc < 0 ? -1 : 0;
}

/* The active administrators other than `target` (after lock_admins): 0 means target
 * is the last. */
static int other_admins(db *d, int64_t target, int64_t *n)
{
	return db_query_int(d, "SELECT count(*) FROM users WHERE is_admin = 1 AND is_active = 1 AND id <> ?",
			    DB_ARGS(db_v_int(target)), n) < 0 ? -1 : 0;
}

/* Applies the action to the user read (name, admin, active) inside the transaction. */
static enum admin_result apply(db *d, const struct admin_actor *a, int64_t target, enum admin_action action,
			       const char *name, bool admin, bool active)
{
	const char *log = log_names[action];
	switch (action) {
	case ADMIN_ACTIVATE:
	case ADMIN_DEACTIVATE: {
		bool on = action == ADMIN_ACTIVATE;
		if (active == on)
			return ADMIN_UNCHANGED;
		if (db_exec(d, "UPDATE users SET is_active = ? WHERE id = ?", DB_ARGS(db_v_int(on), db_v_int(target))) != 1 ||
		    /* Ended at once: the next request of any of their sessions is anonymous. */
		    (!on && db_exec(d, "DELETE FROM sessions WHERE user_id = ?", DB_ARGS(db_v_int(target))) < 0) ||
		    admin_log_add(d, a, log, "user", target, name, "is_active", on ? "0" : "1", on ? "1" : "0") < 0)
			return ADMIN_ERROR;
		return ADMIN_DONE;
	}
	case ADMIN_GRANT:
	case ADMIN_REVOKE: {
		bool on = action == ADMIN_GRANT;
		if (admin == on)
			return ADMIN_UNCHANGED;
		if (db_exec(d, "UPDATE users SET is_admin = ? WHERE id = ?", DB_ARGS(db_v_int(on), db_v_int(target))) != 1 ||
		    admin_log_add(d, a, log, "user", target, name, "is_admin", on ? "0" : "1", on ? "1" : "0") < 0)
			return ADMIN_ERROR;
		return ADMIN_DONE;
	}
	case ADMIN_DELETE: {
		/* What went with them, for the log: the row itself is gone after this. */
		int64_t msgs = 0, convs = 0;
		if (db_query_int(d, "SELECT count(*) FROM messages WHERE user_id = ?", DB_ARGS(db_v_int(target)), &msgs) < 0 ||
		    db_query_int(d, "SELECT count(*) FROM conversations WHERE user_id = ?", DB_ARGS(db_v_int(target)),
				 &convs) < 0)
			return ADMIN_ERROR;
		char what[96];
		snprintf(what, sizeof what, "%lld conversations, %lld messages", (long long)convs, (long long)msgs);
		/* Everything of theirs references the row ON DELETE CASCADE (sessions,
		 * conversations, messages, files, prompts, API keys, sign-in identities and
		 * sign-ins in progress, password reset tokens); the log keeps their name. */
		if (db_exec(d, "DELETE FROM users WHERE id = ?", DB_ARGS(db_v_int(target))) != 1 ||
		    admin_log_add(d, a, log, "user", target, name, NULL, what, NULL) < 0)
			return ADMIN_ERROR;
		return ADMIN_DONE;
	}
	}
	return ADMIN_ERROR;
}

enum admin_result admin_user_action(db *d, const struct admin_actor *a, int64_t target, enum admin_action action)
{
	if ((int)action < 0 || (size_t)action >= sizeof action_names / sizeof action_names[0])
		return ADMIN_ERROR;
	bool removes = action == ADMIN_DEACTIVATE || action == ADMIN_REVOKE || action == ADMIN_DELETE;
	if (removes && target == a->id)
		return ADMIN_SELF;
	if (db_begin(d) < 0)
		return ADMIN_ERROR;
	enum admin_result res = ADMIN_ERROR;
	int64_t others = 1, acting = 0;
	if (lock_admins(d) < 0 || (removes && other_admins(d, target, &others) < 0))
		goto out;
	/* The session said admin when the request began; an administrator demoted or
	 * deactivated since (by another, a moment before) acts no more. Read after the
	 * lock: a demotion in progress is waited for. */
	if (db_query_int(d, "SELECT count(*) FROM users WHERE id = ? AND is_admin = 1 AND is_active = 1",
			 DB_ARGS(db_v_int(a->id)), &acting) < 0)
		goto out;
	if (!acting) {
		res = ADMIN_NOT_ADMIN;
		goto out;
	}
	db_rows *r = db_query(d, "SELECT username, is_admin, is_active FROM users WHERE id = ?", DB_ARGS(db_v_int(target)));
	if (!r)
		goto out;
	int found = db_step(r);
	char *name = found == 1 ? xstrdup(db_text(r, 0)) : NULL;
	bool admin = found == 1 && db_int(r, 1) != 0, active = found == 1 && db_int(r, 2) != 0;
	db_done(r);
	if (found < 0 || (found == 1 && !name)) {
		free(name);
		goto out;
	}
	if (found == 0)
		res = ADMIN_NOT_FOUND;
	else if (removes && admin && active && others == 0) /* an inactive admin is no admin to keep */
		res = ADMIN_LAST_ADMIN;
	else
		res = apply(d, a, target, action, name, admin, active);
	free(name);
out:
	return admin_finish(d, res);
}

enum admin_result admin_user_set_email(db *d, const struct admin_actor *a, int64_t target, const char *email)
{
	if (db_begin(d) < 0)
		return ADMIN_ERROR;
	enum admin_result res = ADMIN_ERROR;
	db_rows *r = db_query(d, "SELECT username, email FROM users WHERE id = ?", DB_ARGS(db_v_int(target)));
	if (!r)
		return admin_finish(d, res);
	int found = db_step(r);
	char *name = found == 1 ? xstrdup(db_text(r, 0)) : NULL, *old = found == 1 ? xstrdup(db_text(r, 1)) : NULL;
	db_done(r);
	int64_t others = 0;
	if (found < 0 || (found == 1 && (!name || !old)))
		res = ADMIN_ERROR;
	else if (found == 0)
		res = ADMIN_NOT_FOUND;
	else if (strcmp(old, email) == 0)
		res = ADMIN_UNCHANGED;
	else if (db_query_int(d, "SELECT count(*) FROM users WHERE email <> '' AND lower(email) = lower(?) AND id <> ?",
			      DB_ARGS(db_v_text(email), db_v_int(target)), &others) < 0)
		res = ADMIN_ERROR;
	else if (others)
		res = ADMIN_TAKEN;
	else if (db_exec(d, "UPDATE users SET email = ?, email_verified = 0 WHERE id = ?",
			 DB_ARGS(db_v_text(email), db_v_int(target))) == 1 &&
		 admin_log_add(d, a, "user_edit", "user", target, name, "email", old, email) == 0)
		res = ADMIN_DONE;
	free(name);
	free(old);
	return admin_finish(d, res);
}
