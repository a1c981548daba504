/* api_chat.c - POST /v1/chat/completions (docs/api.md): the OpenAI Chat Completions
 * API in front of every configured provider, for programs that use the OpenAI
 * client libraries. The key was checked before the body was read (app.c); here the
 * body is checked as the ask form checks the same fields (temperature, top_p,
 * max_tokens, the context's length), the model and the X-Conversation-Id resolved,
 * the per-user limit of calls in flight taken, and the call started (api_call.c).
 * Nothing is recorded for a request refused here: it never reached a model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/util.h"
#include "../../llm/anthropic_translate.h"
#include "../../model/conversation.h"
#include "api.h"
#include "../context.h"
#include "../errors.h"

static const char *const roles[] = {"system", "developer", "user", "assistant", "tool"};

void api_bad(http_req *r, const char *param, const char *message)
{
	error_api(r, 400, "invalid_request_error", NULL, param, message);
}

/* The text of a message's content: a string, or the text parts of an array. */
static void content_text(json_t *content, buf *out)
{
	if (json_is_string(content)) {
		buf_append(out, json_string_value(content), json_string_length(content));
		return;
	}
	size_t i;
	json_t *part;
	json_array_foreach(content, i, part) {
		json_t *text = json_object_get(part, "text");
		if (json_is_string(text)) {
			if (out->len)
				buf_putc(out, '\n');
			buf_append(out, json_string_value(text), json_string_length(text));
		}
	}
}

bool api_number_in(http_req *r, json_t *req, const char *key, double min, double max, bool whole, double *out)
{
	json_t *v = json_object_get(req, key);
	if (!v || json_is_null(v))
		return true;
	char msg[160];
	if (!json_is_number(v) || (whole && !json_is_integer(v))) {
		snprintf(msg, sizeof msg, "'%s' must be %s.", key, whole ? "an integer" : "a number");
		api_bad(r, key, msg);
		return false;
	}
	double d = json_number_value(v);
	if (d < min || d > max) {
		if (max >= 1e15)
			snprintf(msg, sizeof msg, "'%s' must be at least %g; it is %g.", key, min, d);
		else
			snprintf(msg, sizeof msg, "'%s' must be from %g to %g; it is %g.", key, min, max, d);
		api_bad(r, key, msg);
		return false;
	}
	*out = d;
	return true;
}

/* Checks the messages; the last user message's text goes to last. */
static bool check_messages(http_req *r, json_t *msgs, buf *last)
{
	char param[64], msg[200];
	if (!json_is_array(msgs) || !json_array_size(msgs)) {
		api_bad(r, "messages", "'messages' must be a non-empty array of messages.");
		return false;
	}
	size_t chars = 0, i;
	json_t *m;
	json_array_foreach(msgs, i, m) {
		const char *role = json_string_value(json_object_get(m, "role"));
		bool known = false;
		for (size_t k = 0; role && k < sizeof roles / sizeof roles[0]; k++)
			known |= strcmp(role, roles[k]) == 0;
		if (!json_is_object(m) || !known) {
			snprintf(param, sizeof param, "messages[%zu].role", i);
			snprintf(msg, sizeof msg, "messages[%zu] must have a role: system, developer, user, assistant or tool.", i);
			api_bad(r, param, msg);
			return false;
		}
		json_t *content = json_object_get(m, "content");
		if (content && !json_is_null(content) && !json_is_string(content) && !json_is_array(content)) {
			snprintf(param, sizeof param, "messages[%zu].content", i);
			api_bad(r, param, "A message's content must be a string or an array of content parts.");
			return false;
		}
		buf text = BUF_INIT;
		content_text(content, &text);
		chars += utf8_chars(text.data ? text.data : "", text.len);
		if (strcmp(role, "user") == 0) {
			buf_reset(last);
			buf_append(last, text.data ? text.data : "", text.len);
		}
		buf_free(&text);
	}
	if (chars > cfg.max_context_chars) {
		snprintf(msg, sizeof msg, "The messages are %zu characters long; the limit is %zu characters (MAX_CONTEXT_CHARS).",
			 chars, cfg.max_context_chars);
		error_api(r, 400, "invalid_request_error", "context_length_exceeded", "messages", msg);
		return false;
	}
	return true;
}

