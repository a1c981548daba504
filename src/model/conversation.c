/* conversation.c - conversations, messages, uploads and prompts (see conversation.h). */
#include "conversation.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "field.h"

void message_init(struct message *m, const char *role)
{
	memset(m, 0, sizeof *m);
	copy_field(m->role, sizeof m->role, role);
	copy_field(m->status, sizeof m->status, "ok");
	copy_field(m->source, sizeof m->source, "web");
	m->max_tokens = m->top_k = m->prompt_tokens = m->completion_tokens = m->total_tokens = -1;
	m->elapsed_ms = m->ttft_ms = m->upload_id = m->file_size = m->words = -1;
	m->temperature = m->top_p = NAN;
	m->rendered_version = -1;
	m->api_key_id = -1;
}

void message_clear(struct message *m)
{
	free(m->content);
	free(m->provider);
	free(m->model);
	free(m->model_reported);
	free(m->finish_reason);
	free(m->error);
	free(m->file_name);
	free(m->file_sha256);
	free(m->file_type);
	free(m->rendered);
	free(m->request_json);
	free(m->tool_calls);
	memset(m, 0, sizeof *m);
}

int conv_create(db *d, int64_t user_id, const char *title, const char *source, char uuid[37], int64_t *id)
{
	uuid_v4(uuid);
	int64_t now = now_ms();
	return db_query_int(d,
			    "INSERT INTO conversations (uuid, user_id, title, source, created_at, updated_at)"
			    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    DB_ARGS(db_v_text(uuid), db_v_int(user_id), db_v_text(title), db_v_text(source), db_v_int(now),
				    db_v_int(now)),
			    id) == 1 ? 0 : -1;
}

/* A URL's uuid as stored: lower case (a URL may spell it in capitals). */
static void uuid_stored(char lower[37], const char *uuid)
{
	copy_field(lower, 37, uuid);
	str_lower(lower);
}

int conv_find(db *d, const char *uuid, int64_t user_id, int64_t *id)
{
	char lower[37];
	uuid_stored(lower, uuid);
	return db_query_int(d, "SELECT id FROM conversations WHERE uuid = ? AND user_id = ?",
			    DB_ARGS(db_v_text(lower), db_v_int(user_id)), id);
}

