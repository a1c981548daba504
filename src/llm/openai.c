/* openai.c - the OpenAI chat-completions API, which Ollama, vLLM, llama.cpp's
 * server, LM Studio, OpenRouter, Groq, Mistral, DeepSeek and Together speak too.
 * Streams with stream_options.include_usage, so the last event carries the token
 * counts; parameters the provider refuses are left out of the body. */
#include <stdlib.h>
#include <string.h>

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
	if (json_is_integer(p))
		a->res.prompt_tokens = json_integer_value(p);
	if (json_is_integer(c))
		a->res.completion_tokens = json_integer_value(c);
	if (json_is_integer(t))
		a->res.total_tokens = json_integer_value(t);
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

static int event(struct llm_acc *a, const char *ev, const char *data, size_t len)
{
	(void)ev;
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
	json_t *content = json_object_get(json_object_get(choice, "delta"), "content");
	if (json_is_string(content) && json_string_length(content))
		a->delta(a, json_string_value(content), json_string_length(content));
	json_decref(j);
	return 0;
}

static int whole(struct llm_acc *a, const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	json_t *choice = json_is_object(j) ? common(a, j) : NULL;
	json_t *content = json_object_get(json_object_get(choice, "message"), "content");
	int rc = json_is_string(content) ? 0 : -1;
	if (rc == 0) {
		a->delta(a, json_string_value(content), json_string_length(content));
		a->complete = true;
	}
	json_decref(j);
	return rc;
}

const struct llm_adapter llm_openai = {"/chat/completions", body, event, whole};
