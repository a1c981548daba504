/* compare_job.c - a comparison's columns asked at once (see compare.h). Each column
 * is an ask job (ask/ask_job.h): its own call, counted in the user's calls in
 * flight, recorded as the form's answers are, in its own conversation. What the
 * page shows of them goes through one more call that is never sent to the engine,
 * the hub: it carries the page's connection, its stream and its heartbeat, so that
 * the columns' texts and ends, from the engine's and the recorder's threads, wake
 * the one request. Locks are taken column first, then hub, never the other way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../ask/ask_job.h"
#include "../answer_html.h"
#include "../call/limit.h"
#include "../context.h"
#include "../instance.h"
#include "compare.h"

#define RESTARTING "The server is restarting. Your question was not sent: try again in a moment."

struct compare_job {
	struct call hub; /* first: the stream's reader gets the job */
	bool streaming, blind, api;
	char uuid[37];
	size_t n, ntold;
	/* In label order (as shown); each holds a reference to the hub until freed. */
	struct ask_job *col[COMPARE_MAX_COLUMNS];
	char label[COMPARE_MAX_COLUMNS][4];
	int entered[COMPARE_MAX_COLUMNS]; /* the form's column (index in compare_form.col) */
	bool told[COMPARE_MAX_COLUMNS];     /* its record's first word is in (under the hub's lock) */
	bool reported[COMPARE_MAX_COLUMNS]; /* its last line is queued */
	bool started[COMPARE_MAX_COLUMNS];  /* it reached the engine */
	char *start_error[COMPARE_MAX_COLUMNS];
};

/* Queues one NDJSON line on the hub (takes the reference to line). Under the hub's lock. */
static void hub_line(struct compare_job *cj, json_t *line) { call_line(&cj->hub, line); }

static int column_of(const struct compare_job *cj, const struct ask_job *j)
{
	for (size_t i = 0; i < cj->n; i++)
		if (cj->col[i] == j)
			return (int)i;
	return -1;
}

static void col_text(struct ask_job *j, const char *text, size_t len)
{
	struct compare_job *cj = j->owner;
	call_lock(&cj->hub);
	if (cj->streaming)
		hub_line(cj, json_pack("{s:s, s:i, s:s%}", "type", "delta", "column", column_of(cj, j), "text", text, len));
	call_wake(&cj->hub);
	call_unlock(&cj->hub);
}

static void col_told(struct ask_job *j)
{
	struct compare_job *cj = j->owner;
	call_lock(&cj->hub);
	int i = column_of(cj, j);
	if (i >= 0 && !cj->told[i]) {
		cj->told[i] = true;
		cj->ntold++;
	}
	call_wake(&cj->hub);
	call_unlock(&cj->hub);
}

static void col_freed(struct ask_job *j) { call_unref(&((struct compare_job *)j->owner)->hub); }

static const struct ask_job_hooks col_hooks = {.text = col_text, .told = col_told, .freed = col_freed};

/* The column's last line: its answer as HTML, or its error. Under the hub's lock,
 * once told (the column's record is written, or waits, or is lost: nothing else
 * touches its answer now). */
static void column_line(struct compare_job *cj, size_t i)
{
	struct ask_job *j = cj->col[i];
	const char *error = cj->start_error[i];
	bool ok = !error && j->m.status[0] && strcmp(j->m.status, "ok") == 0 && j->has_answer;
	if (!error && !ok)
		error = j->call.res.error ? j->call.res.error : "The provider failed.";
	buf html = BUF_INIT;
	if (j->has_answer)
		answer_html(&html, &j->m);
	json_t *line = json_pack("{s:s, s:i, s:s}", "type", ok ? "done" : "error", "column", (int)i, "html",
				 html.data ? html.data : "");
	if (line && error)
		json_object_set_new(line, "message", json_string(error));
	if (line && j->call.record_rc < 0)
		json_object_set_new(line, "warning", json_string("The answer could not be saved."));
	buf_free(&html);
	hub_line(cj, line);
}

