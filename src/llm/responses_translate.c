/* responses_translate.c - OpenAI Responses <-> OpenAI Chat Completions, as pure
 * functions on JSON (responses_translate.h; the table of every field is docs/api.md,
 * "Responses"). The rule is the Anthropic adapter's: a field is translated, or
 * accepted because it asks nothing of the provider (store, metadata: they are
 * llmmeta's to keep), or refused with its path. A field set to null counts as
 * absent, as in OpenAI's API. */
#include "responses_translate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "translate.h"

/* ------------------------------------------------------------------ request */

static bool is(const json_t *v, const char *s) { return json_is_string(v) && strcmp(json_string_value(v), s) == 0; }

/* One content part of input[i], checked and normalised (a new reference), or NULL. */
static json_t *item_part(struct llm_refusal *q, json_t *part, size_t i, size_t j, bool assistant)
{
	const char *type = json_string_value(json_object_get(part, "type"));
	if (!json_is_object(part) || !type)
		return llm_refuse_at(q, "A content part must be an object with a type.", "input[%zu].content[%zu]", i, j);
	if (!strcmp(type, "input_text") || !strcmp(type, "output_text")) {
		if (!json_is_string(json_object_get(part, "text")))
			return llm_refuse_at(q, "A text part needs its text.", "input[%zu].content[%zu].text", i, j);
		return json_pack("{s:s, s:O}", "type", assistant ? "output_text" : "input_text", "text",
				 json_object_get(part, "text"));
	}
	if (assistant)
		return llm_refuse_at(q, "An assistant message holds text only (output_text parts).",
				     "input[%zu].content[%zu].type", i, j);
	if (!strcmp(type, "input_image")) {
		if (llm_get(part, "file_id"))
			return llm_refuse_at(q, "Uploaded files (file_id) are OpenAI's storage, which llmmeta does not have: "
						"send the image as image_url (a data: or https: URL).",
					     "input[%zu].content[%zu].file_id", i, j);
		if (!json_is_string(json_object_get(part, "image_url")))
			return llm_refuse_at(q, "An input_image needs its image_url.", "input[%zu].content[%zu].image_url",
					     i, j);
		json_t *out = json_pack("{s:s, s:O}", "type", "input_image", "image_url", json_object_get(part, "image_url"));
		if (out && json_is_string(json_object_get(part, "detail")))
			json_object_set(out, "detail", json_object_get(part, "detail"));
		return out;
	}
	if (!strcmp(type, "input_file")) {
		if (llm_get(part, "file_id") || llm_get(part, "file_url"))
			return llm_refuse_at(q, "Only a file given inline (file_data) can be sent: file_id and file_url "
						"name OpenAI's storage.",
					     "input[%zu].content[%zu].%s", i, j, llm_get(part, "file_id") ? "file_id" : "file_url");
		if (!json_is_string(json_object_get(part, "file_data")))
			return llm_refuse_at(q, "An input_file needs its file_data.", "input[%zu].content[%zu].file_data", i, j);
		json_t *out = json_pack("{s:s, s:O}", "type", "input_file", "file_data", json_object_get(part, "file_data"));
		if (out && json_is_string(json_object_get(part, "filename")))
			json_object_set(out, "filename", json_object_get(part, "filename"));
		return out;
	}
	return llm_refuse_at(q, "Content parts are input_text, input_image or input_file (output_text in an assistant's).",
			     "input[%zu].content[%zu].type", i, j);
}

static json_t *message_item(struct llm_refusal *q, json_t *it, size_t i)
{
	static const char *const roles[] = {"user", "assistant", "system", "developer"};
	const char *role = json_string_value(json_object_get(it, "role"));
	size_t k = 0;
	while (role && k < 4 && strcmp(role, roles[k]))
		k++;
	if (!role || k == 4)
		return llm_refuse_at(q, "A message's role is user, assistant, system or developer.", "input[%zu].role", i);
	bool assistant = k == 1;
	json_t *content = json_object_get(it, "content"), *parts = json_array();
	if (json_is_string(content)) {
		json_array_append_new(parts, json_pack("{s:s, s:O}", "type", assistant ? "output_text" : "input_text",
						       "text", content));
	} else if (json_is_array(content)) {
		size_t j;
		json_t *part;
		json_array_foreach(content, j, part) {
			json_t *p = item_part(q, part, i, j, assistant);
			if (!p) {
				json_decref(parts);
				return NULL;
			}
			json_array_append_new(parts, p);
		}
	} else {
		json_decref(parts);
		return llm_refuse_at(q, "A message's content is a string or a list of content parts.", "input[%zu].content", i);
	}
	return json_pack("{s:s, s:s, s:o}", "type", "message", "role", role, "content", parts);
}

