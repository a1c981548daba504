/* conversation.c - /conversation/<uuid>/: one conversation, each question with its
 * answer and metadata, and the form to continue it (POST here). A failed or
 * cancelled question is shown with its reason and offered again in the form. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../answer_html.h"
#include "../answer_json.h"
#include "../../http/assets.h"
#include "../ask/ask.h"
#include "thread_cache.h"
#include "../context.h"
#include "history.h"

/* The metadata list is most of a long conversation's page: written piece by piece
 * with the writer's cheapest calls (labels and units are literals). */
static void meta_open(buf *b, const char *label, bool known)
{
	html_raw(b, "<div><dt>");
	html_raw(b, label);
	html_raw(b, known ? "</dt><dd>" : "</dt><dd class=\"unknown\">");
}

static void meta_int(buf *b, const char *label, int64_t v, const char *unit, const char *unknown)
{
	meta_open(b, label, v >= 0);
	if (v >= 0) {
		html_int(b, v);
		html_raw(b, unit);
	} else {
		html_raw(b, unknown);
	}
	html_raw(b, "</dd></div>");
}

static void meta_real(buf *b, const char *label, double v)
{
	meta_open(b, label, !isnan(v));
	if (isnan(v)) {
		html_raw(b, "not sent");
	} else {
		html_printf(b, "%g", v);
	}
	html_raw(b, "</dd></div>");
}

/* The line every answer shows: model, tokens, time; the rest is behind "Details". */
static void meta_line(buf *b, const struct message *m)
{
	html_raw(b, "<p class=\"meta-line\"><span class=\"model\">");
	html_text(b, m->model_reported ? m->model_reported : m->model ? m->model : "?");
	html_raw(b, "</span> · ");
	if (m->total_tokens >= 0) {
		html_int(b, m->total_tokens);
		html_raw(b, " tokens");
	} else {
		html_raw(b, "tokens not reported");
	}
	if (m->elapsed_ms >= 1000)
		html_printf(b, " · %.1f s", (double)m->elapsed_ms / 1000.0);
	else if (m->elapsed_ms >= 0)
		html_printf(b, " · %lld ms", (long long)m->elapsed_ms);
	html_raw(b, "</p>\n");
}

static void metadata(buf *b, const struct message *m)
{
	char ts[32];
	fmt_iso8601(ts, m->created_at);
	meta_line(b, m);
	html_raw(b, "<details class=\"meta-more\"><summary>Details</summary><dl class=\"meta\">");
	meta_open(b, "Model", true);
	html_text(b, m->model ? m->model : "?");
	if (m->model_reported && (!m->model || strcmp(m->model, m->model_reported) != 0))
		html_printf(b, " (reported: %s)", m->model_reported);
	html_raw(b, "</dd></div>");
	meta_open(b, "Provider", true);
	html_text(b, m->provider ? m->provider : "?");
	html_raw(b, "</dd></div>");
	if (strcmp(m->source, "api") == 0) /* asked by a program (docs/api.md) */
		html_raw(b, "<div><dt>Via</dt><dd>API</dd></div>");
	else if (strcmp(m->source, "api-embeddings") == 0)
		html_raw(b, "<div><dt>Via</dt><dd>API (embeddings)</dd></div>");
	else if (strcmp(m->source, "api-responses") == 0)
		html_raw(b, "<div><dt>Via</dt><dd>API (responses)</dd></div>");
	meta_int(b, "Prompt tokens", m->prompt_tokens, "", "not reported");
	meta_int(b, "Completion tokens", m->completion_tokens, "", "not reported");
	meta_int(b, "Total tokens", m->total_tokens, "", "not reported");
	if (m->words >= 0) /* imported from the Django app, which counted words */
		meta_int(b, "Words", m->words, "", "");
	meta_int(b, "Elapsed", m->elapsed_ms, " ms", "unknown");
	meta_int(b, "First token", m->ttft_ms, " ms", "unknown");
	meta_real(b, "Temperature", m->temperature);
	meta_int(b, "Top k", m->top_k, "", "not sent");
	meta_real(b, "Top p", m->top_p);
	meta_int(b, "Max tokens", m->max_tokens, "", "not sent");
	html_printf(b,
		    "<div><dt>Finish</dt><dd>%s</dd></div><div><dt>Time</dt><dd><time datetime=\"%s\" class=\"t-full\">%s</time>"
		    "</dd></div></dl></details>\n",
		    m->finish_reason ? m->finish_reason : "-", ts, ts);
}

/* "Open in JSON viewer" for each JSON document in answer m (answer_json.h): buttons
 * of the page's one #open-json form (written outside the kept thread, since it holds
 * the session's CSRF token), so that they work without JavaScript; answer.js hides
 * them and puts its own on each code block. */
