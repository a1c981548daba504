/* anthropic_translate.c - OpenAI Chat Completions <-> Anthropic Messages, both
 * ways, as pure functions on JSON (anthropic_translate.h; the table of what maps to
 * what is docs/api-anthropic.md). The rule throughout: a field is translated, or
 * accepted because its value is OpenAI's default (so nothing is lost by not
 * sending it), or refused with its path. A field set to null counts as absent, as
 * in OpenAI's API. */
#include "anthropic_translate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "llm_impl.h"
#include "translate.h"

/* ------------------------------------------------------------------ request */

static json_t *text_block(const char *s, size_t len)
{
	return json_pack("{s:s, s:s%}", "type", "text", "text", s, len);
}

/* Anthropic's image source for an OpenAI image_url: a data: URL in one of the four
 * image types Anthropic reads becomes a base64 source, an http(s) URL a url source. */
static json_t *image_block(struct llm_refusal *q, const char *url, size_t i, size_t j)
{
	static const char *const types[] = {"image/jpeg", "image/png", "image/gif", "image/webp"};
	if (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0)
		return json_pack("{s:s, s:{s:s, s:s}}", "type", "image", "source", "type", "url", "url", url);
	if (strncmp(url, "data:", 5) == 0) {
		for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
			size_t n = strlen(types[t]);
			if (strncmp(url + 5, types[t], n) == 0 && strncmp(url + 5 + n, ";base64,", 8) == 0 && url[13 + n])
				return json_pack("{s:s, s:{s:s, s:s, s:s}}", "type", "image", "source", "type", "base64",
						 "media_type", types[t], "data", url + 13 + n);
		}
		return llm_refuse_at(q, "an image data: URL must be base64 image/jpeg, image/png, image/gif or image/webp",
				 "messages[%zu].content[%zu].image_url.url", i, j);
	}
	return llm_refuse_at(q, "an image URL must be https://, http:// or a data: URL", "messages[%zu].content[%zu].image_url.url",
			 i, j);
}

/* The content of message i (a string or an array of parts) appended to blocks as
 * Anthropic content blocks; images only where images is set (user turns). Empty
 * texts are left out: Anthropic refuses empty text blocks, and they carry nothing. */
static int content_blocks(struct llm_refusal *q, json_t *content, size_t i, bool images, json_t *blocks)
{
	if (json_is_string(content)) {
		if (json_string_length(content))
			json_array_append_new(blocks, text_block(json_string_value(content), json_string_length(content)));
		return 0;
	}
	if (!json_is_array(content)) {
		llm_refuse_at(q, "content must be a string or an array of content parts", "messages[%zu].content", i);
		return -1;
	}
	size_t j;
	json_t *part;
	json_array_foreach(content, j, part) {
		const char *type = json_string_value(json_object_get(part, "type"));
		if (!type) {
			llm_refuse_at(q, "a content part needs a type", "messages[%zu].content[%zu].type", i, j);
			return -1;
		}
		if (strcmp(type, "text") == 0) {
			static const char *const allowed[] = {"type", "text", NULL};
			json_t *text = json_object_get(part, "text");
			const char *extra = llm_unknown_key(part, allowed);
			if (extra) {
				llm_refuse_at(q, "this field of a text part cannot be sent to an Anthropic model",
					  "messages[%zu].content[%zu].%s", i, j, extra);
				return -1;
			}
			if (!json_is_string(text)) {
				llm_refuse_at(q, "a text part needs a text string", "messages[%zu].content[%zu].text", i, j);
				return -1;
			}
			if (json_string_length(text))
				json_array_append_new(blocks, text_block(json_string_value(text), json_string_length(text)));
		} else if (strcmp(type, "image_url") == 0 && images) {
			static const char *const allowed[] = {"type", "image_url", NULL}, *const inner[] = {"url", "detail", NULL};
			json_t *img = json_object_get(part, "image_url");
			const char *extra = llm_unknown_key(part, allowed);
			if (extra) {
				llm_refuse_at(q, "this field of an image part cannot be sent to an Anthropic model",
					  "messages[%zu].content[%zu].%s", i, j, extra);
				return -1;
			}
			if (!json_is_object(img) || !json_is_string(json_object_get(img, "url"))) {
				llm_refuse_at(q, "an image_url part needs image_url.url", "messages[%zu].content[%zu].image_url", i, j);
				return -1;
			}
			/* detail (auto, low, high) is a resolution hint OpenAI bills by; Anthropic
			 * has no such knob, and the answer is about the same image either way. */
			if ((extra = llm_unknown_key(img, inner))) {
				llm_refuse_at(q, "this field of image_url cannot be sent to an Anthropic model",
					  "messages[%zu].content[%zu].image_url.%s", i, j, extra);
				return -1;
			}
			json_t *b = image_block(q, json_string_value(json_object_get(img, "url")), i, j);
			if (!b)
				return -1;
			json_array_append_new(blocks, b);
		} else {
			llm_refuse_at(q, "this content part type cannot be sent to an Anthropic model",
				  "messages[%zu].content[%zu].type", i, j);
			return -1;
		}
	}
	return 0;
}

/* Appends the blocks of one turn to msgs, merged into the previous turn when it has
 * the same role: Anthropic requires user and assistant to alternate. */
static void push_turn(json_t *msgs, const char *role, json_t *blocks)
{
	if (json_array_size(blocks) == 0) {
		json_decref(blocks);
		return;
	}
	json_t *last = json_array_get(msgs, json_array_size(msgs) - 1);
	if (last && strcmp(json_string_value(json_object_get(last, "role")), role) == 0) {
		json_array_extend(json_object_get(last, "content"), blocks);
		json_decref(blocks);
		return;
	}
	json_array_append_new(msgs, json_pack("{s:s, s:o}", "role", role, "content", blocks));
}

