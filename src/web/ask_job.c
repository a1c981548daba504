/* ask_job.c - one question on its way to a model and back (SPEC §5.3, §5.4).
 *
 * The page records the question, builds the whole conversation (each earlier file's
 * text marked as context), hands the call to the LLM engine and suspends the
 * connection: no thread waits. The engine's callback appends the text and resumes
 * the connection. With JavaScript the answer streams as NDJSON lines (start, delta,
 * done or error); without, the page answers with a redirect to the conversation once
 * the answer is complete.
 *
 * A job is shared by the request and the engine (a reference each) and guarded by
 * its mutex; suspending and resuming both happen under it, so a resume can never
 * come before its suspend. It is recorded exactly once: when the answer ends, or -
 * if the browser goes away first - as cancelled, with what had arrived. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/config.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../html/html.h"
#include "../llm/llm.h"
#include "answer_html.h"
#include "ask.h"
#include "web.h"

/* An answer larger than this is stopped: no model answer needs 8 MiB, and memory
 * is not the provider's to spend. */
#define MAX_ANSWER_BYTES (8 * 1024 * 1024)

/* Streamed answers get a heartbeat line after HEARTBEAT_MS of silence: a browser
 * that left is noticed even while a model thinks before its first word, and
 * proxies do not cut an idle stream. (The first write to a closed connection
 * usually succeeds; the second fails: a departure is noticed within two beats.) */
#define HEARTBEAT_MS 2000

struct ask_job {
	pthread_mutex_t mu;
	int refs;
	struct MHD_Connection *conn; /* NULL once the request is gone */
	bool waiting;                /* suspended until the engine has news */
	bool streaming;
	bool finished;
	bool recorded;
	bool final_queued;
	bool too_long;   /* the answer passed MAX_ANSWER_BYTES and was stopped */
	bool counted;    /* holds one of the user's in-flight places */
	int64_t t0, ttft; /* monotonic ms at the start; to the first piece, or -1 */
	int64_t last_line; /* monotonic ms of the last NDJSON line queued */
	struct ask_job *prev, *next; /* in the list of streams (heartbeat) */
	bool listed;
	uint64_t call;
	buf answer;
	buf pending; /* NDJSON not yet sent */
	size_t pending_off;
	struct llm_result res;
	/* What the record needs. */
	int64_t user_id, conv_id, question_id;
	char uuid[37];
	char *provider, *model;
	unsigned sent;
	int64_t max_tokens, top_k;
	double temperature, top_p;
};

static void job_unref(struct ask_job *j)
{
	pthread_mutex_lock(&j->mu);
	int left = --j->refs;
	pthread_mutex_unlock(&j->mu);
	if (left)
		return;
	if (j->counted)
		ask_limit_give(j->user_id);
	pthread_mutex_destroy(&j->mu);
	buf_free(&j->answer);
	buf_free(&j->pending);
	llm_result_free(&j->res);
	free(j->provider);
	free(j->model);
	free(j);
}

/* ---- heartbeat ---- */

static pthread_mutex_t streams_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ask_job *streams;
static pthread_once_t beat_once = PTHREAD_ONCE_INIT;

static void ndjson(buf *b, json_t *line);
static void wake(struct ask_job *j);

static void *beat(void *arg)
{
	(void)arg;
	for (;;) {
		nanosleep(&(struct timespec){.tv_nsec = 500 * 1000 * 1000}, NULL);
		int64_t now = mono_ms();
		pthread_mutex_lock(&streams_mu);
		for (struct ask_job *j = streams; j; j = j->next) {
			pthread_mutex_lock(&j->mu);
			if (!j->finished && !j->recorded && j->conn && now - j->last_line >= HEARTBEAT_MS) {
				ndjson(&j->pending, json_pack("{s:s}", "type", "wait"));
				j->last_line = now;
				wake(j);
			}
			pthread_mutex_unlock(&j->mu);
		}
		pthread_mutex_unlock(&streams_mu);
	}
	return NULL;
}

static void start_beat(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, beat, NULL) == 0)
		pthread_detach(t);
}

static void stream_list(struct ask_job *j)
{
	pthread_once(&beat_once, start_beat);
	pthread_mutex_lock(&streams_mu);
	j->next = streams;
	if (streams)
		streams->prev = j;
	streams = j;
	j->listed = true;
	pthread_mutex_unlock(&streams_mu);
}

static void stream_unlist(struct ask_job *j)
{
	pthread_mutex_lock(&streams_mu);
	if (j->listed) {
		if (j->prev)
			j->prev->next = j->next;
		else
			streams = j->next;
		if (j->next)
			j->next->prev = j->prev;
		j->listed = false;
	}
	pthread_mutex_unlock(&streams_mu);
}

