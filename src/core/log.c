/* log.c - timestamped log lines on stderr (see log.h).
 *
 * Every write(2) here holds whole lines, so lines from different threads never
 * interleave. A request line, written once per request, would otherwise cost a
 * printf and a write(2) each (a quarter of the CPU of serving the home page): it
 * is formatted by hand into the thread's batch, which its thread writes once half
 * full, and a flusher thread writes at most LOG_BATCH_MS after its first line. A
 * thread's batch is also written when the thread ends, at exit (atexit), and before
 * any other line of the same thread, which is written at once, never batched, so
 * that a warning or an error is never lost or delayed. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* A message is cut to MSG_MAX - 1 bytes, then escaped (at most 4 bytes a byte). */
#define MSG_MAX 2048
#define LINE_MAX_BYTES (32 + 8 + MSG_MAX * 4)

/* Writes all n bytes to stderr (a short write is continued, EINTR retried). */
static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere to report it */
		p += w;
		n -= (size_t)w;
	}
}

/* The line "<timestamp> <level> <msg, escaped>\n" into out (LINE_MAX_BYTES); its
 * length. The timestamp's date and time are formatted once a second per thread, only
 * the milliseconds change in between. */
static size_t format_line(char *out, const char *level, const char *msg)
{
	static _Thread_local int64_t ts_secs = -1;
	static _Thread_local char ts[32];
	int64_t now = now_ms();
	if (now / 1000 != ts_secs || strlen(ts) != 24) {
		fmt_iso8601(ts, now);
		ts_secs = now / 1000;
	} else {
		int frac = (int)(now % 1000);
		ts[20] = (char)('0' + frac / 100);
		ts[21] = (char)('0' + frac / 10 % 10);
		ts[22] = (char)('0' + frac % 10);
	}
	size_t o = strlen(ts);
	memcpy(out, ts, o);
	out[o++] = ' ';
	size_t k = strlen(level);
	memcpy(out + o, level, k);
	o += k;
	out[o++] = ' ';
	/* One event, one line: control characters (a decoded %0a in a path, an escape
	 * sequence) are written as \xNN so nobody can forge or hide log lines. */
	static const char hex[] = "0123456789abcdef";
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o++] = '\n';
	return o;
}

/* A thread's batch of request lines. The owner appends under mu; the flusher and
 * log_flush empty it under mu. */
struct batch {
	pthread_mutex_t mu;
	size_t len;
	struct batch *prev, *next;
	char data[2 * 4096]; /* written once half full */
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER; /* the list of batches */
static struct batch *batches;
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool pending; /* under wake_mu: a batch went from empty to not */
static pthread_key_t batch_key;
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;
static _Thread_local struct batch *mine;

static void batch_write(struct batch *b)
{
	if (b->len)
		write_all(b->data, b->len);
	b->len = 0;
}

/* The thread ends: its lines are written and its batch goes. */
static void batch_end(void *p)
{
	struct batch *b = p;
	pthread_mutex_lock(&reg_mu);
	*(b->prev ? &b->prev->next : &batches) = b->next;
	if (b->next)
		b->next->prev = b->prev;
	pthread_mutex_unlock(&reg_mu);
	pthread_mutex_lock(&b->mu);
	batch_write(b);
	pthread_mutex_unlock(&b->mu);
	pthread_mutex_destroy(&b->mu);
	free(b);
	mine = NULL;
}

void log_flush(void)
{
	pthread_mutex_lock(&reg_mu);
	for (struct batch *b = batches; b; b = b->next) {
		pthread_mutex_lock(&b->mu);
		batch_write(b);
		pthread_mutex_unlock(&b->mu);
	}
	pthread_mutex_unlock(&reg_mu);
}

/* Sleeps until some batch has a line, waits LOG_BATCH_MS for more, writes them all. */
static void *flusher(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&wake_mu);
		while (!pending)
			pthread_cond_wait(&wake, &wake_mu);
		pending = false;
		pthread_mutex_unlock(&wake_mu);
		nanosleep(&(struct timespec){.tv_nsec = LOG_BATCH_MS * 1000000L}, NULL);
		log_flush();
	}
	return NULL;
}