int conv_head(db *d, const char *uuid, int64_t user_id, struct conv_head *h)
{
	char lower[37];
	uuid_stored(lower, uuid);
	h->title = NULL;
	db_rows *r = db_query(d, "SELECT id, revision, title FROM conversations WHERE uuid = ? AND user_id = ?",
			      DB_ARGS(db_v_text(lower), db_v_int(user_id)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		h->id = db_int(r, 0);
		h->revision = db_int(r, 1);
		h->title = xstrdup(db_text(r, 2));
		if (!h->title)
			rc = -1;
	}
	db_done(r);
	return rc;
}

int conv_find_or_create(db *d, const char *uuid, int64_t user_id, const char *title, const char *source, int64_t *id)
{
	char lower[37];
	uuid_stored(lower, uuid);
	int64_t now = now_ms();
	/* Two calls naming the same new conversation at once: one creates it, the other
	 * finds it. */
	if (db_exec(d,
		    "INSERT INTO conversations (uuid, user_id, title, source, created_at, updated_at)"
		    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO NOTHING",
		    DB_ARGS(db_v_text(lower), db_v_int(user_id), db_v_text(title), db_v_text(source), db_v_int(now),
			    db_v_int(now))) < 0)
		return -1;
	return conv_find(d, lower, user_id, id);
}

int conv_owner(db *d, const char *uuid, int64_t *user_id)
{
	char lower[37];
	uuid_stored(lower, uuid);
	return db_query_int(d, "SELECT user_id FROM conversations WHERE uuid = ?", DB_ARGS(db_v_text(lower)), user_id);
}

/* The one place a conversation's revision changes: called by every function that
 * changes its messages, after the change, so that whoever reads a revision and then
 * the messages gets messages at least as new as that revision. */
int conv_bump(db *d, int64_t conv_id)
{
	return db_exec(d, "UPDATE conversations SET revision = revision + 1 WHERE id = ?",
		       DB_ARGS(db_v_int(conv_id))) == 1 ? 0 : -1;
}

char *conv_title(db *d, int64_t id, int64_t user_id)
{
	return db_query_text(d, "SELECT title FROM conversations WHERE id = ? AND user_id = ?",
			     DB_ARGS(db_v_int(id), db_v_int(user_id)));
}

int conv_rename(db *d, const char *uuid, int64_t user_id, const char *title)
{
	char lower[37];
	uuid_stored(lower, uuid);
	int64_t n = db_exec(d, "UPDATE conversations SET title = ? WHERE uuid = ? AND user_id = ?",
			    DB_ARGS(db_v_text(title), db_v_text(lower), db_v_int(user_id)));
	return n < 0 ? -1 : n > 0;
}

int conv_touch(db *d, int64_t id)
{
	return db_exec(d, "UPDATE conversations SET updated_at = ? WHERE id = ?",
		       DB_ARGS(db_v_int(now_ms()), db_v_int(id))) < 0 ? -1 : 0;
}

static int conv_row(db_rows *r, void *elem, void *ctx)
{
	(void)ctx;
	struct conv_summary *c = elem;
	copy_field(c->uuid, sizeof c->uuid, db_text(r, 0));
	c->title = xstrdup(db_text(r, 1));
	c->updated_at = db_int(r, 2);
	c->messages = db_int(r, 3);
	return c->title ? 0 : -1;
}

static void conv_rows_free(void *a, size_t n) { conv_list_free(a, n); }

int conv_list(db *d, int64_t user_id, int64_t limit, int64_t offset, struct conv_summary **out, size_t *n)
{
	db_rows *r = db_query(d,
			      "SELECT c.uuid, c.title, c.updated_at, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
			      " FROM conversations c WHERE c.user_id = ? ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?",
			      DB_ARGS(db_v_int(user_id), db_v_int(limit), db_v_int(offset)));
	void *a;
	int rc = rows_read(r, sizeof **out, conv_row, NULL, conv_rows_free, &a, n);
	*out = a;
	return rc;
}

void conv_list_free(struct conv_summary *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].title);
	free(c);
}

static db_val opt_real(double v) { return isnan(v) ? db_v_null() : db_v_real(v); }

int msg_insert(db *d, const struct message *m, int64_t conv_id, int64_t user_id, int64_t *id)
{
	int rc = db_query_int(
		       d,
		       "INSERT INTO messages (conversation_id, user_id, role, content, created_at, provider, model,"
		       " model_reported, max_tokens, temperature, top_k, top_p, prompt_tokens, completion_tokens,"
		       " total_tokens, elapsed_ms, ttft_ms, finish_reason, status, error, source, upload_id, rendered,"
		       " rendered_version, request_json, tool_calls, api_key_id)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		       DB_ARGS(db_v_int(conv_id), db_v_int(user_id), db_v_text(m->role), db_v_text(m->content ? m->content : ""),
			       db_v_int(now_ms()), db_v_text(m->provider), db_v_text(m->model), db_v_text(m->model_reported),
			       none_or_int(m->max_tokens), opt_real(m->temperature), none_or_int(m->top_k), opt_real(m->top_p),
			       none_or_int(m->prompt_tokens), none_or_int(m->completion_tokens), none_or_int(m->total_tokens),
			       none_or_int(m->elapsed_ms), none_or_int(m->ttft_ms), db_v_text(m->finish_reason), db_v_text(m->status),
			       db_v_text(m->error), db_v_text(m->source), m->upload_id > 0 ? db_v_int(m->upload_id) : db_v_null(),
			       db_v_text(m->rendered), m->rendered ? none_or_int(m->rendered_version) : db_v_null(),
			       db_v_text(m->request_json), db_v_text(m->tool_calls), m->api_key_id > 0 ? db_v_int(m->api_key_id) : db_v_null()),
		       id) == 1 ? 0 : -1;
	return rc == 0 ? conv_bump(d, conv_id) : -1;
}

