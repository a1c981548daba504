/* admin.h - what the admin panel reads and changes across every user (docs/admin.md):
 * the list of all messages with its filters, search, sort whitelist and capped
 * counts; one message with its edit and deletion; the users with their actions
 * (activate, deactivate, grant or revoke the admin right, delete) and the rules that
 * keep an administrator; the overview's figures; and the admin log, which every
 * change here writes in the same transaction as the change itself (admin_log.c).
 *
 * Nothing here checks that the caller is an administrator: the route does (web/app/routes.c).
 * What a request names is only ever bound; the sort and the filters pick SQL from
 * fixed tables here, never from the request's text. */
#ifndef LLMMETA_ADMIN_H
#define LLMMETA_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"

/* Rows per page of the admin's lists, and the deepest page (a page further than
 * that is reached by narrowing the filters: OFFSET reads every row it skips). */
#define ADMIN_PAGE 50
#define ADMIN_MAX_PAGE 200
/* Counts stop here and are shown as "1000+": an exact count of a filter over a
 * million rows reads all of them, a capped one at most this many index entries. */
#define ADMIN_COUNT_CAP 1000
/* Under a filter, the counts (and the total) are of at most this many matching
 * messages, read once; when more match they are lower bounds, shown "n+". */
#define ADMIN_SAMPLE 2000
/* Messages one bulk deletion may name. */
#define ADMIN_MAX_BULK 500
/* Usernames a search may match (their messages are added to the content's hits). */
#define ADMIN_MAX_NAME_HITS 20

/* Who is acting, as the log records them. */
struct admin_actor {
	int64_t id;
	const char *name;
};

/* A LIKE pattern (ESCAPE '\\') that finds s anywhere, LIKE's own characters escaped:
 * for the searches of usernames here and in admin_users.c. Caller frees; NULL when
 * memory ran out. */
char *admin_like_anywhere(const char *s);

/* ---- the list of messages ---- */

/* The sortable columns, as the page names them (also the table's headers, in this
 * order): admin_sort_name(0 .. admin_nsorts - 1). */
extern const size_t admin_nsorts;
const char *admin_sort_name(size_t i);
/* The column `s` names ("time", "-tokens" for descending): its index for
 * admin_sort_name, or -1 for anything else (then the default, newest first). */
int admin_sort_parse(const char *s, bool *desc);

/* The values the fixed filters take, NULL-terminated. */
extern const char *const admin_roles[];
extern const char *const admin_statuses[];
extern const char *const admin_sources[]; /* ADMIN_NSOURCES of them */
#define ADMIN_NSOURCES 5
extern const char *const admin_dates[]; /* today, 7d, month, year */
/* s if it is one of list's values (the list's own pointer), else NULL. */
const char *admin_pick(const char *const *list, const char *s);
/* The start (ms, UTC) of the date filter's period at `now`: today since midnight,
 * 7d since midnight six days before (seven days with today), month since the 1st,
 * year since 1 January - Django's admin's date filter. -1 for an unknown name. */
int64_t admin_date_start(const char *date, int64_t now);

struct admin_filter {
	const char *role, *status, *source, *date; /* one of the lists' values, or NULL */
	const char *model;                          /* any text, bound; NULL: any */
	const char *user;                           /* a username (any case); NULL: any */
	const char *comparison;                     /* a comparison's UUID: its columns' messages; NULL: any */
	const char *q;                              /* the search; NULL or "": none */
	int sort;                                   /* admin_sort_parse's, -1: id */
	bool desc;
	int64_t page;                               /* from 1 */
	int64_t now;                                /* for the date filter */
};

struct admin_msg_row {
	int64_t id, conv_id, tokens, elapsed_ms, created_at, words; /* -1 unknown */
	char role[16], status[16], source[16], uuid[37];
	char *content; /* its start */
	bool cut;      /* more follows */
	char *model;   /* NULL: none */
	char *username, *title;
};

/* A count: exactly n, or at least n when `more` (docs/admin.md, "Counts"). */
struct admin_count {
	const char *value; /* points into the lists, or into models */
	int64_t n;
	bool more;
};

