/* openai.c - the OpenAI chat-completions API, which Ollama, vLLM, llama.cpp's
 * server, LM Studio, OpenRouter, Groq, Mistral, DeepSeek and Together speak too.
 * Streams with stream_options.include_usage, so the last event carries the token
 * counts; parameters the provider refuses are left out of the body. */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "llm_impl.h"

static char *body(const struct llm_request *r)
{
	unsigned sent = llm_sent_params(r->provider);
	json_t *msgs = json_array();
	for (size_t i = 0; i < r->nmsgs; i++)
		json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", r->msgs[i].role, "content", r->msgs[i].content));
	json_t *j = json_pack("{s:s, s:o, s:b, s:{s:b}}", "model", r->model, "messages", msgs, "stream", 1,
			      "stream_options", "include_usage", 1);
	if (!j)
		return NULL;
	llm_add_params(j, r, sent);
	return llm_dump(j);
}

static void usage(struct llm_acc *a, json_t *u)
{
	if (!json_is_object(u))
		return;
	json_t *p = json_object_get(u, "prompt_tokens"), *c = json_object_get(u, "completion_tokens"),
	       *t = json_object_get(u, "total_tokens");
	llm_count(p, &a->res.prompt_tokens);
	llm_count(c, &a->res.completion_tokens);
	llm_count(t, &a->res.total_tokens);
}

/* The parts every chunk and whole answer share: model, error, usage, finish. */
static json_t *common(struct llm_acc *a, json_t *j)
{
	llm_set_once(&a->res.model, json_object_get(j, "model"));
	json_t *err = json_object_get(j, "error");
	if (err && !json_is_null(err) && !a->stream_error) {
		const char *msg = json_is_string(err) ? json_string_value(err)
							: json_string_value(json_object_get(err, "message"));
		a->stream_error = msg ? xstrdup(msg) : json_dumps(err, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!a->stream_error)
			a->stream_error = xstrdup("error");
	}
	usage(a, json_object_get(j, "usage"));
	json_t *choice = json_array_get(json_object_get(j, "choices"), 0);
	json_t *fin = json_object_get(choice, "finish_reason");
	if (json_is_string(fin)) {
		free(a->res.finish_reason);
		a->res.finish_reason = xstrdup(json_string_value(fin));
	}
	return choice;
}

/* Appends to string member key of o the string piece (a tool call's arguments come
 * in pieces); sets it when absent. */
static void append_str(json_t *o, const char *key, json_t *piece)
{
	if (!json_is_string(piece))
		return;
	json_t *cur = json_object_get(o, key);
	if (!json_is_string(cur)) {
		json_object_set(o, key, piece);
		return;
	}
	buf b = BUF_INIT;
	buf_append(&b, json_string_value(cur), json_string_length(cur));
	buf_append(&b, json_string_value(piece), json_string_length(piece));
	if (!b.oom)
		json_object_set_new(o, key, json_stringn(b.data ? b.data : "", b.len));
	buf_free(&b);
}

/* Streamed tool calls come as pieces by index (the position in the array): the
 * first piece names the id, type and function, the next ones add to its arguments. */
static void tool_call_pieces(struct llm_acc *a, json_t *pieces)
{
	size_t i;
	json_t *p;
	json_array_foreach(pieces, i, p) {
		json_t *ix = json_object_get(p, "index");
		int64_t at = (int64_t)i;
		llm_count(ix, &at);
		if (!a->tool_calls && !(a->tool_calls = json_array()))
			return;
		json_t *call = json_array_get(a->tool_calls, (size_t)at);
		if (!call) {
			call = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", "", "type", "function", "function", "name", "",
					 "arguments", "");
			if (!call || json_array_append_new(a->tool_calls, call) < 0)
				return;
		}
		json_t *id = json_object_get(p, "id"), *type = json_object_get(p, "type");
		if (json_is_string(id) && json_string_length(id))
			json_object_set(call, "id", id);
		if (json_is_string(type))
			json_object_set(call, "type", type);
		json_t *fn = json_object_get(p, "function"), *into = json_object_get(call, "function");
		append_str(into, "name", json_object_get(fn, "name"));
		append_str(into, "arguments", json_object_get(fn, "arguments"));
		a->token(a);
	}
}

/* One event of a chat completion's stream, or (chat false) of another endpoint's,
 * which is read only for what every answer has. */
static int any_event(struct llm_acc *a, const char *data, size_t len, bool chat)
{
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		a->complete = true;
		return 0;
	}
	json_t *j = json_loadb(data, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return -1;
	}
	json_t *choice = common(a, j);
	if (!chat) {
		json_decref(j);
		return 0;
	}
	json_t *delta = json_object_get(choice, "delta");
	json_t *content = json_object_get(delta, "content");
	if (json_is_string(content) && json_string_length(content))
		a->delta(a, json_string_value(content), json_string_length(content));
	json_t *calls = json_object_get(delta, "tool_calls");
	if (json_is_array(calls))
		tool_call_pieces(a, calls);
	json_decref(j);
	return 0;
}

static int event(struct llm_acc *a, const char *ev, const char *data, size_t len)
{
	(void)ev;
	return any_event(a, data, len, true);
}

static int whole(struct llm_acc *a, const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	json_t *choice = json_is_object(j) ? common(a, j) : NULL;
	json_t *message = json_object_get(choice, "message");
	json_t *content = json_object_get(message, "content"), *calls = json_object_get(message, "tool_calls");
	/* An answer of tool calls alone has a null content. */
	int rc = json_is_string(content) || (json_is_array(calls) && (!content || json_is_null(content))) ? 0 : -1;
	if (rc == 0) {
		if (json_is_array(calls) && json_array_size(calls)) {
			json_decref(a->tool_calls);
			a->tool_calls = json_deep_copy(calls);
			a->token(a);
		}
		if (json_is_string(content))
			a->delta(a, json_string_value(content), json_string_length(content));
		a->complete = true;
	}
	json_decref(j);
	return rc;
}

const struct llm_adapter llm_openai = {"/chat/completions", body, event, whole};

/* Another endpoint of the same API in raw mode (llm_request.path: /embeddings): its
 * answer is the caller's to read; the engine keeps what every answer has - the
 * model, the usage, an error - for the record and the metrics. */
static int raw_event(struct llm_acc *a, const char *ev, const char *data, size_t len)
{
	/* The Responses API (a provider that speaks it, /responses) ends its stream
	 * with its last event, never [DONE]. */
	if (ev && (strcmp(ev, "response.completed") == 0 || strcmp(ev, "response.incomplete") == 0))
		a->complete = true;
	return any_event(a, data, len, false);
}

static int raw_whole(struct llm_acc *a, const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	int rc = json_is_object(j) ? 0 : -1;
	if (rc == 0) {
		common(a, j);
		a->token(a);
		a->complete = true;
	}
	json_decref(j);
	return rc;
}

const struct llm_adapter llm_openai_raw = {NULL, NULL, raw_event, raw_whole};
