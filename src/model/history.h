/* history.h - the history page's reads: a page of the user's conversations, most
 * recently active first, with the start of each of their messages, in two queries
 * whatever the number of conversations, or one when the page has kept what it shows
 * of them (docs/history.md).
 *
 * Pages are cut by a keyset cursor, the (updated_at, id) of the last conversation
 * of the previous page, so that a conversation becoming active moves to the first
 * page without shifting the others. */
#ifndef LLMMETA_HISTORY_H
#define LLMMETA_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

/* Conversations per page. */
#define HIST_PAGE 20
/* Characters of each message read for the page (the start shown, not the whole). */
#define HIST_CONTENT_CHARS 400

/* One message, as the history shows it. Unknown integers are -1, model NULL. */
struct hist_msg {
	int64_t id;
	char role[16];
	char status[16];
	char source[16]; /* web | api | api-embeddings | api-responses | import */
	char *content; /* the first HIST_CONTENT_CHARS characters */
	bool cut;      /* the content is longer than that */
	char *model;
	int64_t total_tokens, elapsed_ms, created_at;
};

struct hist_conv {
	int64_t id;
	char uuid[37];
	char *title;
	int64_t updated_at;
	int64_t revision; /* of its messages (conversation.h) */
	char comparison[37]; /* the comparison it stands for (its first column), or "" */
	int64_t columns;     /* that comparison's columns */
	bool want;	  /* set by the caller: hist_messages reads its messages */
	struct hist_msg *msgs; /* all its messages, in order, once read */
	size_t nmsgs;
};

/* The cursor of the first page: before every conversation. */
#define HIST_START INT64_MAX

/* The user's conversations active before (before_at, before_id) in (updated_at,
 * id) order, newest first, at most HIST_PAGE, without their messages (want set);
 * *more tells whether older ones follow. 0 or -1. Free with hist_free. */
int hist_page(db *d, int64_t user_id, int64_t before_at, int64_t before_id, struct hist_conv **out, size_t *n,
	      bool *more);
/* Reads the messages of the conversations of the page whose `want` is set, in one
 * query (none when no conversation wants them): the caller may already have what
 * it shows of the others, kept by their revision. 0 or -1. */
int hist_messages(db *d, int64_t user_id, struct hist_conv *c, size_t n);
void hist_free(struct hist_conv *c, size_t n);

/* The cursor (updated_at, id) of the user's conversation at `offset` in the
 * history's order (for the old ?page= links): 1 found, 0 not, -1 error. */
int hist_cursor_at(db *d, int64_t user_id, int64_t offset, int64_t *at, int64_t *id);

#endif
