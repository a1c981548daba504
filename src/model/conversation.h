/* conversation.h - conversations, their messages with all their metadata (model,
 * parameters, token counts, timings, finish reason, status), the files attached to
 * them, and saved prompts: the SQL lives here.
 *
 * Whatever a request names (a conversation's uuid, an upload's or a prompt's id) is
 * looked up with the user id, and only that user's rows come back: conv_find,
 * conv_head, conv_list, upload_fetch, upload_text and the prompt functions. The
 * functions that take a conversation or message id - conv_touch, msg_insert,
 * msg_set_status, msg_list, msg_list_tail, msg_set_rendered - trust it: the caller
 * has checked it first (the conversation's id comes from conv_find or conv_head, a
 * message's from msg_insert or msg_list).
 *
 * A conversation has a revision that every function changing its messages
 * increments (msg_insert, msg_set_status, msg_set_rendered, and so the exchange
 * functions), after the change: a page made from the messages read after the
 * revision can be kept under it, and is stale once the revision moves, whichever
 * instance moved it (docs/architecture.md). */
#ifndef LLMMETA_CONVERSATION_H
#define LLMMETA_CONVERSATION_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../db/db.h"

/* A message. Unknown integers are -1, unknown reals NAN, unknown strings NULL.
 *
 * A message owns every string it points to, whoever filled it: each is its own heap
 * copy, and message_clear frees them all. What comes from elsewhere - a form's
 * field, an answer's buffer, another message - is copied in (xstrdup) or moved in
 * (buf_detach), never pointed at. One kind of message, not an owning and a
 * borrowing one told apart by the reader: so clearing a message is always right
 * and always needed, and nobody has to know where one came from. The sanitizer
 * build (the one the tests run) catches either mistake: a borrowed string cleared
 * is an invalid or a double free, an owned one never cleared a leak. */
struct message {
	int64_t id;
	char role[16];
	char *content;
	int64_t created_at;
	char *provider, *model, *model_reported;
	int64_t max_tokens, top_k;
	double temperature, top_p;
	int64_t prompt_tokens, completion_tokens, total_tokens;
	int64_t elapsed_ms, ttft_ms;
	int64_t words; /* the Django app's word count of an imported answer, not tokens */
	char *finish_reason;
	char status[16]; /* ok | error | cancelled | interrupted */
	char *error;
	char source[16]; /* web | api | api-embeddings | api-responses | import */
	int64_t upload_id;
	char *file_name, *file_sha256, *file_type;
	int64_t file_size;
	/* The content as shown, made by the layer that shows it, and the version of what
	 * made it: carried and stored as they are (NULL and -1 when there is none). */
	char *rendered;
	int64_t rendered_version;
	/* A call through the API (docs/api.md): the question's whole request body as the
	 * client sent it, the answer's tool calls (a JSON array), the key that made it
	 * (NULL, NULL, -1 otherwise). Written by msg_insert, not read by the lists. */
	char *request_json, *tool_calls;
	int64_t api_key_id;
};

/* A message with every field unknown. */
void message_init(struct message *m, const char *role);
/* Frees m's strings (all of them its own) and zeroes it. */
void message_clear(struct message *m);

/* Creates a conversation; uuid receives its id for URLs. */
int conv_create(db *d, int64_t user_id, const char *title, const char *source, char uuid[37], int64_t *id);
/* The user's conversation uuid, created (with that uuid) when no conversation has
 * it: 1 and *id, 0 when uuid is another user's, -1 error. */
int conv_find_or_create(db *d, const char *uuid, int64_t user_id, const char *title, const char *source, int64_t *id);
/* Whose conversation uuid is: 1 found (*user_id), 0 none has it, -1 error. */
int conv_owner(db *d, const char *uuid, int64_t *user_id);
/* The id of the user's conversation uuid: 1 found, 0 not (or not theirs), -1 error. */
int conv_find(db *d, const char *uuid, int64_t user_id, int64_t *id);
/* Sets the conversation's activity time (the history's order). Not a change to its
 * messages: the revision stays. */
int conv_touch(db *d, int64_t id);
/* Increments the conversation's revision: for a model function outside this file
 * that changes its messages (the admin's edits and deletions), after the change and
 * in the same transaction. 0 or -1 (also when there is no such conversation). */
int conv_bump(db *d, int64_t conv_id);

/* What a view of a conversation needs before its messages. */
struct conv_head {
	int64_t id;
	int64_t revision;
	char *title; /* "" when it has none; the caller frees it */
};
/* The user's conversation uuid, in one query: 1 found, 0 not (or not theirs), -1
 * error. */
int conv_head(db *d, const char *uuid, int64_t user_id, struct conv_head *h);
/* The title of the user's conversation id (caller frees; "" when it has none), or
 * NULL when it is not found or not theirs, or on error. */
char *conv_title(db *d, int64_t id, int64_t user_id);

/* The longest title a user may give a conversation, in characters. */
#define CONV_TITLE_MAX 200
/* Gives the user's conversation uuid a new title (checked by the caller: one line,
 * 1 to CONV_TITLE_MAX characters): 1 renamed, 0 not found or not theirs, -1 error. */
int conv_rename(db *d, const char *uuid, int64_t user_id, const char *title);

struct conv_summary {
	char uuid[37];
	char *title;
	int64_t updated_at;
	int64_t messages;
};
/* The user's conversations, most recently active first, `limit` from `offset`. */
int conv_list(db *d, int64_t user_id, int64_t limit, int64_t offset, struct conv_summary **out, size_t *n);
void conv_list_free(struct conv_summary *c, size_t n);

int msg_insert(db *d, const struct message *m, int64_t conv_id, int64_t user_id, int64_t *id);
int msg_set_status(db *d, int64_t id, const char *status, const char *error, int64_t elapsed_ms);
/* The conversation's messages in order; free with msg_list_free. */
int msg_list(db *d, int64_t conv_id, struct message **out, size_t *n);
/* The conversation's last k messages (or all, when fewer), in order; free with
 * msg_list_free. */
int msg_list_tail(db *d, int64_t conv_id, int64_t k, struct message **out, size_t *n);
/* Stores the rendering of message id's content (a newer version of it). 0 or -1. */
int msg_set_rendered(db *d, int64_t id, const char *rendered, int64_t version);
void msg_list_free(struct message *m, size_t n);

/* Stores a file; returns 0 and its id, or -1. */
int upload_insert(db *d, int64_t user_id, const char *name, const char *content_type, const void *data, size_t len,
		  int64_t *id);
/* The user's stored file: 1 found (name, type and data filled; caller frees name
 * and type, buf_free data), 0 not found or not theirs, -1 error. */
int upload_fetch(db *d, int64_t id, int64_t user_id, char **name, char **type, buf *data);
/* The stored file's bytes as a string (caller frees), or NULL. */
char *upload_text(db *d, int64_t upload_id, int64_t user_id);

struct prompt {
	int64_t id;
	char *title;
	char *text;
};
int prompt_list(db *d, int64_t user_id, struct prompt **out, size_t *n);
void prompt_list_free(struct prompt *p, size_t n);
int prompt_save(db *d, int64_t user_id, const char *title, const char *text);
/* 1 deleted, 0 not found (or not theirs), -1 error. */
int prompt_delete(db *d, int64_t user_id, int64_t id);
/* The text of the user's prompt id (caller frees), or NULL. */
char *prompt_text(db *d, int64_t user_id, int64_t id);

#endif
