/* search.h - full-text search of a user's own questions and answers (migration 6:
 * FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL; docs/search.md).
 *
 * The user's text is never handed to the engine's query language as it is: it is
 * read here as words, "quoted phrases" and prefixes (word*), all of which must
 * match, and each backend's query is written from those, every word quoted - so
 * that whatever the user types is either a valid query or refused here with a
 * message, never an engine syntax error. */
#ifndef LLMMETA_SEARCH_H
#define LLMMETA_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"

/* Results shown, best first. */
#define SEARCH_MAX_HITS 50
/* Words a query may hold (counting those inside phrases). */
#define SEARCH_MAX_WORDS 20

/* In a snippet, these bytes open and close a matched word: the page escapes the
 * snippet, then turns them into markup. */
#define SEARCH_MARK_OPEN '\x01'
#define SEARCH_MARK_CLOSE '\x02'

struct search_hit {
	int64_t id; /* the message's */
	char uuid[37];
	char *title;
	char role[16];
	char *model; /* NULL when none */
	int64_t created_at;
	char *snippet; /* the message's text around its matches, marked as above */
};

/* Searches the user's messages for q, best match first. 0 (the hits in *out, *n of
 * them; free with search_free), 1 when q is not a query this accepts (*why says
 * why, for the user), -1 on error. */
int search_messages(db *d, int64_t user_id, const char *q, struct search_hit **out, size_t *n, const char **why);
void search_free(struct search_hit *h, size_t n);

/* The backend's query for the user's text q, read by the same rules as
 * search_messages (an FTS5 MATCH string on SQLite, a to_tsquery('simple', ...)
 * argument on PostgreSQL), for other model files that search the messages (the
 * admin's list, model/admin.c). The string (caller frees); NULL with *why set when q
 * is not a query this accepts, NULL with *why NULL when memory ran out. */
char *search_engine_query(db *d, const char *q, const char **why);

#endif
