/* message.c - /admin/messages/<id>/: every field of one message, its file's
 * text, its conversation around it, and the form that edits its content, role and
 * model (POST; each changed field logged with its old and new value, an answer's
 * stored rendering made again, the conversation's revision moved so that every
 * cached view of it is stale). /admin/messages/<id>/delete/ (POST) deletes it.
 * A call through the API also shows its key, request body and tool calls.
 * Everything shown is text, escaped: an answer is shown as its Markdown source. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../model/conversation.h"
#include "admin.h"
#include "../answer_html.h"
#include "../context.h"

#define MAX_MODEL 200
/* Messages of the conversation shown on each side of this one. */
#define CONTEXT 20
/* The file's text shown. */
#define FILE_CHARS 65536

static void field_int(buf *b, const char *name, int64_t v)
{
	html_printf(b, "<dt>%s</dt><dd>", name);
	admin_num(b, v);
	html_raw(b, "</dd>");
}

static void field_text(buf *b, const char *name, const char *v)
{
	html_printf(b, "<dt>%s</dt><dd>%s</dd>", name, v ? v : "–");
}

static void field_real(buf *b, const char *name, double v)
{
	if (isnan(v))
		html_printf(b, "<dt>%s</dt><dd>–</dd>", name);
	else
		html_printf(b, "<dt>%s</dt><dd>%g</dd>", name, v);
}

static void fields(buf *b, const struct message *m, const struct admin_msg_where *w)
{
	html_raw(b, "<dl class=\"fields\">");
	field_int(b, "id", m->id);
	html_printf(b, "<dt>user</dt><dd><a href=\"/admin/users/%lld/\">%s</a></dd>", (long long)w->user_id, w->username);
	html_printf(b, "<dt>conversation</dt><dd>%s “%s” (#%lld)</dd>", w->uuid, *w->title ? w->title : "(untitled)",
		    (long long)w->conv_id);
	field_text(b, "role", m->role);
	field_text(b, "status", m->status);
	field_text(b, "source", m->source);
	html_raw(b, "<dt>time</dt><dd>");
	admin_time(b, m->created_at);
	html_raw(b, "</dd>");
	field_text(b, "provider", m->provider);
	field_text(b, "model", m->model);
	field_text(b, "model reported", m->model_reported);
	field_int(b, "max tokens", m->max_tokens);
	field_real(b, "temperature", m->temperature);
	field_int(b, "top k", m->top_k);
	field_real(b, "top p", m->top_p);
	field_int(b, "prompt tokens", m->prompt_tokens);
	field_int(b, "completion tokens", m->completion_tokens);
	field_int(b, "total tokens", m->total_tokens);
	field_int(b, "words (imported)", m->words);
	field_int(b, "elapsed ms", m->elapsed_ms);
	field_int(b, "time to first token ms", m->ttft_ms);
	field_text(b, "finish reason", m->finish_reason);
	field_text(b, "error", m->error);
	if (m->upload_id > 0) {
		html_printf(b, "<dt>file</dt><dd>%s (%s, %lld bytes, SHA-256 %s)</dd>", m->file_name ? m->file_name : "",
			    m->file_type ? m->file_type : "", (long long)m->file_size, m->file_sha256 ? m->file_sha256 : "");
	} else {
		html_raw(b, "<dt>file</dt><dd>none</dd>");
	}
	html_raw(b, "</dl>\n");
}

/* The columns of a call through the API (docs/api.md), which the lists do not read:
 * the key that made it, the request body as the client sent it, the answer's tool
 * calls - each as escaped text (a request may hold any markup). Nothing for a
 * message of the web form or an import. */
