/* identity.c - linked sign-in identities and sign-ins in progress (see identity.h). */
#include "identity.h"

#include <stdlib.h>

#include "../core/util.h"
#include "user.h"

int identity_find(db *d, const char *provider, const char *subject, int64_t now, int64_t *user_id)
{
	/* One statement finds the row and marks it used: (provider, subject) is unique. */
	return db_query_int(d, "UPDATE identities SET last_used = ? WHERE provider = ? AND subject = ? RETURNING user_id",
			    DB_ARGS(db_v_int(now), db_v_text(provider), db_v_text(subject)), user_id);
}

static int linked(db *d, const char *provider, const char *subject)
{
	int64_t n = 0;
	if (db_query_int(d, "SELECT count(*) FROM identities WHERE provider = ? AND subject = ?",
			 DB_ARGS(db_v_text(provider), db_v_text(subject)), &n) < 0)
		return -1;
	return n > 0;
}

int identity_add(db *d, const char *provider, const char *subject, int64_t user_id, const char *email, int64_t now)
{
	int l = linked(d, provider, subject);
	if (l != 0)
		return l;
	if (db_exec(d,
		    "INSERT INTO identities (provider, subject, user_id, email, created_at, last_used) VALUES (?, ?, ?, ?, ?, ?)",
		    DB_ARGS(db_v_text(provider), db_v_text(subject), db_v_int(user_id), db_v_text(email ? email : ""),
			    db_v_int(now), db_v_int(now))) == 1)
		return 0;
	/* The unique (provider, subject) refused it: another sign-in linked it meanwhile. */
	return linked(d, provider, subject) == 1 ? 1 : -1;
}

int identity_create_user(db *d, const char *username, const char *email, const char *provider, const char *subject,
			 const char *identity_email, int64_t now, int64_t *id)
{
	if (db_begin(d) < 0)
		return -1;
	int rc;
	int l = linked(d, provider, subject);
	if (l != 0) {
		rc = l < 0 ? -1 : 3;
	} else {
		/* "" is no Argon2 or Django hash: no password logs in to this account. */
		enum user_create_result u = user_create(d, username, email, "", false, id);
		rc = u == USER_CREATED ? 0 : u == USER_TAKEN_NAME ? 1 : u == USER_TAKEN_EMAIL ? 2 : -1;
		/* The only e-mail given here is one the provider vouched for: proven. */
		if (rc == 0 && *email &&
		    db_exec(d, "UPDATE users SET email_verified = 1 WHERE id = ?", DB_ARGS(db_v_int(*id))) != 1)
			rc = -1;
		if (rc == 0) {
			int a = identity_add(d, provider, subject, *id, identity_email, now);
			rc = a == 0 ? 0 : a == 1 ? 3 : -1;
		}
	}
	if (rc != 0 || db_commit(d) < 0) {
		db_rollback(d);
		return rc ? rc : -1;
	}
	return 0;
}

void identity_list_free(struct identity *l, int n)
{
	for (int i = 0; l && i < n; i++) {
		free(l[i].provider);
		free(l[i].email);
	}
	free(l);
}

int identity_list(db *d, int64_t user_id, struct identity **out)
{
	*out = NULL;
	db_rows *rows = db_query(d,
				 "SELECT id, provider, email, created_at, last_used FROM identities WHERE user_id = ?"
				 " ORDER BY id",
				 DB_ARGS(db_v_int(user_id)));
	if (!rows)
		return -1;
	int n = 0, rc;
	struct identity *l = NULL;
	while ((rc = db_step(rows)) == 1) {
		struct identity *grown = realloc(l, (size_t)(n + 1) * sizeof *l);
		if (!grown) {
			rc = -1;
			break;
		}
		l = grown;
		l[n] = (struct identity){.id = db_int(rows, 0), .provider = xstrdup(db_text(rows, 1)),
					 .email = xstrdup(db_text(rows, 2)), .created_at = db_int(rows, 3),
					 .last_used = db_int(rows, 4)};
		if (!l[n++].provider || !l[n - 1].email) {
			rc = -1;
			break;
		}
	}
	db_done(rows);
	if (rc < 0) {
		identity_list_free(l, n);
		return -1;
	}
	*out = l;
	return n;
}