static json_t *input_item(struct llm_refusal *q, json_t *it, size_t i)
{
	if (!json_is_object(it))
		return llm_refuse_at(q, "An input item must be an object.", "input[%zu]", i);
	json_t *type = llm_get(it, "type");
	if (!type || is(type, "message"))
		return message_item(q, it, i);
	if (is(type, "function_call")) {
		json_t *call_id = json_object_get(it, "call_id"), *name = json_object_get(it, "name"),
		       *args = json_object_get(it, "arguments");
		if (!json_is_string(call_id) || !json_is_string(name) || !json_is_string(args))
			return llm_refuse_at(q, "A function_call item needs its call_id, name and arguments (strings).",
					     "input[%zu]", i);
		return json_pack("{s:s, s:O, s:O, s:O}", "type", "function_call", "call_id", call_id, "name", name,
				 "arguments", args);
	}
	if (is(type, "function_call_output")) {
		json_t *call_id = json_object_get(it, "call_id"), *output = json_object_get(it, "output");
		if (!json_is_string(call_id))
			return llm_refuse_at(q, "A function_call_output item needs the call_id it answers.",
					     "input[%zu].call_id", i);
		if (!json_is_string(output))
			return llm_refuse_at(q, "A function_call_output's output must be a string.", "input[%zu].output", i);
		return json_pack("{s:s, s:O, s:O}", "type", "function_call_output", "call_id", call_id, "output", output);
	}
	return llm_refuse_at(q, "Input items are messages, function_call and function_call_output items (item_reference "
				"and reasoning items name OpenAI's storage).",
			     "input[%zu].type", i);
}

json_t *llm_responses_items(const json_t *input, char *err, size_t errlen, char *param, size_t paramlen)
{
	struct llm_refusal q = {err, param, errlen, paramlen, false};
	if (json_is_string(input))
		return json_pack("[{s:s, s:s, s:[{s:s, s:O}]}]", "type", "message", "role", "user", "content", "type",
				 "input_text", "text", input);
	if (!json_is_array(input) || !json_array_size(input))
		return llm_refuse_at(&q, "'input' must be a string or a non-empty list of input items.", "input");
	json_t *items = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(input, i, it) {
		json_t *n = input_item(&q, it, i);
		if (!n) {
			json_decref(items);
			return NULL;
		}
		json_array_append_new(items, n);
	}
	return items;
}

/* A message item's parts as chat completions content: one text part as a string,
 * anything else as a list of chat content parts. */
static json_t *chat_content(const json_t *parts)
{
	if (json_array_size(parts) == 1 && json_is_string(json_object_get(json_array_get(parts, 0), "text")))
		return json_incref(json_object_get(json_array_get(parts, 0), "text"));
	json_t *out = json_array();
	size_t j;
	json_t *p;
	json_array_foreach(parts, j, p) {
		const char *type = json_string_value(json_object_get(p, "type"));
		json_t *c;
		if (!type)
			continue;
		if (!strcmp(type, "input_image")) {
			c = json_pack("{s:s, s:{s:O}}", "type", "image_url", "image_url", "url", json_object_get(p, "image_url"));
			if (c && json_object_get(p, "detail"))
				json_object_set(json_object_get(c, "image_url"), "detail", json_object_get(p, "detail"));
		} else if (!strcmp(type, "input_file")) {
			c = json_pack("{s:s, s:{s:O}}", "type", "file", "file", "file_data", json_object_get(p, "file_data"));
			if (c && json_object_get(p, "filename"))
				json_object_set(json_object_get(c, "file"), "filename", json_object_get(p, "filename"));
		} else {
			c = json_pack("{s:s, s:O}", "type", "text", "text", json_object_get(p, "text"));
		}
		json_array_append_new(out, c);
	}
	return out;
}

/* The assistant message that function calls join: the last message when it is the
 * assistant's (its text and its calls are one chat message), else a new one. */