char *api_json_forward_body(const char *raw, size_t len, bool add_usage, const char *model)
{
	buf b = BUF_INIT, with = BUF_INIT;
	if (add_usage) {
		const char *brace = memchr(raw, '{', len);
		if (!brace)
			return NULL; /* not an object: nothing this can edit */
		size_t at = (size_t)(brace - raw) + 1;
		buf_append(&with, raw, at);
		buf_puts(&with, "\"stream_options\":{\"include_usage\":true},");
		buf_append(&with, raw + at, len - at);
		raw = with.data;
		len = with.len;
	}
	/* A body that could not be built whole is not sent at all: a prefix of it would
	 * be another request. */
	if (raw && !with.oom)
		jsonedit_set_string(&b, raw, len, "model", model);
	bool whole = raw && !with.oom && !b.oom;
	buf_free(&with);
	return whole ? buf_detach(&b, NULL) : (buf_free(&b), NULL);
}

/* The body sent to an OpenAI-compatible provider: the client's, with the provider's
 * name of the model, and - with add_usage: a chat completion streamed without the
 * client's stream_options - stream_options.include_usage, so that the record has the
 * provider's token counts (the usage chunk is then not passed on: the client did not
 * ask for it). The text
 * is edited in place (core/jsonedit.c). A body whose "model" key is spelled with escapes
 * ("mod\u0065l"), which the in-place edit does not see, is printed anew from what
 * was parsed instead, so the provider never gets the client's name of the model.
 * Duplicate keys were refused when it was parsed. */
char *api_forward_body(http_req *r, json_t *req, const char *prov_model, bool add_usage)
{
	const char *raw = r->body.data;
	size_t len = r->body.len, a, e;
	if (!raw || !jsonedit_member(raw, len, "model", &a, &e)) {
		json_t *copy = json_copy(req); /* shallow: only top-level members change */
		if (!copy || json_object_set_new(copy, "model", json_string(prov_model)) < 0 ||
		    (add_usage && json_object_set_new(copy, "stream_options", json_pack("{s:b}", "include_usage", 1)) < 0)) {
			json_decref(copy);
			return NULL;
		}
		char *out = json_dumps(copy, JSON_COMPACT | JSON_REAL_PRECISION(17));
		json_decref(copy);
		return out;
	}
	return api_json_forward_body(raw, len, add_usage, prov_model);
}

static char *anthropic_body(http_req *r, json_t *req, struct api_call *c)
{
	char err[300] = "", param[128] = "";
	json_t *out = llm_anthropic_request(req, c->prov_model, err, sizeof err, param, sizeof param);
	if (!out) {
		api_bad(r, *param ? param : NULL, *err ? err : "The request cannot be sent to this model.");
		return NULL;
	}
	char *s = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(out);
	if (!s)
		http_error(r, 500, "Out of memory.");
	return s;
}

/* Whether the request names a conversation the user may add to; answered when not. */
static bool conversation_ok(http_req *r, db *d, struct api_call *c)
{
	const char *id = http_header(r, "X-Conversation-Id");
	if (!id)
		return true;
	if (!uuid_shaped(id, strlen(id))) {
		api_bad(r, "X-Conversation-Id", "X-Conversation-Id must be a UUID (8-4-4-4-12 hexadecimal digits).");
		return false;
	}
	int64_t owner;
	int rc = conv_owner(d, id, &owner);
	if (rc < 0) {
		http_error(r, 500, "The database cannot be reached.");
		return false;
	}
	if (rc == 1 && owner != visitor(r)->user_id) {
		error_api(r, 404, "invalid_request_error", "conversation_not_found", "X-Conversation-Id",
			      "No conversation of yours has this X-Conversation-Id.");
		return false;
	}
	snprintf(c->rec.uuid, sizeof c->rec.uuid, "%s", id);
	str_lower(c->rec.uuid);
	return true;
}

/* The question's part of the record: the last user message, the whole body, the
 * parameters as sent. */
