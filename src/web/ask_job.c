/* ask_job.c - the life of a job (see ask_job.h): created by the request, shared
 * with the engine, fed by the engine's callback, ended by the request's close.
 * Whoever claims the record first - the page when the answer is complete, or the
 * close when the browser went away first - writes it; the other leaves it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../core/util.h"
#include "ask_job.h"

void job_lock(struct ask_job *j)
{
	pthread_mutex_lock(&j->mu);
#ifndef NDEBUG
	j->holder = pthread_self();
	j->held = true;
#endif
}

void job_unlock(struct ask_job *j)
{
	JOB_LOCKED(j);
#ifndef NDEBUG
	j->held = false;
#endif
	pthread_mutex_unlock(&j->mu);
}

struct ask_job *job_new(http_req *r, const struct ask_form *f, int64_t conv_id, const char *uuid)
{
	const struct llm_provider *p = llm_provider_for(f->model);
	struct ask_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	pthread_mutex_init(&j->mu, NULL);
	j->refs = 1;
	j->t0 = mono_ms();
	j->ttft = -1;
	/* Nothing reported yet: unknown, not zero. */
	j->res.prompt_tokens = j->res.completion_tokens = j->res.total_tokens = -1;
	j->res.elapsed_ms = j->res.ttft_ms = -1;
	j->conn = r->conn;
	j->user_id = visitor(r)->user_id;
	j->conv_id = conv_id;
	snprintf(j->uuid, sizeof j->uuid, "%s", uuid ? uuid : "");
	j->provider = xstrdup(p->name);
	j->model = xstrdup(f->model);
	j->sent = llm_sent_params(p);
	j->max_tokens = f->max_tokens;
	j->temperature = f->temperature;
	j->top_k = f->top_k;
	j->top_p = f->top_p;
	const char *accept = http_header(r, "Accept");
	j->streaming = accept && strstr(accept, "application/x-ndjson");
	if (!j->provider || !j->model) {
		job_unref(j);
		return NULL;
	}
	return j;
}

void job_unref(struct ask_job *j)
{
	job_lock(j);
	assert(j->refs > 0);
	int left = --j->refs;
	job_unlock(j);
	if (left)
		return;
	/* Recorded exactly once: a job that reached the engine ends claimed and written. */
	assert(!j->recorded || j->written);
	assert(!j->listed);
	if (j->counted)
		ask_limit_give(j->user_id);
	pthread_mutex_destroy(&j->mu);
	buf_free(&j->answer);
	buf_free(&j->pending);
	llm_result_free(&j->res);
	free(j->title);
	free(j->provider);
	free(j->model);
	free(j);
}

void job_wake(struct ask_job *j)
{
	JOB_LOCKED(j);
	if (j->waiting && j->conn) {
		j->waiting = false;
		http_resume(j->conn);
	}
}

bool job_claim(struct ask_job *j)
{
	job_lock(j);
	bool mine = !j->recorded;
	j->recorded = true;
	job_unlock(j);
	return mine;
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

/* The engine's callback, on the engine thread: text as it comes, then exactly one
 * DONE or FAIL, after which the engine's reference is dropped. */
void job_on_llm(void *ctx, enum llm_event ev, const char *text, size_t len, const struct llm_result *res)
{
	struct ask_job *j = ctx;
	job_lock(j);
	assert(!j->finished);
	if (j->recorded) {
		/* Already recorded (the browser went away): what comes now is not ours. */
	} else if (ev == LLM_DELTA) {
		if (j->ttft < 0)
			j->ttft = mono_ms() - j->t0;
		if (j->answer.len + len > MAX_ANSWER_BYTES && !j->too_long) {
			j->too_long = true;
			llm_cancel(j->call); /* the engine ends it; its final callback follows */
		} else if (!j->too_long) {
			buf_append(&j->answer, text, len);
			if (j->streaming)
				job_line(j, json_pack("{s:s, s:s%}", "type", "delta", "text", text, len));
		}
	} else {
		j->finished = true;
		j->res = *res;
		j->res.model = dup_or_null(res->model);
		j->res.finish_reason = dup_or_null(res->finish_reason);
		j->res.error = dup_or_null(res->error);
		j->res.tool_calls = NULL; /* the form sends no tools */
		if (j->too_long) {
			free(j->res.error);
			j->res.status = LLM_ERROR;
			j->res.error = xstrdup("The answer was stopped: it passed 8 MiB.");
		}
	}
	job_wake(j);
	job_unlock(j);
	if (ev != LLM_DELTA)
		job_unref(j);
}

/* The request ended. If the answer had not, the browser went away: stop the model
 * and keep what came, as cancelled. */
void job_on_close(http_req *r, bool completed)
{
	(void)completed;
	struct ask_job *j = r->job;
	heartbeat_remove(j);
	job_lock(j);
	j->conn = NULL;
	j->waiting = false;
	bool cancel = !j->finished && !j->recorded;
	if (cancel) {
		j->recorded = true;
		j->res.status = LLM_CANCELLED;
		j->res.error = xstrdup("The answer was stopped before it was complete (Stop was pressed, or the page was closed).");
		j->res.elapsed_ms = mono_ms() - j->t0;
		j->res.ttft_ms = j->ttft;
	}
	job_unlock(j);
	struct message m;
	if (cancel) {
		llm_cancel(j->call);
		job_record(j, &m);
	} else if (job_claim(j)) {
		job_record(j, &m);
	}
	job_unref(j);
}
