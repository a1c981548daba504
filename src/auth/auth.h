/* auth.h - who is asking and whether they may: the request's visitor, sessions
 * stored in the database, CSRF tokens, API keys and login throttling. The SQL is in
 * model/.
 *
 * The visitor (visitor.c) is the application's state of a request, kept out of
 * http_req so that http/ knows no users: auth/ fills it in, the pages read it.
 *
 * Sessions: a random 256-bit token in the llmmeta_session cookie; the database keeps
 * only its SHA-256, so a copy of the database opens no session.
 *
 * CSRF: a token is an HMAC under the server secret of what binds it to the browser:
 * the session token when logged in, else a random llmmeta_csrf cookie. Logging in
 * changes the binding, so a token planted before login is worthless after. */
#ifndef LLMMETA_AUTH_H
#define LLMMETA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"
#include "../http/http.h"

#define SESSION_COOKIE "llmmeta_session"
#define CSRF_COOKIE "llmmeta_csrf"
#define SESSION_DAYS 14

/* Who is asking, and what binds their forms: the application's state of one request
 * (http_req.app), filled in by auth/ from the session cookie or the API key, read by
 * the pages, freed with the request. */
struct visitor {
	int64_t user_id; /* 0 = anonymous */
	char *name;
	bool admin;
	int64_t key_id;      /* the API key that authenticated the request; 0 for a session */
	char *session;       /* the raw session token from the cookie, if valid */
	char *csrf_cookie;   /* the anonymous CSRF binding, set or read */
	char csrf_token[64]; /* computed once per request */
	bool session_loaded; /* auth_load_session ran (web_session loads it once) */
};
/* The request's visitor, to read: an anonymous one with nothing loaded until auth/
 * has filled something in. Never NULL, so a page can write visitor(r)->user_id. */
const struct visitor *visitor(const http_req *r);
/* The request's visitor, to fill in (auth/'s own): created on first use and freed
 * with the request; NULL when out of memory. */
struct visitor *visitor_edit(http_req *r);

/* Reads the session cookie and fills the visitor's user and session when it names a
 * live session of an active user; marks the session loaded. Returns 0, or -1 on a
 * database or memory failure (the visitor then stays anonymous). */
int auth_load_session(db *d, http_req *r);
/* Starts a session for user_id: stores it and sets the cookie. Returns 0 or -1. */
int auth_login(db *d, http_req *r, int64_t user_id, const char *username, bool admin);
/* Ends this request's session and clears the cookie. */
int auth_logout(db *d, http_req *r);
/* Ends every session of user_id except keep_token's (NULL: all). */
int auth_end_sessions(db *d, int64_t user_id, const char *keep_token);
/* Tokens (sessions, password resets) are 32 random bytes in base64url: 43
 * characters. True when t has that shape; anything else is refused unread. */
bool auth_token_shape(const char *t);
/* The SHA-256 of a token, as stored. */
void auth_token_hash(char out[65], const char *token);

/* This request's CSRF token (for the hidden csrf_token field and the X-CSRF-Token
 * header), setting the anonymous cookie when there is none yet. */
const char *auth_csrf_token(http_req *r);
/* True when the request carries the right token in X-CSRF-Token or csrf_token. */
bool auth_csrf_ok(http_req *r);

/* Login throttling, per account and per client address, over a sliding window.
 * `account` names the account however it was typed: pass auth_account_key() of the
 * user found, so that username, e-mail and letter case all count as one. */
#define THROTTLE_WINDOW_MS (15 * 60 * 1000)
#define THROTTLE_MAX_ACCOUNT 10
#define THROTTLE_MAX_ADDR 100
/* 1 when another attempt must wait, 0 when allowed, -1 on a database failure. */
int auth_throttled(db *d, const char *account, const char *addr);
/* Counts an attempt as failed before its password is checked: a database that
 * cannot record it refuses the login (the caller answers 503) instead of allowing
 * unlimited guesses. *attempt names it for auth_attempt_succeeded. 0 or -1. */
int auth_attempt_begin(db *d, const char *account, const char *addr, int64_t *attempt);
/* The password was right: the account's failures and this attempt are forgotten. */
int auth_attempt_succeeded(db *d, const char *account, int64_t attempt);
/* "id:<user id>" for an existing user, else the typed login itself (so guesses at
 * accounts that do not exist are throttled too). out holds at least 32 bytes. */