static json_t *assistant_for_calls(json_t *msgs)
{
	json_t *last = json_array_get(msgs, json_array_size(msgs) - 1);
	if (last && is(json_object_get(last, "role"), "assistant"))
		return last;
	json_t *m = json_pack("{s:s, s:n}", "role", "assistant", "content");
	json_array_append_new(msgs, m);
	return m;
}

/* The items as chat messages, after the instructions' system message. */
static json_t *chat_messages(const json_t *instructions, const json_t *items)
{
	json_t *msgs = json_array();
	if (json_is_string(instructions))
		json_array_append_new(msgs, json_pack("{s:s, s:O}", "role", "system", "content", instructions));
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		json_t *type = json_object_get(it, "type");
		if (is(type, "message")) {
			json_array_append_new(msgs, json_pack("{s:O, s:o}", "role", json_object_get(it, "role"), "content",
							      chat_content(json_object_get(it, "content"))));
		} else if (is(type, "function_call")) {
			json_t *m = assistant_for_calls(msgs), *calls = json_object_get(m, "tool_calls");
			if (!calls) {
				calls = json_array();
				json_object_set_new(m, "tool_calls", calls);
			}
			json_array_append_new(calls, json_pack("{s:O, s:s, s:{s:O, s:O}}", "id", json_object_get(it, "call_id"),
							       "type", "function", "function", "name",
							       json_object_get(it, "name"), "arguments",
							       json_object_get(it, "arguments")));
		} else if (is(type, "function_call_output")) {
			json_array_append_new(msgs, json_pack("{s:s, s:O, s:O}", "role", "tool", "tool_call_id",
							      json_object_get(it, "call_id"), "content",
							      json_object_get(it, "output")));
		}
	}
	return msgs;
}

static int tools(struct llm_refusal *q, const json_t *req, json_t *out)
{
	json_t *in = llm_get(req, "tools");
	if (!in)
		return 0;
	if (!json_is_array(in))
		return llm_refuse_at(q, "'tools' must be a list of tools.", "tools"), -1;
	json_t *list = json_array();
	json_object_set_new(out, "tools", list);
	size_t i;
	json_t *t;
	json_array_foreach(in, i, t) {
		if (!is(json_object_get(t, "type"), "function"))
			return llm_refuse_at(q, "Only function tools can be sent to a provider through llmmeta: the others "
						"(web_search, file_search, code_interpreter, ...) are run by OpenAI itself.",
					     "tools[%zu].type", i),
			       -1;
		static const char *const known[] = {"type", "name", "description", "parameters", "strict", NULL};
		const char *k = llm_unknown_key(t, known);
		if (k)
			return llm_refuse_at(q, "Unknown field of a function tool.", "tools[%zu].%s", i, k), -1;
		if (!json_is_string(json_object_get(t, "name")))
			return llm_refuse_at(q, "A function tool needs its name.", "tools[%zu].name", i), -1;
		json_t *fn = json_pack("{s:O}", "name", json_object_get(t, "name"));
		static const char *const copied[] = {"description", "parameters", "strict"};
		for (size_t c = 0; c < 3; c++)
			if (llm_get(t, copied[c]))
				json_object_set(fn, copied[c], llm_get(t, copied[c]));
		json_array_append_new(list, json_pack("{s:s, s:o}", "type", "function", "function", fn));
	}
	return 0;
}

static int tool_choice(struct llm_refusal *q, const json_t *req, json_t *out)
{
	json_t *tc = llm_get(req, "tool_choice");
	if (!tc)
		return 0;
	if (is(tc, "none") || is(tc, "auto") || is(tc, "required")) {
		json_object_set(out, "tool_choice", tc);
		return 0;
	}
	if (is(json_object_get(tc, "type"), "function") && json_is_string(json_object_get(tc, "name"))) {
		json_object_set_new(out, "tool_choice",
				    json_pack("{s:s, s:{s:O}}", "type", "function", "function", "name", json_object_get(tc, "name")));
		return 0;
	}
	return llm_refuse_at(q, "tool_choice is none, auto, required or {\"type\":\"function\",\"name\":...}.",
			     "tool_choice"),
	       -1;
}