static void open_json_buttons(buf *b, const struct message *m)
{
	int n = m->id > 0 && m->content ? answer_json(m->content, -1, NULL) : 0;
	if (n <= 0)
		return;
	html_raw(b, "<p class=\"open-json\">");
	for (int i = 0; i < n; i++) {
		html_printf(b, "<button type=\"submit\" form=\"open-json\" name=\"answer\" value=\"%lld-%d\" "
			       "class=\"secondary small\">Open ",
			    (long long)m->id, i);
		if (n > 1)
			html_printf(b, "JSON %d ", i + 1);
		html_raw(b, "in JSON viewer</button>");
	}
	html_raw(b, "</p>\n");
}

/* answered: an answer follows this question, and says itself how it ended; the
 * question's status is then not said a second time. */
static void render(buf *b, const struct message *m, bool answered)
{
	html_printf(b, "<article class=\"msg %s status-%s\" id=\"m-%lld\">\n", m->role, m->status, (long long)m->id);
	if (strcmp(m->role, "assistant") == 0) {
		html_raw(b, "<div class=\"answer\">");
		answer_html(b, m);
		html_raw(b, "</div>\n");
		open_json_buttons(b, m);
		if (strcmp(m->status, "ok") != 0)
			html_printf(b, "<p class=\"error\" role=\"alert\">The answer is incomplete (%s). %s</p>\n", m->status,
				    m->error ? m->error : "");
		metadata(b, m);
	} else {
		html_printf(b, "<div class=\"question\">%s</div>\n", m->content ? m->content : "");
		if (m->upload_id > 0)
			html_printf(b,
				    "<p class=\"file\">File: <a href=\"/uploads/%lld/\">%s</a> (%lld bytes, %s, "
				    "SHA-256 <code>%.12s</code>)</p>\n",
				    (long long)m->upload_id, m->file_name ? m->file_name : "file", (long long)m->file_size,
				    m->file_type ? m->file_type : "", m->file_sha256 ? m->file_sha256 : "");
		if (strcmp(m->status, "ok") != 0 && !answered)
			html_printf(b, "<p class=\"error\" role=\"alert\">This question %s. %s</p>\n",
				    strcmp(m->status, "cancelled") == 0     ? "was cancelled"
				    : strcmp(m->status, "interrupted") == 0 ? "was interrupted"
									    : "failed",
				    m->error ? m->error : "");
		if (m->id > 0) { /* the form below, filled with this question, to change and send again */
			html_printf(b, "<p class=\"msg-tools\"><a href=\"?edit=%lld#f-question\">Edit and resend</a>",
				    (long long)m->id);
			/* A failed attempt can be taken out: a button of the page's #dismiss form
			 * (outside the kept thread, as it holds the session's token). */
			if (strcmp(m->status, "ok") != 0)
				html_printf(b,
					    " <button type=\"submit\" form=\"dismiss\" formaction=\"dismiss/%lld/\" "
					    "class=\"link\">Dismiss this failed attempt</button>",
					    (long long)m->id);
			html_raw(b, "</p>\n");
		}
	}
	html_raw(b, "</article>\n");
}

void conv_render_message(buf *b, const struct message *m) { render(b, m, false); }

/* A reopened conversation goes on as it was left: the model and parameters of its
 * last question, as the user set them. A parameter not sent to that provider
 * (unknown in the record) keeps the form's default, and a model no longer
 * configured leaves the form's first one. */
static void continue_settings(struct ask_form *f, const struct message *msgs, size_t n)
{
	const struct message *m = NULL;
	for (size_t i = n; i-- > 0 && !m;)
		if (msgs[i].model)
			m = &msgs[i];
	if (!m)
		return;
	if (ask_model_configured(m->model))
		f->model = ask_model_configured(m->model); /* the configured copy outlives msgs */
	if (m->max_tokens >= 0)
		f->max_tokens = m->max_tokens;
	if (!isnan(m->temperature))
		f->temperature = m->temperature;
	if (m->top_k >= 0)
		f->top_k = m->top_k;
	if (!isnan(m->top_p))
		f->top_p = m->top_p;
}

/* Delete (a confirmation page, or assets/delete.js's dialog), the exports, and the
 * scripts for the answers' code blocks (assets/answer.js) and the dialog. */
