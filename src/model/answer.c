/* answer.c - one answer's text for its owner (see answer.h). */
#include "answer.h"

#include <stdlib.h>

#include "../core/util.h"

int answer_content(db *d, int64_t user_id, int64_t msg_id, char **content)
{
	*content = NULL;
	db_rows *rows = db_query(d,
				 "SELECT m.content FROM messages m JOIN conversations c ON c.id = m.conversation_id"
				 " WHERE m.id = ? AND c.user_id = ? AND m.role = 'assistant'",
				 DB_ARGS(db_v_int(msg_id), db_v_int(user_id)));
	if (!rows)
		return -1;
	int rc = db_step(rows);
	if (rc == 1) {
		*content = xstrdup(db_text(rows, 0));
		if (!*content)
			rc = -1;
	}
	db_done(rows);
	return rc;
}
