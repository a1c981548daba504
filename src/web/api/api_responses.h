/* api_responses.h - POST /v1/responses on the API's one adapter (api.h): what a
 * call of the Responses API adds to a chat completion's call, and the hooks by
 * which the adapter hands it the provider's events and its end:
 *   api_responses.c      the request checked, translated (llm/responses_translate.h)
 *                        and the call started; the question for the record
 *   api_responses_native.c  the same passed through to a provider that speaks the
 *                        Responses API itself (responses = native)
 *   api_responses_out.c  the provider's answer (chat completion chunks, Anthropic's
 *                        events through their translation) as Responses events or
 *                        the response object; the stored response for the record
 *   api_responses_get.c  GET and DELETE /v1/responses/{id}, its input_items */
#ifndef LLMMETA_API_RESPONSES_H
#define LLMMETA_API_RESPONSES_H

#include <jansson.h>
#include <stdbool.h>

#include "../../llm/responses_translate.h"
#include "../../model/apiresponse.h"
#include "api.h"

struct api_responses {
	char id[130];                    /* resp_..., or the native provider's */
	json_t *base;                    /* the response as it began */
	json_t *items;                   /* the request's input items, with their ids */
	json_t *history;                 /* previous_response_id's conversation as items (an array) */
	struct llm_responses_stream *st; /* the chat completion's chunks into Responses events */
	json_t *final;                   /* the response as it ended */
	char *error;                     /* the provider's error event mid-stream, for response.failed */
	bool store;                      /* stored: retrievable and continued by its id */
	bool native;                     /* passed through to a provider that speaks Responses */
	struct apiresponse row;          /* the stored response, for the record */
};

/* api_responses_out.c, called by the adapter (api_call.c, api_record.c) under the
 * call's lock: each of the provider's events (or its whole body), already without
 * its key; the call's end, for the record; the stream's last events, once the
 * record is committed. */
void api_responses_raw(struct api_call *c, const char *event, const char *data, size_t len, bool is_body);
void api_responses_outcome(struct api_call *c);
void api_responses_queue_end(struct api_call *c);
void api_responses_free(struct api_responses *r);
/* api_responses_native.c: the same two for a native provider's events and end. */
void api_responses_native_raw(struct api_call *c, const char *data, size_t len, bool is_body);
void api_responses_native_outcome(struct api_call *c);

/* api_call.c: runs a chat completion chunk's text through the call's scrubbers
 * (the key cut between two events never reaches the client whole). */
bool api_scrub_chunk(struct api_call *c, json_t *chunk);

#endif