const char *auth_account_key(char *out, size_t outlen, int64_t user_id, const char *login);
/* The login rate of this instance, all clients together (throttle.c): true, and the
 * attempt counted, while fewer than per_minute were let through over the last
 * minute. The per-address counts cannot bound the hashing that many addresses make
 * this instance do; this does, so it is in memory and per instance, as the CPU is. */
bool auth_login_rate_take(unsigned per_minute);

/* Password reset by e-mail (reset.c, docs/accounts.md), throttled per address typed
 * and per client over an hour (throttle.c). Every request is counted, whether the
 * address has an account or not, so the throttle tells nothing about accounts. */
#define RESET_TTL_MS (60 * 60 * 1000)
#define RESET_WINDOW_MS (60 * 60 * 1000)
#define RESET_MAX_EMAIL 3
#define RESET_MAX_ADDR 10
/* Counts a reset request for e-mail from addr: 1 allowed (and counted), 0 refused
 * (no more this hour), -1 on a database failure. */
int auth_reset_allow(db *d, const char *email, const char *addr);
/* The user a reset mail goes to and the token its link carries. */
struct reset_mail {
	int64_t user_id;
	char *username, *email; /* caller frees both (auth_reset_mail_free) */
	char token[48];
};
/* Makes and stores a token for the active user with this e-mail. 1 (*m filled),
 * 0 no such active user (nothing stored), -1 error. */
int auth_reset_start(db *d, const char *email, struct reset_mail *m);
void auth_reset_mail_free(struct reset_mail *m);
/* The user of a live token: 1 (*user_id set), 0 not live (malformed, unknown,
 * used, expired, user inactive), -1 error. */
int auth_reset_check(db *d, const char *token, int64_t *user_id);
/* Spends the token and sets the password it was asked for, ending every session of
 * the user and every other token, and, when the e-mail was not proven before, the
 * user's identities and API keys (model/password_reset.h; *was_verified, may be
 * NULL, says which). 1 done (*user_id set), 0 not live (including a use that lost a
 * race), -1 error. */
int auth_reset_finish(db *d, const char *token, const char *password_hash, int64_t *user_id, bool *was_verified);

/* A new account as typed: password2 is the confirmation (NULL: none to compare). */
struct new_account {
	const char *username, *email, *password1, *password2;
	bool admin;
};
/* Why an account was refused: sentences per field, one per line. */
struct account_errors {
	buf username, email, password1, password2;
};
/* The password rules of signup, change and reset in one place: required, Django's
 * validators (password.h), and the confirmation p2 equal to p1 (NULL: none). Appends
 * the reasons to e1 and e2; true when the password may be used. */
bool auth_new_password_ok(const char *p1, const char *p2, const char *username, const char *email, buf *e1,
			  buf *e2);
/* Validates and creates an account (account.c). 1 created (*id set), 0 refused
 * (the reasons in e), -1 on a database or memory failure. */
int auth_create_account(db *d, const struct new_account *a, struct account_errors *e, int64_t *id);
/* The first reason in e (field order), or NULL. */
const char *account_first_error(const struct account_errors *e);
void account_errors_free(struct account_errors *e);

/* API keys (apikey.c, docs/api.md): "llmk-" and 256 random bits in base64url. The
 * database keeps only the key's SHA-256: a key is a random 256-bit secret, not a
 * password, so a fast hash is enough - nobody can guess their way back from it - and
 * it lets a key be found by its hash in one indexed lookup per request. */
#define APIKEY_PREFIX "llmk-"
#define APIKEY_LEN 48     /* "llmk-" + 43 characters of base64url */
#define APIKEY_SHOWN 12   /* the first characters, kept to tell keys apart */
/* Creates a key for user_id (expires_at -1: never); the key, shown once, goes to
 * key (APIKEY_LEN + 1 bytes). 0 and *id, or -1. */
int auth_apikey_create(db *d, int64_t user_id, const char *name, int64_t expires_at, char *key, int64_t *id);
/* Authenticates the request by its "Authorization: Bearer <key>": fills the visitor
 * (with key_id) when the key is live and its user active. 1 yes, 0 no (no key, a
 * wrong, revoked or expired key, an inactive user), -1 on a database failure. */
int auth_apikey_load(db *d, http_req *r);

#endif
