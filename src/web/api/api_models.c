/* api_models.c - GET /v1/models and GET /v1/models/{id} (docs/api.md): every
 * configured model in OpenAI's shape, the chat models and then the embedding
 * models, named as /v1/chat/completions and /v1/embeddings accept them:
 * "provider/model" when two providers offer a model of that name (of the same
 * kind), its bare name otherwise. One model is found by either name, and named
 * back as it was asked for, as a chat completion names its model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../core/util.h"
#include "../../llm/llm.h"
#include "../errors.h"
#include "api.h"

static json_t *model_object(json_t *id, const struct llm_provider *p)
{
	return json_pack("{s:o, s:s, s:i, s:s}", "id", id, "object", "model", "created", 0, "owned_by", p->name);
}

void api_send_json(http_req *r, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s)
		http_send_text(r, 200, "application/json", s);
	else
		http_error(r, 500, "Out of memory.");
	free(s);
}

void page_api_models(http_req *r)
{
	json_t *data = json_array();
	for (enum llm_kind k = LLM_CHAT; k <= LLM_EMBEDDING; k++)
		for (size_t i = 0; data && i < llm_kind_count(k); i++) {
			const struct llm_provider *p = llm_kind_provider_at(k, i);
			const char *m = llm_kind_at(k, i);
			json_t *id = llm_kind_shared(k, i) ? json_sprintf("%s/%s", p->name, m) : json_string(m);
			json_array_append_new(data, model_object(id, p));
		}
	api_send_json(r, json_pack("{s:s, s:o}", "object", "list", "data", data));
}

void api_model_not_found(http_req *r, const char *name)
{
	char msg[300];
	snprintf(msg, sizeof msg, "The model '%.*s' does not exist here (GET /v1/models lists them).",
		 (int)utf8_cut(name, strlen(name), 200), name);
	error_api(r, 404, "invalid_request_error", "model_not_found", "model", msg);
}

void api_wrong_kind(http_req *r, const char *name, const char *what)
{
	char msg[400];
	snprintf(msg, sizeof msg, "The model '%.*s' is %s.", (int)utf8_cut(name, strlen(name), 200), name, what);
	error_api(r, 400, "invalid_request_error", "model_not_supported", "model", msg);
}

void page_api_model(http_req *r)
{
	const char *prov_model;
	const struct llm_provider *p = llm_resolve(r->params[0], &prov_model);
	if (!p)
		p = llm_kind_resolve(LLM_EMBEDDING, r->params[0], &prov_model);
	if (p)
		api_send_json(r, model_object(json_string(r->params[0]), p));
	else
		api_model_not_found(r, r->params[0]);
}
