/* compare.c - comparisons, their columns and their votes (see compare.h). */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "exchange.h"
#include "field.h"

static db_val real_or_null(double v) { return isfinite(v) ? db_v_real(v) : db_v_null(); }

static int store(db *d, struct new_comparison *c)
{
	int64_t cmp_id, upload_id = -1;
	uuid_v4(c->uuid);
	if (db_query_int(d,
			 "INSERT INTO comparisons (uuid, user_id, created_at, question, blind, arena)"
			 " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			 DB_ARGS(db_v_text(c->uuid), db_v_int(c->user_id), db_v_int(now_ms()), db_v_text(c->question),
				 db_v_int(c->blind), db_v_int(c->arena)),
			 &cmp_id) != 1)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		struct message *m = c->q[i];
		struct new_question nq = {.user_id = c->user_id, .title = c->title, .source = m->source,
					  .instance_id = c->instance_id, .msg = m};
		/* The file is stored once, with the first column's question; the others name it. */
		if (c->file_name && upload_id < 0) {
			nq.file_name = c->file_name;
			nq.file_type = c->file_type;
			nq.file_data = c->file_data;
			nq.file_len = c->file_len;
		} else {
			m->upload_id = upload_id;
		}
		if (exchange_question_in(d, &nq, &c->question_id[i]) < 0)
			return -1;
		upload_id = m->upload_id;
		c->conv_id[i] = nq.conv_id;
		memcpy(c->conv_uuid[i], nq.uuid, sizeof nq.uuid);
		if (db_exec(d,
			    "INSERT INTO comparison_columns (comparison_id, position, label, conversation_id, provider, model,"
			    " max_tokens, temperature, top_k, top_p) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			    DB_ARGS(db_v_int(cmp_id), db_v_int((int64_t)i + 1), db_v_text(c->label[i]), db_v_int(nq.conv_id),
				    db_v_text(m->provider), db_v_text(m->model), none_or_int(m->max_tokens),
				    real_or_null(m->temperature), none_or_int(m->top_k), real_or_null(m->top_p))) != 1)
			return -1;
	}
	return 0;
}

int compare_create(db *d, struct new_comparison *c)
{
	if (db_begin(d) < 0)
		return -1;
	if (store(d, c) < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

#define CMP_SELECT                                                                                            \
	"SELECT c.id, c.uuid, c.user_id, u.username, c.created_at, c.question, c.blind, c.arena, c.winner,"     \
	" c.voted_at, cc.position, cc.label, cc.conversation_id, cv.uuid, cc.provider, cc.model, cc.max_tokens," \
	" cc.temperature, cc.top_k, cc.top_p"                                                                  \
	" FROM comparisons c JOIN users u ON u.id = c.user_id"                                                  \
	" JOIN comparison_columns cc ON cc.comparison_id = c.id"                                                \
	" LEFT JOIN conversations cv ON cv.id = cc.conversation_id"

static const char *opt_text(db_rows *r, int col) { return db_null(r, col) ? NULL : db_text(r, col); }

/* The comparison's part of a row (columns 0-9). */
static int head_row(db_rows *r, struct comparison *c)
{
	c->id = db_int(r, 0);
	copy_field(c->uuid, sizeof c->uuid, db_text(r, 1));
	c->user_id = db_int(r, 2);
	c->username = xstrdup(db_text(r, 3));
	c->created_at = db_int(r, 4);
	c->question = xstrdup(db_text(r, 5));
	c->blind = db_int(r, 6) != 0;
	c->arena = db_int(r, 7) != 0;
	c->winner = opt_text(r, 8) ? xstrdup(db_text(r, 8)) : NULL;
	c->voted_at = int_or_none(r, 9);
	return c->username && c->question && (db_null(r, 8) || c->winner) ? 0 : -1;
}

/* A column's part of a row (columns 10-19), appended to c's. */
static int column_row(db_rows *r, struct comparison *c)
{
	if (c->ncols == COMPARE_MAX_COLUMNS)
		return 0; /* never more than one comparison holds */
	struct compare_column *k = &c->cols[c->ncols++];
	k->position = (int)db_int(r, 10);
	copy_field(k->label, sizeof k->label, db_text(r, 11));
	k->conv_id = int_or_none(r, 12);
	copy_field(k->conv_uuid, sizeof k->conv_uuid, db_null(r, 13) ? "" : db_text(r, 13));
	k->provider = xstrdup(db_text(r, 14));
	k->model = xstrdup(db_text(r, 15));
	k->max_tokens = int_or_none(r, 16);
	k->temperature = db_null(r, 17) ? NAN : db_real(r, 17);
	k->top_k = int_or_none(r, 18);
	k->top_p = db_null(r, 19) ? NAN : db_real(r, 19);
	return k->provider && k->model ? 0 : -1;
}

/* Reads comparisons (rows grouped by comparison, in label order) into a fresh array. */
static int read_comparisons(db_rows *r, struct comparison **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!r)
		return -1;
	struct comparison *a = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = db_step(r)) == 1) {
		if (!len || a[len - 1].id != db_int(r, 0)) {
			void *grown = room_for_one(a, len, &cap, sizeof *a);
			struct compare_column *cols = grown ? calloc(COMPARE_MAX_COLUMNS, sizeof *cols) : NULL;
			if (!cols) {
				if (grown)
					a = grown;
				rc = -1;
				break;
			}
			a = grown;
			memset(&a[len], 0, sizeof *a);
			a[len++].cols = cols;
			if (head_row(r, &a[len - 1]) < 0) {
				rc = -1;
				break;
			}
		}
		if (column_row(r, &a[len - 1]) < 0) {
			rc = -1;
			break;
		}
	}
	db_done(r);
	if (rc < 0) {
		compare_list_free(a, len);
		return -1;
	}
	*out = a;
	*n = len;
	return 0;
}

