/* fuzz_responses_translate.c - the Responses <-> chat completions translation
 * behind POST /v1/responses (src/llm/responses_translate.c), on what a client sends
 * and what a provider sends back.
 *
 * The first byte's low bit says whether the stream ends failed; the rest is, at
 * once, a client's request body (its input made items, then mapped), a provider's
 * whole chat completion, and a provider's stream: one chat.completion.chunk a line.
 *
 * Checks, beyond memory safety and UB:
 *  - request: refused with a non-empty reason and a param that is valid UTF-8, or
 *    a chat request with a non-empty messages array of known roles, every tool
 *    message answering a call id, every tool call a function with a name and
 *    arguments; the same result twice (no hidden state);
 *  - whole: NULL or a response whose status is completed or incomplete, whose
 *    output items are messages and function calls;
 *  - stream: sequence numbers 0, 1, 2... with no gap; response.created then
 *    response.in_progress first; every event that names an output_index names an
 *    item already added; each item's text (or arguments) at its .done is exactly
 *    the concatenation of its deltas, and is what the final response holds; the last
 *    event is response.completed, .incomplete or .failed (failed exactly when the
 *    stream ended with an error), and its response is the one returned. */
#include "fuzz.h"

#include <stdbool.h>

#include "../../src/core/buf.h"
#include "../../src/core/util.h"
#include "../../src/llm/responses_translate.h"

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static json_t *request(const json_t *req, char *err, size_t errlen, char *param, size_t paramlen)
{
	json_t *items = llm_responses_items(json_object_get(req, "input"), err, errlen, param, paramlen);
	json_t *out = items ? llm_responses_chat_request(req, items, err, errlen, param, paramlen) : NULL;
	json_decref(items);
	return out;
}

static void check_request(const json_t *req)
{
	char err[256] = "", param[128] = "", err2[256] = "", param2[128] = "";
	json_t *out = request(req, err, sizeof err, param, sizeof param);
	json_t *again = request(req, err2, sizeof err2, param2, sizeof param2);
	FUZZ_CHECK(!out == !again && (out ? json_equal(out, again) : !strcmp(err, err2) && !strcmp(param, param2)),
		   "two translations differ");
	json_decref(again);
	if (!out) {
		FUZZ_CHECK(*err, "refused without a reason");
		FUZZ_CHECK(utf8_valid(param, strlen(param)), "param not UTF-8");
		return;
	}
	json_t *msgs = json_object_get(out, "messages");
	FUZZ_CHECK(json_is_array(msgs) && json_array_size(msgs), "no messages");
	size_t i;
	json_t *m;
	json_array_foreach(msgs, i, m) {
		const char *role = str(m, "role");
		FUZZ_CHECK(role && (!strcmp(role, "user") || !strcmp(role, "assistant") || !strcmp(role, "system") ||
				    !strcmp(role, "developer") || !strcmp(role, "tool")),
			   "role %s", role ? role : "none");
		if (!strcmp(role, "tool"))
			FUZZ_CHECK(str(m, "tool_call_id") && json_is_string(json_object_get(m, "content")), "tool message");
		size_t k;
		json_t *tc;
		json_array_foreach(json_object_get(m, "tool_calls"), k, tc) {
			json_t *fn = json_object_get(tc, "function");
			FUZZ_CHECK(str(tc, "id") && str(fn, "name") && str(fn, "arguments"), "tool call incomplete");
		}
	}
	json_decref(out);
}

static void check_whole(const json_t *base, const json_t *chat)
{
	json_t *r = llm_responses_from_chat(base, chat);
	if (!r)
		return;
	const char *status = str(r, "status");
	FUZZ_CHECK(status && (!strcmp(status, "completed") || !strcmp(status, "incomplete")), "whole status %s",
		   status ? status : "none");
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(r, "output"), i, it) {
		const char *t = str(it, "type");
		FUZZ_CHECK(t && (!strcmp(t, "message") || !strcmp(t, "function_call")), "output item type");
	}
	json_decref(r);
}

