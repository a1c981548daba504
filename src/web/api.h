/* api.h - what the files of the OpenAI-compatible API share (docs/api.md; only
 * web/api_*.c include this, and the request pipeline, web/app/, for api_slot_* and
 * the pages):
 *   api_chat.c    POST /v1/chat/completions: the request checked, the call started
 *   api_call.c    one call's life: the engine's events turned into the client's
 *                 bytes (as the provider sent them, or translated from Anthropic),
 *                 the record, the end
 *   api_writer.c  the group commit: one thread writes the records of the calls that
 *                 ended, many per transaction, and only then lets each call send
 *                 its last byte
 *   api_json.c    editing one member of a JSON text in place (the model's name)
 *   api_heartbeat.c  a comment line on streams after API_HEARTBEAT_MS of silence,
 *                 so that a client that left is noticed while the model thinks
 *   api_slot.c    the place and the bytes a call holds from its headers to its start
 *   api_models.c  GET /v1/models
 *   api_keys.c    the keys page, /accounts/keys/
 * A call is shared by the request, the engine and the writer (a reference each),
 * and guarded by its mutex; suspending and resuming both happen under it. */
#ifndef LLMMETA_API_H
#define LLMMETA_API_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../http/http.h"
#include "../llm/llm.h"
#include "../model/apicall.h"

struct llm_anthropic_stream;

/* Past this many bytes waiting for a slow client (or answer text kept for the
 * record), the call is stopped: memory is not the provider's to spend. */
#define API_MAX_PENDING (8 * 1024 * 1024)

struct api_call {
	pthread_mutex_t mu;
	int refs;
	struct MHD_Connection *conn; /* NULL once the request is gone */
	bool waiting;                /* the connection sleeps until there is news */
	bool stream;                 /* the client asked for a stream */
	bool anthropic;              /* translated both ways (anthropic_translate.h) */
	bool usage_asked;            /* the client asked for the usage chunk itself */
	bool started;                /* the stream's response is under way */
	bool finished;               /* the engine's last word is in */
	bool committed;              /* the writer is done with the record */
	int record_rc;               /* its outcome: 0 written, -1 not */
	bool ended;                  /* the last bytes are queued */
	bool error_sent;             /* an error event went to the client mid-stream */
	bool too_large;              /* past API_MAX_PENDING: stopped */
	bool counted;                /* holds one of the user's in-flight places */
	int64_t last_out;            /* monotonic ms when bytes were last queued for the client */
	struct api_call *hb_prev, *hb_next; /* in the heartbeat's list (streams only) */
	bool hb_listed;
	uint64_t id;                 /* the engine's call */
	int64_t t0;
	int64_t created;             /* seconds, for the ids and "created" of translated answers */
	char cmpl_id[48];            /* chatcmpl-..., for translated answers */
	char *client_model;          /* the model as the client named it */
	const struct llm_provider *prov;
	const char *prov_model;      /* the provider's name of the model */
	buf out;                     /* bytes for the client not sent yet */
	buf tail;                    /* an error event that ends the stream: sent after the record, as [DONE] is */
	size_t out_off;
	buf answer;                  /* the text, for the record */
	buf body;                    /* a whole (non-streamed) answer, as the client gets it */
	json_t *whole;               /* the translated whole answer (Anthropic), for the record */
	struct llm_anthropic_stream *tr;
	struct llm_result res;
	/* The record. */
	struct apicall rec;
	struct message q, a;
	char title[81];
	struct api_call *next; /* in the writer's queue */
};

/* api_call.c */
struct api_call *api_call_new(void);
void api_call_unref(struct api_call *c);
void api_call_lock(struct api_call *c);
void api_call_unlock(struct api_call *c);
/* Wakes the connection if it sleeps on this call. Call with the lock held. */
void api_call_wake(struct api_call *c);
/* Starts the call on the engine (the body to send given) and answers the request
 * as the call goes: the connection is suspended. false when the engine refused it
 * (the caller answers). */
bool api_call_start(http_req *r, struct api_call *c, const char *body);
/* Called by the writer once the record is written (rc 0) or not (-1). */
void api_call_committed(struct api_call *c, int rc);

/* api_heartbeat.c: streams are listed from their start to the request's end. */
#define API_HEARTBEAT_MS 2000
void api_heartbeat_add(struct api_call *c);
void api_heartbeat_remove(struct api_call *c);
void api_heartbeat_stop(void);

/* api_slot.c: a call's place and its share of the receiving budget, taken from its
 * headers (app_body_limit): the body limit (MAX_API_BODY_BYTES, at most
 * MAX_UPLOAD_BYTES and the user's share); take them for r, or answer 429 and return false; and, once the
 * call is about to start, give the bytes and the body's budget back and the place
 * over to the call (false: none was taken). */
size_t api_slot_limit(void);
bool api_slot_take(http_req *r, size_t limit);
bool api_slot_hand_over(http_req *r);
/* Answers 429 with Retry-After: the user has MAX_ASKS_PER_USER calls in flight. */
void api_too_many_calls(http_req *r);

/* api_writer.c: queues the call's record (takes a reference). */
void api_writer_add(struct api_call *c);

/* api_json.c: the span [*start, *end) of the value of the top-level member key of
 * the JSON object text s; false when there is none (or s is not an object). */
bool api_json_member(const char *s, size_t len, const char *key, size_t *start, size_t *end);
/* Appends s to out with the top-level member key's value replaced by the string
 * val (s as it is when it has no such member). */
void api_json_set_string(buf *out, const char *s, size_t len, const char *key, const char *val);

/* The pages (the route table dispatches to them): the keys page and a key's
 * revocation (api_keys.c), GET /v1/models, POST /v1/chat/completions. */
void page_api_keys(http_req *r);
void page_api_key_revoke(http_req *r);
void page_api_models(http_req *r);
void page_api_chat(http_req *r);
/* Stops what the API's calls use after the last request (app_shutdown): the
 * streams' heartbeat, and the writer that records the calls in batches once its
 * queue is written (api_writer.c). */
void api_stop(void);

#endif
