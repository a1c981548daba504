/* responses_translate.h - OpenAI's Responses API spoken to a provider of chat
 * completions: pure translations (no I/O, no engine) of the request into a chat
 * completions request, and of the chat completion (whole, or its stream of
 * chunks) back into the Responses object and its stream of typed events. An
 * Anthropic provider is reached through the chat completions translation that
 * already exists (anthropic_translate.h): Responses -> chat -> messages, and back.
 * What cannot be mapped is refused with the field's path, never dropped in
 * silence; the table of every field is docs/api.md, "Responses". */
#ifndef LLMMETA_RESPONSES_TRANSLATE_H
#define LLMMETA_RESPONSES_TRANSLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The request's input as a list of items: a string becomes one user message item;
 * a list is checked item by item (messages of role user, assistant, system or
 * developer whose content is a string or input_text / output_text / input_image /
 * input_file parts; function_call and function_call_output items), each message's
 * string content made a list of one input_text (output_text for the assistant)
 * part. NULL when it cannot be mapped: err says why, param names the field
 * ("input[2].content[0].type"). The caller owns the result. */
json_t *llm_responses_items(const json_t *input, char *err, size_t errlen, char *param, size_t paramlen);

/* Responses request -> chat completions request (without "model": the caller sets
 * the provider's name). items is the whole conversation as items: the history of
 * previous_response_id followed by the request's input (llm_responses_items).
 * NULL with err and param when a field cannot be mapped. */
json_t *llm_responses_chat_request(const json_t *req, const json_t *items, char *err, size_t errlen, char *param,
				   size_t paramlen);

/* The response object as it begins (status in_progress, output empty, usage null),
 * its id, model (as the client named it) and creation time given, the request's
 * parameters echoed as OpenAI echoes them. */
json_t *llm_responses_base(const json_t *req, const char *id, const char *model, int64_t created);

/* Streaming: one translator per call. Feed it each chat.completion.chunk in order;
 * it appends zero or more Responses events to events (a JSON array), each with its
 * type and sequence_number, the first chunk preceded by response.created and
 * response.in_progress. Returns 0, or -1 when the chunk is not an object. */
struct llm_responses_stream;
struct llm_responses_stream *llm_responses_stream_new(const json_t *base);
int llm_responses_stream_chunk(struct llm_responses_stream *s, const json_t *chunk, json_t *events);
/* Whether any event has been produced yet (response.created went out). */
bool llm_responses_stream_begun(const struct llm_responses_stream *s);
/* Ends the stream: the items still open are closed (their .done events), and the
 * final response object is returned (a new reference; NULL out of memory) with its
 * last event appended to events (unless events is NULL): response.completed;
 * response.incomplete when the provider stopped for length or a content filter;
 * response.failed (error given: code and message) when the call failed. */
json_t *llm_responses_stream_end(struct llm_responses_stream *s, const char *error_code, const char *error_message,
				 json_t *events);
void llm_responses_stream_free(struct llm_responses_stream *s);

/* A whole chat.completion -> the final response object (base completed with its
 * output and usage), as its stream would have ended. NULL when it is no chat
 * completion (no choices). */
json_t *llm_responses_from_chat(const json_t *base, const json_t *completion);

/* A whole chat.completion as the one chunk of a stream (its message the delta, its
 * tool calls indexed): for a provider that answered whole a client that asked for
 * a stream. NULL when it has no choice. */
json_t *llm_responses_chunk_of(const json_t *completion);
/* The sequence number the next event gets. */
int64_t llm_responses_stream_seq(const struct llm_responses_stream *s);

/* The items a response adds to its conversation, for the next turn: its output
 * items (messages and function calls). A new reference. */
json_t *llm_responses_output_items(const json_t *response);

/* The text of the last user message of a list of items (its text parts, one a
 * line), for the record's question: malloc'd, "" when there is none, NULL when out
 * of memory. */
char *llm_responses_question_text(const json_t *items);

#endif