static int text_format(struct llm_refusal *q, const json_t *req, json_t *out)
{
	json_t *text = llm_get(req, "text");
	if (!text)
		return 0;
	static const char *const known[] = {"format", "verbosity", NULL};
	const char *k = llm_unknown_key(text, known);
	if (!json_is_object(text) || k)
		return llm_refuse_at(q, "Unknown field of 'text'.", "text%s%s", k ? "." : "", k ? k : ""), -1;
	if (llm_get(text, "verbosity"))
		json_object_set(out, "verbosity", llm_get(text, "verbosity"));
	json_t *f = llm_get(text, "format"), *type = json_object_get(f, "type");
	if (!f || is(type, "text"))
		return 0;
	if (is(type, "json_object")) {
		json_object_set_new(out, "response_format", json_pack("{s:s}", "type", "json_object"));
		return 0;
	}
	if (!is(type, "json_schema"))
		return llm_refuse_at(q, "text.format.type is text, json_object or json_schema.", "text.format.type"), -1;
	static const char *const schema_keys[] = {"type", "name", "schema", "strict", "description", NULL};
	if ((k = llm_unknown_key(f, schema_keys)))
		return llm_refuse_at(q, "Unknown field of text.format.", "text.format.%s", k), -1;
	if (!json_is_string(json_object_get(f, "name")))
		return llm_refuse_at(q, "A json_schema format needs its name.", "text.format.name"), -1;
	if (!json_is_object(json_object_get(f, "schema")))
		return llm_refuse_at(q, "A json_schema format needs its schema (a JSON Schema object).", "text.format.schema"),
		       -1;
	json_t *js = json_pack("{s:O, s:O}", "name", json_object_get(f, "name"), "schema", json_object_get(f, "schema"));
	if (llm_get(f, "strict"))
		json_object_set(js, "strict", llm_get(f, "strict"));
	if (llm_get(f, "description"))
		json_object_set(js, "description", llm_get(f, "description"));
	json_object_set_new(out, "response_format", json_pack("{s:s, s:o}", "type", "json_schema", "json_schema", js));
	return 0;
}

/* The fields that ask for what only OpenAI's own service does; refused unless at
 * their default. */
static int defaults_only(struct llm_refusal *q, const json_t *req)
{
	json_t *v;
	if ((v = llm_get(req, "background")) && !json_is_false(v))
		return llm_refuse_at(q, "Background responses are not offered: call with stream instead.", "background"), -1;
	if ((v = llm_get(req, "truncation")) && !is(v, "disabled"))
		return llm_refuse_at(q, "Only truncation \"disabled\" is offered: llmmeta sends the conversation whole.",
				     "truncation"),
		       -1;
	if ((v = llm_get(req, "include")) && !(json_is_array(v) && !json_array_size(v)))
		return llm_refuse_at(q, "'include' asks for outputs of OpenAI's hosted tools and reasoning, which "
					"translated providers do not have.",
				     "include"),
		       -1;
	static const char *const never[] = {"reasoning", "conversation", "prompt", "max_tool_calls", "top_logprobs"};
	for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
		if (llm_get(req, never[i]))
			return llm_refuse_at(q, "This parameter cannot be mapped to a chat completion.", "%s", never[i]), -1;
	return 0;
}

json_t *llm_responses_chat_request(const json_t *req, const json_t *items, char *err, size_t errlen, char *param,
				   size_t paramlen)
{
	struct llm_refusal q = {err, param, errlen, paramlen, false};
	if (!json_is_object(req))
		return llm_refuse_at(&q, "The body must be a JSON object.", "%s", "");
	static const char *const known[] = {
		"model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "tools", "tool_choice", "text",
		"stream", "stream_options", "parallel_tool_calls", "previous_response_id", "store", "metadata", "user",
		"safety_identifier", "prompt_cache_key", "service_tier", "background", "truncation", "include",
		"reasoning", "conversation", "prompt", "max_tool_calls", "top_logprobs", NULL};
	const char *k = llm_unknown_key(req, known);
	if (k)
		return llm_refuse_at(&q, "Unknown parameter.", "%s", k);
	json_t *instr = llm_get(req, "instructions");
	if (instr && !json_is_string(instr))
		return llm_refuse_at(&q, "'instructions' must be a string.", "instructions");
	json_t *out = json_object();
	if (!out)
		return llm_refuse_at(&q, "out of memory", "%s", "");
	json_object_set_new(out, "messages", chat_messages(instr, items));
	if (defaults_only(&q, req) < 0 || tools(&q, req, out) < 0 || tool_choice(&q, req, out) < 0 ||
	    text_format(&q, req, out) < 0) {
		json_decref(out);
		return NULL;
	}
	/* Translated as named, or passed as they are: the same meaning in both APIs. */
	static const char *const renamed[][2] = {
		{"max_output_tokens", "max_tokens"}, {"temperature", "temperature"}, {"top_p", "top_p"},
		{"parallel_tool_calls", "parallel_tool_calls"}, {"user", "user"}, {"safety_identifier", "safety_identifier"},
		{"prompt_cache_key", "prompt_cache_key"}, {"service_tier", "service_tier"}};
	for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
		if (llm_get(req, renamed[i][0]))
			json_object_set(out, renamed[i][1], llm_get(req, renamed[i][0]));
	if (json_is_true(llm_get(req, "stream"))) {
		json_object_set_new(out, "stream", json_true());
		/* The usage ends the response (response.completed), so it is always asked. */
		json_object_set_new(out, "stream_options", json_pack("{s:b}", "include_usage", 1));
	}
	return out;
}

