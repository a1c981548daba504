/* api_heartbeat.c - an SSE comment line (": keep-alive", which clients skip) on API
 * streams after API_HEARTBEAT_MS of silence, as ask_heartbeat.c does for the form's
 * streams: a suspended connection does not notice that its client left until it
 * writes, and a model may think a long time before its first token. The first beat
 * also starts the response (200, then events): a stream that fails after that ends
 * with an error event rather than an HTTP status. One thread beats for all streams;
 * it starts with the first and stops after the last request (api_stop). */
#include "../core/ticker.h"
#include "../core/util.h"
#include "api.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct api_call *streams;
static struct ticker beat = TICKER_INIT;

static void beat_all(void *arg)
{
	(void)arg;
	int64_t now = mono_ms();
	pthread_mutex_lock(&mu);
	for (struct api_call *c = streams; c; c = c->hb_next) {
		api_call_lock(c);
		if (!c->finished && c->conn && now - c->last_out >= API_HEARTBEAT_MS) {
			buf_puts(&c->out, ": keep-alive\n\n");
			c->last_out = now;
			api_call_wake(c);
		}
		api_call_unlock(c);
	}
	pthread_mutex_unlock(&mu);
}

void api_heartbeat_add(struct api_call *c)
{
	ticker_start(&beat, 500, beat_all, NULL);
	pthread_mutex_lock(&mu);
	c->hb_prev = NULL;
	c->hb_next = streams;
	if (streams)
		streams->hb_prev = c;
	streams = c;
	c->hb_listed = true;
	pthread_mutex_unlock(&mu);
}

void api_heartbeat_remove(struct api_call *c)
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

void api_heartbeat_stop(void) { ticker_stop(&beat); }