int identity_remove(db *d, int64_t user_id, int64_t id, bool has_password)
{
	if (db_begin(d) < 0)
		return -1;
	/* Touching the user's row first serializes two removals of the same user's
	 * identities (a row lock on PostgreSQL, the write lock on SQLite), so that two
	 * at once cannot each see the other still there and both go. */
	int64_t mine = 0, others = 0;
	int rc = db_exec(d, "UPDATE users SET id = id WHERE id = ?", DB_ARGS(db_v_int(user_id))) < 0 ||
			 db_query_int(d, "SELECT count(*) FROM identities WHERE id = ? AND user_id = ?",
				      DB_ARGS(db_v_int(id), db_v_int(user_id)), &mine) < 0 ||
			 db_query_int(d, "SELECT count(*) FROM identities WHERE user_id = ? AND id <> ?",
				      DB_ARGS(db_v_int(user_id), db_v_int(id)), &others) < 0
		     ? -1
		 : !mine			? 0
		 : !others && !has_password ? 2
					    : 1;
	if (rc == 1 && db_exec(d, "DELETE FROM identities WHERE id = ? AND user_id = ?",
			       DB_ARGS(db_v_int(id), db_v_int(user_id))) != 1)
		rc = -1;
	if (rc < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return rc;
}

int oauth_states_in_progress(db *d, const char *addr, int64_t now)
{
	int64_t n = 0;
	if (db_query_int(d, "SELECT count(*) FROM oauth_states WHERE addr = ? AND expires_at > ?",
			 DB_ARGS(db_v_text(addr), db_v_int(now)), &n) < 0)
		return -1;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

int oauth_state_put(db *d, const char *state_hash, const struct oauth_state_row *s, const char *addr, int64_t now,
		    int64_t expires, int max_per_addr)
{
	int n;
	if (db_exec(d, "DELETE FROM oauth_states WHERE expires_at <= ?", DB_ARGS(db_v_int(now))) < 0 ||
	    (n = oauth_states_in_progress(d, addr, now)) < 0)
		return -1;
	if (n >= max_per_addr)
		return 1;
	return db_exec(d,
		       "INSERT INTO oauth_states (state_hash, browser_hash, provider, nonce, verifier, next, link_user_id,"
		       " addr, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       DB_ARGS(db_v_text(state_hash), db_v_text(s->browser_hash), db_v_text(s->provider),
			       db_v_text(s->nonce), db_v_text(s->verifier), db_v_text(s->next),
			       s->link_user_id ? db_v_int(s->link_user_id) : db_v_null(), db_v_text(addr),
			       db_v_int(expires))) == 1
		       ? 0
		       : -1;
}

void oauth_state_clear(struct oauth_state_row *s)
{
	free(s->browser_hash);
	free(s->provider);
	free(s->nonce);
	free(s->verifier);
	free(s->next);
	*s = (struct oauth_state_row){0};
}

int oauth_state_take(db *d, const char *state_hash, const char *browser_hash, int64_t now,
		     struct oauth_state_row *out)
{
	/* One statement reads and deletes: of two requests with the same state, one gets
	 * the row and the other nothing, on both databases. Only the browser that
	 * started it deletes it: someone else who learnt the state cannot cancel it. */
	db_rows *rows = db_query(d,
				 "DELETE FROM oauth_states WHERE state_hash = ? AND browser_hash = ? RETURNING browser_hash,"
				 " provider, nonce, verifier, next, link_user_id, expires_at",
				 DB_ARGS(db_v_text(state_hash), db_v_text(browser_hash)));
	if (!rows)
		return -1;
	int rc = db_step(rows);
	if (rc == 1) {
		*out = (struct oauth_state_row){.browser_hash = xstrdup(db_text(rows, 0)), .provider = xstrdup(db_text(rows, 1)),
						.nonce = xstrdup(db_text(rows, 2)), .verifier = xstrdup(db_text(rows, 3)),
						.next = xstrdup(db_text(rows, 4)), .link_user_id = db_int(rows, 5)};
		if (db_int(rows, 6) <= now)
			rc = 0; /* expired: gone, and refused */
		else if (!out->browser_hash || !out->provider || !out->nonce || !out->verifier || !out->next)
			rc = -1;
		if (rc != 1)
			oauth_state_clear(out);
	}
	db_done(rows);
	return rc;
}
