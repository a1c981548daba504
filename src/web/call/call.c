/* call.c - a call's life (see call.h): its references, its lock, its states, and
 * the engine's callback. Every piece of text passes the key scrubber before an
 * adapter sees it, and the outcome's strings are scrubbed before they are kept, so
 * that nothing a provider sends reaches a client or the record with its key, on
 * whatever path. */
#include "call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util.h"
#include "../../llm/sse.h"
#include "limit.h"

void call_init(struct call *c, const struct call_ops *ops, const struct llm_provider *p, int64_t user_id)
{
	pthread_mutex_init(&c->mu, NULL);
	c->refs = 1;
	c->state = CALL_CREATED;
	c->ops = ops;
	c->prov = p;
	c->user_id = user_id;
	c->t0 = mono_ms();
	c->ttft = -1;
	c->last_out = c->t0;
	/* Nothing reported yet: unknown, not zero. */
	c->res.prompt_tokens = c->res.completion_tokens = c->res.total_tokens = -1;
	c->res.elapsed_ms = c->res.ttft_ms = -1;
	llm_scrubber_init(&c->scrub, p ? p->key : NULL);
}

void call_lock(struct call *c)
{
	pthread_mutex_lock(&c->mu);
#ifndef NDEBUG
	c->holder = pthread_self();
	c->held = true;
#endif
}

void call_unlock(struct call *c)
{
	CALL_LOCKED(c);
#ifndef NDEBUG
	c->held = false;
#endif
	pthread_mutex_unlock(&c->mu);
}

void call_unref(struct call *c)
{
	call_lock(c);
	assert(c->refs > 0);
	int left = --c->refs;
	call_unlock(c);
	if (left)
		return;
	/* The last reference: the engine is done with it (it held one), and no
	 * heartbeat can reach it (the request held one until it unlisted it). */
	assert(!c->hb_listed);
	assert(c->state == CALL_CREATED || c->engine_done);
	pthread_mutex_destroy(&c->mu);
	buf_free(&c->answer);
	buf_free(&c->out);
	llm_scrubber_free(&c->scrub);
	llm_result_free(&c->res);
	if (c->counted)
		call_limit_give(c->user_id);
	c->ops->free(c);
}

bool call_ended(const struct call *c) { return c->state >= CALL_COMPLETE; }

void call_set_state(struct call *c, enum call_state s)
{
	CALL_LOCKED(c);
	/* Forward only, never out of an end, and interrupted is the record's alone. */
	assert(s > c->state && !call_ended(c) && s != CALL_INTERRUPTED);
	assert(s != CALL_STREAMING || c->state == CALL_SENT);
	c->state = s;
}

const char *call_status(const struct call *c)
{
	assert(call_ended(c));
	switch (c->state) {
	case CALL_COMPLETE:
		return "ok";
	case CALL_CANCELLED:
		return "cancelled";
	case CALL_INTERRUPTED:
		return "interrupted";
	default:
		return "error";
	}
}

void call_wake(struct call *c)
{
	CALL_LOCKED(c);
	if (c->waiting && c->conn) {
		c->waiting = false;
		http_resume(c->conn);
	}
}

bool call_recorded(struct call *c, int rc)
{
	call_lock(c);
	bool first = !c->recorded;
	if (first) {
		c->recorded = true;
		c->record_rc = rc;
		call_wake(c);
	}
	call_unlock(c);
	return first;
}

bool call_await_record(http_req *r, struct call *c)
{
	CALL_LOCKED(c);
	if (!c->recorded) {
		c->waiting = true;
		http_suspend(r);
	}
	return c->recorded;
}

void call_queue_json(struct call *c, json_t *j, bool sse)
{
	CALL_LOCKED(c);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s && sse)
		sse_put_event(&c->out, s, strlen(s));
	else if (s)
		buf_printf(&c->out, "%s\n", s);
	free(s);
	c->last_out = mono_ms();
}

size_t call_out_waiting(const struct call *c) { return c->out.len - c->out_off; }

/* Copies up to max of them to dst; the count (0: none wait). */
static size_t call_out_take(struct call *c, char *dst, size_t max)
{
	CALL_LOCKED(c);
	size_t avail = call_out_waiting(c), n = avail < max ? avail : max;
	assert(c->out_off <= c->out.len);
	if (!n)
		return 0;
	memcpy(dst, c->out.data + c->out_off, n);
	c->out_off += n;
	if (c->out_off == c->out.len) {
		buf_reset(&c->out);
		c->out_off = 0;
	}
	return n;
}

char *call_scrubbed(const struct call *c, const char *s)
{
	if (!s)
		return NULL;
	buf b = BUF_INIT;
	llm_scrub_append(&b, s, strlen(s), c->scrub.key);
	return b.oom ? (buf_free(&b), NULL) : buf_detach(&b, NULL);
}

void call_stop_too_long(struct call *c)
{
	CALL_LOCKED(c);
	if (!c->too_long) {
		c->too_long = true;
		llm_cancel(c->id); /* the engine ends it; its final callback follows */
	}
}