static void record_question(http_req *r, json_t *req, struct api_call *c, buf *last)
{
	struct message *q = &c->q;
	snprintf(q->source, sizeof q->source, "api");
	q->content = buf_detach(last, NULL);
	if (!q->content)
		q->content = xstrdup("");
	q->request_json = r->body.data ? buf_detach(&r->body, NULL) : xstrdup(""); /* moved, not copied */
	json_t *mt = json_object_get(req, "max_completion_tokens");
	if (!json_is_integer(mt))
		mt = json_object_get(req, "max_tokens");
	if (json_is_integer(mt))
		q->max_tokens = json_integer_value(mt);
	if (json_is_number(json_object_get(req, "temperature")))
		q->temperature = json_number_value(json_object_get(req, "temperature"));
	if (json_is_number(json_object_get(req, "top_p")))
		q->top_p = json_number_value(json_object_get(req, "top_p"));
	if (json_is_integer(json_object_get(req, "top_k")))
		q->top_k = json_integer_value(json_object_get(req, "top_k"));
	utf8_title(c->title, sizeof c->title, q->content);
}

static bool check(http_req *r, json_t *req, buf *last)
{
	double d;
	json_t *stream = json_object_get(req, "stream");
	if (stream && !json_is_boolean(stream) && !json_is_null(stream)) {
		api_bad(r, "stream", "'stream' must be true or false.");
		return false;
	}
	if (!json_is_string(json_object_get(req, "model"))) {
		api_bad(r, "model", "'model' must name a model (GET /v1/models lists them).");
		return false;
	}
	return api_number_in(r, req, "temperature", 0, 2, false, &d) && api_number_in(r, req, "top_p", 0, 1, false, &d) &&
	       api_number_in(r, req, "top_k", 0, 100, true, &d) && api_number_in(r, req, "max_tokens", 1, 1e18, true, &d) &&
	       api_number_in(r, req, "max_completion_tokens", 1, 1e18, true, &d) &&
	       check_messages(r, json_object_get(req, "messages"), last);
}

json_t *api_body_object(http_req *r)
{
	json_error_t je;
	/* Duplicate keys refused: the member checked here must be the one the provider reads. */
	json_t *req = json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &je);
	if (json_is_object(req))
		return req;
	char msg[300];
	snprintf(msg, sizeof msg, "The body must be a JSON object (%s).", req ? "it is not an object" : je.text);
	api_bad(r, NULL, msg);
	json_decref(req);
	return NULL;
}

void page_api_chat(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	json_t *req = api_body_object(r);
	if (!req)
		return;
	buf last = BUF_INIT;
	struct api_call *c = NULL;
	char *body = NULL;
	if (!check(r, req, &last))
		goto done;
	if (last.oom) {
		/* The question for the record, cut short: it would be recorded wrong. */
		http_error(r, 500, "Out of memory.");
		goto done;
	}
	const char *name = json_string_value(json_object_get(req, "model")), *prov_model;
	const struct llm_provider *p = llm_resolve(name, &prov_model);
	if (!p) {
		if (llm_kind_resolve(LLM_EMBEDDING, name, &prov_model))
			api_wrong_kind(r, name, "an embedding model: POST /v1/embeddings uses it");
		else
			api_model_not_found(r, name);
		goto done;
	}
	if (!(c = api_call_new(p, visitor(r)->user_id))) {
		http_error(r, 500, "Out of memory.");
		goto done;
	}
	c->prov_model = prov_model;
	c->client_model = xstrdup(name);
	c->stream = json_is_true(json_object_get(req, "stream"));
	c->anthropic = p->type == LLM_ANTHROPIC;
	c->usage_asked = json_is_true(json_object_get(json_object_get(req, "stream_options"), "include_usage"));
	char rnd[32];
	rand_token(rnd, sizeof rnd, 18);
	snprintf(c->cmpl_id, sizeof c->cmpl_id, "chatcmpl-%s", rnd);
	if (!conversation_ok(r, d, c))
		goto done;
	body = c->anthropic ? anthropic_body(r, req, c)
			    : api_forward_body(r, req, c->prov_model, c->stream && !json_object_get(req, "stream_options"));
	record_question(r, req, c, &last);
	api_call_run(r, c, body, NULL);
	c = NULL;
done:
	free(body);
	buf_free(&last);
	json_decref(req);
	if (c)
		call_unref(&c->call);
}
