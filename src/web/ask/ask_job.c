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

static void job_text(struct call *c, const char *text, size_t len)
{
	struct ask_job *j = (struct ask_job *)c;
	if (j->hooks)
		j->hooks->text(j, text, len);
	else if (j->streaming)
		call_queue_json(c, json_pack("{s:s, s:s%}", "type", "delta", "text", text, len), false);
	call_wake(c);
}

static void job_beat(struct call *c) { call_queue_json(c, json_pack("{s:s}", "type", "wait"), false); }

static void job_free(struct call *c)
{
	struct ask_job *j = (struct ask_job *)c;
	/* Recorded exactly once: a job that reached the engine ends claimed and recorded. */
	assert(!j->claimed || j->call.recorded);
	if (j->hooks)
		j->hooks->freed(j);
	message_clear(&j->q);
	message_clear(&j->m);
	free(j->title);
	free(j);
}

/* A column of a comparison has no request of its own to claim its record when it
 * ends: it is recorded at its end. The form's own job is claimed by its page. */
static void job_end(struct call *c)
{
	struct ask_job *j = (struct ask_job *)c;
	if (j->hooks)
		job_record(j);
}

static const struct call_ops job_ops = {.text = job_text,
					.end = job_end,
					.beat = job_beat,
					.last = job_last,
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
	unsigned sent = llm_sent_params(p);
	message_init(&j->q, "user");
	j->q.provider = xstrdup(p->name);
	j->q.model = xstrdup(f->model);
	j->q.max_tokens = sent & LLM_MAX_TOKENS ? f->max_tokens : -1;
	j->q.temperature = sent & LLM_TEMPERATURE ? f->temperature : NAN;
	j->q.top_k = sent & LLM_TOP_K ? f->top_k : -1;
	j->q.top_p = sent & LLM_TOP_P ? f->top_p : NAN;
	const char *accept = http_header(r, "Accept");
	j->streaming = accept && strstr(accept, "application/x-ndjson");
	if (!j->q.provider || !j->q.model) {
		call_unref(&j->call);
		return NULL;
	}
	return j;
}

/* ---- the record ---- */

static int write_answer(db *d, struct call_record *const *recs, size_t n)
{
	assert(n == 1);
	(void)n;
	struct ask_job *j = RECORD_OWNER(recs[0], struct ask_job, rec);
	struct message *m = &j->m;
	return exchange_answer(d, j->conv_id, j->call.user_id, j->question_id, m->status, j->call.res.error,
			       j->call.res.elapsed_ms, j->has_answer ? m : NULL, &m->id);
}

static void answer_done(struct call_record *r, int rc)
{
	struct ask_job *j = RECORD_OWNER(r, struct ask_job, rec);
	if (rc < 0) {
		log_error("ask: the answer to message %lld could not be recorded", (long long)j->question_id);
		/* Never leave a question that looks answered-to-be: the next one would
		 * follow it without an answer between them. */
		db *d = db_thread();
		if (d)
			msg_set_status(d, j->question_id, "error", "The answer could not be saved.", j->call.res.elapsed_ms);
	}
	if (call_recorded(&j->call, rc) && j->hooks)
		j->hooks->told(j);
	if (rc != 1)
		call_unref(&j->call); /* the recorder's */
}

/* The form's answers are one transaction each (exchange_answer's own); one that the
 * database refused waits for it: the user has seen it already. */
static const struct record_ops answer_ops = {.write = write_answer, .max_batch = 1, .done = answer_done, .may_wait = true};

void job_record(struct ask_job *j)
{
	call_lock(&j->call);
	bool mine = call_ended(&j->call) && !j->claimed;
	j->claimed |= mine;
	if (mine)
		j->call.refs++; /* the recorder's */
	call_unlock(&j->call);
	if (!mine)
		return;
	/* Claimed and ended: the engine leaves the answer and result alone now, so they
	 * are read here unlocked. Its size is taken before call_answer_fill moves it out
	 * of the call: it bounds what may wait in memory for the database. */
	size_t bytes = j->call.answer.len;
	j->has_answer = call_answer_fill(&j->call, &j->q, &j->m);
	answer_html_fill(&j->m); /* the Markdown rendered once, stored with the answer */
	j->rec = (struct call_record){.ops = &answer_ops, .bytes = bytes};
	if (!call_record(&j->rec))
		answer_done(&j->rec, -1);
}

/* The request ended. If the answer had not, the browser went away: stop the model
 * and keep what came, as cancelled. */
void job_on_close(http_req *r, bool completed)
{
	(void)completed;
	struct ask_job *j = r->job;
	call_hang_up(&j->call, "The answer was stopped before it was complete (Stop was pressed, or the page was closed).");
	job_record(j);
	call_unref(&j->call);
}
