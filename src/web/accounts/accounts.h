/* accounts.h - the accounts pages (web/accounts/): sign-up, log in and out
 * (accounts.c), the password change (password.c) and reset by e-mail
 * (password_reset.c), sign-in with a provider (social.c) and the linked accounts
 * (connections.c); docs/sign-in.md. */
#ifndef LLMMETA_WEB_ACCOUNTS_H
#define LLMMETA_WEB_ACCOUNTS_H

#include <stdbool.h>

#include "../../core/buf.h"
#include "../../db/db.h"
#include "../../http/http.h"

void page_signup(http_req *r);
void page_login(http_req *r);
void page_logout(http_req *r);
void page_password_change(http_req *r);
void page_password_reset(http_req *r);
void page_password_reset_done(http_req *r);
void page_password_reset_key(http_req *r);
void page_password_reset_key_done(http_req *r);
/* Sends the reset mails still queued (for at most 10 s) and stops their thread. */
void password_reset_stop(void);
/* Queues the mail inviting the new account with this address to choose its first
 * password (a reset link, valid one hour): false when the queue is full. */
bool password_invite(const char *email);
/* /admin/users/new/ (user_new.c): an administrator adds a user. */
void page_admin_user_new(http_req *r);
/* /admin/users/<id>/password/ (user_password.c): an administrator sets a password. */
void page_admin_user_password(http_req *r);
void page_social_login(http_req *r);
void page_social_callback(http_req *r);
void page_connections(http_req *r);

/* ---- shared by the pages of this folder ---- */
/* The configured providers' buttons ("Sign in with ...", or "Link an account with
 * ..." for a logged-in user), each a form posting to /accounts/<provider>/login/. */
void social_buttons(buf *b, http_req *r);
/* The login page with an error about the whole form (accounts.c). */
void login_page(http_req *r, int status, const char *error);
/* The linked-accounts page with an error or a notice (either may be NULL). */
void connections_page(http_req *r, int status, const char *error, const char *notice);
/* True for a ?next= that is safe to redirect to after a login (next.c): a local
 * path, not //host or \host, no control characters. */
bool next_is_safe(const char *next);
/* Counts a password typed for `account` (auth_account_key) against the login
 * throttle before it is checked (accounts.c; auth/throttle.c): true to go on, with
 * *attempt for auth_attempt_succeeded; false after answering 429 (too many failures)
 * or 503 ("<what> is not possible right now": the attempt could not be recorded). */
bool web_password_attempt(http_req *r, db *d, const char *account, int64_t *attempt, const char *what);

/* Password hashing off the HTTP workers (hash_pool.c). A page that hashes calls
 * web_hash_elsewhere(r, itself) first: true when r was handed to the hashing thread
 * (which calls the page again) or answered 503, and the page returns; false on the
 * hashing thread itself, where the page goes on. */
bool web_hash_elsewhere(http_req *r, http_handler page);
bool web_hash_thread(void);
/* Answers the sign-ins still waiting and stops the hashing thread. */
void web_hash_stop(void);

#endif