/* Sets r's key to the request's value, or to dflt (its reference taken) when the
 * request has none. */
static void echo(json_t *r, const json_t *req, const char *key, json_t *dflt)
{
	json_t *v = llm_get(req, key);
	if (v) {
		json_object_set(r, key, v);
		json_decref(dflt);
	} else {
		json_object_set_new(r, key, dflt ? dflt : json_null());
	}
}

json_t *llm_responses_base(const json_t *req, const char *id, const char *model, int64_t created)
{
	json_t *r = json_pack("{s:s, s:s, s:I, s:s, s:n, s:n, s:n, s:s, s:[]}", "id", id, "object", "response",
			      "created_at", (json_int_t)created, "status", "in_progress", "error", "incomplete_details",
			      "usage", "model", model, "output");
	if (!r)
		return NULL;
	static const char *const echoed[] = {"instructions", "max_output_tokens", "temperature", "top_p",
					     "previous_response_id", "user"};
	for (size_t i = 0; i < sizeof echoed / sizeof echoed[0]; i++)
		echo(r, req, echoed[i], NULL);
	echo(r, req, "tools", json_array());
	echo(r, req, "tool_choice", json_string("auto"));
	echo(r, req, "text", json_pack("{s:{s:s}}", "format", "type", "text"));
	echo(r, req, "metadata", json_object());
	json_object_set_new(r, "parallel_tool_calls", json_boolean(!json_is_false(llm_get(req, "parallel_tool_calls"))));
	json_object_set_new(r, "store", json_boolean(!json_is_false(llm_get(req, "store"))));
	json_object_set_new(r, "truncation", json_string("disabled"));
	return r;
}

/* ------------------------------------------------------------------ stream */

#define MAX_ITEMS 128

struct open_item {
	bool function;  /* a function_call item, else a message */
	bool done;
	int64_t tool;   /* the chat tool call's index (functions) */
	buf text;       /* the text or the arguments so far */
};

struct llm_responses_stream {
	json_t *base;
	json_t *output; /* the items as they stand (their text set when they close) */
	struct open_item items[MAX_ITEMS];
	size_t n;
	int64_t seq;
	bool begun;
	char finish[32];
	json_t *usage; /* Responses' shape */
	char idtail[40];
};

struct llm_responses_stream *llm_responses_stream_new(const json_t *base)
{
	struct llm_responses_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base = json_deep_copy(base);
	s->output = json_array();
	if (!s->base || !s->output) {
		llm_responses_stream_free(s);
		return NULL;
	}
	const char *id = json_string_value(json_object_get(base, "id"));
	const char *u = id ? strchr(id, '_') : NULL;
	snprintf(s->idtail, sizeof s->idtail, "%s", u ? u + 1 : id ? id : "x");
	return s;
}

void llm_responses_stream_free(struct llm_responses_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		buf_free(&s->items[i].text);
	json_decref(s->base);
	json_decref(s->output);
	json_decref(s->usage);
	free(s);
}

bool llm_responses_stream_begun(const struct llm_responses_stream *s) { return s->begun; }

