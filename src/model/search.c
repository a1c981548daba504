/* search.c - full-text search (see search.h). */
#include "search.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "field.h"

/* A term of the query: one word or a phrase (words in a row), the last word
 * possibly a prefix. Words point into the query. */
struct term {
	size_t first, nwords; /* into the word arrays */
	bool prefix;
};

struct query {
	const char *word[SEARCH_MAX_WORDS];
	size_t len[SEARCH_MAX_WORDS];
	size_t nwords;
	struct term term[SEARCH_MAX_WORDS];
	size_t nterms;
};

static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* A word the engines index: one with a letter or digit (any non-ASCII byte counts,
 * being part of a letter more often than not). Punctuation alone, which both
 * tokenizers drop, is skipped rather than sent as an empty phrase. */
static bool indexable(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
			return true;
	}
	return false;
}

/* Adds the words of s[0..n) (split at spaces) as one term. */
static const char *add_term(struct query *q, const char *s, size_t n, bool prefix)
{
	struct term t = {.first = q->nwords, .prefix = prefix};
	for (size_t i = 0; i < n;) {
		while (i < n && space(s[i]))
			i++;
		size_t start = i;
		while (i < n && !space(s[i]))
			i++;
		if (i == start || !indexable(s + start, i - start))
			continue;
		if (q->nwords == SEARCH_MAX_WORDS)
			return "A search may hold at most 20 words.";
		q->word[q->nwords] = s + start;
		q->len[q->nwords++] = i - start;
		t.nwords++;
	}
	if (t.nwords)
		q->term[q->nterms++] = t;
	return NULL;
}

/* Reads the user's text as terms; NULL, or why it is refused. */
static const char *parse(struct query *q, const char *s)
{
	memset(q, 0, sizeof *q);
	while (*s) {
		if (space(*s)) {
			s++;
		} else if (*s == '"') {
			const char *end = strchr(s + 1, '"');
			if (!end)
				return "A quotation mark is not closed: put a phrase between two of them, as in \"exact words\".";
			bool prefix = end[1] == '*';
			const char *why = add_term(q, s + 1, (size_t)(end - s - 1), prefix);
			if (why)
				return why;
			s = end + 1;
			while (*s == '*')
				s++;
		} else {
			const char *start = s;
			while (*s && !space(*s) && *s != '"')
				s++;
			size_t n = (size_t)(s - start);
			bool prefix = false;
			while (n && start[n - 1] == '*') {
				prefix = true;
				n--;
			}
			if (prefix && !indexable(start, n))
				return "A * must end a word, as in data* (which finds data, database, ...).";
			const char *why = add_term(q, start, n, prefix);
			if (why)
				return why;
		}
	}
	return q->nterms ? NULL : "Type a word to search for.";
}

/* FTS5: each term a string ("w1 w2"), * after it for a prefix, the terms side by
 * side (all must match). A word holds no '"' (they delimit), so the strings need no
 * escaping, and FTS5 keywords (NEAR, AND, ...) inside them are plain words. */
static void fts5_query(buf *b, const struct query *q)
{
	for (size_t t = 0; t < q->nterms; t++) {
		buf_puts(b, t ? " \"" : "\"");
		for (size_t w = 0; w < q->term[t].nwords; w++) {
			if (w)
				buf_putc(b, ' ');
			size_t i = q->term[t].first + w;
			buf_append(b, q->word[i], q->len[i]);
		}
		buf_puts(b, q->term[t].prefix ? "\"*" : "\"");
	}
}

/* tsquery: each word a quoted lexeme ('it''s', with ' and \ doubled), the words of a
 * phrase joined by <->, :* after the last word of a prefix term, the terms joined
 * by &. to_tsquery then splits a quoted lexeme as to_tsvector splits the text. */
static void ts_query(buf *b, const struct query *q)
{
	for (size_t t = 0; t < q->nterms; t++) {
		buf_puts(b, t ? " & (" : "(");
		for (size_t w = 0; w < q->term[t].nwords; w++) {
			size_t i = q->term[t].first + w;
			buf_puts(b, w ? " <-> '" : "'");
			for (size_t k = 0; k < q->len[i]; k++) {
				char c = q->word[i][k];
				if (c == '\'' || c == '\\')
					buf_putc(b, c);
				buf_putc(b, c);
			}
			buf_putc(b, '\'');
			if (q->term[t].prefix && w + 1 == q->term[t].nwords)
				buf_puts(b, ":*");
		}
		buf_putc(b, ')');
	}
}

