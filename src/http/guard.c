/* guard.c - keeps clients that never finish their request from holding the
 * server's connection slots. libmicrohttpd calls the app only once a request's
 * head (request line and headers) is complete, and its idle timeout restarts with
 * every byte, so a client that sends half a head, or one byte a second, could keep
 * a slot for minutes; a few thousand of them took every slot.
 *
 * Every connection that is waiting for a request head is on one of two lists,
 * oldest first: new connections, which must complete their first head within
 * HTTP_HEAD_TIMEOUT_S, and kept-alive ones after an answer, which may wait for their
 * next request up to HTTP_KEEPALIVE_S (a browser keeps idle connections; cutting
 * them sooner only races its next request). A connection leaves its list when its
 * head is complete; it is cut (shutdown(), which libmicrohttpd sees as the client
 * leaving) when its time is up, or at once when more connections wait for heads than
 * half the connection limit allows - idle kept-alive ones first, then the oldest
 * new ones, once they have had a second to send their heads - so the other half is
 * always free for clients that send their requests.
 *
 * When its time is up, a connection whose bytes wait unread in its socket is not
 * cut yet: the server is behind (its workers busy on two loaded cores), not the
 * client, which has sent its request. It gets up to HTTP_HEAD_GRACE_S more, checked
 * at every sweep, and is cut once its socket is empty again with the head still
 * not complete, or when the grace is spent - so no client holds a slot longer than
 * the timeout and the grace together. A head still arriving and read as it comes
 * gets no more time than a silent connection: an honest client writes its head
 * (at most about 15 KiB) at once, and one that is still sending it after 10 s looks
 * exactly like slowloris, which drips bytes to restart idle timeouts; a rate rule
 * would only tell it which rate to drip at. The pressure cut below does not look at
 * unread bytes (docs/benchmarks.md: tried under a flood, most of the cut calls had
 * not been sent yet, and it did not save them).
 * A client that closes its side is seen by libmicrohttpd itself (end of stream). */
#include <microhttpd.h>
#include <pthread.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "../core/log.h"
#include "../core/ticker.h"
#include "../core/util.h"
#include "guard.h"
#include "http_metrics.h"

/* Cut for pressure only after waiting this long for its head. */
#define MIN_WAIT_MS 1000

struct waiting {
	int fd;
	int64_t since; /* monotonic ms: opened, or answered and kept alive */
	struct queue *on; /* the list it is on, or NULL */
	struct waiting *prev, *next;
};

struct queue {
	struct waiting *oldest, *newest;
	int64_t timeout_ms;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct queue fresh, idle; /* new connections; kept-alive ones */
static size_t nwaiting, max_waiting;
static struct ticker sweeper = TICKER_INIT;
static unsigned long cut_total;
static int64_t grace_ms;

static void unlink_locked(struct waiting *w)
{
	struct queue *q = w->on;
	if (!q)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		q->oldest = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		q->newest = w->prev;
	w->prev = w->next = NULL;
	w->on = NULL;
	nwaiting--;
}

static void append_locked(struct queue *q, struct waiting *w, int64_t now)
{
	w->since = now;
	w->prev = q->newest;
	w->next = NULL;
	if (q->newest)
		q->newest->next = w;
	else
		q->oldest = w;
	q->newest = w;
	w->on = q;
	nwaiting++;
}

/* The fd is still open: libmicrohttpd closes it only after telling guard_notify,
 * which takes mu first. */
static void cut(struct waiting *w)
{
	unlink_locked(w);
	shutdown(w->fd, SHUT_RDWR);
	cut_total++;
	http_metrics_cut(1);
}

bool guard_due(int64_t waited_ms, int64_t timeout_ms, int64_t grace, size_t unread_bytes)
{
	if (waited_ms < timeout_ms)
		return false;
	return waited_ms >= timeout_ms + grace || unread_bytes == 0;
}

/* Bytes received and not yet read by the server; 0 if it cannot tell. */
static size_t unread(int fd)
{
	int n = 0;
	return ioctl(fd, SIOCINQ, &n) == 0 && n > 0 ? (size_t)n : 0;
}

/* Cuts the connections whose time is up, then, while too many wait, the idle
 * kept-alive ones and the oldest new ones. */
static void cut_locked(int64_t now)
{
	struct queue *qs[] = {&idle, &fresh};
	for (size_t i = 0; i < 2; i++) {
		/* Oldest first: the ones whose time is up are a prefix of the list. */
		struct waiting *w = qs[i]->oldest, *next;
		for (; w && now - w->since >= qs[i]->timeout_ms; w = next) {
			next = w->next;
			if (guard_due(now - w->since, qs[i]->timeout_ms, grace_ms, unread(w->fd)))
				cut(w);
		}
	}
	/* Under pressure, only connections that have had time to send their heads: a
	 * burst of clients that just connected is not an attack. */
	for (size_t i = 0; i < 2; i++)
		while (qs[i]->oldest && nwaiting > max_waiting && now - qs[i]->oldest->since >= MIN_WAIT_MS)
			cut(qs[i]->oldest);
}

static void sweep(void *arg)
{
	(void)arg;
	static unsigned long reported;
	pthread_mutex_lock(&mu);
	cut_locked(mono_ms());
	unsigned long cut_now = cut_total;
	size_t waiting = nwaiting;
	pthread_mutex_unlock(&mu);
	if (cut_now != reported) /* at most one line a sweep, for operators and failing tests */
		log_warn("http: cut %lu connections that did not send a request in time (%zu still waiting)",
			 cut_now - reported, waiting);
	reported = cut_now;
}

int guard_start(unsigned connection_limit, unsigned head_timeout_s, unsigned keepalive_s, unsigned grace_s)
{
	max_waiting = connection_limit / 2;
	grace_ms = (int64_t)grace_s * 1000;
	fresh.timeout_ms = (int64_t)head_timeout_s * 1000;
	idle.timeout_ms = (int64_t)keepalive_s * 1000;
	return ticker_start(&sweeper, 250, sweep, NULL);
}

void guard_stop(void)
{
	ticker_stop(&sweeper);
	if (cut_total)
		log_info("cut %lu connections that did not send a request in time", cut_total);
}

void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	/* Every connection is told once started and once closed, guarded or not. */
	http_metrics_connection(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct waiting *w = calloc(1, sizeof *w);
		if (!w || !ci) {
			/* Unguarded connections would defeat the guard: refuse this one. */
			free(w);
			if (ci)
				shutdown(ci->connect_fd, SHUT_RDWR);
			*socket_context = NULL;
			return;
		}
		w->fd = ci->connect_fd;
		*socket_context = w;
		pthread_mutex_lock(&mu);
		int64_t now = mono_ms();
		append_locked(&fresh, w, now);
		cut_locked(now);
		pthread_mutex_unlock(&mu);
	} else if (*socket_context) {
		struct waiting *w = *socket_context;
		pthread_mutex_lock(&mu);
		unlink_locked(w);
		pthread_mutex_unlock(&mu);
		free(w);
		*socket_context = NULL;
	}
}

static struct waiting *of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

void guard_head_complete(struct MHD_Connection *c)
{
	struct waiting *w = of(c);
	if (!w)
		return;
	pthread_mutex_lock(&mu);
	unlink_locked(w);
	pthread_mutex_unlock(&mu);
}

void guard_request_done(struct MHD_Connection *c)
{
	struct waiting *w = of(c);
	if (!w)
		return;
	pthread_mutex_lock(&mu);
	if (!w->on)
		append_locked(&idle, w, mono_ms());
	pthread_mutex_unlock(&mu);
}