struct admin_msg_page {
	struct admin_msg_row *rows;
	size_t n;
	bool more;          /* another page follows */
	struct admin_count total; /* of the messages under the filters */
	const char *why;    /* the search was not read as a query (then only usernames) */
	char **names;       /* usernames the search matched */
	size_t nnames;
	/* Counts of each filter's values with the other filters applied: with none, a
	 * capped count per value (ADMIN_COUNT_CAP); else from at most ADMIN_SAMPLE
	 * messages under the other filters. */
	struct admin_count roles[5], statuses[5], sources[ADMIN_NSOURCES + 1], dates[5];
	char **models;      /* every model used, each once */
	struct admin_count *model_counts;
	size_t nmodels;
};

#define ADMIN_CHARS 120 /* the content shown in a row */

/* One page of messages under f, with the counts. 0 or -1. */
int admin_messages(db *d, const struct admin_filter *f, struct admin_msg_page *p);
void admin_msg_page_free(struct admin_msg_page *p);

/* ---- one message ---- */

/* Where message id is: its conversation (id, uuid, title) and its author. 1, 0 when
 * there is no such message, -1 on error. Free title and username. */
struct admin_msg_where {
	int64_t conv_id, user_id;
	char uuid[37];
	char *title, *username;
};
int admin_message_where(db *d, int64_t id, struct admin_msg_where *w);
void admin_msg_where_free(struct admin_msg_where *w);

/* The edit of a message: its new content, role and model (NULL or "" model: none),
 * and the content's rendering when it is shown rendered (an answer), else NULL. */
struct admin_edit {
	const char *content, *role, *model;
	const char *rendered;
	int64_t rendered_version;
};
/* Saves what changed, each changed field logged with its old and new value, and
 * moves the conversation's revision. 1 changed, 0 nothing changed, -2 no such
 * message, -1 error. */
int admin_message_edit(db *d, const struct admin_actor *a, int64_t id, const struct admin_edit *e);

/* Deletes the messages ids (each logged with its start), the files only they used,
 * and the conversations they leave empty; the others' revisions move. One
 * transaction. The number deleted (ids that do not exist are skipped), or -1. */
int64_t admin_messages_delete(db *d, const struct admin_actor *a, const int64_t *ids, size_t n);

/* For the bulk deletion's confirmation: of ids, those that exist, with their rows
 * (role, start, author, ...). 0 or -1. */
int admin_messages_by_id(db *d, const int64_t *ids, size_t n, struct admin_msg_row **out, size_t *nout);
void admin_msg_rows_free(struct admin_msg_row *r, size_t n);

/* ---- users ---- */

struct admin_user_row {
	int64_t id, created_at, last_login; /* last_login -1: never */
	char *username, *email;
	bool admin, active;
	int64_t messages, tokens, conversations;
};
/* The orders of the users' list: a column each, named as in its URL's sort=. */
enum admin_user_sort {
	USERS_BY_USERNAME,
	USERS_BY_EMAIL,
	USERS_BY_ADMIN,
	USERS_BY_ACTIVE,
	USERS_BY_JOINED,
	USERS_BY_LAST_LOGIN,
	USERS_BY_MESSAGES,
	USERS_BY_TOKENS,
	USERS_NSORTS
};
extern const char *const admin_user_sorts[USERS_NSORTS + 1];

/* Which users, in which order. Every field's zero value is "any" / by username. */
struct admin_user_query {
	const char *q;             /* username or e-mail holds it (any case) */
	int active, admin;         /* 0 any, 1 yes, -1 no */
	const char *provider;      /* signed in with that provider at least once */
	int64_t joined_since;      /* 0 any; else created_at >= it (ms) */
	enum admin_user_sort sort; /* ties: by username */
	bool desc;
};
/* A page of the users q selects, in its order. 0 or -1. */
int admin_users(db *d, const struct admin_user_query *q, int64_t page, struct admin_user_row **out, size_t *n,
		bool *more);
/* One user: 1, 0 none, -1 error. */
int admin_user(db *d, int64_t id, struct admin_user_row *u);
void admin_user_rows_free(struct admin_user_row *u, size_t n);

enum admin_action {
	ADMIN_ACTIVATE,
	ADMIN_DEACTIVATE,
	ADMIN_GRANT,
	ADMIN_REVOKE,
	ADMIN_DELETE,
};
/* The action `s` names ("activate", "deactivate", "grant_admin", "revoke_admin",
 * "delete"), or -1. */
int admin_action_parse(const char *s);