int compare_get(db *d, const char *uuid, int64_t user_id, struct comparison *c)
{
	char lower[37];
	copy_field(lower, sizeof lower, uuid);
	str_lower(lower);
	struct comparison *a;
	size_t n;
	memset(c, 0, sizeof *c);
	if (read_comparisons(db_query(d, CMP_SELECT " WHERE c.uuid = ? AND c.user_id = ? ORDER BY cc.label",
				      DB_ARGS(db_v_text(lower), db_v_int(user_id))),
			     &a, &n) < 0)
		return -1;
	if (!n)
		return 0;
	*c = a[0];
	free(a);
	return 1;
}

void compare_free(struct comparison *c)
{
	for (size_t i = 0; i < c->ncols; i++) {
		free(c->cols[i].provider);
		free(c->cols[i].model);
	}
	free(c->cols);
	free(c->username);
	free(c->question);
	free(c->winner);
	memset(c, 0, sizeof *c);
}

void compare_list_free(struct comparison *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		compare_free(&c[i]);
	free(c);
}

int compare_vote(db *d, const char *uuid, int64_t user_id, const char *winner)
{
	char lower[37];
	copy_field(lower, sizeof lower, uuid);
	str_lower(lower);
	/* One statement decides: of two votes at once, one finds the winner set. */
	int64_t n = db_exec(d,
			    "UPDATE comparisons SET winner = ?, voted_at = ? WHERE uuid = ? AND user_id = ? AND winner IS NULL",
			    DB_ARGS(db_v_text(winner), db_v_int(now_ms()), db_v_text(lower), db_v_int(user_id)));
	if (n != 0)
		return n == 1 ? 1 : -1;
	int64_t found;
	int rc = db_query_int(d, "SELECT count(*) FROM comparisons WHERE uuid = ? AND user_id = ?",
			      DB_ARGS(db_v_text(lower), db_v_int(user_id)), &found);
	return rc < 0 ? -1 : found ? 2 : 0;
}

int compare_votes(db *d, int64_t user_id, struct comparison **out, size_t *n)
{
	if (user_id)
		return read_comparisons(db_query(d, CMP_SELECT " WHERE c.winner IS NOT NULL AND c.user_id = ?"
							" ORDER BY c.voted_at, c.id, cc.label",
						 DB_ARGS(db_v_int(user_id))),
					out, n);
	return read_comparisons(db_query(d, CMP_SELECT " WHERE c.winner IS NOT NULL ORDER BY c.voted_at, c.id, cc.label", 0,
					 NULL),
				out, n);
}

char *compare_of_conversation(db *d, int64_t conv_id)
{
	return db_query_text(d,
			     "SELECT c.uuid FROM comparisons c JOIN comparison_columns cc ON cc.comparison_id = c.id"
			     " WHERE cc.conversation_id = ?",
			     DB_ARGS(db_v_int(conv_id)));
}
