/* ask_job.h - one question on its way to a model and back, shared by the files
 * that each do one job with it (only web/ask_*.c include this):
 *   ask_job.c        the job's life: references, the lock, the engine's callback,
 *                    the request's end
 *   ask_start.c      ask_job_start: limits, the question recorded, the call started,
 *                    and the answer without JavaScript (wait, then redirect)
 *   ask_stream.c     the NDJSON protocol of the streamed answer
 *   ask_heartbeat.c  a line every HEARTBEAT_MS of silence, so a departed browser is
 *                    noticed
 *   ask_record.c     what gets recorded, exactly once
 *
 * A job is shared by the request and the engine (a reference each) and guarded by
 * its mutex; suspending and resuming both happen under it, so a resume can never
 * come before its suspend. */
#ifndef LLMMETA_ASK_JOB_H
#define LLMMETA_ASK_JOB_H

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../http/http.h"
#include "../llm/llm.h"
#include "ask.h"

/* An answer larger than this is stopped: no model answer needs 8 MiB, and memory
 * is not the provider's to spend. */
#define MAX_ANSWER_BYTES (8 * 1024 * 1024)

struct ask_job {
	pthread_mutex_t mu;
#ifndef NDEBUG
	pthread_t holder; /* who holds mu, for the assertions */
	bool held;
#endif
	int refs;
	struct MHD_Connection *conn; /* NULL once the request is gone */
	bool waiting;                /* suspended until the engine has news */
	bool streaming;
	bool finished;     /* the engine's last word is in */
	bool recorded;     /* claimed for recording (under mu); set once */
	bool written;      /* the record was written (by the claimer) */
	bool final_queued; /* the stream's last line is queued */
	bool too_long;     /* the answer passed MAX_ANSWER_BYTES and was stopped */
	bool counted;      /* holds one of the user's in-flight places */
	int64_t t0, ttft;  /* monotonic ms at the start; to the first piece, or -1 */
	int64_t last_line; /* monotonic ms of the last NDJSON line queued */
	struct ask_job *prev, *next; /* in the heartbeat's list */
	bool listed;
	uint64_t call;
	buf answer;
	buf pending; /* NDJSON not yet sent */
	size_t pending_off;
	struct llm_result res;
	/* What the record needs. */
	int64_t user_id, conv_id, question_id;
	char uuid[37];
	char *title; /* the conversation's, for the stream's first line (NULL: unknown) */
	char *provider, *model;
	unsigned sent;
	int64_t max_tokens, top_k;
	double temperature, top_p;
};

/* ask_job.c */
struct ask_job *job_new(http_req *r, const struct ask_form *f, int64_t conv_id, const char *uuid);
void job_unref(struct ask_job *j);
void job_lock(struct ask_job *j);
void job_unlock(struct ask_job *j);
/* Asserts that the caller holds j's lock (in builds with assertions). */
#ifndef NDEBUG
#define JOB_LOCKED(j) assert((j)->held && pthread_equal((j)->holder, pthread_self()))
#else
#define JOB_LOCKED(j) ((void)0)
#endif
/* Wakes the connection if it sleeps on this job. Call with the lock held. */
void job_wake(struct ask_job *j);
/* Claims the record; false when someone already has. */
bool job_claim(struct ask_job *j);
/* The engine's callback and the request's end, as registered by ask_start.c. */
void job_on_llm(void *ctx, enum llm_event ev, const char *text, size_t len, const struct llm_result *res);
void job_on_close(http_req *r, bool completed);

/* ask_record.c: writes the outcome, once, by whoever claimed it. m receives the
 * answer as stored, for display. 0; 1 when the database did not take it and it waits
 * to be written (ask_pending.c); -1 when it is lost. */
int job_record(struct ask_job *j, struct message *m);

/* ask_stream.c */
/* Queues one NDJSON line (takes the reference to line). Call with the lock held. */
void job_line(struct ask_job *j, json_t *line);
/* Starts the streamed answer: the start line, the heartbeat, the response. */
void job_stream(http_req *r, struct ask_job *j);

/* ask_heartbeat.c */
#define HEARTBEAT_MS 2000
void heartbeat_add(struct ask_job *j);
void heartbeat_remove(struct ask_job *j);

#endif
