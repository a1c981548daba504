/* api_responses.c - POST /v1/responses (docs/api.md, "Responses"): OpenAI's
 * Responses API in front of every configured chat model. The request is checked on
 * arrival (the same ranges as a chat completion's; a text.format json_schema must
 * be a valid JSON Schema), continued from previous_response_id when it names a
 * stored response of the user's (its conversation as items, from the store),
 * translated into a chat completion (llm/responses_translate.h) - and from there
 * into Anthropic's messages for an Anthropic provider - and started through the
 * API's one adapter (api_call.c), recorded as a question and answer of source
 * api-responses. What cannot be mapped is a 400 naming the parameter. A provider
 * that speaks the Responses API itself (responses = native) gets the request as
 * the client sent it, the model aside (api_responses_native.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/util.h"
#include "../../llm/anthropic_translate.h"
#include "../../schema/schema.h"
#include "../context.h"
#include "../errors.h"
#include "api_responses.h"

/* The format's JSON Schema, checked against its dialect's meta-schema and compiled
 * (a $ref that does not resolve, a bad pattern): a provider would refuse it later,
 * or worse, answer to a schema that means something else. */
static bool schema_ok(http_req *r, json_t *req)
{
	json_t *f = json_object_get(json_object_get(req, "text"), "format");
	json_t *doc = json_object_get(f, "schema");
	if (!json_is_string(json_object_get(f, "type")) || strcmp(json_string_value(json_object_get(f, "type")), "json_schema") ||
	    !json_is_object(doc))
		return true; /* the translation names what is missing */
	char err[200] = "", msg[400];
	struct schema_result res = {0};
	int rc = schema_check(doc, NULL, &res, err, sizeof err);
	if (rc < 0) {
		schema_result_free(&res);
		http_error(r, 500, "Out of memory.");
		return false;
	}
	bool ok = res.valid;
	if (!ok)
		snprintf(msg, sizeof msg, "text.format.schema is not a valid JSON Schema: at '%.100s', %.200s",
			 res.n ? res.errors[0].instance_location : "", res.n ? res.errors[0].message : "invalid");
	schema_result_free(&res);
	schema *s = ok ? schema_compile(doc, NULL, err, sizeof err) : NULL;
	if (ok && !s) {
		ok = false;
		snprintf(msg, sizeof msg, "text.format.schema cannot be used: %s", err);
	}
	schema_free(s);
	if (!ok)
		api_bad(r, "text.format.schema", msg);
	return ok;
}

static bool check(http_req *r, json_t *req)
{
	double d;
	if (!json_is_string(json_object_get(req, "model"))) {
		api_bad(r, "model", "'model' must name a model (GET /v1/models lists them).");
		return false;
	}
	static const char *const flags[] = {"stream", "store", "parallel_tool_calls", "background"};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		json_t *v = json_object_get(req, flags[i]);
		if (v && !json_is_boolean(v) && !json_is_null(v)) {
			char msg[80];
			snprintf(msg, sizeof msg, "'%s' must be true or false.", flags[i]);
			api_bad(r, flags[i], msg);
			return false;
		}
	}
	json_t *meta = json_object_get(req, "metadata");
	if (meta && !json_is_null(meta)) {
		/* OpenAI's own limits: 16 pairs, keys of 64 characters, values of 512. */
		bool ok = json_is_object(meta) && json_object_size(meta) <= 16;
		const char *k;
		json_t *v;
		json_object_foreach(meta, k, v) ok = ok && strlen(k) <= 64 && json_is_string(v) &&
						    utf8_chars(json_string_value(v), json_string_length(v)) <= 512;
		if (!ok) {
			api_bad(r, "metadata", "'metadata' is an object of at most 16 strings (keys of at most 64 characters, "
					       "values of at most 512).");
			return false;
		}
	}
	json_t *prev = json_object_get(req, "previous_response_id");
	if (prev && !json_is_null(prev) && !json_is_string(prev)) {
		api_bad(r, "previous_response_id", "'previous_response_id' must be a response's id.");
		return false;
	}
	return api_number_in(r, req, "temperature", 0, 2, false, &d) && api_number_in(r, req, "top_p", 0, 1, false, &d) &&
	       api_number_in(r, req, "max_output_tokens", 1, 1e18, true, &d) && schema_ok(r, req);
}

/* The characters of what the items send: their texts, arguments and outputs. */
static size_t items_chars(const json_t *items)
{
	size_t n = 0, i, j;
	json_t *it, *p;
	json_array_foreach(items, i, it) {
		static const char *const keys[] = {"arguments", "output"};
		for (size_t k = 0; k < 2; k++) {
			json_t *s = json_object_get(it, keys[k]);
			if (json_is_string(s))
				n += utf8_chars(json_string_value(s), json_string_length(s));
		}
		json_array_foreach(json_object_get(it, "content"), j, p) {
			json_t *s = json_object_get(p, "text");
			if (json_is_string(s))
				n += utf8_chars(json_string_value(s), json_string_length(s));
		}
	}
	return n;
}

