/* history.c - the history page's reads (see history.h). */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "field.h"

/* A comparison's columns are one entry: its first column's conversation stands
 * for all of them. */
#define ONE_PER_COMPARISON                                                                             \
	"NOT EXISTS (SELECT 1 FROM comparison_columns cc WHERE cc.conversation_id = conversations.id" \
	" AND cc.position > 1)"

/* The conversations of the page, one more than a page to tell whether more follow. */
static int read_convs(db *d, int64_t user_id, int64_t before_at, int64_t before_id, struct hist_conv *c, size_t *n)
{
	db_rows *r = db_query(d,
			      "SELECT id, uuid, title, updated_at, revision,"
			      " (SELECT cm.uuid FROM comparison_columns cc JOIN comparisons cm ON cm.id = cc.comparison_id"
			      "  WHERE cc.conversation_id = conversations.id),"
			      " (SELECT count(*) FROM comparison_columns cc WHERE cc.comparison_id ="
			      "  (SELECT comparison_id FROM comparison_columns c1 WHERE c1.conversation_id = conversations.id))"
			      " FROM conversations WHERE user_id = ?"
			      " AND updated_at <= ? AND (updated_at < ? OR id < ?)" /* a range on the index */
			      " AND " ONE_PER_COMPARISON
			      " ORDER BY updated_at DESC, id DESC LIMIT ?",
			      DB_ARGS(db_v_int(user_id), db_v_int(before_at), db_v_int(before_at), db_v_int(before_id),
				      db_v_int(HIST_PAGE + 1)));
	if (!r)
		return -1;
	int rc;
	while ((rc = db_step(r)) == 1 && *n < HIST_PAGE + 1) {
		struct hist_conv *h = &c[(*n)++];
		h->id = db_int(r, 0);
		copy_field(h->uuid, sizeof h->uuid, db_text(r, 1));
		h->updated_at = db_int(r, 3);
		h->revision = db_int(r, 4);
		copy_field(h->comparison, sizeof h->comparison, db_null(r, 5) ? "" : db_text(r, 5));
		h->columns = db_int(r, 6);
		h->want = !h->comparison[0]; /* an entry of a comparison shows no exchanges */
		if (!(h->title = xstrdup(db_text(r, 2)))) {
			rc = -1;
			break;
		}
	}
	db_done(r);
	return rc < 0 ? -1 : 0;
}

/* Appends the row's message to h, whose array holds *cap. */
static int add_msg(struct hist_conv *h, size_t *cap, db_rows *r)
{
	struct hist_msg *g = room_for_one(h->msgs, h->nmsgs, cap, sizeof *g);
	if (!g)
		return -1;
	h->msgs = g;
	struct hist_msg *m = &h->msgs[h->nmsgs++];
	memset(m, 0, sizeof *m);
	m->id = db_int(r, 1);
	copy_field(m->role, sizeof m->role, db_text(r, 2));
	copy_field(m->status, sizeof m->status, db_text(r, 3));
	m->cut = db_int(r, 5) != 0;
	m->total_tokens = int_or_none(r, 7);
	m->elapsed_ms = int_or_none(r, 8);
	m->created_at = db_int(r, 9);
	copy_field(m->source, sizeof m->source, db_text(r, 10));
	m->content = xstrdup(db_text(r, 4));
	if (!db_null(r, 6) && !(m->model = xstrdup(db_text(r, 6))))
		return -1;
	return m->content ? 0 : -1;
}

/* The messages in one query: the ids are bound into a
 * list of HIST_PAGE placeholders (the unused ones bound to 0, which no row has), so
 * that the statement's text, and thus its cache entry, is always the same. The user
 * is checked again, but written +user_id so that SQLite does not pick the user's
 * index over the conversations' (it would read every message of the user: 45 ms
 * instead of 0.2 for a user with 100,000). */
int hist_messages(db *d, int64_t user_id, struct hist_conv *c, size_t n)
{
	size_t wanted = 0;
	for (size_t i = 0; i < n; i++)
		wanted += c[i].want;
	if (!wanted)
		return 0;
	db_val v[HIST_PAGE + 3];
	v[0] = v[1] = db_v_int(HIST_CONTENT_CHARS);
	v[2] = db_v_int(user_id);
	for (size_t i = 0; i < HIST_PAGE; i++)
		v[i + 3] = db_v_int(i < n && c[i].want ? c[i].id : 0);
	buf sql = BUF_INIT;
	buf_puts(&sql, "SELECT conversation_id, id, role, status, substr(content, 1, ?), CASE WHEN length(content) > ? THEN 1 ELSE 0 END,"
		       " model, total_tokens, elapsed_ms, created_at, source FROM messages WHERE +user_id = ? AND conversation_id IN (");
	for (size_t i = 0; i < HIST_PAGE; i++)
		buf_puts(&sql, i ? ", ?" : "?");
	buf_puts(&sql, ") ORDER BY conversation_id, id");
	char *text = buf_detach(&sql, NULL);
	if (!text)
		return -1;
	db_rows *r = db_query(d, text, HIST_PAGE + 3, v);
	free(text);
	if (!r)
		return -1;
	size_t cap[HIST_PAGE] = {0};
	int rc;
	while ((rc = db_step(r)) == 1) {
		int64_t conv = db_int(r, 0);
		size_t at = 0;
		while (at < n && (c[at].id != conv || !c[at].want))
			at++;
		if (at < n && add_msg(&c[at], &cap[at], r) < 0) {
			rc = -1;
			break;
		}
	}
	db_done(r);
	return rc < 0 ? -1 : 0;
}

int hist_page(db *d, int64_t user_id, int64_t before_at, int64_t before_id, struct hist_conv **out, size_t *n,
	      bool *more)
{
	*out = NULL;
	*n = 0;
	*more = false;
	struct hist_conv *c = calloc(HIST_PAGE + 1, sizeof *c);
	if (!c)
		return -1;
	size_t k = 0;
	if (read_convs(d, user_id, before_at, before_id, c, &k) < 0) {
		hist_free(c, k);
		return -1;
	}
	if (k > HIST_PAGE) {
		*more = true;
		free(c[HIST_PAGE].title);
		k = HIST_PAGE;
	}
	*out = c;
	*n = k;
	return 0;
}

void hist_free(struct hist_conv *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		for (size_t j = 0; j < c[i].nmsgs; j++) {
			free(c[i].msgs[j].content);
			free(c[i].msgs[j].model);
		}
		free(c[i].msgs);
		free(c[i].title);
	}
	free(c);
}

int hist_cursor_at(db *d, int64_t user_id, int64_t offset, int64_t *at, int64_t *id)
{
	db_rows *r = db_query(d,
			      "SELECT updated_at, id FROM conversations WHERE user_id = ? AND " ONE_PER_COMPARISON
			      " ORDER BY updated_at DESC, id DESC LIMIT 1 OFFSET ?",
			      DB_ARGS(db_v_int(user_id), db_v_int(offset)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		*at = db_int(r, 0);
		*id = db_int(r, 1);
	}
	db_done(r);
	return rc;
}
