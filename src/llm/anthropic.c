/* anthropic.c - the Anthropic Messages API: system prompts travel apart from the
 * messages, max_tokens is required, and the stream is typed events (message_start,
 * content_block_delta, message_delta, message_stop, ping, error). */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "llm_impl.h"

static char *body(const struct llm_request *r)
{
	unsigned sent = llm_sent_params(r->provider) | LLM_MAX_TOKENS;
	json_t *msgs = json_array();
	buf system = BUF_INIT;
	for (size_t i = 0; i < r->nmsgs; i++) {
		if (strcmp(r->msgs[i].role, "system") == 0) {
			buf_printf(&system, "%s%s", system.len ? "\n\n" : "", r->msgs[i].content);
			continue;
		}
		json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", r->msgs[i].role, "content", r->msgs[i].content));
	}
	json_t *j = json_pack("{s:s, s:o, s:b}", "model", r->model, "messages", msgs, "stream", 1);
	if (j && system.len && !system.oom)
		json_object_set_new(j, "system", json_string(system.data));
	buf_free(&system);
	if (!j)
		return NULL;
	llm_add_params(j, r, sent);
	return llm_dump(j);
}

static void usage(struct llm_acc *a, json_t *u)
{
	llm_count(json_object_get(u, "input_tokens"), &a->res.prompt_tokens);
	llm_count(json_object_get(u, "output_tokens"), &a->res.completion_tokens);
	/* Both within LLM_COUNT_MAX: the sum cannot overflow. */
	if (a->res.prompt_tokens >= 0 && a->res.completion_tokens >= 0)
		a->res.total_tokens = a->res.prompt_tokens + a->res.completion_tokens;
}

static void stop_reason(struct llm_acc *a, json_t *s)
{
	if (json_is_string(s)) {
		free(a->res.finish_reason);
		a->res.finish_reason = xstrdup(json_string_value(s));
	}
}

static int event(struct llm_acc *a, const char *ev, const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return -1;
	}
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!type)
		type = ev;
	if (strcmp(type, "message_start") == 0) {
		json_t *m = json_object_get(j, "message");
		llm_set_once(&a->res.model, json_object_get(m, "model"));
		usage(a, json_object_get(m, "usage"));
	} else if (strcmp(type, "content_block_delta") == 0) {
		json_t *text = json_object_get(json_object_get(j, "delta"), "text");
		if (json_is_string(text) && json_string_length(text))
			a->delta(a, json_string_value(text), json_string_length(text));
	} else if (strcmp(type, "message_delta") == 0) {
		stop_reason(a, json_object_get(json_object_get(j, "delta"), "stop_reason"));
		usage(a, json_object_get(j, "usage"));
	} else if (strcmp(type, "message_stop") == 0) {
		a->complete = true;
	} else if (strcmp(type, "error") == 0 && !a->stream_error) {
		const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
		a->stream_error = xstrdup(msg ? msg : "error event in the stream");
	}
	json_decref(j);
	return 0;
}

static int whole(struct llm_acc *a, const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	json_t *content = json_object_get(j, "content");
	int rc = json_is_array(content) ? 0 : -1;
	if (rc == 0) {
		llm_set_once(&a->res.model, json_object_get(j, "model"));
		usage(a, json_object_get(j, "usage"));
		stop_reason(a, json_object_get(j, "stop_reason"));
		size_t i;
		json_t *block;
		json_array_foreach(content, i, block) {
			json_t *text = json_object_get(block, "text");
			if (json_is_string(text))
				a->delta(a, json_string_value(text), json_string_length(text));
		}
		a->complete = true;
	}
	json_decref(j);
	return rc;
}

const struct llm_adapter llm_anthropic = {"/messages", body, event, whole};
