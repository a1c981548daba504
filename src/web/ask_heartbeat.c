/* ask_heartbeat.c - streamed answers get a {"type":"wait"} line after HEARTBEAT_MS
 * of silence, so that a browser that left is noticed even while a model thinks
 * before its first word, and proxies do not cut an idle stream. (The first write to
 * a closed connection usually succeeds; the second fails: a departure is noticed
 * within two beats.) One thread beats for all streams; it starts with the first
 * stream and stops at shutdown (ask_heartbeat_stop). */
#include <errno.h>
#include <time.h>

#include "../core/util.h"
#include "ask_job.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_up = PTHREAD_COND_INITIALIZER;
static struct ask_job *streams;
static pthread_t thread;
static bool running, stopping;

static void beat_all(void)
{
	int64_t now = mono_ms();
	for (struct ask_job *j = streams; j; j = j->next) {
		job_lock(j);
		if (!j->finished && !j->recorded && j->conn && now - j->last_line >= HEARTBEAT_MS) {
			job_line(j, json_pack("{s:s}", "type", "wait"));
			job_wake(j);
		}
		job_unlock(j);
	}
}

static void *beat(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 500 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&wake_up, &mu, &until) == ETIMEDOUT && !stopping)
			beat_all();
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

void heartbeat_add(struct ask_job *j)
{
	pthread_mutex_lock(&mu);
	assert(!j->listed);
	if (!running && !stopping)
		running = pthread_create(&thread, NULL, beat, NULL) == 0;
	j->prev = NULL;
	j->next = streams;
	if (streams)
		streams->prev = j;
	streams = j;
	j->listed = true;
	pthread_mutex_unlock(&mu);
}

void heartbeat_remove(struct ask_job *j)
{
	pthread_mutex_lock(&mu);
	if (j->listed) {
		if (j->prev)
			j->prev->next = j->next;
		else
			streams = j->next;
		if (j->next)
			j->next->prev = j->prev;
		j->listed = false;
	}
	pthread_mutex_unlock(&mu);
}

void ask_heartbeat_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	bool join = running;
	running = false;
	pthread_cond_signal(&wake_up);
	pthread_mutex_unlock(&mu);
	if (join)
		pthread_join(thread, NULL);
}
