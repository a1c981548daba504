/* recorder.c - the group commit of every call's records, and its one retry policy.
 *
 * A record must be committed before the client is told it is (the API's last byte,
 * the form's "done"), so that an acknowledged answer is never lost; one transaction
 * (and so one fsync) per record would make the database the limit. So records are
 * queued here, and one job on the recorder's queue (core/workq.c) writes everything
 * that queued up while the previous one was committing: under load, a transaction
 * carries many records; alone, a record waits for its own commit only. No timer
 * waits to fill a batch. A batch that fails is written again a record at a time, so
 * that one bad record does not take the others with it.
 *
 * The retry policy: a record the database refused either fails at once (its client
 * is still waiting for the commit: fail closed) or, when its ops say it may, waits
 * in memory and is written as soon as the database answers again (every RETRY_MS,
 * in order). What waits is bounded (MAX_WAITING records, MAX_BYTES): beyond that a
 * record is given up. A record still waiting when the process stops is not lost
 * either: its question still names this instance, so it becomes 'interrupted' at
 * the next start (web/instance.c). */
#include "recorder.h"

#include <pthread.h>

#include "../../core/log.h"
#include "../../core/ticker.h"
#include "../../core/workq.h"

#define RETRY_MS 1000
#define MAX_WAITING 10000
#define MAX_BYTES (256u * 1024 * 1024)
#define MAX_BATCH 512

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct call_record *head, *tail;       /* queued */
static struct call_record *w_head, *w_tail;   /* waiting for the database */
static size_t w_count, w_bytes;
static bool drain_queued, stopping;
static struct workq q = WORKQ_INIT_EXIT(4, "recorder", db_thread_close);
static struct ticker retry = TICKER_INIT;

static void append(struct call_record **h, struct call_record **t, struct call_record *r)
{
	r->next = NULL;
	if (*t)
		(*t)->next = r;
	else
		*h = r;
	*t = r;
}

/* The database refused r: it waits, or fails. */
static void refused(struct call_record *r, bool last_try)
{
	pthread_mutex_lock(&mu);
	bool wait = r->ops->may_wait && !last_try && w_count < MAX_WAITING && w_bytes + r->bytes <= MAX_BYTES;
	if (wait) {
		append(&w_head, &w_tail, r);
		w_count++;
		w_bytes += r->bytes;
	}
	size_t waiting = w_count;
	pthread_mutex_unlock(&mu);
	if (wait)
		log_warn("recorder: the database did not take a record; it waits in memory (%zu waiting)", waiting);
	r->ops->done(r, wait ? 1 : -1);
}

/* Writes recs[0..n), all of one ops. */
static void write_batch(db *d, struct call_record **recs, size_t n, bool last_try)
{
	const struct record_ops *ops = recs[0]->ops;
	if (d && ops->write(d, recs, n) == 0) {
		for (size_t i = 0; i < n; i++)
			ops->done(recs[i], 0);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (n > 1 && d && ops->write(d, &recs[i], 1) == 0) {
			ops->done(recs[i], 0);
			continue;
		}
		log_error("recorder: a record could not be written: %s", d ? db_errmsg(d) : db_thread_error());
		refused(recs[i], last_try);
	}
}

/* Writes the list from r on, grouped by ops (each group in queue order, the groups
 * in the order each first appears), in batches of at most its max_batch: records of
 * a few kinds queued interleaved still make a few transactions, not one per change
 * of kind. So a record may be written before one of another kind queued ahead of
 * it (recorder.h). Every next pointer is read before a batch is handed to done,
 * which may free its records. */
static void write_list(db *d, struct call_record *r, bool last_try)
{
	struct call_record *batch[MAX_BATCH];
	while (r) {
		const struct record_ops *ops = r->ops;
		size_t n = 0, max = ops->max_batch && ops->max_batch < MAX_BATCH ? ops->max_batch : MAX_BATCH;
		struct call_record *rest = NULL, **rest_tail = &rest;
		for (struct call_record *next; r; r = next) {
			next = r->next;
			if (r->ops == ops && n < max) {
				batch[n++] = r;
			} else {
				r->next = NULL;
				*rest_tail = r;
				rest_tail = &r->next;
			}
		}
		write_batch(d, batch, n, last_try);
		r = rest;
	}
}

/* What waits, in order, until the first the database still refuses. */
static void write_waiting(db *d)
{
	size_t written = 0;
	for (;;) {
		pthread_mutex_lock(&mu);
		struct call_record *r = w_head;
		pthread_mutex_unlock(&mu);
		if (!r || !d || r->ops->write(d, &r, 1) < 0)
			break;
		pthread_mutex_lock(&mu);
		w_head = r->next;
		if (!w_head)
			w_tail = NULL;
		w_count--;
		w_bytes -= r->bytes;
		pthread_mutex_unlock(&mu);
		r->ops->done(r, 0);
		written++;
	}
	if (written)
		log_info("recorder: %zu answers that had waited for the database are recorded", written);
}

static void drain(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	drain_queued = false;
	struct call_record *r = head;
	head = tail = NULL;
	bool last = stopping;
	pthread_mutex_unlock(&mu);
	db *d = db_thread();
	write_waiting(d);
	write_list(d, r, last);
}

static void no_free(void *arg) { (void)arg; }

/* Queues a drain unless one is queued already. Under mu. */
static bool kick(void)
{
	if (drain_queued)
		return true;
	drain_queued = workq_push(&q, drain, no_free, NULL) == 0;
	return drain_queued;
}

static void retry_tick(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	if (w_head && !stopping)
		kick();
	pthread_mutex_unlock(&mu);
}

bool call_record(struct call_record *r)
{
	pthread_mutex_lock(&mu);
	/* The drain that kick queues takes mu first: it finds r on the list. */
	bool queued = !stopping && kick();
	if (queued)
		append(&head, &tail, r);
	if (queued && r->ops->may_wait)
		ticker_start(&retry, RETRY_MS, retry_tick, NULL);
	pthread_mutex_unlock(&mu);
	if (!queued)
		log_error("recorder: a record could not be queued (stopping, or out of memory)");
	return queued;
}

size_t call_recorder_waiting(void)
{
	pthread_mutex_lock(&mu);
	size_t n = w_count;
	pthread_mutex_unlock(&mu);
	return n;
}

void call_recorder_stop(void)
{
	ticker_stop(&retry);
	pthread_mutex_lock(&mu);
	stopping = true;
	/* The last drain: what is queued, and one more try of what waits. */
	drain_queued = false;
	kick();
	pthread_mutex_unlock(&mu);
	workq_stop(&q, INT64_MAX / 2);
	pthread_mutex_lock(&mu);
	struct call_record *r = w_head;
	size_t left = w_count;
	w_head = w_tail = NULL;
	w_count = w_bytes = 0;
	pthread_mutex_unlock(&mu);
	if (left)
		log_error("recorder: %zu records could not be written before the stop: their questions will show as "
			  "interrupted",
			  left);
	while (r) {
		struct call_record *next = r->next;
		r->ops->done(r, -1);
		r = next;
	}
}
