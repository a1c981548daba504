/* session.c - database-backed sessions (see auth.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "auth.h"

/* Tokens are 32 random bytes in base64url: 43 characters. */
static bool token_shape(const char *t)
{
	size_t n = strlen(t);
	if (n != 43)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

int auth_load_session(db *d, http_req *r)
{
	const char *csrf = http_cookie(r, CSRF_COOKIE);
	if (csrf && token_shape(csrf))
		r->csrf_cookie = xstrdup(csrf);
	const char *tok = http_cookie(r, SESSION_COOKIE);
	if (!tok || !token_shape(tok))
		return 0;
	char hash[65];
	sha256_hex(hash, tok, strlen(tok));
	db_rows *rows = db_query(d,
				 "SELECT u.id, u.username, u.is_admin FROM sessions s JOIN users u ON u.id = s.user_id"
				 " WHERE s.token_hash = ? AND s.expires_at > ? AND u.is_active = 1",
				 DB_ARGS(db_v_text(hash), db_v_int(now_ms())));
	if (!rows)
		return -1;
	int rc = db_step(rows);
	if (rc == 1) {
		r->user.id = db_int(rows, 0);
		r->user.name = xstrdup(db_text(rows, 1));
		r->user.admin = db_int(rows, 2) != 0;
		r->session = xstrdup(tok);
		if (!r->user.name || !r->session)
			rc = -1;
	}
	db_done(rows);
	return rc < 0 ? -1 : 0;
}

int auth_login(db *d, http_req *r, int64_t user_id, const char *username, bool admin)
{
	char tok[64], hash[65];
	rand_token(tok, sizeof tok, 32);
	sha256_hex(hash, tok, strlen(tok));
	int64_t now = now_ms();
	if (r->session) { /* a new login replaces the old session (fixation) */
		char old[65];
		sha256_hex(old, r->session, strlen(r->session));
		db_exec(d, "DELETE FROM sessions WHERE token_hash = ?", DB_ARGS(db_v_text(old)));
	}
	if (db_exec(d, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		    DB_ARGS(db_v_text(hash), db_v_int(user_id), db_v_int(now),
			    db_v_int(now + (int64_t)SESSION_DAYS * 86400 * 1000))) < 0)
		return -1;
	/* Keep the table small: expired sessions go whenever someone logs in. */
	db_exec(d, "DELETE FROM sessions WHERE expires_at < ?", DB_ARGS(db_v_int(now)));
	db_exec(d, "UPDATE users SET last_login = ? WHERE id = ?", DB_ARGS(db_v_int(now), db_v_int(user_id)));
	http_set_cookie(r, SESSION_COOKIE, tok, (long)SESSION_DAYS * 86400);
	free(r->session);
	free(r->user.name);
	r->session = xstrdup(tok);
	r->user.id = user_id;
	r->user.name = xstrdup(username);
	r->user.admin = admin;
	r->csrf_token[0] = '\0'; /* the binding changed */
	sodium_memzero(tok, sizeof tok);
	return r->session && r->user.name ? 0 : -1;
}

int auth_logout(db *d, http_req *r)
{
	int rc = 0;
	if (r->session) {
		char hash[65];
		sha256_hex(hash, r->session, strlen(r->session));
		rc = db_exec(d, "DELETE FROM sessions WHERE token_hash = ?", DB_ARGS(db_v_text(hash))) < 0 ? -1 : 0;
		free(r->session);
		r->session = NULL;
	}
	free(r->user.name);
	r->user = (struct http_user){0};
	r->csrf_token[0] = '\0';
	http_set_cookie(r, SESSION_COOKIE, "", 0);
	return rc;
}

int auth_end_sessions(db *d, int64_t user_id, const char *keep_token)
{
	char hash[65] = "";
	if (keep_token)
		sha256_hex(hash, keep_token, strlen(keep_token));
	return db_exec(d, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
		       DB_ARGS(db_v_int(user_id), db_v_text(hash))) < 0 ? -1 : 0;
}
