/* fuzz_anthropic_translate.c - the OpenAI <-> Anthropic translation behind
 * /v1/chat/completions (src/llm/anthropic_translate.c), on what a client sends and
 * what a provider sends back.
 *
 * The first byte's low bit is include_usage; the rest is, at once, a client's
 * request body (parsed as JSON and mapped), a provider's whole answer, a provider's
 * stream (through the engine's SSE parser into the stream translator) and an error
 * body.
 *
 * Checks, beyond memory safety and UB:
 *  - request: refused with a non-empty reason and a UTF-8 param, or a body with the
 *    provider's model, max_tokens >= 1, a non-empty messages array whose roles
 *    alternate user/assistant, every content non-empty, text blocks non-empty,
 *    tool_use only in assistant turns and tool_result only in user turns,
 *    temperature and top_p within 0..1; the same result twice (no hidden state);
 *  - response: NULL or a chat.completion whose tool call arguments parse as JSON
 *    and whose finish reason is one of OpenAI's;
 *  - stream: every chunk a chat.completion.chunk with one choice at index 0, or the
 *    usage chunk (only with include_usage, and last of all); the role chunk first;
 *    one finish reason at most; tool call indexes announced 0, 1, 2... each with an
 *    id and name; the summary's text and each tool call's arguments are exactly the
 *    concatenation of what the chunks carried; complete implies a finish reason;
 *    tokens -1 or within LLM_COUNT_MAX (sums of them within the sum of the
 *    bounds), in the summary and the usage chunk; an error event (1) leaves an error and its type;
 *  - error message: never NULL, valid UTF-8 without control characters, nothing
 *    shaped like an sk- key, bounded for a raw body. */
#include "fuzz.h"

#include <stdbool.h>

#include "../../src/core/buf.h"
#include "../../src/core/util.h"
#include "../../src/llm/anthropic_translate.h"
#include "../../src/llm/llm.h"
#include "../../src/llm/sse.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void check_request_body(const json_t *b)
{
	FUZZ_CHECK(json_is_object(b), "body not an object");
	FUZZ_CHECK(str(b, "model") && strcmp(str(b, "model"), "claude-x") == 0, "model not the provider's");
	json_t *mt = json_object_get(b, "max_tokens");
	FUZZ_CHECK(json_is_integer(mt) && json_integer_value(mt) >= 1, "max_tokens missing or < 1");
	static const char *const unit[] = {"temperature", "top_p"};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(b, unit[i]);
		FUZZ_CHECK(!v || (json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1), "%s out of 0..1",
			   unit[i]);
	}
	json_t *msgs = json_object_get(b, "messages");
	FUZZ_CHECK(json_is_array(msgs) && json_array_size(msgs) > 0, "no messages");
	const char *prev = NULL;
	size_t i;
	json_t *m;
	json_array_foreach(msgs, i, m) {
		const char *role = str(m, "role");
		FUZZ_CHECK(role && (strcmp(role, "user") == 0 || strcmp(role, "assistant") == 0), "role %s", role ? role : "none");
		FUZZ_CHECK(!prev || strcmp(prev, role) != 0, "two %s turns in a row at %zu", role, i);
		prev = role;
		json_t *c = json_object_get(m, "content");
		if (json_is_string(c)) {
			FUZZ_CHECK(json_string_length(c) > 0, "empty string content at %zu", i);
			continue;
		}
		FUZZ_CHECK(json_is_array(c) && json_array_size(c) > 0, "empty content at %zu", i);
		size_t j;
		json_t *blk;
		json_array_foreach(c, j, blk) {
			const char *t = str(blk, "type");
			FUZZ_CHECK(t, "block without type");
			bool user = strcmp(role, "user") == 0;
			if (strcmp(t, "text") == 0)
				FUZZ_CHECK(json_string_length(json_object_get(blk, "text")) > 0, "empty text block");
			else if (strcmp(t, "tool_use") == 0)
				FUZZ_CHECK(!user && json_is_object(json_object_get(blk, "input")), "tool_use misplaced or without input");
			else if (strcmp(t, "tool_result") == 0)
				FUZZ_CHECK(user && str(blk, "tool_use_id"), "tool_result misplaced or without id");
			else
				FUZZ_CHECK(strcmp(t, "image") == 0 && user, "block type %s", t);
		}
	}
	char *s = json_dumps(b, JSON_COMPACT);
	FUZZ_CHECK(s, "body does not serialise");
	free(s);
}

static void fuzz_request(const json_t *in)
{
	char err[256], param[128], err2[256], param2[128];
	json_t *a = llm_anthropic_request(in, "claude-x", err, sizeof err, param, sizeof param);
	json_t *b = llm_anthropic_request(in, "claude-x", err2, sizeof err2, param2, sizeof param2);
	FUZZ_CHECK(!a == !b, "accepted once, refused once");
	if (a) {
		check_request_body(a);
		FUZZ_CHECK(json_equal(a, b), "two translations differ");
	} else {
		FUZZ_CHECK(err[0] && utf8_valid(err, strlen(err)), "refusal without a UTF-8 reason");
		FUZZ_CHECK(utf8_valid(param, strlen(param)), "param not UTF-8");
		FUZZ_CHECK(strcmp(err, err2) == 0 && strcmp(param, param2) == 0, "two refusals differ");
	}
	json_decref(a);
	json_decref(b);
}