/* Keeps scrubbed text, within CALL_MAX_ANSWER, and hands it to the adapter. */
static void take_text(struct call *c, buf *clean)
{
	if (c->too_long)
		return;
	if (clean->oom || c->answer.len + clean->len > CALL_MAX_ANSWER) {
		call_stop_too_long(c);
		return;
	}
	buf_append(&c->answer, clean->data, clean->len);
	if (clean->len && c->ops->text)
		c->ops->text(c, clean->data, clean->len);
}

/* The engine's callback, on the engine thread: text as it comes, then exactly one
 * DONE or FAIL, after which the engine's reference is dropped. A call that already
 * ended (its client left and it was recorded) takes nothing more. */
static void on_llm(void *ctx, enum llm_event ev, const char *text, size_t len, const struct llm_result *res)
{
	struct call *c = ctx;
	call_lock(c);
	assert(!c->engine_done && c->state != CALL_CREATED);
	bool mine = !call_ended(c);
	buf clean = BUF_INIT;
	if (ev == LLM_DELTA) {
		if (mine) {
			if (c->state == CALL_SENT)
				call_set_state(c, CALL_STREAMING);
			if (c->ttft < 0)
				c->ttft = mono_ms() - c->t0;
			llm_scrub_feed(&c->scrub, &clean, text, len);
			take_text(c, &clean);
		}
		call_unlock(c);
		buf_free(&clean);
		return;
	}
	c->engine_done = true;
	if (mine) {
		llm_scrub_flush(&c->scrub, &clean); /* the text ended: what was held is no key */
		take_text(c, &clean);
		c->res = *res;
		c->res.model = call_scrubbed(c, res->model);
		c->res.finish_reason = call_scrubbed(c, res->finish_reason);
		c->res.error = call_scrubbed(c, res->error);
		c->res.tool_calls = call_scrubbed(c, res->tool_calls);
		if (c->too_long) {
			free(c->res.error);
			c->res.status = LLM_ERROR;
			c->res.error = xstrdup(c->ops->too_long);
		}
		call_set_state(c, c->res.status == LLM_OK ? CALL_COMPLETE
				  : c->res.status == LLM_CANCELLED ? CALL_CANCELLED
								   : CALL_FAILED);
		call_wake(c); /* a request waiting for the end has it */
	}
	call_unlock(c);
	buf_free(&clean);
	if (mine && c->ops->end)
		c->ops->end(c);
	call_unref(c); /* the engine's */
}

bool call_send(struct call *c, const struct llm_request *req)
{
	CALL_LOCKED(c);
	assert(c->state == CALL_CREATED && c->refs > 0);
	c->refs++; /* the engine's */
	c->id = llm_start(req, on_llm, c);
	if (!c->id) {
		c->refs--;
		return false;
	}
	call_set_state(c, CALL_SENT);
	return true;
}

bool call_hang_up(struct call *c, const char *why)
{
	/* Off the heartbeat's list first: it takes the call's lock under its own. */
	call_heartbeat_remove(c);
	call_lock(c);
	c->conn = NULL;
	c->waiting = false;
	bool running = !call_ended(c);
	if (running && why) {
		free(c->res.error);
		c->res.status = LLM_CANCELLED;
		c->res.error = xstrdup(why);
		c->res.elapsed_ms = mono_ms() - c->t0;
		c->res.ttft_ms = c->ttft;
		call_set_state(c, CALL_CANCELLED);
	}
	uint64_t id = c->id;
	call_unlock(c);
	if (running)
		llm_cancel(id); /* the engine's last word records what had come, when why is NULL */
	return running;
}

long call_stream_read(void *cls, char *out, size_t max)
{
	struct call *c = cls;
	call_lock(c);
	size_t n = call_out_take(c, out, max);
	if (!n && !c->out_end && c->ops->last) {
		c->ops->last(c);
		n = call_out_take(c, out, max);
	}
	long rc = n ? (long)n : c->out_end ? HTTP_STREAM_END : 0;
	if (!rc) {
		c->waiting = true;
		http_stream_wait(c->conn);
	}
	call_unlock(c);
	return rc;
}

bool call_answer_fill(struct call *c, const struct message *q, struct message *a)
{
	const struct llm_result *res = &c->res;
	bool has_answer = c->state == CALL_COMPLETE || c->answer.len;
	message_init(a, "assistant");
	a->content = c->answer.data ? buf_detach(&c->answer, NULL) : xstrdup("");
	a->provider = xstrdup(q->provider);
	a->model = xstrdup(q->model);
	a->model_reported = xstrdup(res->model);
	a->max_tokens = q->max_tokens;
	a->temperature = q->temperature;
	a->top_k = q->top_k;
	a->top_p = q->top_p;
	a->prompt_tokens = res->prompt_tokens;
	a->completion_tokens = res->completion_tokens;
	a->total_tokens = res->total_tokens;
	a->elapsed_ms = res->elapsed_ms;
	a->ttft_ms = res->ttft_ms;
	a->finish_reason = xstrdup(res->finish_reason);
	snprintf(a->status, sizeof a->status, "%s", call_status(c));
	a->error = xstrdup(res->error);
	snprintf(a->source, sizeof a->source, "%s", q->source);
	a->api_key_id = q->api_key_id;
	a->created_at = now_ms();
	return has_answer;
}

void call_line(struct call *c, json_t *line) { call_queue_json(c, line, false); }
