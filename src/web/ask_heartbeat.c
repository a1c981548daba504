/* ask_heartbeat.c - streamed answers get a {"type":"wait"} line after HEARTBEAT_MS
 * of silence, so that a browser that left is noticed even while a model thinks
 * before its first word, and proxies do not cut an idle stream. (The first write to
 * a closed connection usually succeeds; the second fails: a departure is noticed
 * within two beats.) One thread beats for all streams; it starts with the first
 * stream and stops at shutdown (ask_heartbeat_stop). */
#include "../core/ticker.h"
#include "../core/util.h"
#include "ask_job.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct ask_job *streams;
static struct ticker beat = TICKER_INIT;

static void beat_all(void *arg)
{
	(void)arg;
	int64_t now = mono_ms();
	pthread_mutex_lock(&mu);
	for (struct ask_job *j = streams; j; j = j->next) {
		job_lock(j);
		if (!j->finished && !j->recorded && j->conn && now - j->last_line >= HEARTBEAT_MS) {
			job_line(j, json_pack("{s:s}", "type", "wait"));
			job_wake(j);
		}
		job_unlock(j);
	}
	pthread_mutex_unlock(&mu);
}

void heartbeat_add(struct ask_job *j)
{
	ticker_start(&beat, 500, beat_all, NULL);
	pthread_mutex_lock(&mu);
	assert(!j->listed);
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

void ask_heartbeat_stop(void) { ticker_stop(&beat); }