/* The Anthropic translation's field names, as the client named them (it refuses
 * the chat completion this made of the client's request). */
static void client_param(char *param, size_t len)
{
	static const char *const names[][2] = {{"response_format", "text.format"}, {"max_tokens", "max_output_tokens"},
					       {"messages", "input"}, {"verbosity", "text.verbosity"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i][0]);
		if (strncmp(param, names[i][0], n) == 0 && (param[n] == '\0' || param[n] == '.' || param[n] == '[')) {
			snprintf(param, len, "%s", names[i][1]); /* the item's index is another list's */
			return;
		}
	}
	char *fn = strstr(param, ".function.");
	if (strncmp(param, "tools[", 6) == 0 && fn)
		memmove(fn, fn + 9, strlen(fn + 9) + 1); /* tools[i].function.name -> tools[i].name */
}

/* The body for the provider: the chat completion, or Anthropic's messages made of
 * it. NULL with r answered. */
static char *provider_body(http_req *r, struct api_call *c, json_t *chat)
{
	char err[300] = "", param[128] = "";
	json_t *out = chat;
	if (c->anthropic && !(out = llm_anthropic_request(chat, c->prov_model, err, sizeof err, param, sizeof param))) {
		client_param(param, sizeof param);
		api_bad(r, *param ? param : NULL, *err ? err : "The request cannot be sent to this model.");
		return NULL;
	}
	if (!c->anthropic)
		json_object_set_new(chat, "model", json_string(c->prov_model));
	char *s = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (out != chat)
		json_decref(out);
	if (!s)
		http_error(r, 500, "Out of memory.");
	return s;
}

/* The items of previous_response_id's conversation, and the call recorded in it;
 * answered when it names no stored response of the user's. */
static bool continued(http_req *r, db *d, json_t *req, struct api_call *c)
{
	const char *prev = json_string_value(json_object_get(req, "previous_response_id"));
	if (!prev) {
		if (!(c->resp->history = json_array()))
			http_error(r, 500, "Out of memory.");
		return c->resp->history != NULL;
	}
	struct apiresponse row;
	int rc = apiresponse_find(d, prev, visitor(r)->user_id, &row);
	if (rc < 0) {
		http_error(r, 500, "The database cannot be reached.");
		return false;
	}
	if (rc == 0) {
		char msg[200];
		snprintf(msg, sizeof msg, "No stored response of yours has the id '%.80s' (a response made with store false "
					  "cannot be continued).",
			 prev);
		error_api(r, 404, "invalid_request_error", "previous_response_not_found", "previous_response_id", msg);
		return false;
	}
	c->resp->history = json_loads(row.context, 0, NULL);
	snprintf(c->rec.uuid, sizeof c->rec.uuid, "%s", row.conv_uuid);
	apiresponse_clear(&row);
	if (!json_is_array(c->resp->history)) {
		http_error(r, 500, "The stored response could not be read.");
		return false;
	}
	return true;
}

/* Gives each input item its id, as input_items lists them. */
static void item_ids(struct api_responses *resp)
{
	const char *tail = strchr(resp->id, '_') + 1;
	size_t i;
	json_t *it;
	json_array_foreach(resp->items, i, it) {
		const char *type = json_string_value(json_object_get(it, "type"));
		const char *prefix = !strcmp(type, "message") ? "msg" : !strcmp(type, "function_call") ? "fc" : "fco";
		json_object_set_new(it, "id", json_sprintf("%s_%s_in%zu", prefix, tail, i));
		json_object_set_new(it, "status", json_string("completed"));
	}
}

/* The question's part of the record: the input's last user text (or, answering a
 * function call, its output), the whole body, the parameters as sent. */
static void record_question(http_req *r, json_t *req, struct api_call *c)
{
	struct message *q = &c->q;
	snprintf(q->source, sizeof q->source, "api-responses");
	q->content = llm_responses_question_text(c->resp->items);
	json_t *last = json_array_get(c->resp->items, json_array_size(c->resp->items) - 1);
	if (q->content && !*q->content && json_is_string(json_object_get(last, "output"))) {
		free(q->content);
		q->content = xstrdup(json_string_value(json_object_get(last, "output")));
	}
	q->request_json = r->body.data ? buf_detach(&r->body, NULL) : xstrdup(""); /* moved, not copied */
	if (json_is_integer(json_object_get(req, "max_output_tokens")))
		q->max_tokens = json_integer_value(json_object_get(req, "max_output_tokens"));
	if (json_is_number(json_object_get(req, "temperature")))
		q->temperature = json_number_value(json_object_get(req, "temperature"));
	if (json_is_number(json_object_get(req, "top_p")))
		q->top_p = json_number_value(json_object_get(req, "top_p"));
	if (q->content) /* else out of memory: api_call_run answers */
		utf8_title(c->title, sizeof c->title, q->content);
}