/* assistant tool_calls -> tool_use blocks, the arguments (a JSON string) parsed. */
static int tool_uses(struct llm_refusal *q, json_t *calls, size_t i, json_t *blocks)
{
	if (!json_is_array(calls))
		return llm_refuse_at(q, "tool_calls must be an array", "messages[%zu].tool_calls", i), -1;
	size_t k;
	json_t *c;
	json_array_foreach(calls, k, c) {
		static const char *const allowed[] = {"id", "type", "function", NULL}, *const fn_allowed[] = {"name", "arguments", NULL};
		const char *extra = llm_unknown_key(c, allowed);
		if (!json_is_object(c) || extra)
			return llm_refuse_at(q, "this field of a tool call cannot be sent to an Anthropic model",
					 "messages[%zu].tool_calls[%zu]%s%s", i, k, extra ? "." : "", extra ? extra : ""), -1;
		json_t *type = llm_get(c, "type"), *fn = json_object_get(c, "function");
		if (type && !(json_is_string(type) && strcmp(json_string_value(type), "function") == 0))
			return llm_refuse_at(q, "only function tool calls can be sent to an Anthropic model",
					 "messages[%zu].tool_calls[%zu].type", i, k), -1;
		if (!json_is_string(json_object_get(c, "id")))
			return llm_refuse_at(q, "a tool call needs an id", "messages[%zu].tool_calls[%zu].id", i, k), -1;
		if (!json_is_object(fn) || !json_is_string(json_object_get(fn, "name")))
			return llm_refuse_at(q, "a tool call needs function.name", "messages[%zu].tool_calls[%zu].function", i, k), -1;
		if ((extra = llm_unknown_key(fn, fn_allowed)))
			return llm_refuse_at(q, "this field of a tool call cannot be sent to an Anthropic model",
					 "messages[%zu].tool_calls[%zu].function.%s", i, k, extra), -1;
		json_t *args = llm_get(fn, "arguments");
		json_t *input;
		if (!args || (json_is_string(args) && json_string_length(args) == 0)) {
			input = json_object(); /* a call without arguments: some models write "" */
		} else {
			input = json_is_string(args) ? json_loadb(json_string_value(args), json_string_length(args), 0, NULL) : NULL;
			if (!json_is_object(input)) {
				json_decref(input);
				return llm_refuse_at(q, "the arguments of a tool call must be a JSON object in a string",
						 "messages[%zu].tool_calls[%zu].function.arguments", i, k), -1;
			}
		}
		json_array_append_new(blocks, json_pack("{s:s, s:O, s:O, s:o}", "type", "tool_use", "id", json_object_get(c, "id"),
							"name", json_object_get(fn, "name"), "input", input));
	}
	return 0;
}

/* The messages: system and developer to the top-level system, tool results into
 * user turns, same-role turns merged. */
static int messages(struct llm_refusal *q, json_t *in, json_t *body)
{
	if (!json_is_array(in) || json_array_size(in) == 0)
		return llm_refuse_at(q, "messages must be a non-empty array", "messages"), -1;
	json_t *msgs = json_array();
	json_object_set_new(body, "messages", msgs);
	buf system = BUF_INIT;
	size_t i;
	json_t *m;
	json_array_foreach(in, i, m) {
		const char *role = json_string_value(json_object_get(m, "role"));
		if (!json_is_object(m) || !role)
			return buf_free(&system), llm_refuse_at(q, "a message needs a role", "messages[%zu].role", i), -1;
		json_t *content = llm_get(m, "content");
		bool sys = strcmp(role, "system") == 0 || strcmp(role, "developer") == 0;
		bool assistant = strcmp(role, "assistant") == 0, tool = strcmp(role, "tool") == 0;
		if (!sys && !assistant && !tool && strcmp(role, "user") != 0)
			return buf_free(&system),
			       llm_refuse_at(q, "this role cannot be sent to an Anthropic model", "messages[%zu].role", i), -1;
		static const char *const plain[] = {"role", "content", NULL},
					 *const asst[] = {"role", "content", "tool_calls", NULL},
					 *const toolk[] = {"role", "content", "tool_call_id", NULL};
		const char *extra = llm_unknown_key(m, assistant ? asst : tool ? toolk : plain);
		if (extra)
			return buf_free(&system),
			       llm_refuse_at(q, "this message field cannot be sent to an Anthropic model", "messages[%zu].%s", i, extra),
			       -1;
		json_t *blocks = json_array();
		if (content && content_blocks(q, content, i, strcmp(role, "user") == 0, blocks) < 0)
			return json_decref(blocks), buf_free(&system), -1;
		if (sys) {
			size_t j;
			json_t *b;
			json_array_foreach(blocks, j, b)
				buf_printf(&system, "%s%s", system.len ? "\n\n" : "", json_string_value(json_object_get(b, "text")));
			json_decref(blocks);
		} else if (tool) {
			json_t *id = json_object_get(m, "tool_call_id");
			if (!json_is_string(id))
				return json_decref(blocks), buf_free(&system),
				       llm_refuse_at(q, "a tool message needs tool_call_id", "messages[%zu].tool_call_id", i), -1;
			json_t *res = json_pack("{s:s, s:O}", "type", "tool_result", "tool_use_id", id);
			if (json_is_string(content) && json_array_size(blocks))
				json_object_set(res, "content", content);
			else if (json_array_size(blocks))
				json_object_set(res, "content", blocks);
			json_decref(blocks);
			push_turn(msgs, "user", json_pack("[o]", res));
		} else {
			json_t *calls = assistant ? llm_get(m, "tool_calls") : NULL;
			if (calls && tool_uses(q, calls, i, blocks) < 0)
				return json_decref(blocks), buf_free(&system), -1;
			push_turn(msgs, role, blocks);
		}
	}
	if (system.oom)
		return buf_free(&system), llm_refuse_at(q, "out of memory", "%s", ""), -1;
	if (system.len)
		json_object_set_new(body, "system", json_string(system.data));
	buf_free(&system);
	if (json_array_size(msgs) == 0)
		return llm_refuse_at(q, "messages must hold at least one user or assistant message with content", "messages"), -1;
	/* A turn of one text block is sent as a plain string, as the web form does. */
	json_array_foreach(msgs, i, m) {
		json_t *c = json_object_get(m, "content");
		json_t *b = json_array_get(c, 0);
		if (json_array_size(c) == 1 && strcmp(json_string_value(json_object_get(b, "type")), "text") == 0)
			json_object_set(m, "content", json_object_get(b, "text"));
	}
	return 0;
}

