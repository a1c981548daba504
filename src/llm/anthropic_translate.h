/* anthropic_translate.h - the OpenAI Chat Completions API spoken to an Anthropic
 * provider: pure translations (no I/O, no engine) of the request, the whole answer,
 * the stream of events and the error body, so that /v1/chat/completions serves
 * OpenAI clients from Anthropic models. What cannot be mapped faithfully is refused
 * with the field's path, never dropped in silence. The mapping table, and what is
 * refused and why, is docs/api-anthropic.md. */
#ifndef LLMMETA_ANTHROPIC_TRANSLATE_H
#define LLMMETA_ANTHROPIC_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* max_tokens sent when the client gave neither max_tokens nor max_completion_tokens:
 * Anthropic requires one, and every current Claude model accepts 4096. */
#define LLM_ANTHROPIC_DEFAULT_MAX_TOKENS 4096

/* OpenAI chat.completions request -> Anthropic /v1/messages request body, with
 * model = the provider's model name (the client's "model" is not read). NULL when
 * something cannot be mapped: err names what (one line for the client), param the
 * field path ("messages[2].content[0].type", "temperature"); param is "" when the
 * body is not a JSON object, or err is "out of memory" when the body itself could
 * not be allocated (later allocations are jansson's, not checked one by one, as
 * elsewhere in llm/). The caller owns the result.
 * stream_options is accepted and not sent: the caller reads include_usage. */
json_t *llm_anthropic_request(const json_t *openai_req, const char *model, char *err, size_t errlen, char *param,
			      size_t paramlen);

/* Anthropic messages response -> OpenAI chat.completion object (model = as the
 * client asked it), or NULL when resp is not a message (no "content" array). For the
 * record, the caller reads the rest from the two objects: resp's "model" (as
 * reported), the result's choices[0].message (content, tool_calls),
 * choices[0].finish_reason and usage. */
json_t *llm_anthropic_response(const json_t *resp, const char *model, const char *id, int64_t created);

/* Streaming: one translator per call. Feed it each server-sent event (event name,
 * data) in order; it appends zero or more chat.completion.chunk objects to out (a
 * JSON array) for the caller to send as "data: <json>\n\n". The caller sends
 * "data: [DONE]\n\n" itself once summary->complete is true.
 * Returns:
 *   0  the event was translated (or needs no chunk: ping, content_block_stop, an
 *      unknown event type or delta type, as Anthropic's versioning policy asks);
 *  -1  the event is malformed (not a JSON object, or missing what its type needs):
 *      the stream cannot be trusted any more;
 *   1  an "error" event: Anthropic failed mid-stream (overloaded_error...). Nothing
 *      is appended; summary->error and summary->error_type say what. The caller
 *      ends the OpenAI stream with an error object,
 *      data: {"error":{"message":summary->error,"type":...,"param":null,"code":...}}
 *      (the shape OpenAI itself sends mid-stream), and no [DONE]. */
#define LLM_ANTHROPIC_STREAM_ERROR 1
struct llm_anthropic_stream;
struct llm_anthropic_stream *llm_anthropic_stream_new(const char *model, const char *id, int64_t created,
						      bool include_usage);
int llm_anthropic_stream_event(struct llm_anthropic_stream *s, const char *event, const char *data, size_t len,
			       json_t *out);

/* What the stream reported so far, for the record. Owned by the stream: valid until
 * the next llm_anthropic_stream_event or llm_anthropic_stream_free. */
struct llm_anthropic_summary {
	const char *finish_reason; /* OpenAI's words (stop, length, tool_calls, content_filter); NULL: none yet */
	int64_t prompt_tokens;     /* input + cache creation + cache read tokens; -1 unknown */
	int64_t completion_tokens; /* -1 unknown */
	int64_t cached_tokens;     /* of prompt_tokens, read from Anthropic's cache; -1 unknown */
	const char *text;          /* the text so far, never NULL */
	size_t text_len;
	const json_t *tool_calls;  /* JSON array in OpenAI's shape (id, type, function{name, arguments}) */
	const char *model;         /* as Anthropic reported it; NULL unknown */
	const char *error;         /* after an error event: its message (keys redacted); else NULL */
	const char *error_type;    /* after an error event: Anthropic's type (overloaded_error...); else NULL */
	bool complete;             /* message_stop arrived: the answer is whole */
};
const struct llm_anthropic_summary *llm_anthropic_stream_summary(const struct llm_anthropic_stream *s);
void llm_anthropic_stream_free(struct llm_anthropic_stream *s);

/* An Anthropic error body (or any text) -> a message for the OpenAI error shape;
 * NULL-safe (body NULL or len 0 gives a generic message); never NULL unless out of
 * memory; the caller frees it. Anything shaped like an API key (sk-..., a long run
 * of key characters after "key") is replaced by "[key]"; the caller still scrubs
 * the provider's configured key. */
char *llm_anthropic_error_message(const char *body, size_t len);

/* The HTTP status fitting an Anthropic error type for the OpenAI error shape, and
 * OpenAI's error type for it: invalid_request_error -> 400 invalid_request_error,
 * authentication/permission errors -> 502 (the provider's key is llmmeta's, not the
 * client's fault), not_found_error -> 404, request_too_large -> 413,
 * rate_limit_error -> 429, overloaded_error and api_error -> 502. */
int llm_anthropic_error_status(const char *anthropic_type, const char **openai_type);

#endif