int msg_set_status(db *d, int64_t id, const char *status, const char *error, int64_t elapsed_ms)
{
	/* A final status: the question is no longer in flight (instance.h). */
	int64_t conv_id;
	if (db_query_int(d,
			 "UPDATE messages SET status = ?, error = ?, elapsed_ms = ?, instance_id = NULL WHERE id = ?"
			 " RETURNING conversation_id",
			 DB_ARGS(db_v_text(status), db_v_text(error), none_or_int(elapsed_ms), db_v_int(id)), &conv_id) != 1)
		return -1;
	return conv_bump(d, conv_id);
}

static char *opt_text(db_rows *r, int col) { return db_null(r, col) ? NULL : xstrdup(db_text(r, col)); }
static double opt_r(db_rows *r, int col) { return db_null(r, col) ? NAN : db_real(r, col); }

/* The columns every message read selects, in the order read_messages decodes them. */
#define MSG_SELECT                                                                                                  \
	"SELECT m.id, m.role, m.content, m.created_at, m.provider, m.model, m.model_reported,"                      \
	" m.max_tokens, m.temperature, m.top_k, m.top_p, m.prompt_tokens, m.completion_tokens,"                     \
	" m.total_tokens, m.elapsed_ms, m.ttft_ms, m.finish_reason, m.status, m.error, m.source,"                   \
	" m.upload_id, u.name, u.sha256, u.content_type, u.size, m.rendered, m.rendered_version, m.words"           \
	" FROM messages m LEFT JOIN uploads u ON u.id = m.upload_id"

/* One row of a MSG_SELECT query. */
static int message_row(db_rows *r, void *elem, void *ctx)
{
	(void)ctx;
	struct message *m = elem;
	message_init(m, db_text(r, 1));
	m->id = db_int(r, 0);
	m->content = xstrdup(db_text(r, 2));
	m->created_at = db_int(r, 3);
	m->provider = opt_text(r, 4);
	m->model = opt_text(r, 5);
	m->model_reported = opt_text(r, 6);
	m->max_tokens = int_or_none(r, 7);
	m->temperature = opt_r(r, 8);
	m->top_k = int_or_none(r, 9);
	m->top_p = opt_r(r, 10);
	m->prompt_tokens = int_or_none(r, 11);
	m->completion_tokens = int_or_none(r, 12);
	m->total_tokens = int_or_none(r, 13);
	m->elapsed_ms = int_or_none(r, 14);
	m->ttft_ms = int_or_none(r, 15);
	m->finish_reason = opt_text(r, 16);
	copy_field(m->status, sizeof m->status, db_text(r, 17));
	m->error = opt_text(r, 18);
	copy_field(m->source, sizeof m->source, db_text(r, 19));
	m->upload_id = int_or_none(r, 20);
	m->file_name = opt_text(r, 21);
	m->file_sha256 = opt_text(r, 22);
	m->file_type = opt_text(r, 23);
	m->file_size = int_or_none(r, 24);
	m->rendered = opt_text(r, 25);
	m->rendered_version = m->rendered ? int_or_none(r, 26) : -1;
	m->words = int_or_none(r, 27);
	return m->content ? 0 : -1;
}

static void message_rows_free(void *a, size_t n) { msg_list_free(a, n); }

/* Decodes the rows of a MSG_SELECT query into *out (n of them) and ends it. */
static int read_messages(db_rows *r, struct message **out, size_t *n)
{
	void *a;
	int rc = rows_read(r, sizeof **out, message_row, NULL, message_rows_free, &a, n);
	*out = a;
	return rc;
}

int msg_list(db *d, int64_t conv_id, struct message **out, size_t *n)
{
	return read_messages(db_query(d, MSG_SELECT " WHERE m.conversation_id = ? ORDER BY m.id", DB_ARGS(db_v_int(conv_id))),
			     out, n);
}

int msg_list_tail(db *d, int64_t conv_id, int64_t k, struct message **out, size_t *n)
{
	int rc = read_messages(db_query(d, MSG_SELECT " WHERE m.conversation_id = ? ORDER BY m.id DESC LIMIT ?",
					DB_ARGS(db_v_int(conv_id), db_v_int(k))),
			       out, n);
	for (size_t i = 0; rc == 0 && i < *n / 2; i++) { /* newest first, turned into order */
		struct message t = (*out)[i];
		(*out)[i] = (*out)[*n - 1 - i];
		(*out)[*n - 1 - i] = t;
	}
	return rc;
}