static int tools(struct llm_refusal *q, json_t *in, json_t *body)
{
	if (!json_is_array(in))
		return llm_refuse_at(q, "tools must be an array", "tools"), -1;
	json_t *out = json_array();
	/* An empty list is no tools (and tool_choice is then refused, as without). */
	if (json_array_size(in))
		json_object_set_new(body, "tools", out);
	else
		json_decref(out);
	size_t i;
	json_t *t;
	json_array_foreach(in, i, t) {
		static const char *const allowed[] = {"type", "function", NULL},
					 *const fn_allowed[] = {"name", "description", "parameters", "strict", NULL};
		const char *type = json_string_value(json_object_get(t, "type"));
		if (!type || strcmp(type, "function") != 0)
			return llm_refuse_at(q, "only function tools can be sent to an Anthropic model", "tools[%zu].type", i), -1;
		const char *extra = llm_unknown_key(t, allowed);
		if (extra)
			return llm_refuse_at(q, "this tool field cannot be sent to an Anthropic model", "tools[%zu].%s", i, extra), -1;
		json_t *fn = json_object_get(t, "function");
		if (!json_is_object(fn) || !json_is_string(json_object_get(fn, "name")))
			return llm_refuse_at(q, "a function tool needs function.name", "tools[%zu].function.name", i), -1;
		if ((extra = llm_unknown_key(fn, fn_allowed)))
			return llm_refuse_at(q, "this tool field cannot be sent to an Anthropic model", "tools[%zu].function.%s", i,
					 extra), -1;
		/* strict: true promises output that matches the schema exactly; Anthropic's
		 * Messages API makes no such promise, so only false passes. */
		json_t *strict = llm_get(fn, "strict");
		if (strict && !json_is_false(strict))
			return llm_refuse_at(q, "strict schema adherence is not available for Anthropic models",
					 "tools[%zu].function.strict", i), -1;
		json_t *desc = llm_get(fn, "description"), *params = llm_get(fn, "parameters");
		if (desc && !json_is_string(desc))
			return llm_refuse_at(q, "description must be a string", "tools[%zu].function.description", i), -1;
		if (params && !json_is_object(params))
			return llm_refuse_at(q, "parameters must be a JSON Schema object", "tools[%zu].function.parameters", i), -1;
		/* OpenAI allows a function without parameters; Anthropic requires a schema:
		 * the empty object schema says the same. */
		json_t *tool = json_pack("{s:O, s:o}", "name", json_object_get(fn, "name"), "input_schema",
					 params ? json_incref(params) : json_pack("{s:s, s:{}}", "type", "object", "properties"));
		if (desc)
			json_object_set(tool, "description", desc);
		json_array_append_new(out, tool);
	}
	return 0;
}

/* tool_choice and parallel_tool_calls, which Anthropic folds into one object. */
static int tool_choice(struct llm_refusal *q, const json_t *in, json_t *body)
{
	json_t *choice = llm_get(in, "tool_choice"), *parallel = llm_get(in, "parallel_tool_calls");
	if (parallel && !json_is_boolean(parallel))
		return llm_refuse_at(q, "parallel_tool_calls must be a boolean", "parallel_tool_calls"), -1;
	if (!json_object_get(body, "tools")) {
		if (choice)
			return llm_refuse_at(q, "tool_choice is only allowed when tools are given", "tool_choice"), -1;
		return 0; /* parallel_tool_calls means nothing without tools, as at OpenAI */
	}
	json_t *out = NULL;
	const char *s = json_string_value(choice);
	if (!choice || (s && strcmp(s, "auto") == 0)) {
		out = json_pack("{s:s}", "type", "auto");
	} else if (s && strcmp(s, "required") == 0) {
		out = json_pack("{s:s}", "type", "any");
	} else if (s && strcmp(s, "none") == 0) {
		json_object_set_new(body, "tool_choice", json_pack("{s:s}", "type", "none"));
		return 0;
	} else if (json_is_object(choice) && json_is_string(json_object_get(choice, "type")) &&
		   strcmp(json_string_value(json_object_get(choice, "type")), "function") == 0) {
		json_t *name = json_object_get(json_object_get(choice, "function"), "name");
		if (!json_is_string(name))
			return llm_refuse_at(q, "tool_choice needs function.name", "tool_choice.function.name"), -1;
		out = json_pack("{s:s, s:O}", "type", "tool", "name", name);
	} else {
		return llm_refuse_at(q, "tool_choice must be none, auto, required or a function", "tool_choice"), -1;
	}
	if (json_is_false(parallel))
		json_object_set_new(out, "disable_parallel_tool_use", json_true());
	/* auto without parallel_tool_calls:false is Anthropic's default: not sent. */
	if (choice || json_object_size(out) > 1)
		json_object_set_new(body, "tool_choice", out);
	else
		json_decref(out);
	return 0;
}

