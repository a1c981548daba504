/* workq.c - one background thread and its job queue (see workq.h). */
#include "workq.h"

#include <stdlib.h>

#include "log.h"
#include "util.h"

struct workq_job {
	struct workq_job *next;
	void (*run)(void *arg);
	void (*free_arg)(void *arg);
	void *arg;
};

/* Takes the first job; call with the lock held. */
static struct workq_job *take(struct workq *q)
{
	struct workq_job *j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		q->count--;
	}
	return j;
}

static void *run(void *arg)
{
	struct workq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->head && !q->stopping)
			pthread_cond_wait(&q->wake, &q->mu);
		if (!q->head || (q->stopping && mono_ms() > q->stop_by))
			break;
		struct workq_job *j = take(q);
		pthread_mutex_unlock(&q->mu);
		j->run(j->arg);
		j->free_arg(j->arg);
		free(j);
		pthread_mutex_lock(&q->mu);
	}
	size_t dropped = 0;
	for (struct workq_job *j; (j = take(q)) != NULL; dropped++) {
		j->free_arg(j->arg);
		free(j);
	}
	pthread_mutex_unlock(&q->mu);
	if (dropped)
		log_error("%s: %zu jobs dropped at the stop", q->name, dropped);
	if (q->at_exit)
		q->at_exit();
	return NULL;
}

int workq_push(struct workq *q, void (*fn)(void *arg), void (*free_arg)(void *arg), void *arg)
{
	struct workq_job *j = malloc(sizeof *j);
	if (!j)
		return -1;
	*j = (struct workq_job){.run = fn, .free_arg = free_arg, .arg = arg};
	pthread_mutex_lock(&q->mu);
	bool room = !q->stopping && q->count < q->max;
	if (room && !q->running)
		q->running = pthread_create(&q->thread, NULL, run, q) == 0;
	bool kept = room && q->running;
	if (kept) {
		if (q->tail)
			q->tail->next = j;
		else
			q->head = j;
		q->tail = j;
		q->count++;
		pthread_cond_signal(&q->wake);
	}
	pthread_mutex_unlock(&q->mu);
	if (!kept)
		free(j);
	return kept ? 0 : -1;
}

size_t workq_pending(struct workq *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->count;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void workq_stop(struct workq *q, int64_t grace_ms)
{
	pthread_mutex_lock(&q->mu);
	bool join = q->running && !q->stopping;
	if (!q->stopping)
		q->stop_by = mono_ms() + grace_ms;
	q->stopping = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->mu);
	if (join)
		pthread_join(q->thread, NULL);
}
