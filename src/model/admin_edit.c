/* admin_edit.c - one message seen and changed by an administrator: where it is,
 * its edit, the deletion of messages, and the rows of a bulk deletion's confirmation
 * (see admin.h). Each change is logged in its own transaction and moves the
 * conversation's revision (conv_bump). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "admin.h"
#include "admin_rows.h"
#include "conversation.h"
#include "field.h"

int admin_message_where(db *d, int64_t id, struct admin_msg_where *w)
{
	memset(w, 0, sizeof *w);
	db_rows *r = db_query(d,
			      "SELECT c.id, c.uuid, c.title, u.id, u.username FROM messages m"
			      " JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = m.user_id WHERE m.id = ?",
			      DB_ARGS(db_v_int(id)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		w->conv_id = db_int(r, 0);
		copy_field(w->uuid, sizeof w->uuid, db_text(r, 1));
		w->title = xstrdup(db_text(r, 2));
		w->user_id = db_int(r, 3);
		w->username = xstrdup(db_text(r, 4));
		if (!w->title || !w->username)
			rc = -1;
	}
	db_done(r);
	if (rc < 0)
		admin_msg_where_free(w);
	return rc;
}

void admin_msg_where_free(struct admin_msg_where *w)
{
	free(w->title);
	free(w->username);
	memset(w, 0, sizeof *w);
}

/* The message's editable fields and where it is, read inside the edit's transaction. */
struct old_msg {
	char *content, *model, *username;
	char role[16];
	int64_t conv_id;
};

