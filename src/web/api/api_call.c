/* api_call.c - one call of /v1/chat/completions from start to end (see api.h).
 *
 * The engine hands over each server-sent event as it arrives (raw mode, llm.h):
 * from an OpenAI-compatible provider it goes to the client as it came, "model"
 * aside, which becomes the client's name again; from an Anthropic provider it is
 * translated into chat.completion.chunks (src/llm/anthropic_translate.c). Nothing
 * is held back but the end: the provider's "data: [DONE]" (or, not streaming, the
 * whole answer) waits until the recorder has committed the call's record, so that a
 * client that got a complete answer has it on record (api_record.c).
 *
 * The provider's key is scrubbed from each event (call.c scrubs the text kept for
 * the record); the text of a choice is also scrubbed across events, holding back
 * the end of an event's content that could begin the key until the next event says
 * whether it does, so that a key split between two events never reaches the client
 * whole. */
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../llm/anthropic_translate.h"
#include "../../llm/sse.h"
#include "api.h"
#include "api_responses.h"
#include "../errors.h"

static void api_beat(struct call *call)
{
	struct api_call *c = (struct api_call *)call;
	if (c->stream) {
		/* An SSE comment, which clients skip. */
		buf_puts(&call->out, ": keep-alive\n\n");
		return;
	}
	/* A whole answer has nothing to send before its end: the client that left is
	 * found by looking at its connection (the beat's wake lets on_resume act). */
	if (call->conn && http_peer_closed(call->conn))
		c->client_gone = true;
}

static void api_free(struct call *call)
{
	struct api_call *c = (struct api_call *)call;
	buf_free(&c->tail);
	buf_free(&c->body);
	json_decref(c->whole);
	if (c->tr)
		llm_anthropic_stream_free(c->tr);
	api_responses_free(c->resp);
	for (size_t i = 0; i < API_SCRUBBED_CHOICES; i++)
		llm_scrubber_free(&c->content[i]);
	message_clear(&c->q);
	message_clear(&c->a);
	free(c->client_model);
	free(c);
}

/* ---- what the client gets ---- */

/* An error event mid-stream, the shape OpenAI itself sends, into the stream's
 * tail; no [DONE] follows. */
static void queue_error(struct api_call *c, const char *type, const char *message)
{
	char *s = error_api_text(type, NULL, NULL, message ? message : "The call failed.");
	if (s)
		sse_put_event(&c->tail, s, strlen(s));
	free(s);
	c->error_sent = true;
}

/* Runs the text of each choice of a chunk through its scrubber; a choice that
 * finishes gets what its scrubber held. True when the chunk changed. */
static bool scrub_chunk(struct api_call *c, json_t *chunk)
{
	bool changed = false;
	size_t i;
	json_t *choice;
	json_array_foreach(json_object_get(chunk, "choices"), i, choice) {
		json_int_t k = json_integer_value(json_object_get(choice, "index"));
		if (k < 0 || k >= API_SCRUBBED_CHOICES)
			continue;
		struct llm_scrubber *s = &c->content[k];
		json_t *delta = json_object_get(choice, "delta"), *content = json_object_get(delta, "content");
		bool finishing = json_is_string(json_object_get(choice, "finish_reason"));
		if (!json_is_object(delta) || (!json_is_string(content) && !(finishing && s->held.len)))
			continue;
		const char *text = json_string_value(content);
		size_t len = json_string_length(content);
		buf out = BUF_INIT;
		if (text)
			llm_scrub_feed(s, &out, text, len);
		if (finishing)
			llm_scrub_flush(s, &out);
		if (out.oom) {
			call_stop_too_long(&c->call); /* never the key: what cannot be checked is not sent */
			out.len = 0;
		}
		if (!text || out.len != len || memcmp(out.data ? out.data : "", text, len) != 0) {
			json_object_set_new(delta, "content", json_stringn(out.data ? out.data : "", out.len));
			changed = true;
		}
		buf_free(&out);
	}
	return changed;
}

bool api_scrub_chunk(struct api_call *c, json_t *chunk) { return scrub_chunk(c, chunk); }

/* Whether an event's text ends with what could begin the key (a proper prefix of
 * it before a closing quote), or a scrubber holds some: only then is it parsed. */
static bool needs_scrub(const struct api_call *c, const char *data, size_t len)
{
	const struct llm_scrubber *s = &c->content[0];
	if (!s->key)
		return false;
	for (size_t i = 0; i < API_SCRUBBED_CHOICES; i++)
		if (c->content[i].held.len)
			return true;
	for (const char *q = data; (q = memchr(q, '"', len - (size_t)(q - data))); q++) {
		size_t at = (size_t)(q - data);
		for (size_t k = 1; k < s->klen && k <= at; k++)
			if (memcmp(q - k, s->key, k) == 0)
				return true;
	}
	return false;
}