/* Export, rename and delete; title is the stored one ("" when it has none). */
static void conv_actions(buf *b, http_req *r, const char *uuid, const char *title)
{
	html_printf(b,
		    "<div class=\"conv-actions\"><p>Export this conversation: <a href=\"/conversation/%s/export.md\">"
		    "Markdown</a> · <a href=\"/conversation/%s/export.csv\">CSV</a> · "
		    "<a href=\"/conversation/%s/export.jsonl\">JSONL</a></p>\n",
		    uuid, uuid, uuid);
	html_printf(b,
		    "<details class=\"rename\"><summary>Rename</summary><form method=\"post\" "
		    "action=\"/conversation/%s/rename/\" class=\"inline-form\"><input type=\"hidden\" "
		    "name=\"csrf_token\" value=\"%s\"><label for=\"f-title\">Title</label> <input id=\"f-title\" "
		    "name=\"title\" type=\"text\" value=\"%s\" maxlength=\"%d\" required> "
		    "<button type=\"submit\">Save</button></form></details>\n",
		    uuid, auth_csrf_token(r), title, CONV_TITLE_MAX);
	html_printf(b,
		    "<a class=\"button danger\" href=\"/delete_conversation/%s/\" data-delete-title=\"%s\">Delete</a>"
		    "</div>\n<script src=\"%s\" defer></script>\n<script src=\"%s\" defer></script>\n"
		    "<script src=\"%s\" defer></script>\n",
		    uuid, *title ? title : "(untitled)", asset_url("/static/answer.js"), asset_url("/static/delete.js"),
		    asset_url("/static/history.js")); /* the answers' times in the reader's zone */
}

/* The form needs only the last messages: the settings of the last question (with
 * its answer, the last two carry them) and whether the last one failed. */
#define FORM_TAIL 2

/* Appends the thread of conversation h at its revision: kept, or read, written and
 * kept (thread_cache.h). *msgs receives what the form needs: the last FORM_TAIL
 * messages, or all of them when they had to be read anyway. 0, or -1 when the
 * database failed. */
static int thread(buf *b, db *d, const struct conv_head *h, struct message **msgs, size_t *n)
{
	if (thread_cache_get(h->id, h->revision, b))
		return msg_list_tail(d, h->id, FORM_TAIL, msgs, n);
	if (msg_list(d, h->id, msgs, n) < 0)
		return -1;
	size_t mark = b->len;
	for (size_t i = 0; i < *n; i++)
		render(b, &(*msgs)[i], i + 1 < *n && strcmp((*msgs)[i + 1].role, "assistant") == 0);
	/* The messages were read after the revision, so they are at least that new. */
	if (!b->oom)
		thread_cache_put(h->id, h->revision, b->data + mark, b->len - mark);
	return 0;
}

/* "Regenerate": the last question asked again, with the settings it was asked
 * with, as a new exchange at the end (the earlier answer stays). A form of its own
 * under the thread, posting as the continue form does; to change the settings or
 * the question, "Edit and resend" fills the continue form instead. */
static void regenerate_form(buf *b, http_req *r, const char *uuid, const struct message *msgs, size_t n)
{
	if (n < 2 || strcmp(msgs[n - 1].role, "assistant") != 0 || strcmp(msgs[n - 2].role, "user") != 0 ||
	    !msgs[n - 2].content || !msgs[n - 1].model || !ask_model_configured(msgs[n - 1].model))
		return;
	const struct message *q = &msgs[n - 2], *a = &msgs[n - 1];
	html_printf(b,
		    "<form method=\"post\" action=\"/conversation/%s/\" enctype=\"multipart/form-data\" "
		    "class=\"regenerate\"><input type=\"hidden\" name=\"csrf_token\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"question\" value=\"%s\"><input type=\"hidden\" name=\"model\" "
		    "value=\"%s\">",
		    uuid, auth_csrf_token(r), q->content, a->model);
	/* The numbers as they were sent; one not sent is left to the form's default. */
	char v[32];
	if (a->max_tokens >= 0)
		html_printf(b, "<input type=\"hidden\" name=\"max_tokens\" value=\"%lld\">", (long long)a->max_tokens);
	if (a->top_k >= 0)
		html_printf(b, "<input type=\"hidden\" name=\"top_k\" value=\"%lld\">", (long long)a->top_k);
	if (!isnan(a->temperature)) {
		snprintf(v, sizeof v, "%g", a->temperature);
		html_printf(b, "<input type=\"hidden\" name=\"temperature\" value=\"%s\">", v);
	}
	if (!isnan(a->top_p)) {
		snprintf(v, sizeof v, "%g", a->top_p);
		html_printf(b, "<input type=\"hidden\" name=\"top_p\" value=\"%s\">", v);
	}
	html_raw(b, "<button type=\"submit\" class=\"secondary\">Regenerate the last answer</button></form>\n");
}

