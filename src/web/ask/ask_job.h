/* ask_job.h - the ask form's adapter onto the one pipeline of model calls
 * (call/call.h): a question from the form on its way to a model and back. Only
 * the form's files include this:
 *   ask_job.c     the job: the call's ops (a delta line, the end), the request's
 *                 end, and the record's part (what is stored, and when)
 *   ask_start.c   ask_job_start: limits, the question recorded, the call sent, and
 *                 the answer without JavaScript (wait, then redirect)
 *   ask_stream.c  the NDJSON protocol of the streamed answer
 * Its record is an answer to a question already stored, which may wait for the
 * database: the user has seen it.
 *
 * A comparison's columns (web/compare/) are jobs too, each recorded as a form's
 * answer, but whose text and end go to the comparison's page rather than to a
 * request of their own: their hooks say where. */
#ifndef LLMMETA_ASK_JOB_H
#define LLMMETA_ASK_JOB_H

#include <jansson.h>

#include "../../model/conversation.h"
#include "ask.h"
#include "../call/call.h"
#include "../call/recorder.h"

struct ask_job;

/* What a job that is part of something larger (a comparison's column) tells it;
 * without hooks, a job is the form's own. */
struct ask_job_hooks {
	/* A piece of the answer arrived (under the job's call lock). */
	void (*text)(struct ask_job *j, const char *text, size_t len);
	/* The recorder's first word is in (told and record_rc set; without the lock). */
	void (*told)(struct ask_job *j);
	/* The job is being freed. */
	void (*freed)(struct ask_job *j);
};

struct ask_job {
	struct call call; /* first: the engine's context is the job */
	const struct ask_job_hooks *hooks; /* NULL for the form's own */
	void *owner;                       /* the hooks' */
	bool streaming;
	bool claimed;      /* its record handed to the recorder (under the lock); set once */
	struct call_record rec;
	/* The question's provider, model and parameters as sent (those the provider was
	 * not sent unknown): for its record and its answer's. */
	struct message q;
	struct message m; /* the answer as recorded */
	bool has_answer;
	int64_t conv_id, question_id;
	char uuid[37];
	char *title; /* the conversation's, for the stream's first line (NULL: unknown) */
};

/* ask_job.c */
struct ask_job *job_new(http_req *r, const struct ask_form *f, int64_t conv_id, const char *uuid);
/* Claims the record of an ended call and hands it to the recorder, when no one has
 * yet; the waiting request is woken when the recorder answers. Without the lock. */
void job_record(struct ask_job *j);
void job_on_close(http_req *r, bool completed);
/* Hands the whole conversation of the job's question, already recorded, to the
 * engine (ask_start.c). 0, or -1 with the reason in why (a sentence for the user
 * and the record). */
int job_call_start(db *d, struct ask_job *j, const struct ask_form *f, buf *why);

/* The conversation as it is sent to the model (ask_context.c). */
struct ask_context {
	struct llm_msg *msgs; /* n of them, pointing into rows (a file's text appended) */
	size_t n;
	struct message *rows;
	size_t nrows;
};
/* 0, or -1 with a sentence for the user and the record in why. */
int ask_context_build(db *d, int64_t conv_id, int64_t user_id, int64_t question_id, struct ask_context *c,
		      buf *why);
void ask_context_free(struct ask_context *c);

/* ask_stream.c */
/* The stream's last line, once the record is written (or waits, or is lost). Under
 * the lock (call_ops.last). */
void job_last(struct call *c);
/* Starts the streamed answer: the start line, the heartbeat, the response. */
void job_stream(http_req *r, struct ask_job *j);

#endif
