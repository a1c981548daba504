/* api.h - the OpenAI-compatible API's adapter onto the one pipeline of model calls
 * (call/call.h; docs/api.md). Only the API's files include this (and app.c for
 * api_slot_*):
 *   api_chat.c    POST /v1/chat/completions: the request checked, the call started
 *   api_embeddings.c  POST /v1/embeddings: the same for embeddings, and their
 *                 record's summaries (the input and the vectors are not kept)
 *   api_responses*.c  POST /v1/responses and its stored responses (api_responses.h)
 *   api_call.c    the call's output: the engine's events turned into the client's
 *                 bytes (as the provider sent them, or translated from Anthropic),
 *                 the key scrubbed across events, and the end
 *   api_record.c  its records: the question when the call begins, the outcome when
 *                 it ends; the last byte waits for the commit (fail closed)
 *   api_slot.c    the place and the bytes a call holds from its headers to its start,
 *                 and its admission (the engine accepting, the place handed over)
 *   api_models.c  GET /v1/models, GET /v1/models/{id}
 *   api_keys.c    the keys page, /accounts/keys/ */
#ifndef LLMMETA_API_H
#define LLMMETA_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../core/buf.h"
#include "../../core/jsonedit.h"
#include "../../http/http.h"
#include "../../llm/llm.h"
#include "../../model/apicall.h"
#include "../call/call.h"
#include "../call/recorder.h"

struct llm_anthropic_stream;
struct api_responses;

/* Past this many bytes waiting for a slow client (or of errors, or of a whole
 * answer), the call is stopped: memory is not the provider's to spend. */
#define API_MAX_PENDING (8 * 1024 * 1024)
/* The choices of a stream whose text is scrubbed across events (n > 8 is rare;
 * the choices past it are scrubbed event by event only). */
#define API_SCRUBBED_CHOICES 8

struct api_call {
	struct call call;            /* first: the engine's context is the call */
	bool stream;                 /* the client asked for a stream */
	bool anthropic;              /* translated both ways (anthropic_translate.h) */
	bool usage_asked;            /* the client asked for the usage chunk itself */
	bool embeddings;             /* a call of /v1/embeddings: whole, recorded as summaries */
	bool client_gone;            /* a whole answer's client closed its connection (api_beat) */
	bool error_sent;             /* an error event went to the client mid-stream */
	int64_t created;             /* seconds, for the ids and "created" of translated answers */
	char cmpl_id[48];            /* chatcmpl-..., for translated answers */
	char *client_model;          /* the model as the client named it */
	const char *prov_model;      /* the provider's name of the model */
	buf tail;                    /* an error event that ends the stream: sent after the record, as [DONE] is */
	buf body;                    /* a whole (non-streamed) answer, as the client gets it */
	json_t *whole;               /* the translated whole answer (Anthropic), for the record */
	struct llm_anthropic_stream *tr;
	struct api_responses *resp;  /* a call of /v1/responses (api_responses.h), else NULL */
	struct llm_scrubber content[API_SCRUBBED_CHOICES]; /* each choice's text, across events */
	/* The record. */
	struct apicall rec;
	struct message q, a;
	char title[81];
	struct call_record begin_rec, end_rec;
	bool begin_skipped;          /* ended before its beginning was written: the end writes it all */
};

/* api_call.c */
struct api_call *api_call_new(const struct llm_provider *p, int64_t user_id);
/* Starts the call on the engine (the body to send given, to the provider's path,
 * NULL: its chat completions), records its question, and answers the request as
 * the call goes: the connection is suspended. false when the engine refused it
 * (the caller answers). */
bool api_call_start(http_req *r, struct api_call *c, const char *body, const char *path);
/* The rest of an API page once its request is checked and c set up, with its
 * question's own part (content, request_json, title): the question's provider,
 * model and key filled in, c admitted (api_slot_admit) and started with body
 * (api_call_start) - or r answered (500 for a NULL body or a part that memory did
 * not allow, unless r was answered already) and c dropped. Takes c. */
