/* api_call.c - one call of /v1/chat/completions from start to end (see api.h).
 *
 * The engine hands over each server-sent event as it arrives (raw mode, llm.h):
 * from an OpenAI-compatible provider it goes to the client as it came, "model"
 * aside, which becomes the client's name again; from an Anthropic provider it is
 * translated into chat.completion.chunks (src/llm/anthropic_translate.c). Nothing
 * is held back but the end: the provider's "data: [DONE]" (or, not streaming, the
 * whole answer) waits until the writer has committed the call's record, so that a
 * client that got a complete answer has it on record (api_writer.c).
 *
 * The client that leaves mid-answer ends the request: the provider call is
 * cancelled, and the engine's last word records what had arrived as cancelled. */
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/util.h"
#include "../llm/anthropic_translate.h"
#include "ask.h"
#include "api.h"
#include "errors.h"

struct api_call *api_call_new(void)
{
	struct api_call *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	c->refs = 1;
	c->t0 = mono_ms();
	c->created = now_ms() / 1000;
	c->res.prompt_tokens = c->res.completion_tokens = c->res.total_tokens = -1;
	c->res.elapsed_ms = c->res.ttft_ms = -1;
	message_init(&c->q, "user");
	message_init(&c->a, "assistant");
	return c;
}

void api_call_lock(struct api_call *c) { pthread_mutex_lock(&c->mu); }
void api_call_unlock(struct api_call *c) { pthread_mutex_unlock(&c->mu); }

void api_call_unref(struct api_call *c)
{
	api_call_lock(c);
	int left = --c->refs;
	api_call_unlock(c);
	if (left)
		return;
	if (c->counted)
		ask_limit_give(c->rec.user_id);
	pthread_mutex_destroy(&c->mu);
	buf_free(&c->out);
	buf_free(&c->tail);
	buf_free(&c->answer);
	buf_free(&c->body);
	json_decref(c->whole);
	if (c->tr)
		llm_anthropic_stream_free(c->tr);
	llm_result_free(&c->res);
	message_clear(&c->q);
	message_clear(&c->a);
	free(c->client_model);
	free(c);
}

void api_call_wake(struct api_call *c)
{
	if (c->waiting && c->conn) {
		c->waiting = false;
		http_resume(c->conn);
	}
}

/* ---- what the client gets ---- */

/* One SSE event of data into to: each line of data its own "data: " line, so that
 * what a provider sent with line breaks cannot become events, comments or fields of
 * its own in the client's stream. */
static void put_event(buf *to, const char *data, size_t len)
{
	for (;;) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		if (n && data[n - 1] == '\r')
			n--; /* the line's own CR (a CRLF line) */
		buf_puts(to, "data: ");
		/* a lone CR ends a line for an SSE parser too: as a space it ends none */
		for (size_t i = 0; i < n; i++)
			buf_putc(to, data[i] == '\r' ? ' ' : data[i]);
		buf_putc(to, '\n');
		if (!nl)
			break;
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	buf_putc(to, '\n');
}

static void queue_event(struct api_call *c, const char *data, size_t len)
{
	c->last_out = mono_ms();
	put_event(&c->out, data, len);
}

/* An error event mid-stream, the shape OpenAI itself sends, into the stream's
 * tail; no [DONE] follows. */
static void queue_error(struct api_call *c, const char *type, const char *message)
{
	buf clean = BUF_INIT; /* as error_api: never an event lost to invalid UTF-8 */
	if (message && !utf8_valid(message, strlen(message))) {
		utf8_clean(&clean, message, strlen(message));
		message = clean.data;
	}
	json_t *e = json_pack("{s:{s:s, s:s, s:n, s:n}}", "error", "message", message ? message : "The call failed.", "type",
			      type, "param", "code");
	char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
	json_decref(e);
	if (s)
		put_event(&c->tail, s, strlen(s));
	free(s);
	buf_free(&clean);
	c->error_sent = true;
}

static void queue_json(struct api_call *c, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	if (s)
		queue_event(c, s, strlen(s));
	free(s);
}

/* The usage chunk of a stream whose client did not ask for it: llmmeta asked, for
 * the record (choices empty, usage set). */
static bool usage_only(const char *data, size_t len)
{
	size_t a, b, ua, ub;
	if (!api_json_member(data, len, "choices", &a, &b) || !api_json_member(data, len, "usage", &ua, &ub))
		return false;
	bool empty = b - a >= 2 && data[a] == '[';
	for (size_t i = a + 1; empty && i < b - 1; i++)
		empty = strchr(" \t\r\n", data[i]) != NULL;
	return empty && !(ub - ua == 4 && memcmp(data + ua, "null", 4) == 0);
}

