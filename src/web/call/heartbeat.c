/* heartbeat.c - a stream that was silent for HEARTBEAT_MS gets a line its client
 * skips (the adapter's call_ops.beat: the form's {"type":"wait"}, the API's SSE
 * comment), so that a client that left is noticed even while a model thinks before
 * its first word, and proxies do not cut an idle stream. (The first write to a
 * closed connection usually succeeds; the second fails: a departure is noticed
 * within two beats.) One ticker beats for every stream; it starts with the first
 * and stops after the last request (call_heartbeat_stop). */
#include "../../core/ticker.h"
#include "../../core/util.h"
#include "call.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct call *streams;
static struct ticker beat = TICKER_INIT;

static void beat_all(void *arg)
{
	(void)arg;
	int64_t now = mono_ms();
	pthread_mutex_lock(&mu);
	for (struct call *c = streams; c; c = c->hb_next) {
		call_lock(c);
		if (!call_ended(c) && c->conn && now - c->last_out >= HEARTBEAT_MS) {
			c->ops->beat(c);
			c->last_out = now;
			call_wake(c);
		}
		call_unlock(c);
	}
	pthread_mutex_unlock(&mu);
}

void call_heartbeat_add(struct call *c)
{
	assert(c->ops->beat);
	ticker_start(&beat, 500, beat_all, NULL);
	pthread_mutex_lock(&mu);
	assert(!c->hb_listed);
	c->hb_prev = NULL;
	c->hb_next = streams;
	if (streams)
		streams->hb_prev = c;
	streams = c;
	c->hb_listed = true;
	pthread_mutex_unlock(&mu);
}

void call_heartbeat_remove(struct call *c)
{
	pthread_mutex_lock(&mu);
	if (c->hb_listed) {
		if (c->hb_prev)
			c->hb_prev->hb_next = c->hb_next;
		else
			streams = c->hb_next;
		if (c->hb_next)
			c->hb_next->hb_prev = c->hb_prev;
		c->hb_listed = false;
	}
	pthread_mutex_unlock(&mu);
}

void call_heartbeat_stop(void) { ticker_stop(&beat); }