static int api_fields(buf *b, db *d, int64_t id)
{
	struct admin_msg_api x;
	int rc = admin_message_api(d, id, &x);
	if (rc <= 0)
		return rc;
	if (x.key_id > 0 || x.request_json || x.tool_calls) {
		html_raw(b, "<h2>API call</h2>\n<dl class=\"fields\" id=\"api-fields\"><dt>API key</dt><dd>");
		if (x.key_id <= 0 || !x.key_name) /* none, or gone: api_key_id is ON DELETE SET NULL */
			html_raw(b, "–");
		else
			html_printf(b, "%s (<code>%s…</code>, #%lld%s)", x.key_name, x.key_prefix, (long long)x.key_id,
				    x.key_revoked ? ", revoked" : "");
		html_raw(b, "</dd></dl>\n");
		if (x.request_json) {
			html_raw(b, "<h3>Request JSON</h3>\n<pre class=\"admin-text\" id=\"request-json\">");
			html_text(b, x.request_json); /* whole: no other page shows it */
			html_raw(b, "</pre>\n");
		}
		if (x.tool_calls) {
			html_raw(b, "<h3>Tool calls</h3>\n<pre class=\"admin-text\" id=\"tool-calls\">");
			html_text(b, x.tool_calls);
			html_raw(b, "</pre>\n");
		}
	}
	admin_msg_api_free(&x);
	return 0;
}

static void role_select(buf *b, const char *current)
{
	html_raw(b, "<label for=\"role\">Role</label><select id=\"role\" name=\"role\">");
	for (size_t i = 0; admin_roles[i]; i++)
		html_printf(b, "<option%s>%s</option>", strcmp(admin_roles[i], current) == 0 ? " selected" : "",
			    admin_roles[i]);
	html_raw(b, "</select>\n");
}

static void edit_form(buf *b, http_req *r, const struct message *m, const char *content, const char *role,
		      const char *model, const char *error)
{
	char action[64];
	snprintf(action, sizeof action, "/admin/messages/%lld/", (long long)m->id);
	html_raw(b, "<h2>Edit</h2>\n");
	form_begin(b, r, action, "stacked admin-edit");
	if (error)
		form_errors(b, error);
	html_printf(b, "<label for=\"content\">Content</label><textarea id=\"content\" name=\"content\" rows=\"12\">%s"
		       "</textarea>\n",
		    content);
	role_select(b, role);
	html_printf(b, "<label for=\"model\">Model</label><input type=\"text\" id=\"model\" name=\"model\" value=\"%s\" "
		       "maxlength=\"%d\">\n",
		    model ? model : "", MAX_MODEL);
	form_end(b, "Save");
	html_printf(b,
		    "<form method=\"post\" action=\"/admin/messages/%lld/delete/\" class=\"inline\">"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">"
		    "<button type=\"submit\" class=\"danger\">Delete this message</button></form>\n",
		    (long long)m->id, auth_csrf_token(r));
}

/* The conversation around the message, each as text; this one marked. */
static void context(buf *b, const struct message *list, size_t n, size_t at)
{
	size_t from = at > CONTEXT ? at - CONTEXT : 0, to = at + CONTEXT + 1 < n ? at + CONTEXT + 1 : n;
	html_printf(b, "<h2>Its conversation</h2>\n<p class=\"help\">Messages %lld to %lld of %lld.</p>\n<ol class=\"admin-thread\">",
		    (long long)from + 1, (long long)to, (long long)n);
	for (size_t i = from; i < to; i++) {
		const struct message *m = &list[i];
		html_printf(b, "<li id=\"m%lld\" class=\"%s\"><p class=\"hist-meta\"><a href=\"/admin/messages/%lld/\">#%lld</a> %s · ",
			    (long long)m->id, i == at ? "here" : "", (long long)m->id, (long long)m->id, m->role);
		admin_time(b, m->created_at);
		if (m->model)
			html_printf(b, " · %s", m->model);
		if (strcmp(m->status, "ok") != 0)
			html_printf(b, " · <span class=\"error\">%s</span>", m->status);
		html_printf(b, "</p><pre class=\"admin-text\">%s</pre></li>\n", m->content ? m->content : "");
	}
	html_raw(b, "</ol>\n");
}