static void translate_whole(struct api_call *c, const char *data, size_t len)
{
	json_t *resp = json_loadb(data, len, 0, NULL);
	c->whole = resp ? llm_anthropic_response(resp, c->client_model, c->cmpl_id, c->created) : NULL;
	json_decref(resp);
	char *s = c->whole ? json_dumps(c->whole, JSON_COMPACT) : NULL;
	if (s)
		buf_puts(&c->body, s);
	free(s);
}

static void translate_event(struct api_call *c, const char *event, const char *data, size_t len)
{
	json_t *chunks = json_array();
	int rc = chunks ? llm_anthropic_stream_event(c->tr, event, data, len, chunks) : -1;
	size_t i;
	json_t *chunk;
	json_array_foreach(chunks, i, chunk) queue_json(c, chunk);
	json_decref(chunks);
	if (rc == LLM_ANTHROPIC_STREAM_ERROR) {
		const struct llm_anthropic_summary *s = llm_anthropic_stream_summary(c->tr);
		queue_error(c, s->error_type ? s->error_type : "api_error", s->error);
	}
}

/* A whole answer to a client that asked for a stream (some servers do not stream):
 * sent as one chunk per choice, the message as its delta, so that the client's
 * stream reads it as it would have come. */
static void whole_as_chunks(struct api_call *c, const char *data, size_t len)
{
	json_t *whole = c->anthropic ? json_incref(c->whole) : json_loadb(data, len, 0, NULL);
	size_t i;
	json_t *choice;
	json_array_foreach(json_object_get(whole, "choices"), i, choice) {
		json_t *delta = json_deep_copy(json_object_get(choice, "message"));
		json_t *calls = json_object_get(delta, "tool_calls");
		size_t k;
		json_t *call;
		json_array_foreach(calls, k, call) json_object_set_new(call, "index", json_integer((json_int_t)k));
		json_t *chunk = json_pack("{s:O?, s:s, s:O?, s:s, s:[{s:O?, s:o?, s:O?}]}", "id", json_object_get(whole, "id"),
					  "object", "chat.completion.chunk", "created", json_object_get(whole, "created"),
					  "model", c->client_model, "choices", "index", json_object_get(choice, "index"), "delta",
					  delta, "finish_reason", json_object_get(choice, "finish_reason"));
		if (chunk && c->usage_asked && json_object_get(whole, "usage"))
			json_object_set(chunk, "usage", json_object_get(whole, "usage"));
		if (chunk)
			queue_json(c, chunk);
		json_decref(chunk);
	}
	json_decref(whole);
}

/* The engine's raw events, on the engine thread. Everything the provider sent goes
 * to the client and the record without its key (some providers quote it back). */
static void on_raw(void *ctx, const char *event, const char *raw, size_t rawlen, bool is_body)
{
	struct api_call *c = ctx;
	buf clean = BUF_INIT;
	llm_scrub_append(&clean, raw, rawlen, c->prov->key);
	const char *data = clean.data ? clean.data : "";
	size_t len = clean.len;
	api_call_lock(c);
	/* What waits for the end (error events, a whole answer) is bounded as the
	 * stream is: a provider sending endless errors or a huge body is cut off (502). */
	if (c->tail.len + c->body.len + len > API_MAX_PENDING || clean.oom) {
		if (!c->too_large) {
			c->too_large = true;
			llm_cancel(c->id);
		}
	} else if (is_body) {
		if (c->anthropic)
			translate_whole(c, data, len);
		else
			api_json_set_string(&c->body, data, len, "model", c->client_model);
		if (c->stream)
			whole_as_chunks(c, data, len);
	} else if (c->anthropic) {
		translate_event(c, event, data, len);
	} else if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		/* ours goes once the record is committed */
	} else if (!c->usage_asked && usage_only(data, len)) {
		/* asked for the record only */
	} else {
		c->last_out = mono_ms();
		/* The provider's own error event ends the stream: it waits for the record,
		 * as [DONE] does, and no error of ours follows it. */
		size_t a, b;
		bool error = api_json_member(data, len, "error", &a, &b) && !(b - a == 4 && memcmp(data + a, "null", 4) == 0);
		buf edited = BUF_INIT;
		api_json_set_string(&edited, data, len, "model", c->client_model);
		put_event(error ? &c->tail : &c->out, edited.data ? edited.data : "", edited.len);
		buf_free(&edited);
		c->error_sent |= error;
	}
	if (c->out.len - c->out_off > API_MAX_PENDING && !c->too_large) {
		c->too_large = true;
		llm_cancel(c->id);
	}
	if (c->stream)
		api_call_wake(c);
	api_call_unlock(c);
	buf_free(&clean);
}

/* ---- the record ---- */

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static char *dump_or_null(const json_t *j) { return j && json_array_size(j) ? json_dumps(j, JSON_COMPACT) : NULL; }