static int stop(struct llm_refusal *q, json_t *in, json_t *body)
{
	json_t *seqs = json_array();
	if (json_is_string(in)) {
		json_array_append(seqs, in);
	} else if (json_is_array(in)) {
		size_t i;
		json_t *s;
		json_array_foreach(in, i, s) {
			if (!json_is_string(s))
				return json_decref(seqs), llm_refuse_at(q, "a stop sequence must be a string", "stop[%zu]", i), -1;
			json_array_append(seqs, s);
		}
	} else {
		return json_decref(seqs), llm_refuse_at(q, "stop must be a string or an array of strings", "stop"), -1;
	}
	if (json_array_size(seqs))
		json_object_set_new(body, "stop_sequences", seqs);
	else
		json_decref(seqs);
	return 0;
}

/* A number field in [lo, hi], copied as it came (so 0.7 stays 0.7). */
static int number(struct llm_refusal *q, const json_t *in, json_t *body, const char *key, double lo, double hi, const char *why)
{
	json_t *v = llm_get(in, key);
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s must be a number from %g to %g%s", key, lo, hi, why);
		return llm_refuse_at(q, msg, "%s", key), -1;
	}
	json_object_set(body, key, v);
	return 0;
}

static int max_tokens(struct llm_refusal *q, const json_t *in, json_t *body)
{
	json_t *mt = llm_get(in, "max_tokens"), *mct = llm_get(in, "max_completion_tokens");
	if (mt && mct)
		return llm_refuse_at(q, "give max_tokens or max_completion_tokens, not both", "max_tokens"), -1;
	json_t *v = mt ? mt : mct;
	if (!v) {
		json_object_set_new(body, "max_tokens", json_integer(LLM_ANTHROPIC_DEFAULT_MAX_TOKENS));
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return llm_refuse_at(q, "must be a positive integer", "%s", mt ? "max_tokens" : "max_completion_tokens"), -1;
	json_object_set(body, "max_tokens", v);
	return 0;
}

/* Fields Anthropic has no equivalent for, accepted only at OpenAI's default value
 * (the value that asks for nothing), refused otherwise. */
static int defaults_only(struct llm_refusal *q, const json_t *in)
{
	json_t *v;
	if ((v = llm_get(in, "n")) && !(json_is_integer(v) && json_integer_value(v) == 1))
		return llm_refuse_at(q, "Anthropic models give one choice per call: n must be 1", "n"), -1;
	if ((v = llm_get(in, "logprobs")) && !json_is_false(v))
		return llm_refuse_at(q, "Anthropic models do not report log probabilities", "logprobs"), -1;
	if ((v = llm_get(in, "top_logprobs")) && !(json_is_integer(v) && json_integer_value(v) == 0))
		return llm_refuse_at(q, "Anthropic models do not report log probabilities", "top_logprobs"), -1;
	if ((v = llm_get(in, "seed")))
		return llm_refuse_at(q, "Anthropic models take no seed", "seed"), -1;
	if ((v = llm_get(in, "logit_bias")) && !(json_is_object(v) && json_object_size(v) == 0))
		return llm_refuse_at(q, "Anthropic models take no logit_bias", "logit_bias"), -1;
	static const char *const penalties[] = {"presence_penalty", "frequency_penalty"};
	for (size_t i = 0; i < 2; i++)
		if ((v = llm_get(in, penalties[i])) && !(json_is_number(v) && json_number_value(v) == 0))
			return llm_refuse_at(q, "Anthropic models take no presence or frequency penalty", "%s", penalties[i]), -1;
	if ((v = llm_get(in, "response_format"))) {
		const char *type = json_string_value(json_object_get(v, "type"));
		if (!json_is_object(v) || !type || strcmp(type, "text") != 0 || json_object_size(v) != 1)
			return llm_refuse_at(q, "Anthropic's Messages API has no JSON mode or JSON schema output: only "
					    "response_format {\"type\":\"text\"} can be sent",
					 "response_format"), -1;
	}
	if ((v = llm_get(in, "store")) && !json_is_false(v))
		return llm_refuse_at(q, "stored completions are OpenAI's: store must be false", "store"), -1;
	return 0;
}

static int stream_fields(struct llm_refusal *q, const json_t *in, json_t *body)
{
	json_t *st = llm_get(in, "stream"), *opts = llm_get(in, "stream_options");
	if (st && !json_is_boolean(st))
		return llm_refuse_at(q, "stream must be a boolean", "stream"), -1;
	if (json_is_true(st))
		json_object_set_new(body, "stream", json_true());
	if (opts) {
		static const char *const allowed[] = {"include_usage", "include_obfuscation", NULL};
		if (!json_is_object(opts))
			return llm_refuse_at(q, "stream_options must be an object", "stream_options"), -1;
		const char *extra = llm_unknown_key(opts, allowed);
		if (extra)
			return llm_refuse_at(q, "this stream option cannot be honoured for an Anthropic model", "stream_options.%s",
					 extra), -1;
		json_t *u = llm_get(opts, "include_usage");
		if (u && !json_is_boolean(u))
			return llm_refuse_at(q, "include_usage must be a boolean", "stream_options.include_usage"), -1;
	}
	return 0;
}

static int user(struct llm_refusal *q, const json_t *in, json_t *body)
{
	json_t *u = llm_get(in, "user"), *sid = llm_get(in, "safety_identifier");
	if ((u && !json_is_string(u)) || (sid && !json_is_string(sid)))
		return llm_refuse_at(q, "must be a string", "%s", u && !json_is_string(u) ? "user" : "safety_identifier"), -1;
	if (u && sid && !json_equal(u, sid))
		return llm_refuse_at(q, "user and safety_identifier both map to Anthropic's metadata.user_id: give one",
				 "safety_identifier"), -1;
	json_t *id = u ? u : sid;
	if (id)
		json_object_set_new(body, "metadata", json_pack("{s:O}", "user_id", id));
	return 0;
}

json_t *llm_anthropic_request(const json_t *in, const char *model, char *err, size_t errlen, char *param,
			      size_t paramlen)
{
	struct llm_refusal q = {err, param, errlen, paramlen, false};
	if (errlen)
		err[0] = '\0';
	if (paramlen)
		param[0] = '\0';
	if (!json_is_object(in))
		return llm_refuse_at(&q, "the request body must be a JSON object", "%s", "");
	static const char *const known[] = {
		"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "stream",
		"stream_options", "stop", "n", "user", "safety_identifier", "tools", "tool_choice", "parallel_tool_calls",
		"response_format", "logprobs", "top_logprobs", "seed", "logit_bias", "presence_penalty",
		"frequency_penalty", "store", NULL};
	const char *extra = llm_unknown_key(in, known);
	if (extra)
		return llm_refuse_at(&q, "this parameter cannot be translated for an Anthropic model", "%s", extra);
	json_t *body = json_pack("{s:s}", "model", model ? model : "");
	if (!body)
		return llm_refuse_at(&q, "out of memory", "%s", "");
	json_t *t = llm_get(in, "tools");
	if (messages(&q, json_object_get(in, "messages"), body) < 0 || max_tokens(&q, in, body) < 0 ||
	    (t && tools(&q, t, body) < 0) || tool_choice(&q, in, body) < 0 ||
	    (llm_get(in, "stop") && stop(&q, llm_get(in, "stop"), body) < 0) ||
	    number(&q, in, body, "temperature", 0, 1, " for Anthropic models (OpenAI's 1 to 2 has no equivalent)") < 0 ||
	    number(&q, in, body, "top_p", 0, 1, "") < 0 || defaults_only(&q, in) < 0 || stream_fields(&q, in, body) < 0 ||
	    user(&q, in, body) < 0) {
		json_decref(body);
		return NULL;
	}
	json_t *k = llm_get(in, "top_k");
	if (k) {
		if (!json_is_integer(k) || json_integer_value(k) < 0) {
			json_decref(body);
			return llm_refuse_at(&q, "top_k must be a non-negative integer", "top_k");
		}
		json_object_set(body, "top_k", k);
	}
	return body;
}

/* --------------------------------------------------------------- responses */

/* Anthropic's stop_reason in OpenAI's words. refusal is Anthropic's classifier
 * stopping the answer, OpenAI's content_filter; pause_turn and anything new ends
 * the turn. */
static const char *finish_reason(const char *r)
{
	if (!r)
		return NULL;
	if (strcmp(r, "max_tokens") == 0 || strcmp(r, "model_context_window_exceeded") == 0)
		return "length";
	if (strcmp(r, "tool_use") == 0)
		return "tool_calls";
	if (strcmp(r, "refusal") == 0)
		return "content_filter";
	return "stop";
}

/* Token counts as Anthropic reports them; -1 where absent (or garbage), else
 * 0..LLM_COUNT_MAX. */
struct tokens {
	int64_t in, cache_create, cache_read, out;
};

static void read_usage(struct tokens *t, const json_t *u)
{
	static const char *const keys[] = {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
					   "output_tokens"};
	int64_t *dst[] = {&t->in, &t->cache_create, &t->cache_read, &t->out};
	for (size_t i = 0; i < 4; i++) {
		llm_count(json_object_get(u, keys[i]), dst[i]);
	}
}

/* OpenAI's prompt tokens: everything the model read, cached or not (OpenAI counts
 * cached tokens in prompt_tokens too, and reports them apart as cached_tokens). */
static int64_t prompt_tokens(const struct tokens *t)
{
	if (t->in < 0)
		return -1;
	/* Each within LLM_COUNT_MAX (read_usage): the sums cannot overflow. */
	return t->in + (t->cache_create > 0 ? t->cache_create : 0) + (t->cache_read > 0 ? t->cache_read : 0);
}

static json_t *usage_json(const struct tokens *t)
{
	int64_t p = prompt_tokens(t), c = t->out;
	if (p < 0)
		p = 0;
	if (c < 0)
		c = 0;
	return json_pack("{s:I, s:I, s:I, s:{s:I}}", "prompt_tokens", (json_int_t)p, "completion_tokens", (json_int_t)c,
			 "total_tokens", (json_int_t)(p + c), "prompt_tokens_details", "cached_tokens",
			 (json_int_t)(t->cache_read > 0 ? t->cache_read : 0));
}

static json_t *tool_call_json(json_t *id, json_t *name, const char *args, size_t len)
{
	return json_pack("{s:O, s:s, s:{s:O, s:s%}}", "id", id, "type", "function", "function", "name", name, "arguments",
			 args, len);
}

json_t *llm_anthropic_response(const json_t *resp, const char *model, const char *id, int64_t created)
{
	json_t *content = json_object_get(resp, "content");
	if (!json_is_array(content))
		return NULL;
	buf text = BUF_INIT;
	json_t *calls = json_array();
	size_t i;
	json_t *b;
	json_array_foreach(content, i, b) {
		const char *type = json_string_value(json_object_get(b, "type"));
		if (!type)
			continue;
		if (strcmp(type, "text") == 0 && json_is_string(json_object_get(b, "text"))) {
			json_t *t = json_object_get(b, "text");
			buf_append(&text, json_string_value(t), json_string_length(t));
		} else if (strcmp(type, "tool_use") == 0 && json_is_string(json_object_get(b, "id")) &&
			   json_is_string(json_object_get(b, "name"))) {
			json_t *input = json_object_get(b, "input");
			char *args = input ? json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
			json_array_append_new(calls, tool_call_json(json_object_get(b, "id"), json_object_get(b, "name"),
								    args ? args : "{}", args ? strlen(args) : 2));
			free(args);
		}
		/* Thinking and server-tool blocks are not asked for (no field maps to them)
		 * and have no place in a chat.completion: left out. */
	}
	json_t *msg = json_pack("{s:s, s:n}", "role", "assistant", "refusal");
	if (text.len)
		json_object_set_new(msg, "content", json_stringn(text.data, text.len));
	else
		json_object_set_new(msg, "content", json_array_size(calls) ? json_null() : json_string(""));
	buf_free(&text);
	if (json_array_size(calls))
		json_object_set_new(msg, "tool_calls", calls);
	else
		json_decref(calls);
	const char *fr = finish_reason(json_string_value(json_object_get(resp, "stop_reason")));
	json_t *out = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:o, s:n, s:s}]}", "id", id ? id : "", "object",
				"chat.completion", "created", (json_int_t)created, "model", model ? model : "", "choices",
				"index", 0, "message", msg, "logprobs", "finish_reason", fr ? fr : "stop");
	json_t *u = json_object_get(resp, "usage");
	if (out && json_is_object(u)) {
		struct tokens t = {-1, -1, -1, -1};
		read_usage(&t, u);
		json_object_set_new(out, "usage", usage_json(&t));
	}
	return out;
}