/* The call with its Responses state; answered when it cannot be made. */
static struct api_call *new_call(http_req *r, json_t *req, const struct llm_provider *p, const char *prov_model)
{
	struct api_call *c = api_call_new(p, visitor(r)->user_id);
	struct api_responses *resp = c ? calloc(1, sizeof *resp) : NULL;
	if (!resp) {
		if (c)
			call_unref(&c->call);
		http_error(r, 500, "Out of memory.");
		return NULL;
	}
	c->resp = resp;
	c->prov_model = prov_model;
	c->client_model = xstrdup(json_string_value(json_object_get(req, "model")));
	c->stream = json_is_true(json_object_get(req, "stream"));
	c->anthropic = p->type == LLM_ANTHROPIC;
	c->usage_asked = true; /* the usage ends every response (the Anthropic translation's chunk) */
	char rnd[32];
	rand_token(rnd, sizeof rnd, 18);
	snprintf(c->cmpl_id, sizeof c->cmpl_id, "chatcmpl-%s", rnd);
	snprintf(resp->id, sizeof resp->id, "resp_%s", rnd);
	resp->store = !json_is_false(json_object_get(req, "store"));
	resp->base = c->client_model ? llm_responses_base(req, resp->id, c->client_model, c->created) : NULL;
	resp->st = resp->base ? llm_responses_stream_new(resp->base) : NULL;
	if (!resp->st) {
		call_unref(&c->call);
		http_error(r, 500, "Out of memory.");
		return NULL;
	}
	return c;
}

void page_api_responses(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	json_t *req = api_body_object(r), *chat = NULL;
	if (!req)
		return;
	struct api_call *c = NULL;
	char *body = NULL, err[300] = "", param[128] = "";
	const char *prov_model, *name;
	const struct llm_provider *p;
	if (!check(r, req))
		goto done;
	name = json_string_value(json_object_get(req, "model"));
	if (!(p = llm_resolve(name, &prov_model))) {
		if (llm_kind_resolve(LLM_EMBEDDING, name, &prov_model))
			api_wrong_kind(r, name, "an embedding model: POST /v1/embeddings uses it");
		else
			api_model_not_found(r, name);
		goto done;
	}
	if (!(c = new_call(r, req, p, prov_model)))
		goto done;
	c->resp->native = p->responses_native;
	json_t *input = json_object_get(req, "input");
	c->resp->items = llm_responses_items(input, err, sizeof err, param, sizeof param);
	if (!c->resp->items && c->resp->native && json_is_array(input) && json_array_size(input)) {
		c->resp->items = json_deep_copy(input); /* what only the provider knows is its to refuse */
	} else if (!c->resp->items) {
		api_bad(r, *param ? param : NULL, *err ? err : "'input' cannot be read.");
		goto done;
	}
	if (!c->resp->native)
		item_ids(c->resp);
	if (!continued(r, d, req, c))
		goto done;
	json_t *all = json_array();
	/* A native provider keeps its conversations itself: only the input is sent. */
	if (!all || (!c->resp->native && json_array_extend(all, c->resp->history) < 0) ||
	    json_array_extend(all, c->resp->items) < 0) {
		json_decref(all);
		http_error(r, 500, "Out of memory.");
		goto done;
	}
	size_t chars = items_chars(all) + (json_is_string(json_object_get(req, "instructions"))
						   ? utf8_chars(json_string_value(json_object_get(req, "instructions")),
								json_string_length(json_object_get(req, "instructions")))
						   : 0);
	chat = chars <= cfg.max_context_chars && !c->resp->native
		       ? llm_responses_chat_request(req, all, err, sizeof err, param, sizeof param)
		       : NULL;
	json_decref(all);
	if (chars > cfg.max_context_chars) {
		char msg[200];
		snprintf(msg, sizeof msg, "The input is %zu characters long with its conversation; the limit is %zu "
					  "characters (MAX_CONTEXT_CHARS).",
			 chars, cfg.max_context_chars);
		error_api(r, 400, "invalid_request_error", "context_length_exceeded", "input", msg);
		goto done;
	}
	if (!chat && !c->resp->native) {
		api_bad(r, *param ? param : NULL, *err ? err : "The request cannot be translated.");
		goto done;
	}
	body = c->resp->native ? api_forward_body(r, req, prov_model, false) : provider_body(r, c, chat);
	record_question(r, req, c);
	api_call_run(r, c, body, c->resp->native ? "/responses" : NULL);
	c = NULL;
done:
	free(body);
	json_decref(chat);
	json_decref(req);
	if (c)
		call_unref(&c->call);
}
