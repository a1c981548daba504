/* delete.c - deleting a conversation (see delete.h). */
#include "delete.h"

#include <stdio.h>
#include <stdlib.h>

#include "../core/util.h"
#include "conversation.h"

int conv_delete_summary(db *d, const char *uuid, int64_t user_id, char **title, int64_t *messages)
{
	int64_t id;
	int rc = conv_find(d, uuid, user_id, &id);
	if (rc <= 0)
		return rc;
	if (db_query_int(d, "SELECT count(*) FROM messages WHERE conversation_id = ?", DB_ARGS(db_v_int(id)), messages) < 0)
		return -1;
	*title = conv_title(d, id, user_id);
	return *title ? 1 : -1;
}

int conv_delete(db *d, const char *uuid, int64_t user_id)
{
	if (db_begin(d) < 0)
		return -1;
	int64_t id;
	int rc = conv_find(d, uuid, user_id, &id);
	if (rc <= 0) {
		db_rollback(d);
		return rc;
	}
	/* The files first, while the messages still say which are this conversation's:
	 * a file that a message elsewhere also uses stays. */
	if (db_exec(d,
		    "DELETE FROM uploads WHERE user_id = ? AND id IN (SELECT upload_id FROM messages"
		    " WHERE conversation_id = ? AND upload_id IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM messages o"
		    " WHERE o.upload_id = uploads.id AND o.conversation_id <> ?)",
		    DB_ARGS(db_v_int(user_id), db_v_int(id), db_v_int(id))) < 0 ||
	    db_exec(d, "DELETE FROM messages WHERE conversation_id = ?", DB_ARGS(db_v_int(id))) < 0 ||
	    db_exec(d, "DELETE FROM conversations WHERE id = ? AND user_id = ?", DB_ARGS(db_v_int(id), db_v_int(user_id))) != 1 ||
	    db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 1;
}

/* The statements of conv_dismiss, in its transaction: 1, 0 or -1. */
static int dismiss(db *d, const char *uuid, int64_t user_id, int64_t msg_id)
{
	int64_t conv, failed = 0, next = 0, upload = 0;
	int rc = conv_find(d, uuid, user_id, &conv);
	if (rc <= 0)
		return rc;
	if (db_query_int(d,
			 "SELECT count(*) FROM messages WHERE id = ? AND conversation_id = ? AND role = 'user'"
			 " AND status <> 'ok'",
			 DB_ARGS(db_v_int(msg_id), db_v_int(conv)), &failed) < 0)
		return -1;
	if (!failed)
		return 0;
	/* Its answer, when the next message is one and did not end well either. */
	rc = db_query_int(d,
			  "SELECT id FROM messages WHERE id = (SELECT min(id) FROM messages WHERE conversation_id = ?"
			  " AND id > ?) AND role = 'assistant' AND status <> 'ok'",
			  DB_ARGS(db_v_int(conv), db_v_int(msg_id)), &next);
	if (rc < 0 || db_query_int(d, "SELECT coalesce(upload_id, 0) FROM messages WHERE id = ?",
				   DB_ARGS(db_v_int(msg_id)), &upload) < 0)
		return -1;
	if (db_exec(d, "DELETE FROM messages WHERE id IN (?, ?) AND conversation_id = ?",
		    DB_ARGS(db_v_int(msg_id), db_v_int(rc == 1 ? next : msg_id), db_v_int(conv))) < 1)
		return -1;
	if (upload && db_exec(d,
			      "DELETE FROM uploads WHERE id = ? AND user_id = ? AND NOT EXISTS"
			      " (SELECT 1 FROM messages WHERE upload_id = ?)",
			      DB_ARGS(db_v_int(upload), db_v_int(user_id), db_v_int(upload))) < 0)
		return -1;
	return conv_bump(d, conv) < 0 ? -1 : 1;
}

int conv_dismiss(db *d, const char *uuid, int64_t user_id, int64_t msg_id)
{
	if (db_begin(d) < 0)
		return -1;
	int rc = dismiss(d, uuid, user_id, msg_id);
	if (rc == 1 && db_commit(d) == 0)
		return 1;
	db_rollback(d);
	return rc == 1 ? -1 : rc;
}