/* ----------------------------------------------------------------- streams */

enum block_kind { BLOCK_TEXT, BLOCK_TOOL, BLOCK_OTHER };

/* A content block the stream opened: what it is, and for a tool call its place in
 * tool_calls and the arguments so far. */
struct block {
	int64_t index;
	enum block_kind kind;
	bool open;
	size_t tool;  /* index in tool_calls */
	buf args;     /* arguments so far (BLOCK_TOOL) */
	bool synced;  /* args as in tool_calls' JSON */
};

struct llm_anthropic_stream {
	char *model, *id;
	int64_t created;
	bool include_usage, role_sent, finished;
	struct tokens tokens;
	buf text;
	json_t *tool_calls;
	struct block *blocks;
	size_t nblocks, cap;
	char *reported, *finish, *error, *error_type;
	struct llm_anthropic_summary sum;
};

struct llm_anthropic_stream *llm_anthropic_stream_new(const char *model, const char *id, int64_t created,
						      bool include_usage)
{
	struct llm_anthropic_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->model = strdup(model ? model : "");
	s->id = strdup(id ? id : "");
	s->tool_calls = json_array();
	if (!s->model || !s->id || !s->tool_calls) {
		llm_anthropic_stream_free(s);
		return NULL;
	}
	s->created = created;
	s->include_usage = include_usage;
	s->tokens = (struct tokens){-1, -1, -1, -1};
	return s;
}

