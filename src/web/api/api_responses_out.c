/* api_responses_out.c - what the client of /v1/responses gets from the provider's
 * answer, and what is stored of it (api_responses.h).
 *
 * The provider speaks chat completions (or Anthropic's messages, made chat
 * completion chunks by their translation first): each chunk has its text run
 * through the call's key scrubbers and is turned into Responses events
 * (llm/responses_translate.c), sent as they come. What ends the stream - the open
 * items' .done events and response.completed (or .incomplete, .failed) - is made
 * when the engine's last word is in, kept in the call's tail and sent once the
 * record is committed, as [DONE] is for a chat completion: a client that got a
 * complete response has it on record. A whole (non-streamed) response is built at
 * the same moment and sent after the commit too. */
#include <stdlib.h>
#include <string.h>

#include "../../core/util.h"
#include "../../llm/anthropic_translate.h"
#include "../../llm/sse.h"
#include "api_responses.h"

/* Each event as "event: <type>" and its data, as OpenAI sends them. */
static void put_events(struct api_call *c, buf *to, json_t *events)
{
	size_t i;
	json_t *ev;
	json_array_foreach(events, i, ev) {
		char *s = json_dumps(ev, JSON_COMPACT);
		if (!s) {
			call_stop_too_long(&c->call); /* out of memory: stopped, never a stream with a hole */
			return;
		}
		buf_printf(to, "event: %s\n", json_string_value(json_object_get(ev, "type")));
		sse_put_event(to, s, strlen(s));
		free(s);
	}
	c->call.last_out = mono_ms();
}

/* One chat completion chunk into the client's stream (events NULL: kept for the
 * end only, a whole answer's). */
static void feed(struct api_call *c, json_t *chunk, buf *to)
{
	json_t *events = json_array();
	api_scrub_chunk(c, chunk);
	if (!events || llm_responses_stream_chunk(c->resp->st, chunk, events) < 0)
		call_stop_too_long(&c->call);
	else if (to)
		put_events(c, to, events);
	json_decref(events);
}

static void set_error(struct api_responses *r, const char *message)
{
	if (!r->error)
		r->error = xstrdup(message ? message : "The provider failed mid-stream.");
}

void api_responses_raw(struct api_call *c, const char *event, const char *data, size_t len, bool is_body)
{
	struct api_responses *r = c->resp;
	if (r->native) {
		api_responses_native_raw(c, data, len, is_body);
		return;
	}
	if (is_body) {
		json_t *body = json_loadb(data, len, 0, NULL), *chat = body;
		if (c->anthropic) {
			json_decref(c->whole);
			c->whole = body ? llm_anthropic_response(body, c->client_model, c->cmpl_id, c->created) : NULL;
			chat = c->whole; /* read for the record too (api_record.c) */
		}
		if (c->stream) { /* a provider that did not stream: its answer as the one chunk */
			json_t *chunk = llm_responses_chunk_of(chat);
			if (chunk)
				feed(c, chunk, &c->call.out);
			json_decref(chunk);
		} else if (chat) {
			json_decref(r->final);
			r->final = llm_responses_from_chat(r->base, chat);
		}
		json_decref(body);
		return;
	}
	if (c->anthropic) {
		json_t *chunks = json_array();
		int rc = chunks ? llm_anthropic_stream_event(c->tr, event, data, len, chunks) : -1;
		size_t i;
		json_t *chunk;
		json_array_foreach(chunks, i, chunk) feed(c, chunk, &c->call.out);
		json_decref(chunks);
		if (rc == LLM_ANTHROPIC_STREAM_ERROR)
			set_error(r, llm_anthropic_stream_summary(c->tr)->error);
		return;
	}
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
		return;
	json_t *chunk = json_loadb(data, len, 0, NULL), *err = json_object_get(chunk, "error");
	if (err && !json_is_null(err))
		set_error(r, json_string_value(json_object_get(err, "message")));
	else if (chunk)
		feed(c, chunk, &c->call.out);
	json_decref(chunk);
}

/* The stored response's texts; false when memory ran out. */
static bool stored_row(struct api_responses *r)
{
	json_t *context = json_array(), *out = llm_responses_output_items(r->final);
	if (context && out && json_array_extend(context, r->history) == 0 && json_array_extend(context, r->items) == 0 &&
	    json_array_extend(context, out) == 0) {
		snprintf(r->row.id, sizeof r->row.id, "%s", r->id);
		r->row.response = json_dumps(r->final, JSON_COMPACT);
		r->row.input_items = json_dumps(r->items, JSON_COMPACT);
		r->row.context = json_dumps(context, JSON_COMPACT);
	}
	json_decref(context);
	json_decref(out);
	return r->row.response && r->row.input_items && r->row.context;
}

void api_responses_outcome(struct api_call *c)
{
	struct api_responses *r = c->resp;
	const struct llm_result *res = &c->call.res;
	json_t *events = json_array();
	if (r->native) {
		api_responses_native_outcome(c);
	} else if (c->stream || res->status != LLM_OK || r->error) {
		/* A whole answer that came is final already; one that could not be read
		 * stays NULL (502). */
		/* What the scrubber held back, when no finish_reason let it go. */
		buf held = BUF_INIT;
		llm_scrub_flush(&c->content[0], &held);
		if (held.len) {
			json_t *chunk = json_pack("{s:[{s:i, s:{s:s%}}]}", "choices", "index", 0, "delta", "content", held.data,
						  held.len);
			if (chunk && llm_responses_stream_chunk(r->st, chunk, events) < 0)
				call_stop_too_long(&c->call);
			json_decref(chunk);
		}
		buf_free(&held);
		const char *error = res->status != LLM_OK ? (res->error ? res->error : "The call failed.") : r->error;
		json_decref(r->final);
		r->final = llm_responses_stream_end(r->st, res->timeout ? "timeout" : "server_error", error, events);
		if (r->final && res->status == LLM_CANCELLED)
			json_object_set_new(r->final, "status", json_string("cancelled"));
	}
	if (c->stream && events)
		put_events(c, &c->tail, events);
	json_decref(events);
	if (!r->final)
		return; /* out of memory: nothing for the client (502) or the store */
	if (!c->stream && res->status == LLM_OK) {
		char *s = json_dumps(r->final, JSON_COMPACT);
		if (s)
			buf_puts(&c->body, s);
		free(s);
	}
	/* Only a response that completed can be continued: a failed one has nothing
	 * to continue from. store false: recorded all the same, never stored. */
	if (r->store && res->status == LLM_OK && !r->error && r->id[0] && stored_row(r))
		c->rec.response = &r->row;
}

void api_responses_queue_end(struct api_call *c)
{
	if (c->call.record_rc < 0 && c->call.res.status == LLM_OK) {
		/* Not on record, so not complete: the last event says so instead. */
		json_t *events = json_pack("[{s:s, s:s, s:s, s:n, s:I}]", "type", "error", "code", "server_error", "message",
					   "The answer could not be recorded, so it is not complete: try again.", "param",
					   "sequence_number", (json_int_t)llm_responses_stream_seq(c->resp->st));
		put_events(c, &c->call.out, events);
		json_decref(events);
		return;
	}
	buf_append(&c->call.out, c->tail.data ? c->tail.data : "", c->tail.len);
}

void api_responses_free(struct api_responses *r)
{
	if (!r)
		return;
	json_decref(r->base);
	json_decref(r->items);
	json_decref(r->history);
	json_decref(r->final);
	llm_responses_stream_free(r->st);
	free(r->error);
	apiresponse_clear(&r->row);
	free(r);
}
