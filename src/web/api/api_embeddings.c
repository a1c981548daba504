/* api_embeddings.c - POST /v1/embeddings (docs/api.md, "Embeddings"): OpenAI's
 * Embeddings API in front of the OpenAI-compatible providers' embedding models
 * (embedding_models in the providers INI). The body is checked on arrival, the
 * model resolved among the embedding models, and the call started through the same
 * adapter as a chat completion (api_call.c: one whole answer, the client's name of
 * the model put back, the provider's key scrubbed, the last byte after the record).
 *
 * What is recorded is a summary on both sides, not the data: the question is the
 * count and size of the inputs and the SHA-256 of their JSON (the text itself only
 * with RECORD_EMBEDDING_INPUT=1), the answer the count and dimensions of the
 * vectors. The vectors are never kept: 1536 floats an input is some 30 KiB of JSON
 * for what the same model recomputes from the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/util.h"
#include "api.h"
#include "../context.h"
#include "../errors.h"

/* OpenAI's own limit of inputs in one request. */
#define MAX_INPUTS 2048

/* What the input is, for its summary: how many inputs, and their size in
 * characters (text) or tokens (token arrays). */
struct input_size {
	size_t count, size;
	bool tokens;
};

/* Whether j is a non-empty array of token ids (non-negative integers). */
static bool token_array(json_t *j)
{
	size_t i;
	json_t *t;
	if (!json_is_array(j) || !json_array_size(j))
		return false;
	json_array_foreach(j, i, t) if (!json_is_integer(t) || json_integer_value(t) < 0) return false;
	return true;
}

/* Checks input: a string, a list of strings, a token array, or a list of token
 * arrays, none of them empty, at most MAX_INPUTS and MAX_CONTEXT_CHARS. */
static bool check_input(http_req *r, json_t *input, struct input_size *sz)
{
	char msg[200];
	const char *shape = "'input' must be a non-empty string, a list of strings, an array of tokens (integers) or a "
			    "list of arrays of tokens.";
	*sz = (struct input_size){0};
	if (!input || json_is_null(input)) {
		api_bad(r, "input", "'input' is required: the text (or tokens) to embed.");
		return false;
	}
	if (json_is_string(input)) {
		sz->count = 1;
		sz->size = utf8_chars(json_string_value(input), json_string_length(input));
	} else if (token_array(input)) {
		sz->count = 1;
		sz->size = json_array_size(input);
		sz->tokens = true;
	} else if (json_is_integer(json_array_get(input, 0))) {
		api_bad(r, "input", "An array of tokens holds non-negative integers only.");
		return false;
	} else if (json_is_array(input) && json_array_size(input)) {
		sz->count = json_array_size(input);
		sz->tokens = token_array(json_array_get(input, 0));
		size_t i;
		json_t *item;
		json_array_foreach(input, i, item) {
			if (sz->tokens ? !token_array(item) : !json_is_string(item) || !json_string_length(item)) {
				snprintf(msg, sizeof msg, "input[%zu] must be %s, as the first one is.", i,
					 sz->tokens ? "a non-empty array of tokens" : "a non-empty string");
				char param[32];
				snprintf(param, sizeof param, "input[%zu]", i);
				api_bad(r, param, msg);
				return false;
			}
			sz->size += sz->tokens ? json_array_size(item)
					       : utf8_chars(json_string_value(item), json_string_length(item));
		}
	} else {
		api_bad(r, "input", shape);
		return false;
	}
	if (json_is_string(input) && !sz->size) {
		api_bad(r, "input", shape);
		return false;
	}
	if (sz->count > MAX_INPUTS) {
		snprintf(msg, sizeof msg, "'input' holds %zu inputs; the limit is %d.", sz->count, MAX_INPUTS);
		api_bad(r, "input", msg);
		return false;
	}
	if (!sz->tokens && sz->size > cfg.max_context_chars) {
		snprintf(msg, sizeof msg, "The input is %zu characters long; the limit is %zu characters (MAX_CONTEXT_CHARS).",
			 sz->size, cfg.max_context_chars);
		error_api(r, 400, "invalid_request_error", "context_length_exceeded", "input", msg);
		return false;
	}
	return true;
}

static bool check(http_req *r, json_t *req, struct input_size *sz)
{
	double d;
	if (!json_is_string(json_object_get(req, "model"))) {
		api_bad(r, "model", "'model' must name an embedding model (GET /v1/models lists them).");
		return false;
	}
	json_t *fmt = json_object_get(req, "encoding_format");
	if (fmt && !json_is_null(fmt) &&
	    (!json_is_string(fmt) || (strcmp(json_string_value(fmt), "float") && strcmp(json_string_value(fmt), "base64")))) {
		api_bad(r, "encoding_format", "'encoding_format' must be \"float\" or \"base64\".");
		return false;
	}
	json_t *user = json_object_get(req, "user");
	if (user && !json_is_null(user) && !json_is_string(user)) {
		api_bad(r, "user", "'user' must be a string.");
		return false;
	}
	return api_number_in(r, req, "dimensions", 1, 1e6, true, &d) && check_input(r, json_object_get(req, "input"), sz);
}

/* The input as text for the record (RECORD_EMBEDDING_INPUT=1): the strings one a
 * line, token arrays as their JSON. */