void llm_anthropic_stream_free(struct llm_anthropic_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nblocks; i++)
		buf_free(&s->blocks[i].args);
	free(s->blocks);
	free(s->model);
	free(s->id);
	free(s->reported);
	free(s->finish);
	free(s->error);
	free(s->error_type);
	buf_free(&s->text);
	json_decref(s->tool_calls);
	free(s);
}

/* A chat.completion.chunk with one choice. */
static json_t *chunk(const struct llm_anthropic_stream *s, json_t *delta, const char *finish)
{
	json_t *c = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:o, s:n, s:o}]}", "id", s->id, "object",
			      "chat.completion.chunk", "created", (json_int_t)s->created, "model", s->model, "choices",
			      "index", 0, "delta", delta, "logprobs", "finish_reason",
			      finish ? json_string(finish) : json_null());
	/* With include_usage OpenAI sends "usage": null in every chunk but the last. */
	if (c && s->include_usage)
		json_object_set_new(c, "usage", json_null());
	return c;
}

/* The role chunk, once, before anything else of the answer. */
static void role(struct llm_anthropic_stream *s, json_t *out)
{
	if (s->role_sent)
		return;
	s->role_sent = true;
	json_array_append_new(out, chunk(s, json_pack("{s:s, s:s}", "role", "assistant", "content", ""), NULL));
}

static void text_out(struct llm_anthropic_stream *s, json_t *t, json_t *out)
{
	if (!json_string_length(t))
		return;
	role(s, out);
	buf_append(&s->text, json_string_value(t), json_string_length(t));
	json_array_append_new(out, chunk(s, json_pack("{s:O}", "content", t), NULL));
}

/* Blocks are kept in the order of their strictly increasing indexes (block_start
 * refuses any other), so a lookup is a binary search: a provider sending a hundred
 * thousand blocks costs no quadratic time. */