/* ORDER BY rank (bm25) alone, which FTS5 sorts itself: the rows then come best
 * first, so the join stops at the 50th of the user's and the snippets are made for
 * those only - three times faster on 100,000 messages than sorting by bm25() after
 * the join, when every match's snippet is made. */
static const char *const sqlite_sql =
	"SELECT m.id, c.uuid, c.title, m.role, m.model, m.created_at,"
	" snippet(messages_fts, 0, char(1), char(2), '…', 24)"
	" FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
	" JOIN conversations c ON c.id = m.conversation_id"
	" WHERE messages_fts MATCH ? AND m.user_id = ? ORDER BY messages_fts.rank LIMIT ?";

/* The headline is made for the page's hits only, after the ranking. */
static const char *const pg_sql =
	"SELECT s.id, s.uuid, s.title, s.role, s.model, s.created_at,"
	" ts_headline('simple', s.content, to_tsquery('simple', ?),"
	" 'StartSel=\"' || chr(1) || '\", StopSel=\"' || chr(2) || '\", MaxWords=35, MinWords=15')"
	" FROM (SELECT m.id, c.uuid, c.title, m.role, m.model, m.created_at, m.content, ts_rank(m.search, q) AS rank"
	" FROM messages m JOIN conversations c ON c.id = m.conversation_id, to_tsquery('simple', ?) q"
	" WHERE m.user_id = ? AND m.search @@ q ORDER BY rank DESC, m.id DESC LIMIT ?) s"
	" ORDER BY s.rank DESC, s.id DESC";

static int read_hits(db_rows *r, struct search_hit **out, size_t *n)
{
	struct search_hit *h = calloc(SEARCH_MAX_HITS, sizeof *h);
	if (!h)
		return -1;
	int rc;
	while ((rc = db_step(r)) == 1 && *n < SEARCH_MAX_HITS) {
		struct search_hit *x = &h[(*n)++];
		x->id = db_int(r, 0);
		copy_field(x->uuid, sizeof x->uuid, db_text(r, 1));
		copy_field(x->role, sizeof x->role, db_text(r, 3));
		x->created_at = db_int(r, 5);
		x->title = xstrdup(db_text(r, 2));
		x->snippet = xstrdup(db_text(r, 6));
		if (!x->title || !x->snippet || (!db_null(r, 4) && !(x->model = xstrdup(db_text(r, 4))))) {
			rc = -1;
			break;
		}
	}
	*out = h;
	return rc < 0 ? -1 : 0;
}

char *search_engine_query(db *d, const char *text, const char **why)
{
	struct query q;
	if ((*why = parse(&q, text)))
		return NULL;
	buf b = BUF_INIT;
	(db_backend(d) == DB_POSTGRES ? ts_query : fts5_query)(&b, &q);
	return buf_detach(&b, NULL);
}

int search_messages(db *d, int64_t user_id, const char *text, struct search_hit **out, size_t *n, const char **why)
{
	*out = NULL;
	*n = 0;
	bool pg = db_backend(d) == DB_POSTGRES;
	char *engine = search_engine_query(d, text, why);
	if (*why)
		return 1;
	if (!engine)
		return -1;
	db_rows *r = pg ? db_query(d, pg_sql,
				   DB_ARGS(db_v_text(engine), db_v_text(engine), db_v_int(user_id), db_v_int(SEARCH_MAX_HITS)))
			: db_query(d, sqlite_sql, DB_ARGS(db_v_text(engine), db_v_int(user_id), db_v_int(SEARCH_MAX_HITS)));
	if (!r) {
		free(engine);
		return -1;
	}
	int rc = read_hits(r, out, n);
	db_done(r);
	free(engine); /* bound without a copy: it lives as long as the rows */
	if (rc < 0) {
		search_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void search_free(struct search_hit *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free(h[i].title);
		free(h[i].model);
		free(h[i].snippet);
	}
	free(h);
}