int msg_set_rendered(db *d, int64_t id, const char *rendered, int64_t version)
{
	int64_t conv_id;
	if (db_query_int(d, "UPDATE messages SET rendered = ?, rendered_version = ? WHERE id = ? RETURNING conversation_id",
			 DB_ARGS(db_v_text(rendered), db_v_int(version), db_v_int(id)), &conv_id) != 1)
		return -1;
	return conv_bump(d, conv_id);
}

void msg_list_free(struct message *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		message_clear(&m[i]);
	free(m);
}

int upload_insert(db *d, int64_t user_id, const char *name, const char *content_type, const void *data, size_t len,
		  int64_t *id)
{
	char sha[65];
	sha256_hex(sha, data, len);
	return db_query_int(d,
			    "INSERT INTO uploads (user_id, name, size, sha256, content_type, data, created_at)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    DB_ARGS(db_v_int(user_id), db_v_text(name), db_v_int((int64_t)len), db_v_text(sha),
				    db_v_text(content_type), db_v_blob(data, len), db_v_int(now_ms())),
			    id) == 1 ? 0 : -1;
}

int upload_fetch(db *d, int64_t id, int64_t user_id, char **name, char **type, buf *data)
{
	db_rows *r = db_query(d, "SELECT name, content_type, data FROM uploads WHERE id = ? AND user_id = ?",
			      DB_ARGS(db_v_int(id), db_v_int(user_id)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		size_t len;
		const void *p = db_blob(r, 2, &len);
		*name = xstrdup(db_text(r, 0));
		*type = xstrdup(db_text(r, 1));
		buf_append(data, p, len);
		if (!*name || !*type || data->oom)
			rc = -1;
	}
	db_done(r);
	return rc;
}

char *upload_text(db *d, int64_t upload_id, int64_t user_id)
{
	db_rows *r = db_query(d, "SELECT data FROM uploads WHERE id = ? AND user_id = ?",
			      DB_ARGS(db_v_int(upload_id), db_v_int(user_id)));
	if (!r)
		return NULL;
	char *text = NULL;
	if (db_step(r) == 1) {
		size_t len;
		const void *p = db_blob(r, 0, &len);
		text = xstrndup(p, len);
	}
	db_done(r);
	return text;
}

static int prompt_row(db_rows *r, void *elem, void *ctx)
{
	(void)ctx;
	struct prompt *p = elem;
	p->id = db_int(r, 0);
	p->title = xstrdup(db_text(r, 1));
	p->text = xstrdup(db_text(r, 2));
	return p->title && p->text ? 0 : -1;
}

static void prompt_rows_free(void *a, size_t n) { prompt_list_free(a, n); }

int prompt_list(db *d, int64_t user_id, struct prompt **out, size_t *n)
{
	db_rows *r = db_query(d, "SELECT id, title, text FROM saved_prompts WHERE user_id = ? ORDER BY id",
			      DB_ARGS(db_v_int(user_id)));
	void *a;
	int rc = rows_read(r, sizeof **out, prompt_row, NULL, prompt_rows_free, &a, n);
	*out = a;
	return rc;
}

void prompt_list_free(struct prompt *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].title);
		free(p[i].text);
	}
	free(p);
}

int prompt_save(db *d, int64_t user_id, const char *title, const char *text)
{
	return db_exec(d, "INSERT INTO saved_prompts (user_id, title, text, created_at) VALUES (?, ?, ?, ?)",
		       DB_ARGS(db_v_int(user_id), db_v_text(title), db_v_text(text), db_v_int(now_ms()))) == 1 ? 0 : -1;
}

int prompt_delete(db *d, int64_t user_id, int64_t id)
{
	int64_t n = db_exec(d, "DELETE FROM saved_prompts WHERE id = ? AND user_id = ?",
			    DB_ARGS(db_v_int(id), db_v_int(user_id)));
	return n < 0 ? -1 : n > 0;
}

char *prompt_text(db *d, int64_t user_id, int64_t id)
{
	return db_query_text(d, "SELECT text FROM saved_prompts WHERE id = ? AND user_id = ?",
			     DB_ARGS(db_v_int(id), db_v_int(user_id)));
}