static void input_text(json_t *input, buf *out)
{
	if (json_is_string(input)) {
		buf_append(out, json_string_value(input), json_string_length(input));
		return;
	}
	size_t i;
	json_t *item;
	json_array_foreach(input, i, item) {
		if (!json_is_string(item)) { /* tokens: the whole input as JSON */
			char *s = json_dumps(input, JSON_COMPACT);
			buf_reset(out);
			if (s)
				buf_puts(out, s);
			else
				out->oom = true;
			free(s);
			return;
		}
		if (i)
			buf_putc(out, '\n');
		buf_append(out, json_string_value(item), json_string_length(item));
	}
}

/* The question's part of the record. The input is summarised by its count, size
 * and the SHA-256 of its compact JSON (the same input gives the same hash, so a
 * document embedded twice is found without keeping it); the request_json keeps the
 * parameters with the input replaced by that summary. */
static void record_question(http_req *r, json_t *req, struct api_call *c, const struct input_size *sz)
{
	struct message *q = &c->q;
	snprintf(q->source, sizeof q->source, "api-embeddings");
	char *canon = json_dumps(json_object_get(req, "input"), JSON_COMPACT | JSON_ENCODE_ANY);
	if (!canon)
		return; /* out of memory: api_call_run answers */
	char hash[65];
	sha256_hex(hash, canon, strlen(canon));
	free(canon);
	buf b = BUF_INIT;
	buf_printf(&b, "Embeddings of %zu input%s, %zu %s, SHA-256 %s", sz->count, sz->count == 1 ? "" : "s", sz->size,
		   sz->tokens ? (sz->size == 1 ? "token" : "tokens") : (sz->size == 1 ? "character" : "characters"), hash);
	snprintf(c->title, sizeof c->title, "Embeddings of %zu input%s", sz->count, sz->count == 1 ? "" : "s");
	if (cfg.record_embedding_input) {
		buf_puts(&b, "\n\n");
		input_text(json_object_get(req, "input"), &b);
		q->request_json = r->body.data ? buf_detach(&r->body, NULL) : xstrdup(""); /* moved, not copied */
	} else {
		json_t *params = json_copy(req);
		json_t *summary = json_pack("{s:I, s:I, s:s, s:s}", "count", (json_int_t)sz->count, "size",
					    (json_int_t)sz->size, "unit", sz->tokens ? "tokens" : "characters", "sha256", hash);
		if (params && summary && json_object_set_new(params, "input", summary) == 0)
			q->request_json = json_dumps(params, JSON_COMPACT | JSON_REAL_PRECISION(17));
		else
			json_decref(summary);
		json_decref(params);
	}
	q->content = b.oom ? NULL : buf_detach(&b, NULL);
	buf_free(&b);
}

char *api_embeddings_summary(const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL), *data = json_object_get(j, "data");
	json_t *first = json_object_get(json_array_get(data, 0), "embedding");
	size_t dims = 0;
	if (json_is_array(first))
		dims = json_array_size(first);
	else if (json_is_string(first)) { /* base64 of little-endian float32s */
		size_t n = json_string_length(first);
		const char *s = json_string_value(first);
		size_t pad = n >= 2 && s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
		/* The provider's text: a string too short for its padding is no vector. */
		dims = n / 4 * 3 >= pad ? (n / 4 * 3 - pad) / 4 : 0;
	}
	buf b = BUF_INIT;
	if (json_is_array(data)) {
		size_t n = json_array_size(data);
		buf_printf(&b, "%zu vector%s of %zu dimension%s", n, n == 1 ? "" : "s", dims, dims == 1 ? "" : "s");
	}
	json_decref(j);
	return b.len && !b.oom ? buf_detach(&b, NULL) : (buf_free(&b), NULL);
}

/* Resolves the model among the embedding models; answered when it is none. */
static const struct llm_provider *resolve(http_req *r, const char *name, const char **prov_model)
{
	const struct llm_provider *p = llm_kind_resolve(LLM_EMBEDDING, name, prov_model);
	if (!p && llm_resolve(name, prov_model)) {
		api_wrong_kind(r, name, "a chat model, not an embedding model (embedding_models in the providers' "
					"configuration names those)");
		return NULL;
	}
	if (!p) {
		api_model_not_found(r, name);
		return NULL;
	}
	if (p->type == LLM_ANTHROPIC) {
		char msg[300];
		snprintf(msg, sizeof msg, "The provider '%.*s' is of type anthropic, which does not offer embeddings.",
			 (int)utf8_cut(p->name, strlen(p->name), 100), p->name);
		error_api(r, 400, "invalid_request_error", "model_not_supported", "model", msg);
		return NULL;
	}
	return p;
}

void page_api_embeddings(http_req *r)
{
	if (!web_db(r))
		return;
	json_t *req = api_body_object(r);
	if (!req)
		return;
	struct api_call *c = NULL;
	char *body = NULL;
	struct input_size sz;
	const char *prov_model;
	const struct llm_provider *p;
	if (!check(r, req, &sz) || !(p = resolve(r, json_string_value(json_object_get(req, "model")), &prov_model)))
		goto done;
	if (!(c = api_call_new(p, visitor(r)->user_id))) {
		http_error(r, 500, "Out of memory.");
		goto done;
	}
	c->embeddings = true;
	c->prov_model = prov_model;
	c->client_model = xstrdup(json_string_value(json_object_get(req, "model")));
	body = api_forward_body(r, req, prov_model, false);
	record_question(r, req, c, &sz);
	api_call_run(r, c, body, "/embeddings");
	c = NULL;
done:
	free(body);
	json_decref(req);
	if (c)
		call_unref(&c->call);
}
