/* session.c - sessions: the cookie, its token and the request's user (see auth.h);
 * the rows are model/session.c's. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "../model/session.h"
#include "auth.h"

bool auth_token_shape(const char *t)
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

void auth_token_hash(char out[65], const char *token) { sha256_hex(out, token, strlen(token)); }

int auth_load_session(db *d, http_req *r)
{
	struct visitor *v = visitor_edit(r);
	if (!v)
		return -1;
	const char *csrf = http_cookie(r, CSRF_COOKIE);
	if (csrf && auth_token_shape(csrf) && !v->csrf_cookie && !(v->csrf_cookie = xstrdup(csrf)))
		return -1;
	const char *tok = http_cookie(r, SESSION_COOKIE);
	if (!tok || !auth_token_shape(tok)) {
		v->session_loaded = true;
		return 0;
	}
	char hash[65];
	auth_token_hash(hash, tok);
	struct session_user u = {0};
	int rc = session_find(d, hash, now_ms(), &u);
	if (rc == 1) {
		free(v->name);
		v->user_id = u.id;
		v->name = u.name;
		v->admin = u.admin;
		free(v->session);
		v->session = xstrdup(tok);
		if (!v->session)
			rc = -1;
	}
	if (rc < 0)
		return -1;
	v->session_loaded = true;
	return 0;
}

int auth_login(db *d, http_req *r, int64_t user_id, const char *username, bool admin)
{
	struct visitor *v = visitor_edit(r);
	if (!v)
		return -1;
	char tok[64], hash[65], old[65];
	rand_token(tok, sizeof tok, 32);
	auth_token_hash(hash, tok);
	if (v->session) /* a new login replaces the old session (fixation) */
		auth_token_hash(old, v->session);
	int64_t now = now_ms();
	int rc = session_create(d, hash, user_id, now, now + (int64_t)SESSION_DAYS * 86400 * 1000, v->session ? old : NULL);
	if (rc == 0) {
		http_set_cookie(r, SESSION_COOKIE, tok, (long)SESSION_DAYS * 86400);
		free(v->session);
		free(v->name);
		v->session = xstrdup(tok);
		v->user_id = user_id;
		v->name = xstrdup(username);
		v->admin = admin;
		v->csrf_token[0] = '\0'; /* the binding changed */
		rc = v->session && v->name ? 0 : -1;
	}
	sodium_memzero(tok, sizeof tok);
	return rc;
}

int auth_logout(db *d, http_req *r)
{
	int rc = 0;
	struct visitor *v = visitor_edit(r); /* NULL: out of memory, so nothing was loaded */
	if (v) {
		if (v->session) {
			char hash[65];
			auth_token_hash(hash, v->session);
			rc = session_delete(d, hash);
			free(v->session);
			v->session = NULL;
		}
		free(v->name);
		v->name = NULL;
		v->user_id = 0;
		v->admin = false;
		v->key_id = 0;
		v->csrf_token[0] = '\0';
	}
	http_set_cookie(r, SESSION_COOKIE, "", 0);
	return rc;
}

int auth_end_sessions(db *d, int64_t user_id, const char *keep_token)
{
	char hash[65];
	if (keep_token)
		auth_token_hash(hash, keep_token);
	return session_delete_user(d, user_id, keep_token ? hash : NULL);
}
