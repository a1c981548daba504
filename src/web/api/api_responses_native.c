/* api_responses_native.c - /v1/responses passed through to a provider that speaks
 * the Responses API itself (responses = native in the providers INI; docs/api.md,
 * "Responses"). Its events and its whole response go to the client as it sent them,
 * the model named as the client named it, each event without the provider's key
 * (api_call.c scrubs every event); the terminal event (response.completed,
 * .incomplete, .failed, or an error) waits for the record, as [DONE] does. The
 * record's answer is read from the final response: the text of its messages, its
 * function calls in chat completions' shape, its usage. */
#include <stdlib.h>
#include <string.h>

#include "../../core/util.h"
#include "../../llm/sse.h"
#include "api_responses.h"

static bool terminal(const char *type)
{
	return type && (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete") ||
			!strcmp(type, "response.failed") || !strcmp(type, "error"));
}

void api_responses_native_raw(struct api_call *c, const char *data, size_t len, bool is_body)
{
	struct api_responses *r = c->resp;
	if (!is_body && len == 6 && memcmp(data, "[DONE]", 6) == 0)
		return;
	json_t *j = json_loadb(data, len, 0, NULL);
	json_t *resp = is_body ? j : json_object_get(j, "response");
	const char *type = json_string_value(json_object_get(j, "type"));
	if (json_is_object(resp)) {
		json_object_set_new(resp, "model", json_string(c->client_model));
		const char *id = json_string_value(json_object_get(resp, "id"));
		if (id && strlen(id) < sizeof r->id)
			memcpy(r->id, id, strlen(id) + 1);
		if (is_body || terminal(type)) {
			json_decref(r->final);
			r->final = json_incref(resp);
		}
	}
	if (type && !strcmp(type, "error") && !r->error)
		r->error = xstrdup(json_string_value(json_object_get(j, "message")));
	if (!is_body) {
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		buf *to = terminal(type) ? &c->tail : &c->call.out;
		if (type)
			buf_printf(to, "event: %s\n", type);
		sse_put_event(to, s ? s : data, s ? strlen(s) : len);
		free(s);
		c->call.last_out = mono_ms();
	}
	json_decref(j);
}

void api_responses_native_outcome(struct api_call *c)
{
	struct api_responses *r = c->resp;
	if (!r->final)
		return;
	buf text = BUF_INIT;
	json_t *calls = json_array();
	size_t i, j;
	json_t *it, *p;
	json_array_foreach(json_object_get(r->final, "output"), i, it) {
		const char *type = json_string_value(json_object_get(it, "type"));
		if (type && !strcmp(type, "message"))
			json_array_foreach(json_object_get(it, "content"), j, p) {
				json_t *t = json_object_get(p, "text");
				if (json_is_string(t))
					buf_append(&text, json_string_value(t), json_string_length(t));
			}
		else if (type && !strcmp(type, "function_call"))
			json_array_append_new(calls, json_pack("{s:O?, s:s, s:{s:O?, s:O?}}", "id", json_object_get(it, "call_id"),
							       "type", "function", "function", "name", json_object_get(it, "name"),
							       "arguments", json_object_get(it, "arguments")));
	}
	struct message *a = &c->a;
	free(a->content);
	a->content = text.oom ? NULL : buf_detach(&text, NULL);
	buf_free(&text);
	if (!a->content)
		a->content = xstrdup("");
	free(a->tool_calls);
	a->tool_calls = calls && json_array_size(calls) ? json_dumps(calls, JSON_COMPACT) : NULL;
	json_t *u = json_object_get(r->final, "usage");
	if (json_is_integer(json_object_get(u, "input_tokens")))
		a->prompt_tokens = json_integer_value(json_object_get(u, "input_tokens"));
	if (json_is_integer(json_object_get(u, "output_tokens")))
		a->completion_tokens = json_integer_value(json_object_get(u, "output_tokens"));
	if (json_is_integer(json_object_get(u, "total_tokens")))
		a->total_tokens = json_integer_value(json_object_get(u, "total_tokens"));
	const char *status = json_string_value(json_object_get(r->final, "status"));
	free(a->finish_reason);
	a->finish_reason = xstrdup(a->tool_calls ? "tool_calls" : status && !strcmp(status, "incomplete") ? "length" : "stop");
	json_decref(calls);
	if (a->content && c->call.res.status == LLM_OK)
		c->rec.answer = a;
}
