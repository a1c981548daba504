/* admin_log.c - the admin log: every change an administrator makes, written in the
 * transaction of the change, and read newest first (see admin.h). There is no
 * function to change or delete an entry: the web cannot. */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "field.h"

const char *const admin_log_actions[] = {"message_edit",     "message_delete",	  "user_activate", "user_deactivate",
					 "user_grant_admin", "user_revoke_admin", "user_delete",   "key_revoke", "user_create", "user_edit", "user_set_password", NULL};

int admin_log_add(db *d, const struct admin_actor *a, const char *action, const char *object_type, int64_t object_id,
		  const char *object_label, const char *field, const char *old_value, const char *new_value)
{
	/* The administrator by id (NULL once they are deleted) and by name, which stays. */
	return db_exec(d,
		       "INSERT INTO admin_log (at, admin_id, admin_name, action, object_type, object_id, object_label,"
		       " field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       DB_ARGS(db_v_int(now_ms()), a->id > 0 ? db_v_int(a->id) : db_v_null(), db_v_text(a->name),
			       db_v_text(action), db_v_text(object_type), db_v_int(object_id),
			       db_v_text(object_label ? object_label : ""), db_v_text(field), db_v_text(old_value),
			       db_v_text(new_value))) == 1 ? 0 : -1;
}

static char *text_or_null(db_rows *r, int col, bool *oom)
{
	if (db_null(r, col))
		return NULL;
	char *s = xstrdup(db_text(r, col));
	if (!s)
		*oom = true;
	return s;
}

static void row_clear(struct admin_log_row *x)
{
	free(x->admin_name);
	free(x->action);
	free(x->object_type);
	free(x->object_label);
	free(x->field);
	free(x->old_value);
	free(x->new_value);
}

int admin_log_list(db *d, const char *admin_name, const char *action, int64_t page, struct admin_log_row **out,
		   size_t *n, bool *more)
{
	*out = NULL;
	*n = 0;
	*more = false;
	if (page < 1)
		page = 1;
	if (page > ADMIN_MAX_PAGE)
		page = ADMIN_MAX_PAGE;
	buf sql = BUF_INIT;
	db_val v[4];
	int nv = 0;
	buf_puts(&sql, "SELECT id, at, admin_name, action, object_type, object_id, object_label, field, old_value,"
		       " new_value FROM admin_log WHERE 1 = 1");
	if (admin_name) {
		buf_puts(&sql, " AND admin_name = ?");
		v[nv++] = db_v_text(admin_name);
	}
	if (action) {
		buf_puts(&sql, " AND action = ?");
		v[nv++] = db_v_text(action);
	}
	buf_puts(&sql, " ORDER BY id DESC LIMIT ? OFFSET ?");
	v[nv++] = db_v_int(ADMIN_PAGE + 1);
	v[nv++] = db_v_int((page - 1) * ADMIN_PAGE);
	char *text = buf_detach(&sql, NULL);
	db_rows *r = text ? db_query(d, text, nv, v) : NULL;
	free(text);
	if (!r)
		return -1;
	*out = calloc(ADMIN_PAGE + 1, sizeof **out);
	int rc = *out ? 0 : -1;
	while (rc == 0 && (rc = db_step(r)) == 1 && *n < ADMIN_PAGE + 1) {
		struct admin_log_row *x = &(*out)[(*n)++];
		bool oom = false;
		x->id = db_int(r, 0);
		x->at = db_int(r, 1);
		x->admin_name = text_or_null(r, 2, &oom);
		x->action = text_or_null(r, 3, &oom);
		x->object_type = text_or_null(r, 4, &oom);
		x->object_id = int_or_none(r, 5);
		x->object_label = text_or_null(r, 6, &oom);
		x->field = text_or_null(r, 7, &oom);
		x->old_value = text_or_null(r, 8, &oom);
		x->new_value = text_or_null(r, 9, &oom);
		rc = oom ? -1 : 0;
	}
	db_done(r);
	if (rc < 0) {
		admin_log_rows_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (*n > ADMIN_PAGE) {
		*more = true;
		row_clear(&(*out)[ADMIN_PAGE]);
		*n = ADMIN_PAGE;
	}
	return 0;
}

void admin_log_rows_free(struct admin_log_row *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		row_clear(&r[i]);
	free(r);
}

int admin_log_admins(db *d, char ***out, size_t *n)
{
	*n = 0;
	*out = calloc(100, sizeof **out);
	if (!*out)
		return -1;
	db_rows *r = db_query(d, "SELECT DISTINCT admin_name FROM admin_log ORDER BY admin_name LIMIT 100", DB_NOARGS);
	if (!r)
		return -1;
	int rc;
	while ((rc = db_step(r)) == 1 && *n < 100)
		if (!((*out)[(*n)++] = xstrdup(db_text(r, 0)))) {
			rc = -1;
			break;
		}
	db_done(r);
	return rc < 0 ? -1 : 0;
}
