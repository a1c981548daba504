/* ticker.c - a periodic thread that stops promptly (see ticker.h). */
#include "ticker.h"

#include <errno.h>

struct timespec deadline_in(int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *run(void *arg)
{
	struct ticker *t = arg;
	pthread_mutex_lock(&t->mu);
	while (!t->stopping) {
		struct timespec until = deadline_in(t->every_ms);
		if (pthread_cond_timedwait(&t->wake, &t->mu, &until) != ETIMEDOUT || t->stopping)
			continue;
		pthread_mutex_unlock(&t->mu);
		t->fn(t->arg);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int ticker_start(struct ticker *t, int64_t every_ms, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&t->mu);
	int rc = 0;
	if (!t->running && !t->stopping) {
		t->every_ms = every_ms;
		t->fn = fn;
		t->arg = arg;
		t->running = pthread_create(&t->thread, NULL, run, t) == 0;
		rc = t->running ? 0 : -1;
	}
	pthread_mutex_unlock(&t->mu);
	return rc;
}

void ticker_stop(struct ticker *t)
{
	pthread_mutex_lock(&t->mu);
	t->stopping = true;
	bool join = t->running;
	t->running = false;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->mu);
	if (join)
		pthread_join(t->thread, NULL);
}