static bool openai_finish(const char *f)
{
	return f && (strcmp(f, "stop") == 0 || strcmp(f, "length") == 0 || strcmp(f, "tool_calls") == 0 ||
		     strcmp(f, "content_filter") == 0);
}

static void fuzz_response(const json_t *in)
{
	json_t *r = llm_anthropic_response(in, "asked", "chatcmpl-1", 1);
	if (!r)
		return;
	json_t *ch = json_array_get(json_object_get(r, "choices"), 0);
	FUZZ_CHECK(openai_finish(str(ch, "finish_reason")), "finish reason");
	json_t *msg = json_object_get(ch, "message");
	json_t *c = json_object_get(msg, "content");
	FUZZ_CHECK(json_is_string(c) || (json_is_null(c) && json_array_size(json_object_get(msg, "tool_calls"))),
		   "content neither text nor null with tool calls");
	size_t i;
	json_t *tc;
	json_array_foreach(json_object_get(msg, "tool_calls"), i, tc) {
		json_t *args = json_object_get(json_object_get(tc, "function"), "arguments");
		json_t *parsed = json_loadb(json_string_value(args), json_string_length(args), JSON_DECODE_ANY, NULL);
		FUZZ_CHECK(parsed, "tool call arguments are not JSON");
		json_decref(parsed);
	}
	char *s = json_dumps(r, JSON_COMPACT);
	FUZZ_CHECK(s, "response does not serialise");
	free(s);
	json_decref(r);
}

/* What the chunks carried, to compare with the summary. */
struct run {
	struct llm_anthropic_stream *s;
	bool include_usage, saw_usage, saw_finish, saw_error;
	size_t chunks;
	buf text;
	buf args[64];
	size_t ntools;
};

static void check_chunk(struct run *r, json_t *c)
{
	FUZZ_CHECK(!r->saw_usage, "a chunk after the usage chunk");
	FUZZ_CHECK(str(c, "object") && strcmp(str(c, "object"), "chat.completion.chunk") == 0, "not a chunk");
	json_t *choices = json_object_get(c, "choices");
	FUZZ_CHECK(json_is_array(choices), "no choices");
	if (json_array_size(choices) == 0) {
		FUZZ_CHECK(r->include_usage, "a usage chunk without include_usage");
		json_t *u = json_object_get(c, "usage");
		/* Each provider count within LLM_COUNT_MAX: prompt_tokens is a sum of three,
		 * total_tokens of four. */
		static const struct {
			const char *key;
			int64_t max;
		} counts[] = {{"prompt_tokens", 3 * LLM_COUNT_MAX},
			      {"completion_tokens", LLM_COUNT_MAX},
			      {"total_tokens", 4 * LLM_COUNT_MAX}};
		for (size_t i = 0; i < 3; i++) {
			json_int_t v = json_integer_value(json_object_get(u, counts[i].key));
			FUZZ_CHECK(v >= 0 && v <= counts[i].max, "usage %s %lld", counts[i].key, (long long)v);
		}
		r->saw_usage = true;
		return;
	}
	FUZZ_CHECK(json_array_size(choices) == 1, "several choices");
	json_t *ch = json_array_get(choices, 0), *d = json_object_get(ch, "delta");
	FUZZ_CHECK(json_integer_value(json_object_get(ch, "index")) == 0 && json_is_object(d), "choice shape");
	FUZZ_CHECK((r->chunks == 0) == (str(d, "role") != NULL), "the role chunk is not first, or not alone");
	r->chunks++;
	json_t *fr = json_object_get(ch, "finish_reason");
	if (!json_is_null(fr)) {
		FUZZ_CHECK(!r->saw_finish, "two finish reasons");
		FUZZ_CHECK(openai_finish(json_string_value(fr)), "finish reason %s", json_string_value(fr));
		r->saw_finish = true;
	}
	json_t *content = json_object_get(d, "content");
	if (content)
		buf_append(&r->text, json_string_value(content), json_string_length(content));
	json_t *tcs = json_object_get(d, "tool_calls");
	if (tcs) {
		FUZZ_CHECK(json_array_size(tcs) == 1, "several tool calls in one chunk");
		json_t *tc = json_array_get(tcs, 0), *fn = json_object_get(tc, "function");
		json_int_t idx = json_integer_value(json_object_get(tc, "index"));
		if (json_object_get(tc, "id")) {
			FUZZ_CHECK((size_t)idx == r->ntools, "tool index %lld announced after %zu", (long long)idx, r->ntools);
			FUZZ_CHECK(str(tc, "id") && str(fn, "name") && str(tc, "type"), "a new tool call without id, name, type");
			r->ntools++;
		} else {
			FUZZ_CHECK(idx >= 0 && (size_t)idx < r->ntools, "arguments for tool %lld never announced", (long long)idx);
		}
		json_t *args = json_object_get(fn, "arguments");
		FUZZ_CHECK(json_is_string(args), "tool call without arguments string");
		if (idx < 64)
			buf_append(&r->args[idx], json_string_value(args), json_string_length(args));
	}
	FUZZ_CHECK(!r->saw_finish || json_is_string(fr) || !content, "content after the finish reason");
}