/* A copy of the provider's text s without its key (NULL for NULL). */
static char *scrubbed_or_null(const struct api_call *c, const char *s)
{
	if (!s)
		return NULL;
	buf b = BUF_INIT;
	llm_scrub_append(&b, s, strlen(s), c->prov->key);
	return b.oom ? (buf_free(&b), NULL) : buf_detach(&b, NULL);
}

/* Fills the answer's part of the record from the outcome. Under the lock. */
static void record_outcome(struct api_call *c)
{
	const char *status = c->res.status == LLM_OK ? "ok" : c->res.status == LLM_CANCELLED ? "cancelled" : "error";
	char *finish = dup_or_null(c->res.finish_reason), *tools = scrubbed_or_null(c, c->res.tool_calls);
	if (c->anthropic) {
		/* OpenAI's words, as the client got them */
		free(finish);
		free(tools);
		if (c->tr) {
			const struct llm_anthropic_summary *s = llm_anthropic_stream_summary(c->tr);
			finish = dup_or_null(s->finish_reason);
			tools = dump_or_null(s->tool_calls); /* made of scrubbed events */
		} else {
			json_t *choice = json_array_get(json_object_get(c->whole, "choices"), 0);
			finish = dup_or_null(json_string_value(json_object_get(choice, "finish_reason")));
			tools = dump_or_null(json_object_get(json_object_get(choice, "message"), "tool_calls"));
		}
	}
	struct message *q = &c->q, *a = &c->a;
	snprintf(q->status, sizeof q->status, "%s", status);
	q->error = dup_or_null(c->res.error);
	q->elapsed_ms = c->res.elapsed_ms;
	bool has_answer = c->res.status == LLM_OK || c->answer.len || tools;
	if (!has_answer) {
		free(finish);
		free(tools);
		c->rec.answer = NULL;
		return;
	}
	llm_scrub_key(&c->answer, c->prov->key); /* whole here: a key across two pieces too */
	a->content = c->answer.data ? buf_detach(&c->answer, NULL) : xstrdup("");
	a->tool_calls = tools;
	a->finish_reason = finish;
	a->provider = dup_or_null(q->provider);
	a->model = dup_or_null(q->model);
	a->model_reported = dup_or_null(c->res.model);
	a->max_tokens = q->max_tokens;
	a->temperature = q->temperature;
	a->top_k = q->top_k;
	a->top_p = q->top_p;
	a->prompt_tokens = c->res.prompt_tokens;
	a->completion_tokens = c->res.completion_tokens;
	a->total_tokens = c->res.total_tokens;
	a->elapsed_ms = c->res.elapsed_ms;
	a->ttft_ms = c->res.ttft_ms;
	snprintf(a->status, sizeof a->status, "%s", status);
	a->error = dup_or_null(c->res.error);
	snprintf(a->source, sizeof a->source, "api");
	a->api_key_id = q->api_key_id;
	c->rec.answer = a;
}

/* The engine's callback: the text for the record, then the end, exactly once. */
static void on_llm(void *ctx, enum llm_event ev, const char *text, size_t len, const struct llm_result *res)
{
	struct api_call *c = ctx;
	api_call_lock(c);
	if (ev == LLM_DELTA) {
		if (c->answer.len + len > API_MAX_PENDING && !c->too_large) {
			c->too_large = true;
			llm_cancel(c->id);
		} else if (!c->too_large) {
			buf_append(&c->answer, text, len);
		}
		api_call_unlock(c);
		return;
	}
	c->finished = true;
	c->res = *res;
	c->res.model = dup_or_null(res->model);
	c->res.finish_reason = dup_or_null(res->finish_reason);
	c->res.error = dup_or_null(res->error);
	c->res.tool_calls = dup_or_null(res->tool_calls);
	if (c->too_large) {
		free(c->res.error);
		c->res.status = LLM_ERROR;
		c->res.error = xstrdup("The answer was stopped: more than 8 MiB waited for the client, the answer passed 8 "
				       "MiB, or the provider sent more than 8 MiB of errors or of a whole answer.");
	}
	record_outcome(c);
	api_call_unlock(c);
	api_writer_add(c);
	api_call_unref(c); /* the engine's */
}

/* ---- the end ---- */

/* Queues the stream's end, once the record is in: [DONE], or the error event. */
static void queue_end(struct api_call *c)
{
	if (c->ended)
		return;
	c->ended = true;
	if (c->res.status == LLM_OK && c->record_rc == 0) {
		buf_puts(&c->out, "data: [DONE]\n\n");
		return;
	}
	if (c->record_rc < 0 && c->res.status == LLM_OK) {
		buf_reset(&c->tail);
		queue_error(c, "server_error", "The answer could not be recorded, so it is not complete: try again.");
	} else if (!c->error_sent) {
		queue_error(c, c->res.timeout ? "timeout" : "api_error", c->res.error);
	}
	buf_append(&c->out, c->tail.data ? c->tail.data : "", c->tail.len);
}