/* Appends event (its reference taken) with its type and sequence number. */
static void emit(struct llm_responses_stream *s, json_t *events, const char *type, json_t *event)
{
	if (!event)
		return;
	json_object_set_new(event, "type", json_string(type));
	json_object_set_new(event, "sequence_number", json_integer(s->seq++));
	if (events)
		json_array_append(events, event);
	json_decref(event);
}

/* The response as it stands, status given. */
static json_t *snapshot(struct llm_responses_stream *s, const char *status)
{
	json_t *r = json_copy(s->base);
	if (!r)
		return NULL;
	json_object_set_new(r, "status", json_string(status));
	json_object_set_new(r, "output", json_deep_copy(s->output));
	return r;
}

static void begin(struct llm_responses_stream *s, json_t *events)
{
	if (s->begun)
		return;
	s->begun = true;
	emit(s, events, "response.created", json_pack("{s:o}", "response", snapshot(s, "in_progress")));
	emit(s, events, "response.in_progress", json_pack("{s:o}", "response", snapshot(s, "in_progress")));
}

static json_t *text_part(const char *text, size_t len)
{
	return json_pack("{s:s, s:s%, s:[]}", "type", "output_text", "text", text, len, "annotations");
}

static const char *item_id(const json_t *item) { return json_string_value(json_object_get(item, "id")); }

static void close_item(struct llm_responses_stream *s, size_t at, json_t *events)
{
	struct open_item *o = &s->items[at];
	if (o->done)
		return;
	o->done = true;
	json_t *item = json_array_get(s->output, at);
	const char *text = o->text.data ? o->text.data : "";
	size_t len = o->text.len;
	json_object_set_new(item, "status", json_string("completed"));
	if (o->function) {
		json_object_set_new(item, "arguments", json_stringn(text, len));
		emit(s, events, "response.function_call_arguments.done",
		     json_pack("{s:s, s:I, s:s%, s:O}", "item_id", item_id(item), "output_index", (json_int_t)at, "arguments",
			       text, len, "name", json_object_get(item, "name")));
	} else {
		json_object_set_new(item, "content", json_pack("[o]", text_part(text, len)));
		emit(s, events, "response.output_text.done",
		     json_pack("{s:s, s:I, s:i, s:s%, s:[]}", "item_id", item_id(item), "output_index", (json_int_t)at,
			       "content_index", 0, "text", text, len, "logprobs"));
		emit(s, events, "response.content_part.done",
		     json_pack("{s:s, s:I, s:i, s:o}", "item_id", item_id(item), "output_index", (json_int_t)at,
			       "content_index", 0, "part", text_part(text, len)));
	}
	emit(s, events, "response.output_item.done",
	     json_pack("{s:I, s:o}", "output_index", (json_int_t)at, "item", json_deep_copy(item)));
}

static void close_all(struct llm_responses_stream *s, json_t *events)
{
	for (size_t i = 0; i < s->n; i++)
		close_item(s, i, events);
}

/* Opens an item: the open ones are closed first (items follow one another). -1
 * when there are too many. */
static int open_item(struct llm_responses_stream *s, json_t *item, bool function, int64_t tool, json_t *events)
{
	if (s->n == MAX_ITEMS || !item) {
		json_decref(item);
		return -1;
	}
	close_all(s, events);
	size_t at = s->n++;
	s->items[at] = (struct open_item){.function = function, .tool = tool, .text = BUF_INIT};
	json_array_append(s->output, item);
	emit(s, events, "response.output_item.added", json_pack("{s:I, s:o}", "output_index", (json_int_t)at, "item", item));
	if (!function)
		emit(s, events, "response.content_part.added",
		     json_pack("{s:s, s:I, s:i, s:o}", "item_id", item_id(json_array_get(s->output, at)), "output_index",
			       (json_int_t)at, "content_index", 0, "part", text_part("", 0)));
	return (int)at;
}

static int text_delta(struct llm_responses_stream *s, const char *text, size_t len, json_t *events)
{
	int at = s->n && !s->items[s->n - 1].done && !s->items[s->n - 1].function ? (int)s->n - 1 : -1;
	if (at < 0) {
		char id[64];
		snprintf(id, sizeof id, "msg_%s_%zu", s->idtail, s->n);
		at = open_item(s, json_pack("{s:s, s:s, s:s, s:s, s:[]}", "id", id, "type", "message", "status", "in_progress",
					    "role", "assistant", "content"),
			       false, -1, events);
		if (at < 0)
			return -1;
	}
	buf_append(&s->items[at].text, text, len);
	emit(s, events, "response.output_text.delta",
	     json_pack("{s:s, s:i, s:i, s:s%, s:[]}", "item_id", item_id(json_array_get(s->output, (size_t)at)),
		       "output_index", at, "content_index", 0, "delta", text, len, "logprobs"));
	return 0;
}