/* What the scrubbers still hold when the stream ends, as a chunk of its own. */
static void flush_held(struct api_call *c)
{
	for (size_t i = 0; i < API_SCRUBBED_CHOICES; i++) {
		if (!c->content[i].held.len)
			continue;
		buf held = BUF_INIT;
		llm_scrub_flush(&c->content[i], &held);
		json_t *chunk = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s%}, s:n}]}", "id", c->cmpl_id, "object",
					  "chat.completion.chunk", "created", (json_int_t)c->created, "model",
					  c->client_model, "choices", "index", (int)i, "delta", "content",
					  held.data ? held.data : "", held.len, "finish_reason");
		buf_free(&held);
		call_queue_json(&c->call, chunk, true);
	}
}

/* The usage chunk of a stream whose client did not ask for it: llmmeta asked, for
 * the record (choices empty, usage set). */
static bool usage_only(const char *data, size_t len)
{
	size_t a, b, ua, ub;
	if (!jsonedit_member(data, len, "choices", &a, &b) || !jsonedit_member(data, len, "usage", &ua, &ub))
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
	json_array_foreach(chunks, i, chunk) {
		scrub_chunk(c, chunk);
		call_queue_json(&c->call, json_incref(chunk), true);
	}
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
		call_queue_json(&c->call, chunk, true);
	}
	json_decref(whole);
}

/* A provider's chunk for the client: the key scrubbed across events, the model
 * named as the client named it; the bytes as the provider sent them when neither
 * changes anything but the name. */
static void pass_chunk(struct api_call *c, buf *to, const char *data, size_t len)
{
	buf edited = BUF_INIT;
	json_t *chunk = needs_scrub(c, data, len) ? json_loadb(data, len, 0, NULL) : NULL;
	if (chunk && scrub_chunk(c, chunk)) {
		json_object_set_new(chunk, "model", json_string(c->client_model));
		char *s = json_dumps(chunk, JSON_COMPACT);
		if (s)
			buf_puts(&edited, s);
		else
			call_stop_too_long(&c->call); /* out of memory: stopped, never the key */
		free(s);
	} else {
		jsonedit_set_string(&edited, data, len, "model", c->client_model);
	}
	json_decref(chunk);
	sse_put_event(to, edited.data ? edited.data : "", edited.len);
	buf_free(&edited);
}

/* The engine's raw events, on the engine thread. Everything the provider sent goes
 * to the client and the record without its key (some providers quote it back). */
static void on_raw(void *ctx, const char *event, const char *raw, size_t rawlen, bool is_body)
{
	struct api_call *c = ctx;
	buf clean = BUF_INIT;
	llm_scrub_append(&clean, raw, rawlen, c->call.prov->key);
	const char *data = clean.data ? clean.data : "";
	size_t len = clean.len;
	call_lock(&c->call);
	/* What waits for the end (error events, a whole answer) is bounded as the
	 * stream is: a provider sending endless errors or a huge body is cut off (502). */
	if (c->tail.len + c->body.len + len > API_MAX_PENDING || clean.oom) {
		call_stop_too_long(&c->call);
	} else if (call_ended(&c->call)) {
		/* the call is over (its client left): nothing more for anyone */
	} else if (c->resp) {
		api_responses_raw(c, event, data, len, is_body);
	} else if (is_body) {
		if (c->anthropic)
			translate_whole(c, data, len);
		else
			jsonedit_set_string(&c->body, data, len, "model", c->client_model);
		if (c->stream)
			whole_as_chunks(c, data, len);
	} else if (c->anthropic) {
		translate_event(c, event, data, len);
	} else if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		/* ours goes once the record is committed */
	} else if (!c->usage_asked && usage_only(data, len)) {
		/* asked for the record only */
	} else {
		c->call.last_out = mono_ms();
		/* The provider's own error event ends the stream: it waits for the record,
		 * as [DONE] does, and no error of ours follows it. */
		size_t a, b;
		bool error = jsonedit_member(data, len, "error", &a, &b) && !(b - a == 4 && memcmp(data + a, "null", 4) == 0);
		pass_chunk(c, error ? &c->tail : &c->call.out, data, len);
		c->error_sent |= error;
	}
	if (call_out_waiting(&c->call) > API_MAX_PENDING)
		call_stop_too_long(&c->call);
	if (c->stream)
		call_wake(&c->call);
	call_unlock(&c->call);
	buf_free(&clean);
}

/* ---- the end ---- */

/* A complete answer, on record. */
static bool recorded_ok(const struct call *call) { return call->res.status == LLM_OK && call->record_rc == 0; }

/* The stream's end, once the record is in (call_ops.last): [DONE], or the error
 * event. */
static void api_last(struct call *call)
{
	struct api_call *c = (struct api_call *)call;
	if (!call->recorded)
		return;
	call->out_end = true;
	if (c->resp) {
		api_responses_queue_end(c);
		return;
	}
	flush_held(c);
	if (recorded_ok(call)) {
		buf_puts(&c->call.out, "data: [DONE]\n\n");
		return;
	}
	if (call->record_rc < 0 && call->res.status == LLM_OK) {
		buf_reset(&c->tail);
		queue_error(c, "server_error", "The answer could not be recorded, so it is not complete: try again.");
	} else if (!c->error_sent) {
		queue_error(c, call->res.timeout ? "timeout" : "api_error", call->res.error);
	}
	buf_append(&call->out, c->tail.data ? c->tail.data : "", c->tail.len);
}

