/* api_writer.c - the group commit of the API's records (docs/api.md, "Recording").
 *
 * A call's record must be committed before the client gets the call's last byte, so
 * that an acknowledged call is never lost; one transaction (and so one fsync) per
 * call would make the database the limit of the whole API. So the calls that end
 * hand their records to this one thread, and it writes everything that queued up
 * while its previous transaction was committing in the next one: under load, a
 * transaction carries many calls; alone, a call waits for its own commit only. No
 * timer waits to fill a batch. Each call is then told (api_call_committed), and
 * only then sends its last byte.
 *
 * A batch that fails is written again a call at a time, so that one bad record
 * does not take the others with it; a call whose record cannot be written is
 * answered with an error instead of its last byte (fail closed). */
#include <pthread.h>
#include <stdlib.h>

#include "../core/log.h"
#include "../model/apicall.h"
#include "api.h"
#include "../db/db.h"

#define MAX_BATCH 512

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_up = PTHREAD_COND_INITIALIZER;
static struct api_call *head, *tail;
static pthread_t thread;
static bool running, stopping;

static void write_batch(db *d, struct api_call **calls, size_t n)
{
	struct apicall *recs[MAX_BATCH];
	for (size_t i = 0; i < n; i++)
		recs[i] = &calls[i]->rec;
	int rc = d ? apicall_record(d, recs, n) : -1;
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			api_call_committed(calls[i], 0);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int one = n > 1 && d ? apicall_record(d, &recs[i], 1) : -1;
		if (one < 0)
			log_error("api: the call of user %lld could not be recorded: %s", (long long)recs[i]->user_id,
				  d ? db_errmsg(d) : db_thread_error());
		api_call_committed(calls[i], one);
	}
}

static void *run(void *arg)
{
	(void)arg;
	struct api_call *batch[MAX_BATCH];
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!head && !stopping)
			pthread_cond_wait(&wake_up, &mu);
		if (!head)
			break; /* stopping, and everything is written */
		size_t n = 0;
		while (head && n < MAX_BATCH) {
			batch[n++] = head;
			head = head->next;
		}
		if (!head)
			tail = NULL;
		pthread_mutex_unlock(&mu);
		write_batch(db_thread(), batch, n);
		for (size_t i = 0; i < n; i++)
			api_call_unref(batch[i]);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	db_thread_close();
	return NULL;
}

void api_writer_add(struct api_call *c)
{
	api_call_lock(c);
	c->refs++;
	api_call_unlock(c);
	c->next = NULL;
	pthread_mutex_lock(&mu);
	if (!running && !stopping)
		running = pthread_create(&thread, NULL, run, NULL) == 0;
	bool queued = running;
	if (queued) {
		if (tail)
			tail->next = c;
		else
			head = c;
		tail = c;
		pthread_cond_signal(&wake_up);
	}
	pthread_mutex_unlock(&mu);
	if (!queued) {
		log_error("api: the call of user %lld could not be recorded: the writer is not running",
			  (long long)c->rec.user_id);
		api_call_committed(c, -1);
		api_call_unref(c);
	}
}

void api_stop(void)
{
	api_heartbeat_stop();
	pthread_mutex_lock(&mu);
	stopping = true;
	bool join = running;
	pthread_cond_signal(&wake_up);
	pthread_mutex_unlock(&mu);
	if (join)
		pthread_join(thread, NULL);
	running = false;
}