static int tool_delta(struct llm_responses_stream *s, const json_t *tc, json_t *events)
{
	json_t *fn = json_object_get(tc, "function");
	int64_t index = json_is_integer(json_object_get(tc, "index")) ? json_integer_value(json_object_get(tc, "index")) : 0;
	int at = -1;
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].function && s->items[i].tool == index && !s->items[i].done)
			at = (int)i;
	if (at < 0) {
		char id[64];
		snprintf(id, sizeof id, "fc_%s_%zu", s->idtail, s->n);
		json_t *call_id = json_object_get(tc, "id"), *name = json_object_get(fn, "name");
		at = open_item(s, json_pack("{s:s, s:s, s:s, s:O?, s:O?, s:s}", "id", id, "type", "function_call", "status",
					    "in_progress", "call_id", json_is_string(call_id) ? call_id : NULL, "name",
					    json_is_string(name) ? name : NULL, "arguments", ""),
			       true, index, events);
		if (at < 0)
			return -1;
	} else if (json_is_string(json_object_get(fn, "name"))) {
		/* a name in pieces: they join */
		json_t *item = json_array_get(s->output, (size_t)at);
		buf name = BUF_INIT;
		buf_puts(&name, json_string_value(json_object_get(item, "name")) ? json_string_value(json_object_get(item, "name")) : "");
		buf_puts(&name, json_string_value(json_object_get(fn, "name")));
		json_object_set_new(item, "name", json_stringn(name.data ? name.data : "", name.len));
		buf_free(&name);
	}
	json_t *args = json_object_get(fn, "arguments");
	if (json_is_string(args) && json_string_length(args)) {
		buf_append(&s->items[at].text, json_string_value(args), json_string_length(args));
		emit(s, events, "response.function_call_arguments.delta",
		     json_pack("{s:s, s:i, s:O}", "item_id", item_id(json_array_get(s->output, (size_t)at)), "output_index",
			       at, "delta", args));
	}
	return 0;
}

/* Chat usage -> Responses usage. */
static json_t *usage(const json_t *u)
{
	json_t *in = json_object_get(u, "prompt_tokens"), *out = json_object_get(u, "completion_tokens");
	if (!json_is_integer(in) || !json_is_integer(out))
		return NULL;
	json_t *total = json_object_get(u, "total_tokens");
	json_t *cached = json_object_get(json_object_get(u, "prompt_tokens_details"), "cached_tokens");
	json_t *reasoning = json_object_get(json_object_get(u, "completion_tokens_details"), "reasoning_tokens");
	return json_pack("{s:O, s:{s:I}, s:O, s:{s:I}, s:I}", "input_tokens", in, "input_tokens_details", "cached_tokens",
			 json_is_integer(cached) ? json_integer_value(cached) : (json_int_t)0, "output_tokens", out,
			 "output_tokens_details", "reasoning_tokens",
			 json_is_integer(reasoning) ? json_integer_value(reasoning) : (json_int_t)0, "total_tokens",
			 json_is_integer(total) ? json_integer_value(total)
						: json_integer_value(in) + json_integer_value(out));
}

int llm_responses_stream_chunk(struct llm_responses_stream *s, const json_t *chunk, json_t *events)
{
	if (!json_is_object(chunk))
		return -1;
	begin(s, events);
	json_t *u = usage(json_object_get(chunk, "usage"));
	if (u) {
		json_decref(s->usage);
		s->usage = u;
	}
	/* One answer: a chat completion's first choice (a Responses request has no n). */
	size_t i;
	json_t *choice;
	json_array_foreach(json_object_get(chunk, "choices"), i, choice) {
		if (json_integer_value(json_object_get(choice, "index")) != 0)
			continue;
		json_t *delta = json_object_get(choice, "delta");
		static const char *const texts[] = {"content", "refusal"};
		for (size_t t = 0; t < 2; t++) {
			json_t *c = json_object_get(delta, texts[t]);
			if (json_is_string(c) && json_string_length(c) &&
			    text_delta(s, json_string_value(c), json_string_length(c), events) < 0)
				return -1;
		}
		size_t k;
		json_t *tc;
		json_array_foreach(json_object_get(delta, "tool_calls"), k, tc) if (tool_delta(s, tc, events) < 0) return -1;
		json_t *fr = json_object_get(choice, "finish_reason");
		if (json_is_string(fr))
			snprintf(s->finish, sizeof s->finish, "%s", json_string_value(fr));
	}
	return 0;
}

