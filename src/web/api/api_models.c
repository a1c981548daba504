/* api_models.c - GET /v1/models (docs/api.md): every configured model in OpenAI's
 * list shape, named as /v1/chat/completions accepts it: "provider/model" when two
 * providers offer a model of that name, its bare name otherwise. */
#include <stdlib.h>

#include <jansson.h>

#include "../../llm/llm.h"
#include "api.h"

void page_api_models(http_req *r)
{
	json_t *data = json_array();
	for (size_t i = 0; data && i < llm_model_count(); i++) {
		const struct llm_provider *p = llm_model_provider_at(i);
		json_t *id = llm_model_shared(i) ? json_sprintf("%s/%s", p->name, llm_model_at(i)) : json_string(llm_model_at(i));
		json_array_append_new(data, json_pack("{s:o, s:s, s:i, s:s}", "id", id, "object", "model", "created", 0,
						      "owned_by", p->name));
	}
	json_t *list = json_pack("{s:s, s:o}", "object", "list", "data", data);
	char *s = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	if (!s) {
		http_error(r, 500, "Out of memory.");
		return;
	}
	http_send_text(r, 200, "application/json", s);
	free(s);
}
