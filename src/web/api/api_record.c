/* api_record.c - what a call of /v1/chat/completions leaves on record, through the
 * one recorder (call/recorder.c). The question is queued when the call begins (not
 * waited for), marked in flight by this instance, so that a call cut by a crash is
 * found 'interrupted' after the restart, as the form's questions are; the outcome
 * and the answer are queued when the engine's last word is in, and the client's
 * last byte ([DONE], or the whole answer) waits for their commit: an acknowledged
 * call is never lost. A record the database refuses fails the call (its client is
 * still waiting), it does not wait for the database. */
#include <stdlib.h>
#include <string.h>

#include "../../core/log.h"
#include "../../core/util.h"
#include "../../llm/anthropic_translate.h"
#include "api.h"
#include "api_responses.h"
#include "../instance.h"

/* A call that has ended by the time its beginning is written is left out: its end
 * (queued, or already written: the recorder writes a kind at a time) writes the
 * whole call, in one transaction instead of two. Under load the recorder falls
 * behind by about a commit, and calls as fast as their provider then cost one
 * transaction each, not two. */
static int write_begin(db *d, struct call_record *const *recs, size_t n)
{
	struct apicall *calls[512];
	size_t k = 0;
	assert(n <= 512);
	for (size_t i = 0; i < n; i++) {
		struct api_call *c = RECORD_OWNER(recs[i], struct api_call, begin_rec);
		call_lock(&c->call);
		c->begin_skipped = call_ended(&c->call);
		call_unlock(&c->call);
		if (!c->begin_skipped)
			calls[k++] = &c->rec;
	}
	return k ? apicall_begin(d, calls, k) : 0;
}

static void begin_done(struct call_record *r, int rc)
{
	struct api_call *c = RECORD_OWNER(r, struct api_call, begin_rec);
	/* On the recorder's thread, before the end's record is written on it. */
	c->rec.begun = rc == 0 && !c->begin_skipped;
	call_unref(&c->call);
}

static int write_end(db *d, struct call_record *const *recs, size_t n)
{
	struct apicall *calls[512];
	assert(n <= 512);
	for (size_t i = 0; i < n; i++) {
		struct api_call *c = RECORD_OWNER(recs[i], struct api_call, end_rec);
		/* The question's outcome, from the ended call (nothing changes it now), set
		 * here: q is the recorder thread's alone once the call began on record. */
		snprintf(c->q.status, sizeof c->q.status, "%s", call_status(&c->call));
		free(c->q.error);
		c->q.error = xstrdup(c->call.res.error);
		c->q.elapsed_ms = c->call.res.elapsed_ms;
		calls[i] = &c->rec;
	}
	return apicall_record(d, calls, n);
}

static void end_done(struct call_record *r, int rc)
{
	struct api_call *c = RECORD_OWNER(r, struct api_call, end_rec);
	if (rc < 0)
		log_error("api: the call of user %lld could not be recorded", (long long)c->rec.user_id);
	api_call_committed(c, rc);
	call_unref(&c->call);
}

static const struct record_ops begin_ops = {.write = write_begin, .max_batch = 512, .done = begin_done};
static const struct record_ops end_ops = {.write = write_end, .max_batch = 512, .done = end_done};

void api_record_begin(struct api_call *c)
{
	/* Under the lock that call_send was under: the engine cannot end the call (and
	 * queue its end) before its beginning is queued. */
	CALL_LOCKED(&c->call);
	c->rec.instance_id = instance_self();
	c->call.refs++; /* the recorder's */
	c->begin_rec = (struct call_record){.ops = &begin_ops};
	if (!call_record(&c->begin_rec))
		c->call.refs--; /* not on record yet: the end writes the whole call */
}

static char *dump_or_null(const json_t *j) { return j && json_array_size(j) ? json_dumps(j, JSON_COMPACT) : NULL; }

/* Fills the answer's part of the record from the outcome. Under the lock. */
static void record_outcome(struct api_call *c)
{
	const struct llm_result *res = &c->call.res;
	/* Scrubbed already, as everything of the outcome (call.c). */
	char *finish = NULL, *tools = NULL;
	if (c->anthropic && c->tr) {
		/* OpenAI's words, as the client got them */
		const struct llm_anthropic_summary *s = llm_anthropic_stream_summary(c->tr);
		finish = call_scrubbed(&c->call, s->finish_reason);
		tools = dump_or_null(s->tool_calls); /* made of scrubbed events */
	} else if (c->anthropic) {
		json_t *choice = json_array_get(json_object_get(c->whole, "choices"), 0);
		finish = call_scrubbed(&c->call, json_string_value(json_object_get(choice, "finish_reason")));
		tools = dump_or_null(json_object_get(json_object_get(choice, "message"), "tool_calls"));
	} else {
		tools = xstrdup(res->tool_calls);
	}
	bool has_answer = call_answer_fill(&c->call, &c->q, &c->a) || tools;
	if (c->embeddings && c->body.len) {
		/* The vectors are not kept (api_embeddings.c): their count and size are. */
		char *summary = api_embeddings_summary(c->body.data, c->body.len);
		if (summary) {
			free(c->a.content);
			c->a.content = summary;
		}
	}
	if (c->anthropic) {
		free(c->a.finish_reason);
		c->a.finish_reason = finish;
	}
	c->a.tool_calls = tools;
	c->rec.answer = has_answer ? &c->a : NULL;
	if (c->resp)
		api_responses_outcome(c);
}

void api_record_end(struct call *call)
{
	struct api_call *c = (struct api_call *)call;
	call_lock(call);
	record_outcome(c);
	call->refs++; /* the recorder's */
	call_unlock(call);
	c->end_rec = (struct call_record){.ops = &end_ops};
	if (!call_record(&c->end_rec))
		end_done(&c->end_rec, -1);
}