json_t *llm_responses_stream_end(struct llm_responses_stream *s, const char *error_code, const char *error_message,
				 json_t *events)
{
	begin(s, events);
	close_all(s, events);
	const char *status = "completed", *reason = NULL, *type = "response.completed";
	if (error_message) {
		status = "failed";
		type = "response.failed";
	} else if (!strcmp(s->finish, "length") || !strcmp(s->finish, "content_filter")) {
		status = "incomplete";
		type = "response.incomplete";
		reason = !strcmp(s->finish, "length") ? "max_output_tokens" : "content_filter";
	}
	json_t *r = snapshot(s, status);
	if (!r)
		return NULL;
	if (s->usage)
		json_object_set(r, "usage", s->usage);
	if (reason)
		json_object_set_new(r, "incomplete_details", json_pack("{s:s}", "reason", reason));
	if (error_message)
		json_object_set_new(r, "error", json_pack("{s:s, s:s}", "code", error_code ? error_code : "server_error",
							  "message", error_message));
	emit(s, events, type, json_pack("{s:O}", "response", r));
	return r;
}

json_t *llm_responses_chunk_of(const json_t *completion)
{
	json_t *choice = json_array_get(json_object_get(completion, "choices"), 0);
	if (!json_is_object(choice))
		return NULL;
	json_t *delta = json_deep_copy(json_object_get(choice, "message"));
	size_t k;
	json_t *tc;
	json_array_foreach(json_object_get(delta, "tool_calls"), k, tc) json_object_set_new(tc, "index", json_integer((json_int_t)k));
	return json_pack("{s:[{s:i, s:o?, s:O?}], s:O?}", "choices", "index", 0, "delta", delta, "finish_reason",
			 json_object_get(choice, "finish_reason"), "usage", json_object_get(completion, "usage"));
}

int64_t llm_responses_stream_seq(const struct llm_responses_stream *s) { return s->seq; }

json_t *llm_responses_from_chat(const json_t *base, const json_t *completion)
{
	json_t *chunk = llm_responses_chunk_of(completion);
	struct llm_responses_stream *s = chunk ? llm_responses_stream_new(base) : NULL;
	json_t *r = NULL;
	if (s && llm_responses_stream_chunk(s, chunk, NULL) == 0)
		r = llm_responses_stream_end(s, NULL, NULL, NULL);
	llm_responses_stream_free(s);
	json_decref(chunk);
	return r;
}

json_t *llm_responses_output_items(const json_t *response)
{
	json_t *out = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(response, "output"), i, it) {
		json_t *type = json_object_get(it, "type");
		if (is(type, "message"))
			json_array_append_new(out, json_pack("{s:s, s:s, s:O}", "type", "message", "role", "assistant",
							     "content", json_object_get(it, "content")));
		else if (is(type, "function_call"))
			json_array_append_new(out, json_pack("{s:s, s:O, s:O, s:O}", "type", "function_call", "call_id",
							     json_object_get(it, "call_id"), "name", json_object_get(it, "name"),
							     "arguments", json_object_get(it, "arguments")));
	}
	return out;
}

char *llm_responses_question_text(const json_t *items)
{
	buf b = BUF_INIT;
	for (size_t i = json_array_size(items); i-- > 0;) {
		json_t *it = json_array_get(items, i);
		if (!is(json_object_get(it, "role"), "user"))
			continue;
		size_t j;
		json_t *p;
		json_array_foreach(json_object_get(it, "content"), j, p) {
			json_t *t = json_object_get(p, "text");
			if (!json_is_string(t))
				continue;
			if (b.len)
				buf_putc(&b, '\n');
			buf_append(&b, json_string_value(t), json_string_length(t));
		}
		break;
	}
	return b.oom ? (buf_free(&b), NULL) : buf_detach(&b, NULL);
}
