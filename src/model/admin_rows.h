/* admin_rows.h - what the admin model files (admin.c, admin_edit.c, admin_stats.c,
 * admin_users.c, admin_keys.c) share: the columns of a row of the message list, and
 * their reading; the end of an action's transaction. Not for other layers: admin.h
 * is the interface. */
#ifndef LLMMETA_ADMIN_ROWS_H
#define LLMMETA_ADMIN_ROWS_H

#include "admin.h"

/* A row: the message, its author and its conversation (read by admin_read_rows). */
#define ADMIN_ROW_COLUMNS                                                                                       \
	"SELECT m.id, m.role, substr(m.content, 1, 120), CASE WHEN length(m.content) > 120 THEN 1 ELSE 0 END,"  \
	" m.model, m.total_tokens, m.elapsed_ms, m.created_at, u.username, c.uuid, c.title, m.status, m.source," \
	" m.conversation_id, m.words"                                                                           \
	" FROM messages m JOIN users u ON u.id = m.user_id JOIN conversations c ON c.id = m.conversation_id"

/* Reads every row of the query (ADMIN_ROW_COLUMNS) into *out (free with
 * admin_msg_rows_free). 0 or -1. */
int admin_read_rows(db *d, const char *sql, int n, const db_val *v, struct admin_msg_row **out, size_t *nout);

/* Ends an action's transaction: committed when it was done (ADMIN_ERROR if the
 * commit fails), rolled back otherwise. Returns the action's result. */
static inline int admin_finish(db *d, int res)
{
	if (res == ADMIN_DONE && db_commit(d) == 0)
		return res;
	db_rollback(d);
	return res == ADMIN_DONE ? ADMIN_ERROR : res;
}

#endif