static void hub_last(struct call *c)
{
	struct compare_job *cj = (struct compare_job *)c;
	for (size_t i = 0; i < cj->n; i++)
		if (cj->told[i] && !cj->reported[i]) {
			cj->reported[i] = true;
			column_line(cj, i);
		}
	if (cj->ntold == cj->n && !c->out_end) {
		char url[80];
		snprintf(url, sizeof url, "/compare/%s/", cj->uuid);
		hub_line(cj, json_pack("{s:s, s:s}", "type", "end", "url", url));
		c->out_end = true;
	}
}

static void hub_beat(struct call *c) { hub_line((struct compare_job *)c, json_pack("{s:s}", "type", "wait")); }

static void hub_free(struct call *c)
{
	struct compare_job *cj = (struct compare_job *)c;
	for (size_t i = 0; i < COMPARE_MAX_COLUMNS; i++)
		free(cj->start_error[i]);
	free(cj);
}

static const struct call_ops hub_ops = {.beat = hub_beat, .last = hub_last, .free = hub_free, .too_long = ""};

/* The request ended: every column still running is stopped and kept as cancelled. */
static void compare_on_close(http_req *r, bool completed)
{
	(void)completed;
	struct compare_job *cj = r->job;
	call_heartbeat_remove(&cj->hub);
	call_lock(&cj->hub);
	cj->hub.conn = NULL;
	cj->hub.waiting = false;
	call_unlock(&cj->hub);
	for (size_t i = 0; i < cj->n; i++) {
		struct ask_job *j = cj->col[i];
		if (cj->started[i]) {
			call_hang_up(&j->call, "The answer was stopped before it was complete (Stop was pressed, or the "
					       "page was closed).");
			job_record(j);
		}
		call_unref(&j->call); /* may free the column, and with it its reference to the hub */
	}
	call_unref(&cj->hub);
}

/* POST /v1/compare's answer, once every column is recorded: the comparison's id and
 * a chat.completion per column in the order they were given (or the column's
 * error in OpenAI's shape). */
static void api_answer(http_req *r, struct compare_job *cj)
{
	json_t *cols = json_array(), *out = NULL;
	for (size_t k = 0; cols && k < cj->n; k++)
		json_array_append_new(cols, json_null());
	for (size_t i = 0; cols && i < cj->n; i++) {
		struct ask_job *j = cj->col[i];
		const struct message *m = &j->m;
		bool ok = !cj->start_error[i] && j->has_answer && strcmp(m->status, "ok") == 0;
		json_t *c;
		if (!ok) {
			const char *why = cj->start_error[i]       ? cj->start_error[i]
					  : j->call.res.error ? j->call.res.error
							      : "The provider failed.";
			c = json_pack("{s:{s:s, s:s}}", "error", "message", why, "type", "provider_error");
		} else {
			char id[64];
			snprintf(id, sizeof id, "chatcmpl-%s", j->uuid);
			c = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s}, s:s?}], s:{s:I, s:I, s:I}}", "id", id,
				      "object", "chat.completion", "created", (json_int_t)(m->created_at / 1000), "model",
				      m->model_reported ? m->model_reported : m->model, "choices", "index", 0, "message", "role",
				      "assistant", "content", m->content ? m->content : "", "finish_reason", m->finish_reason,
				      "usage", "prompt_tokens", (json_int_t)m->prompt_tokens, "completion_tokens",
				      (json_int_t)m->completion_tokens, "total_tokens", (json_int_t)m->total_tokens);
			if (c)
				json_object_set_new(c, "conversation_id", json_string(j->uuid));
		}
		json_array_set_new(cols, (size_t)cj->entered[i], c);
	}
	if (cols)
		out = json_pack("{s:s, s:o}", "comparison_id", cj->uuid, "columns", cols);
	char *s = out ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	if (!s) {
		http_error(r, 500, "Out of memory.");
		return;
	}
	buf b = BUF_INIT;
	buf_puts(&b, s);
	free(s);
	http_send(r, 200, "application/json", &b);
}