/* Each item's deltas joined, by output_index. */
struct acc {
	buf text[130];
	size_t added;
};

static void check_events(const json_t *events, const json_t *final, bool failed, struct acc *a)
{
	size_t i, n = json_array_size(events);
	json_t *ev;
	FUZZ_CHECK(n >= 3, "too few events");
	FUZZ_CHECK(!strcmp(str(json_array_get(events, 0), "type"), "response.created"), "first not created");
	FUZZ_CHECK(!strcmp(str(json_array_get(events, 1), "type"), "response.in_progress"), "second not in_progress");
	json_array_foreach(events, i, ev) {
		FUZZ_CHECK(json_integer_value(json_object_get(ev, "sequence_number")) == (json_int_t)i, "sequence gap at %zu", i);
		const char *t = str(ev, "type");
		json_t *oi = json_object_get(ev, "output_index");
		if (!strcmp(t, "response.output_item.added")) {
			FUZZ_CHECK(json_integer_value(oi) == (json_int_t)a->added, "item added out of order");
			a->added++;
			continue;
		}
		if (oi)
			FUZZ_CHECK(json_integer_value(oi) >= 0 && (size_t)json_integer_value(oi) < a->added, "event before its item");
		size_t k = oi ? (size_t)json_integer_value(oi) : 0;
		if (!strcmp(t, "response.output_text.delta") || !strcmp(t, "response.function_call_arguments.delta"))
			buf_puts(&a->text[k], str(ev, "delta"));
		const char *whole = !strcmp(t, "response.output_text.done") ? str(ev, "text")
				    : !strcmp(t, "response.function_call_arguments.done") ? str(ev, "arguments")
											     : NULL;
		if (whole)
			FUZZ_CHECK(!strcmp(whole, a->text[k].data ? a->text[k].data : ""), "done is not the deltas joined");
	}
	const char *last = str(json_array_get(events, n - 1), "type");
	FUZZ_CHECK(failed ? !strcmp(last, "response.failed")
			  : !strcmp(last, "response.completed") || !strcmp(last, "response.incomplete"),
		   "last event %s", last);
	FUZZ_CHECK(json_equal(json_object_get(json_array_get(events, n - 1), "response"), final), "final differs");
	FUZZ_CHECK(json_array_size(json_object_get(final, "output")) == a->added, "final output count");
}

static void check_stream(const json_t *base, const char *text, bool failed)
{
	struct llm_responses_stream *s = llm_responses_stream_new(base);
	json_t *events = json_array();
	if (!s || !events)
		abort();
	bool broken = false;
	for (const char *line = text; *line && !broken;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		json_t *chunk = json_loadb(line, len, 0, NULL);
		if (chunk)
			broken = llm_responses_stream_chunk(s, chunk, events) < 0;
		json_decref(chunk);
		line += len + (nl ? 1 : 0);
	}
	if (!broken) {
		json_t *final = llm_responses_stream_end(s, failed ? "server_error" : NULL, failed ? "failed" : NULL, events);
		FUZZ_CHECK(final, "no final response");
		struct acc a = {0};
		check_events(events, final, failed, &a);
		for (size_t i = 0; i < 130; i++)
			buf_free(&a.text[i]);
		json_decref(final);
	}
	llm_responses_stream_free(s);
	json_decref(events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool failed = data[0] & 1;
	char *text = fuzz_strndup(data + 1, size - 1);
	json_t *j = json_loads(text, 0, NULL);
	json_t *empty = json_object();
	json_t *base = llm_responses_base(json_is_object(j) ? j : empty, "resp_fuzz", "m", 1);
	if (json_is_object(j)) {
		check_request(j);
		check_whole(base, j);
	}
	check_stream(base, text, failed);
	json_decref(base);
	json_decref(empty);
	json_decref(j);
	free(text);
	return 0;
}