enum admin_result {
	ADMIN_DONE = 1,
	ADMIN_UNCHANGED = 0, /* it was already so */
	ADMIN_ERROR = -1,
	ADMIN_NOT_FOUND = -2,
	ADMIN_SELF = -3,       /* an administrator removing their own right, or themselves */
	ADMIN_LAST_ADMIN = -4, /* it would leave no active administrator */
	ADMIN_NOT_ADMIN = -5,  /* the actor is no longer an active administrator */
	ADMIN_TAKEN = -6,      /* another user has that e-mail address */
};
/* Applies the action to user `target`, logged, in one transaction: deactivating
 * also ends every session of the user; deleting removes the user with all their
 * data. The last active administrator keeps their right, activity and account,
 * whoever asks - checked under a lock, so that two administrators removing each
 * other at once cannot both succeed; and under the same lock, the actor must still
 * be an active administrator. */
enum admin_result admin_user_action(db *d, const struct admin_actor *a, int64_t target, enum admin_action action);

/* Gives user target the e-mail address email (valid: user_valid_email), logged
 * (field "email", old and new), in one transaction. The new address is not proven:
 * a password reset to it treats the account as one whose address was never
 * confirmed (docs/accounts.md). ADMIN_DONE, ADMIN_UNCHANGED, ADMIN_NOT_FOUND,
 * ADMIN_TAKEN or ADMIN_ERROR. */
enum admin_result admin_user_set_email(db *d, const struct admin_actor *a, int64_t target, const char *email);

/* ---- the overview ---- */

struct admin_stat {
	char *label; /* a model or a username; "(none)" */
	int64_t messages, tokens;
};
struct admin_overview {
	int64_t users, conversations, messages, tokens;
	int64_t errors, cancelled; /* all time */
	/* Per model and per user (the 20 with most messages) since today's midnight,
	 * 7 days and 30 days. */
	struct admin_stat *by_model[3], *by_user[3];
	size_t nby_model[3], nby_user[3];
	struct admin_msg_row *errors_latest; /* the last 10 errors */
	size_t nerrors_latest;
};
int admin_overview(db *d, int64_t now, struct admin_overview *o);
void admin_overview_free(struct admin_overview *o);

/* ---- the admin log ---- */

/* The actions the log records, NULL-terminated (its filter's values). */
extern const char *const admin_log_actions[];

/* Adds an entry, inside the caller's transaction. 0 or -1. */
int admin_log_add(db *d, const struct admin_actor *a, const char *action, const char *object_type, int64_t object_id,
		  const char *object_label, const char *field, const char *old_value, const char *new_value);

struct admin_log_row {
	int64_t id, at, object_id; /* object_id -1: none */
	char *admin_name, *action, *object_type, *object_label;
	char *field, *old_value, *new_value; /* NULL: none */
};
/* A page of the log, newest first, of one administrator (by name) and/or action
 * (NULL: all). 0 or -1. */
int admin_log_list(db *d, const char *admin_name, const char *action, int64_t page, struct admin_log_row **out,
		   size_t *n, bool *more);
/* The names of those who have entries in the log, for its filter. */
int admin_log_admins(db *d, char ***out, size_t *n);
void admin_log_rows_free(struct admin_log_row *r, size_t n);
void admin_strings_free(char **s, size_t n);

/* ---- where the admin panel meets the API (admin_keys.c, docs/api.md) ---- */

/* Revokes user_id's API key key_id, logged (key_revoke, with the time it was
 * revoked) in the same transaction: ADMIN_DONE, ADMIN_UNCHANGED when it was revoked
 * already, ADMIN_NOT_FOUND when the key is not this user's, ADMIN_ERROR. The next
 * call with the key is refused (apikey_owner reads no cache). */
enum admin_result admin_key_revoke(db *d, const struct admin_actor *a, int64_t user_id, int64_t key_id);

/* The API columns of message id, which the lists do not read: the request body as the
 * client sent it and the answer's tool calls (NULL: none), the key that made the call
 * (key_id -1: none, also once the key is deleted). 1, 0 no such message, -1. */
struct admin_msg_api {
	char *request_json, *tool_calls;
	int64_t key_id;
	char *key_name;
	char key_prefix[16];
	bool key_revoked;
};
int admin_message_api(db *d, int64_t id, struct admin_msg_api *x);
void admin_msg_api_free(struct admin_msg_api *x);

#endif