static int read_old(db *d, int64_t id, struct old_msg *o)
{
	memset(o, 0, sizeof *o);
	db_rows *r = db_query(d,
			      "SELECT m.content, m.role, m.model, m.conversation_id, u.username FROM messages m"
			      " JOIN users u ON u.id = m.user_id WHERE m.id = ?",
			      DB_ARGS(db_v_int(id)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		o->content = xstrdup(db_text(r, 0));
		copy_field(o->role, sizeof o->role, db_text(r, 1));
		if (!db_null(r, 2) && !(o->model = xstrdup(db_text(r, 2))))
			rc = -1;
		o->conv_id = db_int(r, 3);
		o->username = xstrdup(db_text(r, 4));
		if (!o->content || !o->username)
			rc = -1;
	}
	db_done(r);
	return rc;
}

static void old_free(struct old_msg *o)
{
	free(o->content);
	free(o->model);
	free(o->username);
}

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int admin_message_edit(db *d, const struct admin_actor *a, int64_t id, const struct admin_edit *e)
{
	const char *model = e->model && *e->model ? e->model : NULL;
	if (db_begin(d) < 0)
		return -1;
	struct old_msg o;
	int rc = read_old(d, id, &o);
	if (rc <= 0) {
		old_free(&o);
		db_rollback(d);
		return rc == 0 ? -2 : -1;
	}
	bool content = strcmp(o.content, e->content) != 0, role = strcmp(o.role, e->role) != 0,
	     model_changed = !same(o.model, model);
	rc = content || role || model_changed;
	if (rc && db_exec(d,
			  "UPDATE messages SET content = ?, role = ?, model = ?, rendered = ?, rendered_version = ?"
			  " WHERE id = ?",
			  DB_ARGS(db_v_text(e->content), db_v_text(e->role), db_v_text(model), db_v_text(e->rendered),
				  e->rendered ? db_v_int(e->rendered_version) : db_v_null(), db_v_int(id))) != 1)
		rc = -1;
	if (rc == 1 && content &&
	    admin_log_add(d, a, "message_edit", "message", id, o.username, "content", o.content, e->content) < 0)
		rc = -1;
	if (rc == 1 && role && admin_log_add(d, a, "message_edit", "message", id, o.username, "role", o.role, e->role) < 0)
		rc = -1;
	if (rc == 1 && model_changed &&
	    admin_log_add(d, a, "message_edit", "message", id, o.username, "model", o.model, model) < 0)
		rc = -1;
	if (rc == 1 && conv_bump(d, o.conv_id) < 0)
		rc = -1;
	old_free(&o);
	if (rc < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return rc;
}

#define LOG_START_CHARS 200

/* Deletes one message inside the transaction, logged; 1, 0 when there is none, or
 * -1. *conv receives its conversation. */
static int delete_one(db *d, const struct admin_actor *a, int64_t id, int64_t *conv)
{
	db_rows *r = db_query(d,
			      "SELECT m.conversation_id, m.upload_id, substr(m.content, 1, ?), u.username, m.role"
			      " FROM messages m JOIN users u ON u.id = m.user_id WHERE m.id = ?",
			      DB_ARGS(db_v_int(LOG_START_CHARS), db_v_int(id)));
	if (!r)
		return -1;
	int rc = db_step(r);
	int64_t upload = -1;
	char *start = NULL, *who = NULL, role[16] = "";
	if (rc == 1) {
		*conv = db_int(r, 0);
		upload = int_or_none(r, 1);
		start = xstrdup(db_text(r, 2));
		who = xstrdup(db_text(r, 3));
		copy_field(role, sizeof role, db_text(r, 4));
		if (!start || !who)
			rc = -1;
	}
	db_done(r);
	if (rc == 1 && db_exec(d, "DELETE FROM messages WHERE id = ?", DB_ARGS(db_v_int(id))) != 1)
		rc = -1;
	/* Its file goes with it unless another message still names it. */
	if (rc == 1 && upload > 0 &&
	    db_exec(d, "DELETE FROM uploads WHERE id = ? AND NOT EXISTS (SELECT 1 FROM messages WHERE upload_id = ?)",
		    DB_ARGS(db_v_int(upload), db_v_int(upload))) < 0)
		rc = -1;
	if (rc == 1 && admin_log_add(d, a, "message_delete", "message", id, who, role, start, NULL) < 0)
		rc = -1;
	free(start);
	free(who);
	return rc;
}

int64_t admin_messages_delete(db *d, const struct admin_actor *a, const int64_t *ids, size_t n)
{
	if (n > ADMIN_MAX_BULK)
		return -1;
	int64_t *convs = calloc(n ? n : 1, sizeof *convs);
	if (!convs || db_begin(d) < 0) {
		free(convs);
		return -1;
	}
	size_t nconvs = 0;
	int64_t deleted = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		int64_t conv = 0;
		rc = delete_one(d, a, ids[i], &conv);
		if (rc == 1) {
			deleted++;
			size_t k = 0;
			while (k < nconvs && convs[k] != conv)
				k++;
			if (k == nconvs)
				convs[nconvs++] = conv;
		}
	}
	/* A conversation left without messages goes; the others' revisions move. */
	for (size_t k = 0; k < nconvs && rc >= 0; k++) {
		int64_t gone = db_exec(d,
				       "DELETE FROM conversations WHERE id = ? AND NOT EXISTS"
				       " (SELECT 1 FROM messages WHERE conversation_id = ?)",
				       DB_ARGS(db_v_int(convs[k]), db_v_int(convs[k])));
		if (gone < 0 || (gone == 0 && conv_bump(d, convs[k]) < 0))
			rc = -1;
	}
	free(convs);
	if (rc < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return deleted;
}

int admin_messages_by_id(db *d, const int64_t *ids, size_t n, struct admin_msg_row **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (n > ADMIN_MAX_BULK)
		return -1;
	/* One query per id: a list this long is rare and short-lived (a confirmation). */
	for (size_t i = 0; i < n; i++) {
		struct admin_msg_row *one = NULL;
		size_t k = 0;
		if (admin_read_rows(d, ADMIN_ROW_COLUMNS " WHERE m.id = ?", DB_ARGS(db_v_int(ids[i])), &one, &k) < 0) {
			admin_msg_rows_free(*out, *nout);
			*out = NULL;
			*nout = 0;
			return -1;
		}
		if (k == 1) {
			struct admin_msg_row *g = realloc(*out, (*nout + 1) * sizeof *g);
			if (!g) {
				admin_msg_rows_free(one, k);
				admin_msg_rows_free(*out, *nout);
				*out = NULL;
				*nout = 0;
				return -1;
			}
			*out = g;
			(*out)[(*nout)++] = one[0];
			free(one);
		} else {
			admin_msg_rows_free(one, k);
		}
	}
	return 0;
}