static void ndjson(buf *b, json_t *line)
{
	char *s = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (s) {
		buf_puts(b, s);
		buf_putc(b, '\n');
	}
	free(s);
}

/* Wakes the connection if it sleeps on this job. Call with the lock held. */
static void wake(struct ask_job *j)
{
	if (j->waiting && j->conn) {
		j->waiting = false;
		http_resume(j->conn);
	}
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

/* The engine's callback, on the engine thread. */
static void on_llm(void *ctx, enum llm_event ev, const char *text, size_t len, const struct llm_result *res)
{
	struct ask_job *j = ctx;
	pthread_mutex_lock(&j->mu);
	if (j->recorded) {
		/* Already recorded (the browser went away): what comes now is not ours. */
	} else if (ev == LLM_DELTA) {
		if (j->ttft < 0)
			j->ttft = mono_ms() - j->t0;
		if (j->answer.len + len > MAX_ANSWER_BYTES && !j->too_long) {
			j->too_long = true;
			llm_cancel(j->call); /* the engine ends it; its final callback follows */
		} else if (!j->too_long) {
			buf_append(&j->answer, text, len);
			if (j->streaming) {
				ndjson(&j->pending, json_pack("{s:s, s:s%}", "type", "delta", "text", text, len));
				j->last_line = mono_ms();
			}
		}
	} else {
		j->finished = true;
		j->res = *res;
		j->res.model = dup_or_null(res->model);
		j->res.finish_reason = dup_or_null(res->finish_reason);
		j->res.error = dup_or_null(res->error);
		if (j->too_long) {
			free(j->res.error);
			j->res.status = LLM_ERROR;
			j->res.error = xstrdup("The answer was stopped: it passed 8 MiB.");
		}
	}
	wake(j);
	pthread_mutex_unlock(&j->mu);
	if (ev != LLM_DELTA)
		job_unref(j);
}

/* ---- recording ---- */

static void answer_message(struct ask_job *j, struct message *m, const char *status)
{
	message_init(m, "assistant");
	m->content = j->answer.data ? j->answer.data : (char *)"";
	m->provider = j->provider;
	m->model = j->model;
	m->model_reported = j->res.model;
	m->max_tokens = j->sent & LLM_MAX_TOKENS ? j->max_tokens : -1;
	m->temperature = j->sent & LLM_TEMPERATURE ? j->temperature : NAN;
	m->top_k = j->sent & LLM_TOP_K ? j->top_k : -1;
	m->top_p = j->sent & LLM_TOP_P ? j->top_p : NAN;
	m->prompt_tokens = j->res.prompt_tokens;
	m->completion_tokens = j->res.completion_tokens;
	m->total_tokens = j->res.total_tokens;
	m->elapsed_ms = j->res.elapsed_ms;
	m->ttft_ms = j->res.ttft_ms;
	m->finish_reason = j->res.finish_reason;
	m->error = j->res.error;
	snprintf(m->status, sizeof m->status, "%s", status);
	m->created_at = now_ms();
	answer_html_fill(m);
}

/* Writes the outcome once. The caller has set j->recorded under the lock, after
 * which on_llm leaves the answer and result alone, so they are read here unlocked.
 * m receives the answer as stored, for display. */
static int write_record(struct ask_job *j, struct message *m)
{
	db *d = db_thread();
	if (!d)
		return -1;
	const char *status = j->res.status == LLM_OK ? "ok" : j->res.status == LLM_CANCELLED ? "cancelled" : "error";
	answer_message(j, m, status);
	int rc = 0;
	if (j->res.status != LLM_OK)
		rc = msg_set_status(d, j->question_id, status, j->res.error, j->res.elapsed_ms);
	if (rc == 0 && (j->res.status == LLM_OK || j->answer.len))
		rc = msg_insert(d, m, j->conv_id, j->user_id, &m->id);
	conv_touch(d, j->conv_id);
	if (rc < 0) {
		log_error("ask: the answer to message %lld could not be recorded: %s", (long long)j->question_id, db_errmsg(d));
		/* Never leave a question that looks answered-to-be: the next one would
		 * follow it without an answer between them. */
		msg_set_status(d, j->question_id, "error", "The answer could not be saved.", j->res.elapsed_ms);
	}
	return rc;
}

/* Claims the record; false when someone already has. */
static bool claim(struct ask_job *j)
{
	pthread_mutex_lock(&j->mu);
	bool mine = !j->recorded;
	j->recorded = true;
	pthread_mutex_unlock(&j->mu);
	return mine;
}

/* The request ended. If the answer had not, the browser went away: stop the model
 * and keep what came, as cancelled. */
static void on_close(http_req *r, bool completed)
{
	(void)completed;
	struct ask_job *j = r->job;
	stream_unlist(j);
	pthread_mutex_lock(&j->mu);
	j->conn = NULL;
	j->waiting = false;
	bool cancel = !j->finished && !j->recorded;
	if (cancel) {
		j->recorded = true;
		j->res.status = LLM_CANCELLED;
		j->res.error = xstrdup("The browser went away before the answer was complete.");
		j->res.elapsed_ms = mono_ms() - j->t0;
		j->res.ttft_ms = j->ttft;
	}
	pthread_mutex_unlock(&j->mu);
	if (cancel) {
		llm_cancel(j->call);
		struct message m;
		write_record(j, &m);
	} else if (claim(j)) {
		struct message m;
		write_record(j, &m);
	}
	job_unref(j);
}

/* ---- answering without JavaScript: wait, then redirect ---- */

static void finish_page(http_req *r)
{
	struct ask_job *j = r->job;
	pthread_mutex_lock(&j->mu);
	if (!j->finished) {
		j->waiting = true;
		http_suspend(r);
		pthread_mutex_unlock(&j->mu);
		return;
	}
	pthread_mutex_unlock(&j->mu);
	if (claim(j)) {
		struct message m;
		write_record(j, &m);
	}
	char loc[80];
	snprintf(loc, sizeof loc, "/conversation/%s/", j->uuid);
	http_redirect(r, 303, loc);
}

/* ---- answering with JavaScript: NDJSON as it comes ---- */

static void final_line(struct ask_job *j)
{
	struct message m;
	int rc = write_record(j, &m);
	buf html = BUF_INIT;
	conv_render_message(&html, &m);
	json_t *line = json_pack("{s:s, s:s}", "type", j->res.status == LLM_OK ? "done" : "error", "html",
				 j->answer.len || j->res.status == LLM_OK ? (html.data ? html.data : "") : "");
	if (j->res.status != LLM_OK)
		json_object_set_new(line, "message", json_string(j->res.error ? j->res.error : "The provider failed."));
	if (rc < 0)
		json_object_set_new(line, "warning", json_string("The answer could not be saved."));
	buf_free(&html);
	pthread_mutex_lock(&j->mu);
	ndjson(&j->pending, line);
	j->final_queued = true;
	pthread_mutex_unlock(&j->mu);
}

static long stream_read(void *cls, char *out, size_t max)
{
	struct ask_job *j = cls;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t avail = j->pending.len - j->pending_off;
		if (avail) {
			size_t n = avail < max ? avail : max;
			memcpy(out, j->pending.data + j->pending_off, n);
			j->pending_off += n;
			if (j->pending_off == j->pending.len) {
				buf_reset(&j->pending);
				j->pending_off = 0;
			}
			pthread_mutex_unlock(&j->mu);
			return (long)n;
		}
		if (j->final_queued) {
			pthread_mutex_unlock(&j->mu);
			return HTTP_STREAM_END;
		}
		bool mine = j->finished && !j->recorded;
		if (mine)
			j->recorded = true;
		else if (!j->finished) {
			j->waiting = true;
			http_stream_wait(j->conn);
		}
		pthread_mutex_unlock(&j->mu);
		if (!mine)
			return 0;
		final_line(j);
	}
}