void api_call_committed(struct api_call *c, int rc) { call_recorded(&c->call, rc); }

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
	if (c->call.res.status == LLM_OK && c->call.record_rc < 0) {
		error_api(r, 500, "server_error", "not_recorded", NULL,
			      "The answer could not be recorded, so it is not given: try again.");
	} else if (c->call.res.status == LLM_OK && c->body.len) {
		http_send(r, 200, "application/json", &c->body);
	} else if (c->call.res.status == LLM_OK) {
		error_api(r, 502, "api_error", "bad_gateway", NULL,
			      c->embeddings ? "The provider's answer could not be read as embeddings."
					    : "The provider's answer could not be read as a chat completion.");
	} else {
		int status = failure_status(&c->call.res);
		if (status == 429 || status == 503)
			http_add_header(r, "Retry-After", "5");
		error_api(r, status, status == 504 ? "timeout" : status == 429 ? "rate_limit_error" : "api_error", NULL,
			      NULL, c->call.res.error ? c->call.res.error : "The provider failed.");
	}
}

static void on_resume(http_req *r)
{
	struct api_call *c = r->job;
	call_lock(&c->call);
	if (c->client_gone && !c->call.recorded) {
		/* Answered so that the connection closes (its client is gone): on_close
		 * then cancels the call, which is recorded as cancelled. */
		call_unlock(&c->call);
		error_api(r, 503, "api_error", NULL, NULL, "The client closed the connection.");
		return;
	}
	/* A stream starts with its first bytes; a stream that failed before any came
	 * is answered like a whole call, with the error's status. */
	bool recorded = c->call.recorded;
	if (c->stream && (call_out_waiting(&c->call) || (recorded && recorded_ok(&c->call)))) {
		call_unlock(&c->call);
		http_add_header(r, "X-Accel-Buffering", "no");
		http_send_stream(r, 200, "text/event-stream", call_stream_read, NULL, &c->call);
		return;
	}
	call_await_record(r, &c->call);
	call_unlock(&c->call);
	if (recorded)
		answer_whole(r, c);
}

static void on_close(http_req *r, bool completed)
{
	(void)completed;
	struct api_call *c = r->job;
	call_hang_up(&c->call, NULL); /* the engine's last word records what had come, as cancelled */
	call_unref(&c->call);
}

static const struct call_ops api_ops = {
	.end = api_record_end,
	.beat = api_beat,
	.last = api_last,
	.free = api_free,
	.too_long = "The answer was stopped: more than 8 MiB waited for the client, the answer passed 8 MiB, or the "
		    "provider sent more than 8 MiB of errors or of a whole answer.",
};

struct api_call *api_call_new(const struct llm_provider *p, int64_t user_id)
{
	struct api_call *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	call_init(&c->call, &api_ops, p, user_id);
	for (size_t i = 0; i < API_SCRUBBED_CHOICES; i++)
		llm_scrubber_init(&c->content[i], p->key);
	c->created = now_ms() / 1000;
	message_init(&c->q, "user");
	message_init(&c->a, "assistant");
	return c;
}

void api_call_run(http_req *r, struct api_call *c, const char *body, const char *path)
{
	struct message *q = &c->q;
	q->provider = xstrdup(c->call.prov->name);
	q->model = xstrdup(c->prov_model);
	q->api_key_id = c->rec.key_id = visitor(r)->key_id;
	c->rec.user_id = visitor(r)->user_id;
	c->rec.title = c->title;
	c->rec.question = q;
	bool started = false;
	if (!body || !q->content || !q->request_json || !q->provider || !q->model || !c->client_model) {
		if (!r->responded)
			http_error(r, 500, "Out of memory.");
	} else if (api_slot_admit(r, &c->call) && !(started = api_call_start(r, c, body, path))) {
		http_error_retry(r, 503, "The call could not be started: the server is restarting or out of memory.");
	}
	if (!started)
		call_unref(&c->call); /* once started, the reference is the request's, dropped when it closes */
}

bool api_call_start(http_req *r, struct api_call *c, const char *body, const char *path)
{
	struct llm_request req = {
		.provider = c->call.prov, .model = c->prov_model, .raw_body = body, .path = path, .on_raw = on_raw};
	if (c->anthropic && c->stream && !(c->tr = llm_anthropic_stream_new(c->client_model, c->cmpl_id, c->created,
									     c->usage_asked)))
		return false;
	call_lock(&c->call);
	c->call.conn = r->conn;
	if (!call_send(&c->call, &req)) {
		c->call.conn = NULL;
		call_unlock(&c->call);
		return false;
	}
	r->job = c;
	r->on_close = on_close;
	r->on_resume = on_resume;
	/* On record from now: a crash leaves the question 'interrupted'. */
	api_record_begin(c);
	c->call.waiting = true;
	c->call.last_out = mono_ms();
	http_suspend(r);
	call_unlock(&c->call);
	/* A stream's silences get a keep-alive; a whole answer's, a look at whether
	 * its client is still there. */
	call_heartbeat_add(&c->call);
	return true;
}