static void check_summary(struct run *r)
{
	const struct llm_anthropic_summary *sum = llm_anthropic_stream_summary(r->s);
	FUZZ_CHECK(sum->text_len == r->text.len && (r->text.len == 0 || memcmp(sum->text, r->text.data, r->text.len) == 0),
		   "summary text differs from the chunks' text");
	FUZZ_CHECK(sum->text[sum->text_len] == '\0', "summary text not NUL-terminated");
	FUZZ_CHECK(json_array_size(sum->tool_calls) == r->ntools, "%zu tool calls in the summary, %zu announced",
		   json_array_size(sum->tool_calls), r->ntools);
	for (size_t i = 0; i < r->ntools && i < 64; i++) {
		json_t *a = json_object_get(json_object_get(json_array_get(sum->tool_calls, i), "function"), "arguments");
		FUZZ_CHECK(json_string_length(a) == r->args[i].len &&
			   (r->args[i].len == 0 || memcmp(json_string_value(a), r->args[i].data, r->args[i].len) == 0),
			   "tool %zu: summary arguments differ from the chunks'", i);
	}
	FUZZ_CHECK(sum->prompt_tokens >= -1 && sum->prompt_tokens <= 3 * LLM_COUNT_MAX && sum->completion_tokens >= -1 &&
			   sum->completion_tokens <= LLM_COUNT_MAX && sum->cached_tokens >= -1 &&
			   sum->cached_tokens <= LLM_COUNT_MAX,
		   "tokens out of -1..LLM_COUNT_MAX");
	FUZZ_CHECK(!sum->complete || openai_finish(sum->finish_reason), "complete without a finish reason");
	FUZZ_CHECK(!sum->finish_reason || r->saw_finish, "a finish reason never sent");
	FUZZ_CHECK(!r->saw_error || (sum->error && sum->error_type), "an error event without error and type");
	if (sum->model)
		FUZZ_CHECK(utf8_valid(sum->model, strlen(sum->model)), "model not UTF-8");
}

static int on_event(void *ctx, const char *event, const char *data, size_t len)
{
	struct run *r = ctx;
	json_t *out = json_array();
	int rc = llm_anthropic_stream_event(r->s, event, data, len, out);
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == LLM_ANTHROPIC_STREAM_ERROR, "event returned %d", rc);
	FUZZ_CHECK(rc == 0 || json_array_size(out) == 0, "chunks from a refused or error event");
	if (rc == LLM_ANTHROPIC_STREAM_ERROR)
		r->saw_error = true;
	size_t i;
	json_t *c;
	json_array_foreach(out, i, c) {
		char *s = json_dumps(c, JSON_COMPACT);
		FUZZ_CHECK(s, "a chunk does not serialise");
		free(s);
		check_chunk(r, c);
	}
	json_decref(out);
	check_summary(r);
	return rc < 0 ? -1 : 0;
}

static void fuzz_stream(const char *s, size_t n, bool include_usage)
{
	struct run r = {.include_usage = include_usage};
	r.s = llm_anthropic_stream_new("asked", "chatcmpl-1", 1, include_usage);
	FUZZ_CHECK(r.s, "out of memory");
	struct sse p;
	sse_init(&p, 1u << 20, on_event, &r);
	sse_feed(&p, s, n);
	sse_free(&p);
	check_summary(&r);
	llm_anthropic_stream_free(r.s);
	buf_free(&r.text);
	for (size_t i = 0; i < 64; i++)
		buf_free(&r.args[i]);
}

static bool key_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static void fuzz_error(const char *s, size_t n)
{
	char *m = llm_anthropic_error_message(s, n);
	FUZZ_CHECK(m, "no message");
	size_t len = strlen(m);
	FUZZ_CHECK(len > 0 && utf8_valid(m, len), "message empty or not UTF-8");
	for (size_t i = 0; i < len; i++) {
		FUZZ_CHECK((unsigned char)m[i] >= 0x20 && m[i] != 0x7F, "control character in the message");
		if ((i == 0 || !key_char(m[i - 1])) && strncmp(m + i, "sk-", 3) == 0) {
			size_t run = 3;
			while (key_char(m[i + run]))
				run++;
			FUZZ_CHECK(run < 11, "a key left in the message: %s", m + i);
		}
	}
	json_t *j = json_loadb(s, n, 0, NULL);
	if (!j)
		FUZZ_CHECK(len <= 3 * 300 + 3 + 5 * 300, "a raw body passed on whole (%zu bytes)", len);
	json_decref(j);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool include_usage = data[0] & 1;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY, NULL);
	if (j) {
		fuzz_request(j);
		fuzz_response(j);
		json_decref(j);
	}
	fuzz_stream(s, n, include_usage);
	fuzz_error(s, n);
	return 0;
}
