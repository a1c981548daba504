/* json.c - the small JSON helpers the adapters share: the sampling parameters of a
 * request body, serialising with doubles as typed, error messages in the shapes
 * providers use, and freeing a result. */
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "llm_impl.h"

bool llm_count(const json_t *v, int64_t *dst)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > LLM_COUNT_MAX)
		return false;
	*dst = json_integer_value(v);
	return true;
}

void llm_set_once(char **dst, json_t *s)
{
	if (!*dst && json_is_string(s))
		*dst = xstrdup(json_string_value(s));
}

void llm_add_params(json_t *j, const struct llm_request *r, unsigned sent)
{
	if (sent & LLM_MAX_TOKENS)
		json_object_set_new(j, "max_tokens", json_integer(r->max_tokens));
	if (sent & LLM_TEMPERATURE)
		json_object_set_new(j, "temperature", json_real(r->temperature));
	if (sent & LLM_TOP_K)
		json_object_set_new(j, "top_k", json_integer(r->top_k));
	if (sent & LLM_TOP_P)
		json_object_set_new(j, "top_p", json_real(r->top_p));
}

char *llm_dump(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(j);
	return s;
}

char *llm_error_message(const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *e = json_object_get(j, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	if (!msg)
		msg = json_string_value(e);
	if (!msg)
		msg = json_string_value(json_object_get(j, "message"));
	char *out = msg ? xstrdup(msg) : NULL;
	json_decref(j);
	return out;
}

void llm_result_free(struct llm_result *r)
{
	free(r->model);
	free(r->finish_reason);
	free(r->error);
	free(r->tool_calls);
	memset(r, 0, sizeof *r);
}