void api_call_committed(struct api_call *c, int rc)
{
	api_call_lock(c);
	c->committed = true;
	c->record_rc = rc;
	if (c->started)
		queue_end(c);
	api_call_wake(c);
	api_call_unlock(c);
}

static long stream_read(void *cls, char *out, size_t max)
{
	struct api_call *c = cls;
	api_call_lock(c);
	size_t avail = c->out.len - c->out_off;
	if (avail) {
		size_t n = avail < max ? avail : max;
		memcpy(out, c->out.data + c->out_off, n);
		c->out_off += n;
		if (c->out_off == c->out.len) {
			buf_reset(&c->out);
			c->out_off = 0;
		}
		api_call_unlock(c);
		return (long)n;
	}
	if (c->ended) {
		api_call_unlock(c);
		return HTTP_STREAM_END;
	}
	c->waiting = true;
	http_stream_wait(c->conn);
	api_call_unlock(c);
	return 0;
}

/* The status of a failed call: the provider's own for what the client must change
 * (400, 404, 413, 422) or wait for (429); 504 for a timeout; 502 for the rest (the
 * provider failed, or refused llmmeta's own key: not the client's doing). */
static int failure_status(const struct llm_result *res)
{
	if (res->status == LLM_CANCELLED)
		return 503;
	if (res->timeout)
		return 504;
	long s = res->http_status;
	return s == 400 || s == 404 || s == 413 || s == 422 || s == 429 ? (int)s : 502;
}

/* Answers with the whole call: a non-streamed answer, or an error. */
static void answer_whole(http_req *r, struct api_call *c)
{
	if (c->res.status == LLM_OK && c->record_rc < 0) {
		error_api(r, 500, "server_error", "not_recorded", NULL,
			      "The answer could not be recorded, so it is not given: try again.");
	} else if (c->res.status == LLM_OK && c->body.len) {
		http_send(r, 200, "application/json", &c->body);
	} else if (c->res.status == LLM_OK) {
		error_api(r, 502, "api_error", "bad_gateway", NULL,
			      "The provider's answer could not be read as a chat completion.");
	} else {
		int status = failure_status(&c->res);
		if (status == 429 || status == 503)
			http_add_header(r, "Retry-After", "5");
		error_api(r, status, status == 504 ? "timeout" : status == 429 ? "rate_limit_error" : "api_error", NULL,
			      NULL, c->res.error ? c->res.error : "The provider failed.");
	}
}

static void on_resume(http_req *r)
{
	struct api_call *c = r->job;
	api_call_lock(c);
	/* A stream starts with its first bytes; a stream that failed before any came
	 * is answered like a whole call, with the error's status. */
	bool start = c->stream && !c->started &&
		     (c->out.len > c->out_off || (c->committed && c->res.status == LLM_OK && c->record_rc == 0));
	if (start) {
		c->started = true;
		if (c->committed)
			queue_end(c);
		api_call_unlock(c);
		http_add_header(r, "X-Accel-Buffering", "no");
		http_send_stream(r, 200, "text/event-stream", stream_read, NULL, c);
		return;
	}
	if (!c->committed) {
		c->waiting = true;
		http_suspend(r);
		api_call_unlock(c);
		return;
	}
	api_call_unlock(c);
	answer_whole(r, c);
}

static void on_close(http_req *r, bool completed)
{
	(void)completed;
	struct api_call *c = r->job;
	api_call_lock(c);
	c->conn = NULL;
	c->waiting = false;
	bool cancel = !c->finished;
	uint64_t id = c->id;
	api_call_unlock(c);
	api_heartbeat_remove(c);
	if (cancel)
		llm_cancel(id); /* the engine's last word records what had come, as cancelled */
	api_call_unref(c);
}

bool api_call_start(http_req *r, struct api_call *c, const char *body)
{
	struct llm_request req = {.provider = c->prov, .model = c->prov_model, .raw_body = body, .on_raw = on_raw};
	if (c->anthropic && c->stream && !(c->tr = llm_anthropic_stream_new(c->client_model, c->cmpl_id, c->created,
									     c->usage_asked)))
		return false;
	api_call_lock(c);
	c->refs++; /* the engine's */
	c->conn = r->conn;
	c->id = llm_start(&req, on_llm, c);
	if (!c->id) {
		c->refs--;
		c->conn = NULL;
		api_call_unlock(c);
		return false;
	}
	r->job = c;
	r->on_close = on_close;
	r->on_resume = on_resume;
	c->waiting = true;
	c->last_out = mono_ms();
	http_suspend(r);
	api_call_unlock(c);
	if (c->stream)
		api_heartbeat_add(c);
	return true;
}
