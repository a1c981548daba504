/* ask_job.c - the form's job (see ask_job.h): made by the request, fed by the one
 * call machinery (call/call.c), recorded by the one recorder (call/recorder.c),
 * ended by the request's close. Whoever claims the record first - the page when
 * the answer is complete, or the close when the browser went away first - hands it
 * to the recorder; the other leaves it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/log.h"
#include "../../core/util.h"
#include "../../model/exchange.h"
#include "../answer_html.h"
#include "ask_job.h"
#include "../call/limit.h"

void job_lock(struct ask_job *j) { call_lock(&j->call); }
void job_unlock(struct ask_job *j) { call_unlock(&j->call); }

static void job_text(struct call *c, const char *text, size_t len)
{
	struct ask_job *j = (struct ask_job *)c;
	if (j->streaming)
		job_line(j, json_pack("{s:s, s:s%}", "type", "delta", "text", text, len));
	call_wake(c);
}

static void job_end(struct call *c)
{
	call_lock(c);
	call_wake(c);
	call_unlock(c);
}

static void job_beat(struct call *c) { job_line((struct ask_job *)c, json_pack("{s:s}", "type", "wait")); }

static void job_free(struct call *c)
{
	struct ask_job *j = (struct ask_job *)c;
	/* Recorded exactly once: a job that reached the engine ends claimed and told. */
	assert(!j->recorded || j->told);
	if (c->counted)
		call_limit_give(c->user_id);
	free(j->m.rendered);
	free(j->title);
	free(j->model);
	free(j);
}

static const struct call_ops job_ops = {.text = job_text,
					.end = job_end,
					.beat = job_beat,
					.free = job_free,
					.too_long = "The answer was stopped: it passed 8 MiB."};

struct ask_job *job_new(http_req *r, const struct ask_form *f, int64_t conv_id, const char *uuid)
{
	const struct llm_provider *p = llm_provider_for(f->model);
	struct ask_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	call_init(&j->call, &job_ops, p, visitor(r)->user_id);
	j->call.conn = r->conn;
	j->conv_id = conv_id;
	snprintf(j->uuid, sizeof j->uuid, "%s", uuid ? uuid : "");
	j->model = xstrdup(f->model);
	j->sent = llm_sent_params(p);
	j->max_tokens = f->max_tokens;
	j->temperature = f->temperature;
	j->top_k = f->top_k;
	j->top_p = f->top_p;
	const char *accept = http_header(r, "Accept");
	j->streaming = accept && strstr(accept, "application/x-ndjson");
	if (!j->model) {
		call_unref(&j->call);
		return NULL;
	}
	return j;
}

/* ---- the record ---- */

/* The answer as stored: whatever arrived, with the model as reported, tokens,
 * timings and finish reason; parameters the provider was not sent are NULL. */
static void answer_message(struct ask_job *j)
{
	const struct call *c = &j->call;
	struct message *m = &j->m;
	message_init(m, "assistant");
	m->content = c->answer.data ? c->answer.data : (char *)"";
	m->provider = c->prov->name;
	m->model = j->model;
	m->model_reported = c->res.model;
	m->max_tokens = j->sent & LLM_MAX_TOKENS ? j->max_tokens : -1;
	m->temperature = j->sent & LLM_TEMPERATURE ? j->temperature : NAN;
	m->top_k = j->sent & LLM_TOP_K ? j->top_k : -1;
	m->top_p = j->sent & LLM_TOP_P ? j->top_p : NAN;
	m->prompt_tokens = c->res.prompt_tokens;
	m->completion_tokens = c->res.completion_tokens;
	m->total_tokens = c->res.total_tokens;
	m->elapsed_ms = c->res.elapsed_ms;
	m->ttft_ms = c->res.ttft_ms;
	m->finish_reason = c->res.finish_reason;
	m->error = c->res.error;
	snprintf(m->status, sizeof m->status, "%s", call_status(c));
	m->created_at = now_ms();
	answer_html_fill(m); /* the Markdown rendered once, stored with the answer */
	m->rendered = m->rendered ? xstrdup(m->rendered) : NULL; /* the thread's until its next fill */
	/* A failure with no text stores no answer row; the question carries the error. */
	j->has_answer = c->state == CALL_COMPLETE || c->answer.len;
}

static int write_answer(db *d, struct call_record *const *recs, size_t n)
{
	assert(n == 1);
	(void)n;
	struct ask_job *j = (struct ask_job *)((char *)recs[0] - offsetof(struct ask_job, rec));
	struct message *m = &j->m;
	return exchange_answer(d, j->conv_id, j->call.user_id, j->question_id, m->status, j->call.res.error,
			       j->call.res.elapsed_ms, j->has_answer ? m : NULL, &m->id);
}

static void answer_done(struct call_record *r, int rc)
{
	struct ask_job *j = (struct ask_job *)((char *)r - offsetof(struct ask_job, rec));
	if (rc < 0) {
		log_error("ask: the answer to message %lld could not be recorded", (long long)j->question_id);
		/* Never leave a question that looks answered-to-be: the next one would
		 * follow it without an answer between them. */
		db *d = db_thread();
		if (d)
			msg_set_status(d, j->question_id, "error", "The answer could not be saved.", j->call.res.elapsed_ms);
	}
	job_lock(j);
	if (!j->told) {
		j->told = true;
		j->record_rc = rc;
		call_wake(&j->call);
	}
	job_unlock(j);
	if (rc != 1)
		call_unref(&j->call); /* the recorder's */
}

/* The form's answers are one transaction each (exchange_answer's own); one that the
 * database refused waits for it: the user has seen it already. */
static const struct record_ops answer_ops = {.write = write_answer, .max_batch = 1, .done = answer_done, .may_wait = true};

void job_record(struct ask_job *j)
{
	job_lock(j);
	assert(call_ended(&j->call));
	bool mine = !j->recorded;
	j->recorded = true;
	if (mine)
		j->call.refs++; /* the recorder's */
	job_unlock(j);
	if (!mine)
		return;
	/* Claimed and ended: the engine leaves the answer and result alone now, so they
	 * are read here unlocked. */
	answer_message(j);
	j->rec = (struct call_record){.ops = &answer_ops, .bytes = j->call.answer.len};
	if (!call_record(&j->rec))
		answer_done(&j->rec, -1);
}

/* The request ended. If the answer had not, the browser went away: stop the model
 * and keep what came, as cancelled. */
void job_on_close(http_req *r, bool completed)
{
	(void)completed;
	struct ask_job *j = r->job;
	struct call *c = &j->call;
	call_heartbeat_remove(c);
	job_lock(j);
	c->conn = NULL;
	c->waiting = false;
	bool cancel = !call_ended(c);
	if (cancel) {
		free(c->res.error);
		c->res.status = LLM_CANCELLED;
		c->res.error = xstrdup("The answer was stopped before it was complete (Stop was pressed, or the page was closed).");
		c->res.elapsed_ms = mono_ms() - c->t0;
		c->res.ttft_ms = c->ttft;
		call_set_state(c, CALL_CANCELLED);
	}
	job_unlock(j);
	if (cancel)
		llm_cancel(c->id);
	job_record(j);
	call_unref(c);
}
