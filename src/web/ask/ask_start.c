/* ask_start.c - ask_job_start (see ask.h): the limits that refuse a question before
 * anything is stored (shutdown 503, per-user 429), the question recorded with its
 * file (and its new conversation) in one model call, the whole conversation handed
 * to the engine, and the connection suspended: no thread waits on a model. Without
 * JavaScript the page then waits for the complete answer and redirects to the
 * conversation; with it, the answer streams (ask_stream.c). */
#include <stdio.h>
#include <stdlib.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../model/exchange.h"
#include "ask_job.h"
#include "../context.h"
#include "../instance.h"
#include "../call/limit.h"

#define RESTARTING "The server is restarting. Your question was not sent: try again in a moment."

/* Without JavaScript: wait (suspended) for the whole answer and its record, then
 * redirect. */
static void finish_page(http_req *r)
{
	struct ask_job *j = r->job;
	call_lock(&j->call);
	bool ended = call_ended(&j->call), recorded = call_await_record(r, &j->call);
	call_unlock(&j->call);
	if (ended && !recorded)
		job_record(j); /* its answer wakes the request */
	if (!recorded)
		return;
	char loc[80];
	snprintf(loc, sizeof loc, "/conversation/%s/", j->uuid);
	http_redirect(r, 303, loc);
}

static int record_question(db *d, http_req *r, struct ask_form *f, struct ask_job *j)
{
	j->q.content = xstrdup(f->question);
	if (!j->q.content)
		return -1;
	char title[81];
	utf8_title(title, sizeof title, f->question);
	struct new_question nq = {.user_id = j->call.user_id, .conv_id = j->conv_id, .title = title, .source = "web",
				  .instance_id = instance_self(), .msg = &j->q};
	snprintf(nq.uuid, sizeof nq.uuid, "%s", j->uuid);
	if (f->file) {
		nq.file_name = f->file->filename;
		nq.file_type = ask_file_type(f->file->filename);
		nq.file_data = f->file->data.data ? f->file->data.data : "";
		nq.file_len = f->file->data.len;
	}
	if (exchange_question(d, &nq, &j->question_id) < 0)
		return -1;
	/* The stream's first line names the conversation for the page's heading (a page
	 * without JavaScript has no use for it: no query then). */
	if (j->streaming)
		j->title = j->conv_id ? conv_title(d, nq.conv_id, visitor(r)->user_id) : xstrdup(title);
	j->conv_id = nq.conv_id;
	snprintf(j->uuid, sizeof j->uuid, "%s", nq.uuid);
	return 0;
}

int job_call_start(db *d, struct ask_job *j, const struct ask_form *f, buf *why)
{
	struct ask_context ctx;
	int rc = ask_context_build(d, j->conv_id, j->call.user_id, j->question_id, &ctx, why);
	if (rc == 0 && ctx.n == 0) {
		buf_puts(why, "The conversation could not be read.");
		rc = -1;
	}
	if (rc == 0) {
		struct llm_request req = {.provider = j->call.prov, .model = j->q.model, .msgs = ctx.msgs,
					  .nmsgs = ctx.n, .max_tokens = f->max_tokens, .temperature = f->temperature,
					  .top_k = f->top_k, .top_p = f->top_p};
		call_lock(&j->call);
		bool sent = call_send(&j->call, &req);
		call_unlock(&j->call);
		if (!sent) {
			buf_puts(why, llm_accepting() ? "The request to the model could not be built."
						      : "The server was restarting; the question was not sent.");
			rc = -1;
		}
	}
	ask_context_free(&ctx);
	return rc;
}

void ask_job_start(http_req *r, struct ask_form *f, int64_t conv_id, const char *uuid)
{
	db *d = web_db(r);
	if (!d)
		return;
	if (!llm_accepting()) {
		http_error_retry(r, 503, RESTARTING);
		return;
	}
	if (!call_limit_take(visitor(r)->user_id)) {
		http_error_retry(r, 429, CALL_LIMIT_REACHED);
		return;
	}
	struct ask_job *j = job_new(r, f, conv_id, uuid);
	if (!j) {
		call_limit_give(visitor(r)->user_id);
		http_error(r, 500, "Out of memory.");
		return;
	}
	j->call.counted = true;
	if (record_question(d, r, f, j) < 0) {
		call_unref(&j->call);
		http_error(r, 500, "The question could not be saved.");
		return;
	}
	buf why = BUF_INIT;
	if (job_call_start(d, j, f, &why) < 0) {
		/* Fail closed: the question is on record as failed, with the reason. */
		const char *reason = why.data ? why.data : "The question could not be sent.";
		msg_set_status(d, j->question_id, "error", reason, -1);
		bool closing = !llm_accepting();
		call_unref(&j->call);
		if (closing)
			http_error_retry(r, 503, RESTARTING);
		else
			http_error(r, 500, reason);
		buf_free(&why);
		return;
	}
	buf_free(&why);
	r->job = j;
	r->on_close = job_on_close;
	if (j->streaming) {
		job_stream(r, j);
	} else {
		r->on_resume = finish_page;
		finish_page(r);
	}
}