/* Shows message id; with the values of a refused edit when `error`. */
static void show(http_req *r, db *d, int64_t id, int status, const char *error, const char *content, const char *role,
		 const char *model)
{
	struct admin_msg_where w;
	int rc = admin_message_where(d, id, &w);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? "The message could not be read." : NULL);
		return;
	}
	struct message *list = NULL;
	size_t n = 0, at = 0;
	if (msg_list(d, w.conv_id, &list, &n) < 0) {
		admin_msg_where_free(&w);
		http_error(r, 500, "The message could not be read.");
		return;
	}
	while (at < n && list[at].id != id)
		at++;
	if (at == n) { /* deleted in between */
		msg_list_free(list, n);
		admin_msg_where_free(&w);
		http_error(r, 404, NULL);
		return;
	}
	const struct message *m = &list[at];
	buf b = BUF_INIT;
	char title[64];
	snprintf(title, sizeof title, "Message %lld · Admin", (long long)id);
	admin_begin(&b, r, title, "messages");
	html_printf(&b, "<h1>Message %lld</h1>\n", (long long)id);
	if (http_query(r, "saved"))
		html_raw(&b, "<p class=\"notice\" role=\"status\">Saved.</p>\n");
	fields(&b, m, &w);
	if (api_fields(&b, d, id) < 0) {
		buf_free(&b);
		msg_list_free(list, n);
		admin_msg_where_free(&w);
		http_error(r, 500, "The message could not be read.");
		return;
	}
	html_printf(&b, "<h2>Content</h2>\n<pre class=\"admin-text\" id=\"content-text\">%s</pre>\n",
		    m->content ? m->content : "");
	if (m->upload_id > 0) {
		char *text = upload_text(d, m->upload_id, w.user_id);
		html_printf(&b, "<h2>Its file</h2>\n<p>%s</p>\n", m->file_name ? m->file_name : "");
		if (text) {
			html_raw(&b, "<pre class=\"admin-text\" id=\"file-text\">");
			admin_cut(&b, text, FILE_CHARS, false);
			html_raw(&b, "</pre>\n");
		}
		free(text);
	}
	edit_form(&b, r, m, error ? content : (m->content ? m->content : ""), error ? role : m->role,
		  error ? model : m->model, error);
	context(&b, list, n, at);
	page_end(&b);
	page_send(r, status, &b);
	msg_list_free(list, n);
	admin_msg_where_free(&w);
}

static void save(http_req *r, db *d, int64_t id)
{
	const char *content = http_form(r, "content"), *role = http_form(r, "role"), *model = http_form(r, "model");
	const char *valid_role = admin_pick(admin_roles, role);
	const char *why = !content || str_blank(content) ? "The content cannot be empty."
			  : !valid_role			 ? "The role must be user, assistant, system or tool."
			  : model && strlen(model) > MAX_MODEL ? "The model name may be at most 200 characters long."
								: NULL;
	if (why) {
		show(r, d, id, 400, why, content ? content : "", valid_role ? valid_role : "user", model);
		return;
	}
	/* An answer is shown from its stored rendering: made again from the new text. */
	struct message m;
	message_init(&m, valid_role);
	m.content = xstrdup(content);
	if (m.content && strcmp(valid_role, "assistant") == 0)
		answer_html_fill(&m);
	struct admin_edit e = {.content = content,
			       .role = valid_role,
			       .model = model,
			       .rendered = m.rendered,
			       .rendered_version = m.rendered_version};
	struct admin_actor a = admin_actor_of(r);
	int rc = m.content ? admin_message_edit(d, &a, id, &e) : -1;
	message_clear(&m);
	if (rc == -2) {
		http_error(r, 404, NULL);
		return;
	}
	if (rc < 0) {
		http_error(r, 500, "The message could not be saved.");
		return;
	}
	char to[80];
	snprintf(to, sizeof to, "/admin/messages/%lld/?saved=1", (long long)id);
	http_redirect(r, 303, to);
}

void page_admin_message(http_req *r)
{
	int64_t id;
	if (!admin_id(r, &id))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	if (r->method == HTTP_POST)
		save(r, d, id);
	else
		show(r, d, id, 200, NULL, NULL, NULL, NULL);
}

void page_admin_message_delete(http_req *r)
{
	int64_t id;
	if (!admin_id(r, &id))
		return;
	db *d = web_db(r);
	if (!d)
		return;
	struct admin_actor a = admin_actor_of(r);
	int64_t n = admin_messages_delete(d, &a, &id, 1);
	if (n < 0)
		http_error(r, 500, "The message could not be deleted.");
	else if (n == 0)
		http_error(r, 404, NULL);
	else
		http_redirect(r, 303, "/admin/messages/?deleted=1");
}
