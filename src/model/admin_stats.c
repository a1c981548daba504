/* admin_stats.c - the figures of the admin's overview (see admin.h). */
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "admin.h"
#include "admin_rows.h"

static int read_stats(db *d, const char *sql, int64_t since, struct admin_stat **out, size_t *n)
{
	*out = calloc(20, sizeof **out);
	*n = 0;
	if (!*out)
		return -1;
	db_rows *r = db_query(d, sql, DB_ARGS(db_v_int(since)));
	if (!r)
		return -1;
	int rc;
	while ((rc = db_step(r)) == 1 && *n < 20) {
		struct admin_stat *s = &(*out)[(*n)++];
		s->label = xstrdup(db_null(r, 0) ? "(none)" : db_text(r, 0));
		s->messages = db_int(r, 1);
		s->tokens = db_int(r, 2);
		if (!s->label) {
			rc = -1;
			break;
		}
	}
	db_done(r);
	return rc < 0 ? -1 : 0;
}

int admin_overview(db *d, int64_t now, struct admin_overview *o)
{
	memset(o, 0, sizeof *o);
	int64_t since[3] = {admin_date_start("today", now), now - 7 * 86400000LL, now - 30 * 86400000LL};
	if (db_query_int(d, "SELECT count(*) FROM users", DB_NOARGS, &o->users) < 0 ||
	    db_query_int(d, "SELECT count(*) FROM conversations", DB_NOARGS, &o->conversations) < 0 ||
	    db_query_int(d, "SELECT count(*) FROM messages", DB_NOARGS, &o->messages) < 0 ||
	    db_query_int(d, "SELECT coalesce(sum(total_tokens), 0) FROM messages", DB_NOARGS, &o->tokens) < 0 ||
	    db_query_int(d, "SELECT count(*) FROM messages WHERE status = 'error'", DB_NOARGS, &o->errors) < 0 ||
	    db_query_int(d, "SELECT count(*) FROM messages WHERE status = 'cancelled'", DB_NOARGS, &o->cancelled) < 0)
		goto fail;
	for (int w = 0; w < 3; w++) {
		/* Grouped by an expression, not the column: grouped by the column, SQLite
		 * reads the whole table in the order of that column's index (0.9 s on a
		 * million messages) rather than the period's range by time (50 ms). */
		if (read_stats(d,
			       "SELECT nullif(coalesce(model, ''), ''), count(*), coalesce(sum(total_tokens), 0) FROM messages"
			       " WHERE created_at >= ? GROUP BY coalesce(model, '') ORDER BY count(*) DESC,"
			       " coalesce(model, '') LIMIT 20",
			       since[w], &o->by_model[w], &o->nby_model[w]) < 0 ||
		    read_stats(d,
			       "SELECT u.username, s.n, s.t FROM (SELECT user_id + 0 AS uid, count(*) AS n,"
			       " coalesce(sum(total_tokens), 0) AS t FROM messages WHERE created_at >= ? GROUP BY user_id + 0"
			       " ORDER BY count(*) DESC, user_id + 0 LIMIT 20) s JOIN users u ON u.id = s.uid"
			       " ORDER BY s.n DESC, lower(u.username)",
			       since[w], &o->by_user[w], &o->nby_user[w]) < 0)
			goto fail;
	}
	if (admin_read_rows(d,
		      ADMIN_ROW_COLUMNS " WHERE m.id IN (SELECT id FROM messages WHERE status = 'error' ORDER BY id DESC LIMIT 10)"
				  " ORDER BY m.id DESC",
		      DB_NOARGS, &o->errors_latest, &o->nerrors_latest) < 0)
		goto fail;
	return 0;
fail:
	admin_overview_free(o);
	return -1;
}

void admin_overview_free(struct admin_overview *o)
{
	for (int w = 0; w < 3; w++) {
		for (size_t i = 0; o->by_model[w] && i < o->nby_model[w]; i++)
			free(o->by_model[w][i].label);
		for (size_t i = 0; o->by_user[w] && i < o->nby_user[w]; i++)
			free(o->by_user[w][i].label);
		free(o->by_model[w]);
		free(o->by_user[w]);
	}
	admin_msg_rows_free(o->errors_latest, o->nerrors_latest);
	memset(o, 0, sizeof *o);
}
