/* apiresponse.c - the stored responses' rows (apiresponse.h). */
#include "apiresponse.h"

#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "conversation.h"
#include "field.h"

int apiresponse_insert(db *d, const struct apiresponse *r, int64_t user_id, int64_t conv_id, int64_t question_id,
		       int64_t answer_id)
{
	return db_exec(d,
		       "INSERT INTO api_responses (id, user_id, conversation_id, question_id, answer_id, created_at,"
		       " response, input_items, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       DB_ARGS(db_v_text(r->id), db_v_int(user_id), db_v_int(conv_id), db_v_int(question_id),
			       answer_id > 0 ? db_v_int(answer_id) : db_v_null(), db_v_int(now_ms()), db_v_text(r->response),
			       db_v_text(r->input_items), db_v_text(r->context))) == 1
		       ? 0
		       : -1;
}

int apiresponse_find(db *d, const char *id, int64_t user_id, struct apiresponse *r)
{
	memset(r, 0, sizeof *r);
	db_rows *rows = db_query(d,
				 "SELECT c.uuid, a.response, a.input_items, a.context FROM api_responses a"
				 " JOIN conversations c ON c.id = a.conversation_id WHERE a.id = ? AND a.user_id = ?",
				 DB_ARGS(db_v_text(id), db_v_int(user_id)));
	if (!rows)
		return -1;
	int rc = db_step(rows);
	if (rc == 1) {
		copy_field(r->id, sizeof r->id, id);
		copy_field(r->conv_uuid, sizeof r->conv_uuid, db_text(rows, 0));
		r->response = xstrdup(db_text(rows, 1));
		r->input_items = xstrdup(db_text(rows, 2));
		r->context = xstrdup(db_text(rows, 3));
		if (!r->response || !r->input_items || !r->context) {
			apiresponse_clear(r);
			rc = -1;
		}
	}
	db_done(rows);
	return rc;
}

int apiresponse_delete(db *d, const char *id, int64_t user_id)
{
	if (db_begin(d) < 0)
		return -1;
	db_rows *rows = db_query(d, "SELECT conversation_id, question_id, answer_id FROM api_responses WHERE id = ? AND user_id = ?",
				 DB_ARGS(db_v_text(id), db_v_int(user_id)));
	int rc = rows ? db_step(rows) : -1;
	int64_t conv = 0, q = -1, a = -1;
	if (rc == 1) {
		conv = db_int(rows, 0);
		q = int_or_none(rows, 1);
		a = int_or_none(rows, 2);
	}
	if (rows)
		db_done(rows);
	if (rc == 1 &&
	    (db_exec(d, "DELETE FROM messages WHERE id IN (?, ?) AND user_id = ?",
		     DB_ARGS(db_v_int(q), db_v_int(a), db_v_int(user_id))) < 0 ||
	     db_exec(d, "DELETE FROM api_responses WHERE id = ?", DB_ARGS(db_v_text(id))) != 1 || conv_bump(d, conv) < 0))
		rc = -1;
	if (rc >= 0 && db_commit(d) == 0)
		return rc;
	db_rollback(d);
	return -1;
}

void apiresponse_clear(struct apiresponse *r)
{
	free(r->response);
	free(r->input_items);
	free(r->context);
	memset(r, 0, sizeof *r);
}
