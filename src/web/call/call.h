/* call.h - one call of a model, whoever asked for it: the ask form (web/ask/), the
 * OpenAI-compatible API (web/api/), and whatever asks next. The files of call/ and
 * how an adapter plugs in: docs/architecture.md, "Asking a model".
 *
 * A call is shared by the request, the engine and the recorder (a reference each)
 * and guarded by its mutex; suspending and resuming both happen under it, so a
 * resume can never come before its suspend. */
#ifndef LLMMETA_CALL_H
#define LLMMETA_CALL_H

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "../../core/buf.h"
#include "../../http/http.h"
#include "../../llm/llm.h"
#include "../../model/conversation.h"

/* An answer larger than this is stopped: no model answer needs 8 MiB, and memory
 * is not the provider's to spend. */
#define CALL_MAX_ANSWER (8 * 1024 * 1024)

enum call_state {
	CALL_CREATED,     /* not yet handed to the engine */
	CALL_SENT,        /* the engine has it; nothing came yet */
	CALL_STREAMING,   /* text is arriving */
	CALL_COMPLETE,    /* the provider finished its answer */
	CALL_FAILED,      /* the provider failed, a timeout passed, or the answer was too long */
	CALL_CANCELLED,   /* the client left or pressed Stop, or the server stopped */
	CALL_INTERRUPTED, /* only ever on record: the process died mid-call (instance.c) */
};

struct call;

struct call_ops {
	/* A piece of scrubbed text arrived (under the lock); may be NULL. */
	void (*text)(struct call *c, const char *text, size_t len);
	/* The engine's last word is in c->res and c->state, and the request woken
	 * (called without the lock, the engine's reference still held); may be NULL. */
	void (*end)(struct call *c);
	/* A stream was silent for HEARTBEAT_MS (under the lock); queue a line. */
	void (*beat)(struct call *c);
	/* The stream's reader found nothing to send (under the lock): queue the last
	 * bytes and set out_end when they are due; may be NULL. */
	void (*last)(struct call *c);
	/* Frees the adapter's struct when the last reference goes. */
	void (*free)(struct call *c);
	/* The error recorded for an answer stopped at CALL_MAX_ANSWER. */
	const char *too_long;
};

struct call {
	pthread_mutex_t mu;
#ifndef NDEBUG
	pthread_t holder; /* who holds mu, for the assertions */
	bool held;
#endif
	int refs;
	enum call_state state;
	const struct call_ops *ops;
	const struct llm_provider *prov;
	struct MHD_Connection *conn; /* NULL once the request is gone */
	bool waiting;                /* suspended until there is news */
	bool engine_done;            /* the engine's last word is in */
	bool too_long;               /* stopped at CALL_MAX_ANSWER */
	bool counted;                /* holds one of the user's in-flight places, given back when freed */
	bool recorded;               /* the recorder's first word on the answer's record is in */
	int record_rc;               /* that word: 0 written, 1 waits for the database, -1 not written */
	int64_t user_id;
	uint64_t id;                 /* the engine's */
	int64_t t0, ttft;            /* monotonic ms at the start; to the first piece, or -1 */
	int64_t last_out;            /* monotonic ms when the client was last sent something */
	struct llm_scrubber scrub;   /* the provider's key out of the text as it comes */
	buf answer;                  /* the text so far, scrubbed */
	buf out;                     /* bytes for the client not sent yet (the adapter's format) */
	size_t out_off;
	bool out_end;                /* the last bytes are in out: once sent, the stream ends */
	struct llm_result res;       /* the outcome, its strings scrubbed */
	struct call *hb_prev, *hb_next; /* in the heartbeat's list */
	bool hb_listed;
};

/* Sets up c (refs 1, the request's) for a call to provider p. */
void call_init(struct call *c, const struct call_ops *ops, const struct llm_provider *p, int64_t user_id);
/* Drops a reference; the last one frees the call (ops->free). */
void call_unref(struct call *c);
void call_lock(struct call *c);
void call_unlock(struct call *c);
#ifndef NDEBUG
#define CALL_LOCKED(c) assert((c)->held && pthread_equal((c)->holder, pthread_self()))
#else
#define CALL_LOCKED(c) ((void)0)
#endif
/* Moves the call to state s; asserts that the lifecycle allows it. Under the lock. */
void call_set_state(struct call *c, enum call_state s);
bool call_ended(const struct call *c);
/* "ok", "error", "cancelled" or "interrupted": the record's status of an ended call. */
const char *call_status(const struct call *c);
/* Wakes the connection if it sleeps on this call. Under the lock. */
void call_wake(struct call *c);
/* The recorder's word on the call's record (0, 1 or -1, as record_ops.done): the
 * first one is kept, and the request woken. Whether it was the first. Without
 * the lock. */
bool call_recorded(struct call *c, int rc);
/* Whether the recorder's word is in; when not, r waits (suspended) for it.
 * Under the lock. */
bool call_await_record(http_req *r, struct call *c);
/* Hands req to the engine with the call's callback (the engine takes a reference):
 * CREATED -> SENT. false when the engine refused it. Under the lock. */
bool call_send(struct call *c, const struct llm_request *req);
/* j (its reference taken; NULL: out of memory, nothing) as the client's next
 * piece in c->out: an SSE event (sse) or an NDJSON line. Under the lock. */
void call_queue_json(struct call *c, json_t *j, bool sse);
/* The same as one NDJSON line. */
void call_line(struct call *c, json_t *line);
/* Bytes for the client waiting in c->out. Under the lock. */
size_t call_out_waiting(const struct call *c);
/* A copy of the provider's text s without its key (NULL for NULL or out of memory). */
char *call_scrubbed(const struct call *c, const char *s);
/* Stops the call at CALL_MAX_ANSWER (or when what it holds cannot be checked for
 * the key): the engine ends it, and it is recorded as failed with ops->too_long.
 * Under the lock. */
void call_stop_too_long(struct call *c);
/* The request is gone (its on_close): no more waking it, no more beats, and a call
 * still running is cancelled - at once, its error why, or by the engine's last word
 * when why is NULL. Whether it was still running. Without the lock. */
bool call_hang_up(struct call *c, const char *why);
/* http_send_stream's reader of c->out (cls is the call): its bytes, then
 * HTTP_STREAM_END once out_end is set; 0 with the connection waiting when nothing
 * is there yet. */
long call_stream_read(void *cls, char *out, size_t max);
/* The answer's part of the record of an ended call, a message owning its strings:
 * what arrived (moved out of c->answer), the provider, model, parameters, source and
 * key of its question q, and the outcome. Whether there is an answer to store (a
 * failure with no text has none: its question carries the error). Called once no
 * one else touches the call (claimed, or under the lock). */
bool call_answer_fill(struct call *c, const struct message *q, struct message *a);

/* heartbeat.c: a stream is listed from its start to the request's end. */
#define HEARTBEAT_MS 2000
void call_heartbeat_add(struct call *c);
void call_heartbeat_remove(struct call *c);
void call_heartbeat_stop(void);

#endif