/* ---- starting ---- */

/* Writes the question - and for a new conversation (conv_id 0) the conversation
 * first - with its file, in one transaction: all of it or nothing. */
static int64_t record_question(db *d, http_req *r, struct ask_form *f, struct ask_job *j)
{
	if (db_begin(d) < 0)
		return -1;
	if (!j->conv_id) {
		char title[81];
		utf8_title(title, sizeof title, f->question);
		if (conv_create(d, r->user.id, title, "web", j->uuid, &j->conv_id) < 0) {
			db_rollback(d);
			return -1;
		}
	}
	struct message q;
	message_init(&q, "user");
	q.content = f->question;
	q.provider = j->provider;
	q.model = j->model;
	q.max_tokens = j->sent & LLM_MAX_TOKENS ? f->max_tokens : -1;
	q.temperature = j->sent & LLM_TEMPERATURE ? f->temperature : NAN;
	q.top_k = j->sent & LLM_TOP_K ? f->top_k : -1;
	q.top_p = j->sent & LLM_TOP_P ? f->top_p : NAN;
	int64_t id = -1;
	if ((f->file && upload_insert(d, r->user.id, f->file->filename, ask_file_type(f->file->filename),
				      f->file->data.data ? f->file->data.data : "", f->file->data.len, &q.upload_id) < 0) ||
	    msg_insert(d, &q, j->conv_id, j->user_id, &id) < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return id;
}

static struct ask_job *job_new(http_req *r, struct ask_form *f, int64_t conv_id, const char *uuid)
{
	const struct llm_provider *p = llm_provider_for(f->model);
	struct ask_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	pthread_mutex_init(&j->mu, NULL);
	j->refs = 1;
	j->t0 = mono_ms();
	j->ttft = -1;
	/* Nothing reported yet: unknown, not zero. */
	j->res.prompt_tokens = j->res.completion_tokens = j->res.total_tokens = -1;
	j->res.elapsed_ms = j->res.ttft_ms = -1;
	j->conn = r->conn;
	j->user_id = r->user.id;
	j->conv_id = conv_id;
	snprintf(j->uuid, sizeof j->uuid, "%s", uuid ? uuid : "");
	j->provider = xstrdup(p->name);
	j->model = xstrdup(f->model);
	j->sent = llm_sent_params(p);
	j->max_tokens = f->max_tokens;
	j->temperature = f->temperature;
	j->top_k = f->top_k;
	j->top_p = f->top_p;
	const char *accept = http_header(r, "Accept");
	j->streaming = accept && strstr(accept, "application/x-ndjson");
	if (!j->provider || !j->model) {
		job_unref(j);
		return NULL;
	}
	return j;
}

static uint64_t start_call(db *d, struct ask_job *j, struct ask_form *f)
{
	struct ask_context ctx;
	uint64_t id = 0;
	if (ask_context_build(d, j->conv_id, j->user_id, &ctx) == 0 && ctx.n > 0) {
		struct llm_request req = {.provider = llm_provider_for(j->model), .model = j->model, .msgs = ctx.msgs,
					  .nmsgs = ctx.n, .max_tokens = f->max_tokens, .temperature = f->temperature,
					  .top_k = f->top_k, .top_p = f->top_p};
		j->refs++; /* the engine's */
		if (!(id = llm_start(&req, on_llm, j)))
			j->refs--;
	}
	ask_context_free(&ctx);
	return id;
}

void ask_job_start(http_req *r, struct ask_form *f, int64_t conv_id, const char *uuid)
{
	/* uuid is NULL for a new conversation; record_question fills j->uuid then. */
	db *d = app_db(r);
	if (!d)
		return;
	if (!llm_accepting()) {
		http_add_header(r, "Retry-After", "5");
		http_error(r, 503, "The server is restarting. Your question was not sent: try again in a moment.");
		return;
	}
	if (!ask_limit_take(r->user.id)) {
		http_error(r, 429, "You already have as many questions waiting for answers as one person may. "
				   "Wait for one to finish, then ask again.");
		return;
	}
	struct ask_job *j = job_new(r, f, conv_id, uuid);
	if (!j) {
		ask_limit_give(r->user.id);
		http_error(r, 500, "Out of memory.");
		return;
	}
	j->counted = true;
	if ((j->question_id = record_question(d, r, f, j)) < 0) {
		job_unref(j);
		http_error(r, 500, "The question could not be saved.");
		return;
	}
	if (!(j->call = start_call(d, j, f))) {
		bool closing = !llm_accepting();
		msg_set_status(d, j->question_id, "error",
			       closing ? "The server was restarting; the question was not sent." : "The request to the model could not be built.", -1);
		job_unref(j);
		if (closing)
			http_add_header(r, "Retry-After", "5");
		http_error(r, closing ? 503 : 500,
			   closing ? "The server is restarting. Your question was not sent: try again in a moment."
				   : "The request to the model could not be built.");
		return;
	}
	r->job = j;
	r->on_close = on_close;
	if (!j->streaming) {
		r->on_resume = finish_page;
		finish_page(r);
		return;
	}
	char url[80];
	snprintf(url, sizeof url, "/conversation/%s/", j->uuid);
	pthread_mutex_lock(&j->mu);
	ndjson(&j->pending, json_pack("{s:s, s:s, s:s}", "type", "start", "conversation", j->uuid, "url", url));
	j->last_line = mono_ms();
	pthread_mutex_unlock(&j->mu);
	stream_list(j);
	http_add_header(r, "X-Accel-Buffering", "no");
	http_send_stream(r, 200, "application/x-ndjson", stream_read, NULL, j);
}