void api_call_run(http_req *r, struct api_call *c, const char *body, const char *path);

/* api_record.c: the call's records, handed to the recorder: the question as it
 * begins (under the lock, right after call_send); the outcome at the engine's last
 * word (call_ops.end), after which api_call_committed is called. */
void api_record_begin(struct api_call *c);
void api_record_end(struct call *call);
void api_call_committed(struct api_call *c, int rc);

/* api_slot.c: a call's place and its share of the receiving budget, taken from its
 * headers (app_body_limit): the body limit (MAX_API_BODY_BYTES, at most
 * MAX_UPLOAD_BYTES and the user's share); take them for r, or answer 429 and return false; and, once the
 * call is about to start, give the bytes and the body's budget back and the place
 * over to the call (false: none was taken). */
size_t api_slot_limit(void);
bool api_slot_take(http_req *r, size_t limit);
bool api_slot_hand_over(http_req *r);
/* Lets call in, about to start: the engine accepting calls (503 otherwise), and
 * the place taken with the headers handed over to it (or one taken now: 429 when
 * the user has none left). false when r was answered. */
bool api_slot_admit(http_req *r, struct call *call);
/* Answers 429 with Retry-After: the user has MAX_ASKS_PER_USER calls in flight. */
void api_too_many_calls(http_req *r);

/* api_chat.c: the body forwarded to an OpenAI-compatible provider, from the
 * client's object text raw (which has a top-level "model" member): "model" set to
 * model and, with add_usage, "stream_options":{"include_usage":true} put first. A
 * malloc'd whole body, or NULL when any part of it could not be built (never a
 * prefix). */
char *api_json_forward_body(const char *raw, size_t len, bool add_usage, const char *model);
/* The same from the request r (its parsed body req): the client's text edited,
 * or - when its "model" key is spelled with escapes, which the in-place edit does
 * not see - req printed anew, so that the provider never gets the client's name of
 * the model. NULL when out of memory. */
char *api_forward_body(http_req *r, json_t *req, const char *prov_model, bool add_usage);
/* The body of r as a JSON object (duplicate keys refused), or NULL with r answered
 * 400. */
json_t *api_body_object(http_req *r);
/* Answers 400 invalid_request_error naming param (NULL: none). */
void api_bad(http_req *r, const char *param, const char *message);
/* Whether member key of req, when present and not null, is a number (whole) within
 * [min, max], stored in *out; false with r answered 400 naming it. */
bool api_number_in(http_req *r, json_t *req, const char *key, double min, double max, bool whole, double *out);

/* api_embeddings.c: the answer's summary for the record, from the provider's body
 * (as the client got it): the count and dimensions of the vectors. malloc'd; NULL
 * when the body holds none or memory ran out. */
char *api_embeddings_summary(const char *body, size_t len);

/* The pages (the route table dispatches to them): the keys page and a key's
 * revocation (api_keys.c), GET /v1/models and /v1/models/{id}, POST /v1/chat/completions. */
void page_api_keys(http_req *r);
void page_api_key_revoke(http_req *r);
void page_api_models(http_req *r);
void page_api_model(http_req *r);
/* Answers 200 with j (its reference taken) as JSON, or 500 when j is NULL (out of
 * memory) (api_models.c). */
void api_send_json(http_req *r, json_t *j);
/* Answers 404 model_not_found for the model the client named (api_models.c). */
void api_model_not_found(http_req *r, const char *name);
/* Answers 400 for a model of the other kind: "The model 'name' is <what>." */
void api_wrong_kind(http_req *r, const char *name, const char *what);
void page_api_chat(http_req *r);
void page_api_embeddings(http_req *r);
/* api_responses*.c: POST /v1/responses, GET and DELETE /v1/responses/{id}, GET
 * /v1/responses/{id}/input_items. */
void page_api_responses(http_req *r);
void page_api_response(http_req *r);
void page_api_response_items(http_req *r);

#endif