/* Without JavaScript: wait (suspended) until every column is recorded, then redirect. */
static void finish_page(http_req *r)
{
	struct compare_job *cj = r->job;
	call_lock(&cj->hub);
	bool all = cj->ntold == cj->n;
	if (!all) {
		cj->hub.waiting = true;
		http_suspend(r);
	}
	call_unlock(&cj->hub);
	if (!all)
		return;
	if (cj->api) {
		api_answer(r, cj);
		return;
	}
	char loc[80];
	snprintf(loc, sizeof loc, "/compare/%s/", cj->uuid);
	http_redirect(r, 303, loc);
}

/* The stream's first line, queued before any column is sent: a fast column's
 * first piece must not come before it. */
static void start_line(struct compare_job *cj)
{
	char url[80];
	snprintf(url, sizeof url, "/compare/%s/", cj->uuid);
	json_t *cols = json_array();
	for (size_t i = 0; cols && i < cj->n; i++) {
		json_t *c = json_pack("{s:s}", "label", cj->label[i]);
		if (c && !cj->blind)
			json_object_set_new(c, "model", json_string(cj->col[i]->q.model));
		json_array_append_new(cols, c);
	}
	call_lock(&cj->hub);
	hub_line(cj, json_pack("{s:s, s:s, s:s, s:b, s:o}", "type", "start", "comparison", cj->uuid, "url", url, "blind",
			       cj->blind, "columns", cols ? cols : json_null()));
	call_unlock(&cj->hub);
}

static void stream_start(http_req *r, struct compare_job *cj)
{
	call_heartbeat_add(&cj->hub);
	http_add_header(r, "X-Accel-Buffering", "no");
	http_send_stream(r, 200, "application/x-ndjson", call_stream_read, NULL, cj);
}

/* Labels A.. for n columns as entered: in order, or shuffled when blind. */
static void deal_labels(struct compare_job *cj, size_t n, int order[COMPARE_MAX_COLUMNS])
{
	for (size_t i = 0; i < n; i++)
		order[i] = (int)i;
	for (size_t i = n; cj->blind && i > 1; i--) {
		size_t k = randombytes_uniform((uint32_t)i);
		int t = order[i - 1];
		order[i - 1] = order[k];
		order[k] = t;
	}
}

/* Gives back the places of columns that never became jobs. */
static void give_places(int64_t user, size_t n)
{
	for (size_t i = 0; i < n; i++)
		call_limit_give(user);
}

static void job_drop(struct compare_job *cj)
{
	for (size_t i = 0; i < cj->n; i++)
		call_unref(&cj->col[i]->call);
	call_unref(&cj->hub);
}

/* Makes the hub and the columns' jobs (in label order); the user's places are
 * the columns' from here. NULL when out of memory, every place given back. */
static struct compare_job *job_make(http_req *r, struct compare_form *f)
{
	int64_t user = visitor(r)->user_id;
	struct compare_job *cj = calloc(1, sizeof *cj);
	if (!cj) {
		give_places(user, f->n);
		return NULL;
	}
	call_init(&cj->hub, &hub_ops, NULL, user);
	cj->hub.conn = r->conn;
	const char *accept = http_header(r, "Accept");
	cj->streaming = accept && strstr(accept, "application/x-ndjson");
	cj->blind = f->blind;
	cj->api = f->api;
	cj->streaming &= !f->api;
	int order[COMPARE_MAX_COLUMNS];
	deal_labels(cj, f->n, order);
	/* Column i as shown is the entered column order[i]. */
	for (size_t i = 0; i < f->n; i++) {
		struct ask_job *j = job_new(r, &f->col[order[i]], 0, NULL);
		if (!j) {
			give_places(user, f->n - i);
			job_drop(cj);
			return NULL;
		}
		j->call.counted = true;
		j->call.conn = NULL; /* the hub wakes the request */
		j->streaming = false;
		j->hooks = &col_hooks;
		j->owner = cj;
		if (f->api) {
			snprintf(j->q.source, sizeof j->q.source, "api");
			j->q.api_key_id = f->api_key_id;
		}
		cj->hub.refs++; /* the column's */
		cj->col[cj->n] = j;
		cj->entered[cj->n] = order[i];
		snprintf(cj->label[cj->n], sizeof cj->label[0], "%c", 'A' + (int)i);
		cj->n++;
	}
	return cj;
}

