/* workq.h - a queue of jobs run in order by one background thread, started on the
 * first job: work that must not hold up the request that asks for it (a password
 * reset's lookup, token and mail, so that the answer takes as long for every
 * address). Bounded: a full queue refuses. Stopping runs what is queued for a grace
 * period, then drops the rest. */
#ifndef LLMMETA_WORKQ_H
#define LLMMETA_WORKQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct workq_job;

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	struct workq_job *head, *tail;
	size_t count, max;
	bool running, stopping;
	int64_t stop_by; /* mono_ms after which queued jobs are dropped */
	const char *name;  /* for the log */
	void (*at_exit)(void); /* called on the queue's thread as it ends (NULL: nothing) */
};

#define WORKQ_INIT(max_jobs, label) \
	{.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .max = (max_jobs), .name = (label)}
/* The same, with a function the thread calls as it ends (to close what it opened,
 * such as its database connection). */
#define WORKQ_INIT_EXIT(max_jobs, label, exit_fn)                                                               \
	{.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .max = (max_jobs), .name = (label), \
	 .at_exit = (exit_fn)}

/* Queues run(arg) to be called on the queue's thread, then free_arg(arg) (also
 * called, without run, for a job dropped at the stop). 0 queued; -1 when the queue
 * is full, stopping, or no thread or memory can be had: the caller still owns arg. */
int workq_push(struct workq *q, void (*run)(void *arg), void (*free_arg)(void *arg), void *arg);
/* Jobs waiting (not counting one running). */
size_t workq_pending(struct workq *q);
/* Runs what is queued for at most grace_ms, drops the rest (logging how many), and
 * joins the thread. Afterwards every push refuses. More than once is fine. */
void workq_stop(struct workq *q, int64_t grace_ms);

#endif