static bool batching; /* the flusher runs: otherwise request lines are written at once */

static void batch_start(void)
{
	pthread_t t;
	pthread_attr_t a;
	if (pthread_key_create(&batch_key, batch_end) != 0 || pthread_attr_init(&a) != 0)
		return;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 64 * 1024);
	if (pthread_create(&t, &a, flusher, NULL) == 0 && atexit(log_flush) == 0)
		batching = true;
	pthread_attr_destroy(&a);
}

/* The calling thread's batch, made and registered on its first request line; NULL
 * when there is none (no memory, no flusher). */
static struct batch *my_batch(void)
{
	if (mine)
		return mine;
	pthread_once(&batch_once, batch_start);
	if (!batching)
		return NULL;
	struct batch *b = malloc(sizeof *b);
	if (!b || pthread_setspecific(batch_key, b) != 0) {
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->mu, NULL);
	b->len = 0;
	b->prev = NULL;
	pthread_mutex_lock(&reg_mu);
	b->next = batches;
	if (batches)
		batches->prev = b;
	batches = b;
	pthread_mutex_unlock(&reg_mu);
	return mine = b;
}

/* Writes the line now, after the thread's batched lines (so its own lines stay in
 * order). */
static void emit_now(const char *line, size_t n)
{
	struct batch *b = mine;
	if (b) {
		pthread_mutex_lock(&b->mu);
		batch_write(b);
		write_all(line, n);
		pthread_mutex_unlock(&b->mu);
	} else {
		write_all(line, n);
	}
}

static void emit_batched(const char *line, size_t n)
{
	struct batch *b = my_batch();
	if (!b || n > sizeof b->data) {
		emit_now(line, n);
		return;
	}
	pthread_mutex_lock(&b->mu);
	if (b->len + n > sizeof b->data)
		batch_write(b);
	bool was_empty = b->len == 0;
	memcpy(b->data + b->len, line, n);
	b->len += n;
	if (b->len >= sizeof b->data / 2) {
		batch_write(b);
		was_empty = false; /* nothing left for the flusher */
	}
	pthread_mutex_unlock(&b->mu);
	if (was_empty) {
		pthread_mutex_lock(&wake_mu);
		pending = true;
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&wake_mu);
	}
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char msg[MSG_MAX], line[LINE_MAX_BYTES];
	vsnprintf(msg, sizeof msg, fmt, ap);
	emit_now(line, format_line(line, level, msg));
}

#define DEFINE_LOG(name, level)          \
	void name(const char *fmt, ...)  \
	{                                \
		va_list ap;              \
		va_start(ap, fmt);       \
		vlog(level, fmt, ap);    \
		va_end(ap);              \
	}

DEFINE_LOG(log_info, "info")
DEFINE_LOG(log_warn, "warn")
DEFINE_LOG(log_error, "error")

/* A message being built by hand, cut (as vsnprintf cuts) at MSG_MAX - 1 bytes. */
struct msg {
	char s[MSG_MAX];
	size_t n;
};

static void put(struct msg *m, const char *s)
{
	size_t k = strnlen(s, sizeof m->s - 1 - m->n);
	memcpy(m->s + m->n, s, k);
	m->n += k;
	m->s[m->n] = '\0';
}

static void put_int(struct msg *m, long long v)
{
	char d[24], *p = d + sizeof d;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	put(m, p);
}

void log_request(const char *method, const char *path, int status, size_t bytes, long long ms, const char *user,
		 bool closed_early)
{
	struct msg m = {.n = 0};
	m.s[0] = '\0';
	put(&m, method ? method : "?");
	put(&m, " ");
	put(&m, path ? path : "?");
	put(&m, " ");
	put_int(&m, status);
	put(&m, " ");
	put_int(&m, (long long)bytes);
	put(&m, "B ");
	put_int(&m, ms);
	put(&m, "ms ");
	put(&m, user ? user : "-");
	if (closed_early)
		put(&m, " (connection closed early)");
	char line[LINE_MAX_BYTES];
	emit_batched(line, format_line(line, "info", m.s));
}
