/* ticker.h - a thread that calls a function every so many milliseconds until it is
 * stopped: the heartbeat of streamed answers, the sweep of slow connections, the
 * lease of this server. Stopping wakes it at once and joins it. */
#ifndef LLMMETA_TICKER_H
#define LLMMETA_TICKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool running, stopping;
	int64_t every_ms;
	void (*fn)(void *arg);
	void *arg;
};

#define TICKER_INIT {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER}

/* Starts calling fn(arg) every every_ms (not at once). Starting a running or
 * stopped ticker does nothing. 0 or -1. */
int ticker_start(struct ticker *t, int64_t every_ms, void (*fn)(void *arg), void *arg);
/* Stops it and waits for a call in progress; more than once is fine. */
void ticker_stop(struct ticker *t);

/* The CLOCK_REALTIME time ms from now, for pthread_cond_timedwait. */
struct timespec deadline_in(int64_t ms);

#endif
