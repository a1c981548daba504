/* ask_record.c - what an exchange leaves in the database, decided once: the answer
 * (whatever arrived, with the model as reported, tokens, timings and finish reason)
 * and the question's final status. A failure with no text stores no answer row;
 * the question carries the error. Parameters the provider was not sent are NULL. */
#include <math.h>
#include <stdio.h>

#include "../core/log.h"
#include "../core/util.h"
#include "../model/exchange.h"
#include "answer_html.h"
#include "ask_job.h"

static const char *status_of(const struct ask_job *j)
{
	return j->res.status == LLM_OK ? "ok" : j->res.status == LLM_CANCELLED ? "cancelled" : "error";
}

static void answer_message(const struct ask_job *j, struct message *m)
{
	message_init(m, "assistant");
	m->content = j->answer.data ? j->answer.data : (char *)"";
	m->provider = j->provider;
	m->model = j->model;
	m->model_reported = j->res.model;
	m->max_tokens = j->sent & LLM_MAX_TOKENS ? j->max_tokens : -1;
	m->temperature = j->sent & LLM_TEMPERATURE ? j->temperature : NAN;
	m->top_k = j->sent & LLM_TOP_K ? j->top_k : -1;
	m->top_p = j->sent & LLM_TOP_P ? j->top_p : NAN;
	m->prompt_tokens = j->res.prompt_tokens;
	m->completion_tokens = j->res.completion_tokens;
	m->total_tokens = j->res.total_tokens;
	m->elapsed_ms = j->res.elapsed_ms;
	m->ttft_ms = j->res.ttft_ms;
	m->finish_reason = j->res.finish_reason;
	m->error = j->res.error;
	snprintf(m->status, sizeof m->status, "%s", status_of(j));
	m->created_at = now_ms();
	answer_html_fill(m); /* the Markdown rendered once, stored with the answer */
}

/* The caller has claimed the record (j->recorded, under the lock), after which
 * job_on_llm leaves the answer and result alone, so they are read here unlocked. */
int job_record(struct ask_job *j, struct message *m)
{
	assert(j->recorded && !j->written);
	j->written = true;
	answer_message(j, m);
	db *d = db_thread();
	bool has_answer = j->res.status == LLM_OK || j->answer.len;
	if (d && exchange_answer(d, j->conv_id, j->user_id, j->question_id, m->status, j->res.error, j->res.elapsed_ms,
				 has_answer ? m : NULL, &m->id) == 0)
		return 0;
	/* The database did not take it (down, restarting): the answer waits in memory
	 * and is written when the database is back. */
	if (ask_pending_add(j->conv_id, j->user_id, j->question_id, m, has_answer) == 0)
		return 1;
	log_error("ask: the answer to message %lld could not be recorded: %s", (long long)j->question_id,
		  d ? db_errmsg(d) : db_thread_error());
	/* Never leave a question that looks answered-to-be: the next one would follow it
	 * without an answer between them. */
	if (d)
		msg_set_status(d, j->question_id, "error", "The answer could not be saved.", j->res.elapsed_ms);
	return -1;
}
