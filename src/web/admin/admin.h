/* admin.h - the admin panel's pages (web/admin/, docs/admin.md) and what they
 * share: the frame with the admin's own navigation, times, text cut short, the page
 * number, the pager, and who is acting (for the admin log). */
#ifndef LLMMETA_ADMIN_WEB_H
#define LLMMETA_ADMIN_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "../../core/buf.h"
#include "../../http/http.h"
#include "../../model/admin.h"

void page_admin(http_req *r);
void page_admin_messages(http_req *r);
void page_admin_messages_delete(http_req *r);
void page_admin_message(http_req *r);
void page_admin_message_delete(http_req *r);
void page_admin_users(http_req *r);
void page_admin_user(http_req *r);
void page_admin_log(http_req *r);

/* page_begin with the admin's navigation; `here` is "overview", "messages",
 * "users" or "log". */
void admin_begin(buf *b, http_req *r, const char *title, const char *here);
/* "2026-11-26 07:12:03 UTC" in a <time> element; "never" for -1. */
void admin_time(buf *b, int64_t ms);
/* s escaped, cut to max characters with "…" (also when `more`: s is the start of a
 * longer text). */
void admin_cut(buf *b, const char *s, size_t max, bool more);
/* An integer, or "–" for an unknown (-1). */
void admin_num(buf *b, int64_t v);
/* A count: "37", or "1000+" for at least 1000. */
void admin_count(buf *b, const struct admin_count *c);
/* ?page=, from 1 (anything else is 1), at most ADMIN_MAX_PAGE. */
int64_t admin_page(http_req *r);
/* The route's <int> as an id; false (and 404 answered) when it is out of range. */
bool admin_id(http_req *r, int64_t *id);
/* "Previous"/"Next" links: url is the page's address with its query, without page
 * (it ends in '?' or '&' ready for one more parameter). */
void admin_pager(buf *b, const char *url, int64_t page, bool more);
/* The administrator making this request, as the log names them. */
struct admin_actor admin_actor_of(http_req *r);

/* The parts of /admin/users/<id>/ other features own (user_keys.c): the user's
 * API keys with their revoke buttons, and their sign-in identities, read-only (0, or
 * -1 when they could not be read); the POST action=revoke_key with key_id (404 for a
 * key that is not this user's; then a redirect to the page). */
int admin_user_keys(buf *b, http_req *r, db *d, int64_t user_id);
int admin_user_identities(buf *b, db *d, int64_t user_id);
void admin_user_revoke_key(http_req *r, db *d, int64_t user_id);

#endif
