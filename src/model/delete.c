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