static struct block *find_block(struct llm_anthropic_stream *s, int64_t index)
{
	size_t lo = 0, hi = s->nblocks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->blocks[mid].index == index)
			return &s->blocks[mid];
		if (s->blocks[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct block *add_block(struct llm_anthropic_stream *s, int64_t index, enum block_kind kind)
{
	if (s->nblocks == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4;
		struct block *b = realloc(s->blocks, cap * sizeof *b);
		if (!b)
			return NULL;
		s->blocks = b;
		s->cap = cap;
	}
	struct block *b = &s->blocks[s->nblocks++];
	*b = (struct block){.index = index, .kind = kind, .open = true, .synced = true};
	return b;
}

/* An arguments fragment of tool call b, to the client and to the record. */
static void args_out(struct llm_anthropic_stream *s, struct block *b, const char *frag, size_t len, json_t *out)
{
	buf_append(&b->args, frag, len);
	b->synced = false;
	json_array_append_new(out, chunk(s, json_pack("{s:[{s:I, s:{s:s%}}]}", "tool_calls", "index", (json_int_t)b->tool,
						      "function", "arguments", frag, len),
					 NULL));
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? strdup(v) : NULL;
}

static int block_start(struct llm_anthropic_stream *s, json_t *j, json_t *out)
{
	json_t *idx = json_object_get(j, "index"), *cb = json_object_get(j, "content_block");
	const char *type = json_string_value(json_object_get(cb, "type"));
	/* Anthropic numbers blocks 0, 1, 2...: an index not above the last is not its stream. */
	int64_t index;
	if (!llm_count(idx, &index) || !type || (s->nblocks && index <= s->blocks[s->nblocks - 1].index))
		return -1;
	if (strcmp(type, "text") == 0) {
		json_t *t = json_object_get(cb, "text");
		if (t && !json_is_string(t))
			return -1;
		if (!add_block(s, index, BLOCK_TEXT))
			return -1;
		if (t)
			text_out(s, t, out);
	} else if (strcmp(type, "tool_use") == 0) {
		json_t *id = json_object_get(cb, "id"), *name = json_object_get(cb, "name");
		if (!json_is_string(id) || !json_is_string(name))
			return -1;
		struct block *b = add_block(s, index, BLOCK_TOOL);
		if (!b)
			return -1;
		b->tool = json_array_size(s->tool_calls);
		json_array_append_new(s->tool_calls, tool_call_json(id, name, "", 0));
		role(s, out);
		json_array_append_new(out, chunk(s, json_pack("{s:[{s:I, s:O, s:s, s:{s:O, s:s}}]}", "tool_calls", "index",
							      (json_int_t)b->tool, "id", id, "type", "function", "function",
							      "name", name, "arguments", ""),
						 NULL));
	} else if (!add_block(s, index, BLOCK_OTHER)) {
		return -1;
	}
	return 0;
}

static int block_delta(struct llm_anthropic_stream *s, json_t *j, json_t *out)
{
	json_t *idx = json_object_get(j, "index"), *d = json_object_get(j, "delta");
	const char *type = json_string_value(json_object_get(d, "type"));
	struct block *b = json_is_integer(idx) ? find_block(s, json_integer_value(idx)) : NULL;
	if (!b || !b->open || !type)
		return -1;
	if (strcmp(type, "text_delta") == 0) {
		json_t *t = json_object_get(d, "text");
		if (b->kind != BLOCK_TEXT || !json_is_string(t))
			return -1;
		text_out(s, t, out);
	} else if (strcmp(type, "input_json_delta") == 0) {
		json_t *p = json_object_get(d, "partial_json");
		if (b->kind == BLOCK_OTHER)
			return 0; /* a server tool's input: not translated */
		if (b->kind != BLOCK_TOOL || !json_is_string(p))
			return -1;
		if (json_string_length(p))
			args_out(s, b, json_string_value(p), json_string_length(p), out);
	}
	/* thinking_delta, signature_delta, citations_delta and newer: not translated. */
	return 0;
}

static int block_stop(struct llm_anthropic_stream *s, json_t *j, json_t *out)
{
	json_t *idx = json_object_get(j, "index");
	struct block *b = json_is_integer(idx) ? find_block(s, json_integer_value(idx)) : NULL;
	if (!b || !b->open)
		return -1;
	b->open = false;
	/* A tool without parameters streams no input at all; OpenAI clients parse the
	 * arguments as JSON, and "" is not JSON. */
	if (b->kind == BLOCK_TOOL && b->args.len == 0)
		args_out(s, b, "{}", 2, out);
	return 0;
}

static void finish_out(struct llm_anthropic_stream *s, const char *reason, json_t *out)
{
	if (s->finished)
		return;
	s->finished = true;
	set_str(&s->finish, reason);
	role(s, out);
	json_array_append_new(out, chunk(s, json_object(), reason));
}

int llm_anthropic_stream_event(struct llm_anthropic_stream *s, const char *event, const char *data, size_t len,
			       json_t *out)
{
	if (!s || !json_is_array(out))
		return -1;
	if (s->sum.complete)
		return 0; /* nothing after message_stop belongs to this answer */
	json_t *j = json_loadb(data ? data : "", data ? len : 0, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return -1;
	}
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!type)
		type = event ? event : "";
	int rc = 0;
	/* Anthropic sends no content after message_delta's stop_reason: a stream that
	 * does is not one this code understands. */
	if (s->finished && str_starts(type, "content_block_")) {
		json_decref(j);
		return -1;
	}
	if (strcmp(type, "message_start") == 0) {
		json_t *m = json_object_get(j, "message");
		if (!json_is_object(m)) {
			rc = -1;
		} else {
			if (!s->reported && json_is_string(json_object_get(m, "model")))
				set_str(&s->reported, json_string_value(json_object_get(m, "model")));
			read_usage(&s->tokens, json_object_get(m, "usage"));
			role(s, out);
		}
	} else if (strcmp(type, "content_block_start") == 0) {
		rc = block_start(s, j, out);
	} else if (strcmp(type, "content_block_delta") == 0) {
		rc = block_delta(s, j, out);
	} else if (strcmp(type, "content_block_stop") == 0) {
		rc = block_stop(s, j, out);
	} else if (strcmp(type, "message_delta") == 0) {
		json_t *d = json_object_get(j, "delta");
		if (!json_is_object(d)) {
			rc = -1;
		} else {
			/* usage here is cumulative: it replaces what message_start said. */
			read_usage(&s->tokens, json_object_get(j, "usage"));
			const char *r = json_string_value(json_object_get(d, "stop_reason"));
			if (r)
				finish_out(s, finish_reason(r), out);
		}
	} else if (strcmp(type, "message_stop") == 0) {
		finish_out(s, "stop", out); /* a stream that never said why it stopped */
		s->sum.complete = true;
		if (s->include_usage) {
			json_t *u = json_pack("{s:s, s:s, s:I, s:s, s:[], s:o}", "id", s->id, "object", "chat.completion.chunk",
					      "created", (json_int_t)s->created, "model", s->model, "choices", "usage",
					      usage_json(&s->tokens));
			json_array_append_new(out, u);
		}
	} else if (strcmp(type, "error") == 0) {
		json_t *e = json_object_get(j, "error");
		char *msg = json_dumps(j, JSON_COMPACT);
		free(s->error);
		s->error = llm_anthropic_error_message(msg, msg ? strlen(msg) : 0);
		free(msg);
		set_str(&s->error_type,
			json_is_string(json_object_get(e, "type")) ? json_string_value(json_object_get(e, "type")) : "api_error");
		rc = LLM_ANTHROPIC_STREAM_ERROR;
	}
	/* ping, and event types newer than this code: nothing to send. */
	json_decref(j);
	return rc;
}

const struct llm_anthropic_summary *llm_anthropic_stream_summary(const struct llm_anthropic_stream *cs)
{
	/* The stream is always allocated writable (llm_anthropic_stream_new): bringing
	 * the record up to date here, rather than at every fragment, keeps a long tool
	 * call's arguments from being copied once per fragment. */
	struct llm_anthropic_stream *s = (struct llm_anthropic_stream *)cs;
	for (size_t i = 0; i < s->nblocks; i++) {
		struct block *b = &s->blocks[i];
		if (b->kind != BLOCK_TOOL || b->synced)
			continue;
		json_t *fn = json_object_get(json_array_get(s->tool_calls, b->tool), "function");
		json_object_set_new(fn, "arguments", json_stringn(b->args.data ? b->args.data : "", b->args.len));
		b->synced = true;
	}
	s->sum.finish_reason = s->finish;
	s->sum.prompt_tokens = prompt_tokens(&s->tokens);
	s->sum.completion_tokens = s->tokens.out;
	s->sum.cached_tokens = s->tokens.cache_read;
	s->sum.text = s->text.data ? s->text.data : "";
	s->sum.text_len = s->text.len;
	s->sum.tool_calls = s->tool_calls;
	s->sum.model = s->reported;
	s->sum.error = s->error;
	s->sum.error_type = s->error_type;
	return &s->sum;
}

/* ------------------------------------------------------------------ errors */

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Replaces what looks like an API key by "[key]": "sk-" (Anthropic's sk-ant-...,
 * OpenAI's sk-...) followed by key characters, and any run of 32 or more key
 * characters, the shape of a bearer token. */
static void redact(buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t run = 0;
		while (i + run < len && key_char(s[i + run]))
			run++;
		bool at_word = i == 0 || !key_char(s[i - 1]);
		if (at_word && run >= 3 + 8 && strncmp(s + i, "sk-", 3) == 0) {
			buf_puts(out, "[key]");
			i += run;
		} else if (at_word && run >= 32) {
			buf_puts(out, "[key]");
			i += run;
		} else if (run) {
			buf_append(out, s + i, run);
			i += run;
		} else {
			buf_putc(out, s[i++]);
		}
	}
}

/* Longest message passed on from a body that is not Anthropic's error shape (an
 * HTML page from a proxy, say): enough to tell what happened. */
#define RAW_MAX 300

char *llm_anthropic_error_message(const char *body, size_t len)
{
	if (!body)
		len = 0;
	json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	size_t mlen = msg ? json_string_length(json_object_get(e, "message")) : 0;
	if (!msg && json_is_string(e)) {
		msg = json_string_value(e);
		mlen = json_string_length(e);
	}
	if (!msg && json_is_string(json_object_get(j, "message"))) {
		msg = json_string_value(json_object_get(j, "message"));
		mlen = json_string_length(json_object_get(j, "message"));
	}
	buf clean = BUF_INIT, out = BUF_INIT;
	if (msg) {
		utf8_clean(&clean, msg, mlen);
	} else if (len) {
		utf8_clean(&clean, body, len > RAW_MAX ? RAW_MAX : len);
		if (len > RAW_MAX)
			buf_puts(&clean, "...");
	}
	/* Leading and trailing blanks (an HTML body's line breaks) say nothing. */
	char *c = clean.data ? str_trim(clean.data) : NULL;
	if (!c || !*c)
		buf_puts(&out, "the Anthropic provider returned an error without a message");
	else
		redact(&out, c, strlen(c));
	buf_free(&clean);
	json_decref(j);
	if (out.oom) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

int llm_anthropic_error_status(const char *t, const char **openai_type)
{
	static const struct {
		const char *anthropic;
		int status;
		const char *openai;
	} map[] = {
		{"invalid_request_error", 400, "invalid_request_error"},
		{"not_found_error", 404, "invalid_request_error"},
		{"request_too_large", 413, "invalid_request_error"},
		{"rate_limit_error", 429, "rate_limit_error"},
	};
	for (size_t i = 0; t && i < sizeof map / sizeof *map; i++) {
		if (strcmp(t, map[i].anthropic) == 0) {
			if (openai_type)
				*openai_type = map[i].openai;
			return map[i].status;
		}
	}
	/* authentication_error, permission_error (llmmeta's key, not the client's),
	 * api_error, overloaded_error, and types newer than this code. */
	if (openai_type)
		*openai_type = "api_error";
	return 502;
}