/* ?edit=<id>: the continue form filled with that question of this conversation,
 * to change and send again (appended as a new question: docs/history.md). An id
 * that is not one of its questions is ignored. 0, or -1 when the database failed. */
static int edit_question(http_req *r, db *d, const struct conv_head *h, struct ask_form *f)
{
	int64_t id;
	const char *e = http_query(r, "edit");
	if (!e || !parse_int64(e, 1, INT64_MAX, &id))
		return 0;
	struct message *all;
	size_t n;
	if (msg_list(d, h->id, &all, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (all[i].id == id && strcmp(all[i].role, "user") == 0 && all[i].content) {
			free(f->question);
			f->question = xstrdup(all[i].content);
		}
	}
	msg_list_free(all, n);
	return 0;
}

/* Shows the conversation; f is the continue form: as the conversation left it on a
 * GET, as posted after a POST (with its errors, or after saving a prompt). */
static void show(http_req *r, db *d, const struct conv_head *h, const char *uuid, struct ask_form *f, int status,
		 const char *notice)
{
	const char *shown = *h->title ? h->title : "(untitled)";
	buf b = BUF_INIT;
	page_begin(&b, r, shown, "history"); /* a conversation is found in History */
	html_printf(&b, "<h1 id=\"title\">%s</h1>\n<p class=\"sub\"><a href=\"/ask/\">New conversation</a></p>\n",
		    shown);
	conv_actions(&b, r, uuid, h->title);
	if (notice)
		html_printf(&b, "<p class=\"notice\" role=\"status\">%s</p>\n", notice);
	html_raw(&b, "<section class=\"thread\" id=\"thread\">\n");
	struct message *msgs;
	size_t n;
	if (thread(&b, d, h, &msgs, &n) < 0) {
		buf_free(&b);
		http_error(r, 500, "The conversation could not be read.");
		return;
	}
	html_raw(&b, "</section>\n");
	if (r->method != HTTP_POST)
		regenerate_form(&b, r, uuid, msgs, n);
	html_printf(&b, "<form id=\"open-json\" method=\"post\" action=\"/json-viewer/\">"
			"<input type=\"hidden\" name=\"csrf_token\" value=\"%s\"></form>\n"
			"<form id=\"dismiss\" method=\"post\" action=\"/conversation/%s/\">"
			"<input type=\"hidden\" name=\"csrf_token\" value=\"%s\"></form>\n<h2>Continue</h2>\n",
		    auth_csrf_token(r), uuid, auth_csrf_token(r));
	if (r->method != HTTP_POST) {
		continue_settings(f, msgs, n);
		if (edit_question(r, d, h, f) < 0) {
			buf_free(&b);
			msg_list_free(msgs, n);
			http_error(r, 500, "The conversation could not be read.");
			return;
		}
	}
	/* Offer a failed last question again. */
	if (!f->question && n && strcmp(msgs[n - 1].role, "user") == 0 && strcmp(msgs[n - 1].status, "ok") != 0)
		f->question = xstrdup(msgs[n - 1].content);
	struct prompt *prompts = NULL;
	size_t np = 0;
	if (prompt_list(d, visitor(r)->user_id, &prompts, &np) < 0) {
		/* Not a page without its saved prompts: one sent with an ETag would be
		 * kept, and answered 304, after the database has come back. */
		buf_free(&b);
		msg_list_free(msgs, n);
		http_error(r, 500, "The saved prompts could not be read.");
		return;
	}
	char action[80];
	snprintf(action, sizeof action, "/conversation/%s/", uuid);
	ask_form_render(&b, r, f, action, prompts, np);
	page_end(&b);
	page_send_cached(r, status, &b);
	prompt_list_free(prompts, np);
	msg_list_free(msgs, n);
}

void page_conversation(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *uuid = r->params[0];
	struct conv_head h;
	int found = conv_head(d, uuid, visitor(r)->user_id, &h);
	if (found <= 0) {
		http_error(r, found < 0 ? 500 : 404, NULL);
		return;
	}
	struct ask_form f;
	ask_form_init(&f);
	const char *intent = http_form(r, "intent");
	if (r->method != HTTP_POST) {
		show(r, d, &h, uuid, &f, 200, NULL);
	} else if (intent && strcmp(intent, "save_prompt") == 0) {
		int status = ask_save_prompt(r, d, &f);
		if (status)
			show(r, d, &h, uuid, &f, status, status == 200 ? ask_saved_notice : NULL);
	} else if (!ask_form_read(r, &f)) {
		show(r, d, &h, uuid, &f, 400, NULL);
	} else {
		ask_job_start(r, &f, h.id, uuid);
	}
	ask_form_free(&f);
	free(h.title);
}
