/* exchange.c - a question and its outcome, each in one transaction (see exchange.h). */
#include "exchange.h"

#include <string.h>

int exchange_question_in(db *d, struct new_question *q, int64_t *id)
{
	if ((!q->conv_id && conv_create(d, q->user_id, q->title, q->source, q->uuid, &q->conv_id) < 0) ||
	    (q->file_name && upload_insert(d, q->user_id, q->file_name, q->file_type, q->file_data, q->file_len,
					   &q->msg->upload_id) < 0) ||
	    msg_insert(d, q->msg, q->conv_id, q->user_id, id) < 0 ||
	    db_exec(d, "UPDATE messages SET instance_id = ? WHERE id = ?",
		    DB_ARGS(q->instance_id > 0 ? db_v_int(q->instance_id) : db_v_null(), db_v_int(*id))) != 1)
		return -1;
	return 0;
}

int exchange_question(db *d, struct new_question *q, int64_t *id)
{
	int64_t conv_id = q->conv_id;
	if (db_begin(d) < 0)
		return -1;
	if (exchange_question_in(d, q, id) < 0 || db_commit(d) < 0) {
		db_rollback(d);
		q->conv_id = conv_id; /* a conversation created here is gone with the rollback */
		return -1;
	}
	return 0;
}

int exchange_answer(db *d, int64_t conv_id, int64_t user_id, int64_t question_id, const char *status,
		    const char *error, int64_t elapsed_ms, const struct message *answer, int64_t *answer_id)
{
	if (db_begin(d) < 0)
		return -1;
	if ((strcmp(status, "ok") != 0 && msg_set_status(d, question_id, status, error, elapsed_ms) < 0) ||
	    db_exec(d, "UPDATE messages SET instance_id = NULL WHERE id = ?", DB_ARGS(db_v_int(question_id))) < 0 ||
	    (answer && msg_insert(d, answer, conv_id, user_id, answer_id) < 0) || conv_touch(d, conv_id) < 0 ||
	    db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}