/* The comparison and its columns' questions, in one transaction. */
static int record_questions(db *d, struct compare_job *cj, struct compare_form *f)
{
	struct new_comparison nc = {.user_id = cj->hub.user_id, .question = f->question, .blind = f->blind,
				    .arena = f->arena, .instance_id = instance_self(), .n = cj->n};
	char title[81];
	utf8_title(title, sizeof title, f->question);
	nc.title = title;
	for (size_t i = 0; i < cj->n; i++) {
		if (!(cj->col[i]->q.content = xstrdup(f->question)))
			return -1;
		nc.q[i] = &cj->col[i]->q;
		nc.label[i] = cj->label[i];
	}
	if (f->file) {
		nc.file_name = f->file->filename;
		nc.file_type = ask_file_type(f->file->filename);
		nc.file_data = f->file->data.data ? f->file->data.data : "";
		nc.file_len = f->file->data.len;
	}
	if (compare_create(d, &nc) < 0)
		return -1;
	memcpy(cj->uuid, nc.uuid, sizeof cj->uuid);
	for (size_t i = 0; i < cj->n; i++) {
		cj->col[i]->conv_id = nc.conv_id[i];
		cj->col[i]->question_id = nc.question_id[i];
		memcpy(cj->col[i]->uuid, nc.conv_uuid[i], sizeof cj->col[i]->uuid);
	}
	return 0;
}

/* Sends column i; one that cannot be sent is on record as failed, with the reason,
 * and shown so: the others go on. */
static void start_column(db *d, struct compare_job *cj, size_t i, const struct compare_form *f)
{
	struct ask_job *j = cj->col[i];
	const struct ask_form *af = &f->col[cj->entered[i]];
	buf why = BUF_INIT;
	if (job_call_start(d, j, af, &why) == 0) {
		cj->started[i] = true;
	} else {
		const char *reason = why.data ? why.data : "The question could not be sent.";
		msg_set_status(d, j->question_id, "error", reason, -1);
		cj->start_error[i] = xstrdup(reason);
		j->claimed = j->call.recorded = true; /* nothing more to record */
		call_lock(&cj->hub);
		cj->told[i] = true;
		cj->ntold++;
		call_unlock(&cj->hub);
	}
	buf_free(&why);
}

void compare_start(http_req *r, struct compare_form *f)
{
	int64_t user = visitor(r)->user_id;
	db *d = web_db(r);
	if (!d || !llm_accepting()) {
		give_places(user, f->held);
		if (d)
			http_error_retry(r, 503, RESTARTING);
		return;
	}
	/* Each column is a call in flight: all of them get a place, or none is asked. */
	for (size_t i = f->held; i < f->n; i++)
		if (!call_limit_take(user)) {
			give_places(user, i);
			http_error_retry(r, 429, CALL_LIMIT_REACHED);
			return;
		}
	struct compare_job *cj = job_make(r, f);
	if (!cj) {
		http_error(r, 500, "Out of memory.");
		return;
	}
	if (record_questions(d, cj, f) < 0) {
		job_drop(cj);
		http_error(r, 500, "The question could not be saved.");
		return;
	}
	if (cj->streaming)
		start_line(cj);
	for (size_t i = 0; i < cj->n; i++)
		start_column(d, cj, i, f);
	r->job = cj;
	r->on_close = compare_on_close;
	if (cj->streaming) {
		stream_start(r, cj);
	} else {
		r->on_resume = finish_page;
		finish_page(r);
	}
}
