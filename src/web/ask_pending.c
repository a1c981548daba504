/* ask_pending.c - answers that arrived while the database could not take them. An
 * answer is never thrown away because the database is down for a moment: its record
 * waits here, in memory, and a thread writes it as soon as the database answers
 * again (every RETRY_MS). The queue is bounded (MAX_PENDING records, MAX_BYTES of
 * answers): beyond that a record is given up with an error in the log. A record
 * still waiting when the process stops is not lost either: its question still names
 * this instance, so it becomes 'interrupted' at the next start (instance.c). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/ticker.h"
#include "../core/util.h"
#include "../model/exchange.h"
#include "ask.h"
#include "../db/db.h"

#define RETRY_MS 1000
#define MAX_PENDING 10000
#define MAX_BYTES (256u * 1024 * 1024)

struct pending {
	int64_t conv_id, user_id, question_id;
	struct message answer; /* owned copies */
	bool has_answer;
	struct pending *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_up = PTHREAD_COND_INITIALIZER;
static struct pending *head, *tail;
static size_t count, bytes;
static pthread_t thread;
static bool running, stopping;

static char *dup(const char *s) { return s ? xstrdup(s) : NULL; }

static int write_one(db *d, struct pending *p)
{
	const struct message *m = &p->answer;
	int64_t id;
	return exchange_answer(d, p->conv_id, p->user_id, p->question_id, m->status, m->error, m->elapsed_ms,
			       p->has_answer ? m : NULL, &id);
}

static void *retry(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping || head) {
		if (!head) {
			pthread_cond_wait(&wake_up, &mu);
			continue;
		}
		struct timespec until = deadline_in(RETRY_MS);
		if (!stopping && pthread_cond_timedwait(&wake_up, &mu, &until) != ETIMEDOUT)
			continue;
		/* Write in order, the lock released for the database's sake. */
		pthread_mutex_unlock(&mu);
		db *d = db_thread();
		size_t written = 0;
		for (;;) {
			pthread_mutex_lock(&mu);
			struct pending *p = head;
			pthread_mutex_unlock(&mu);
			if (!p || !d || write_one(d, p) < 0)
				break;
			pthread_mutex_lock(&mu);
			head = p->next;
			if (!head)
				tail = NULL;
			count--;
			bytes -= p->answer.content ? strlen(p->answer.content) : 0;
			pthread_mutex_unlock(&mu);
			message_clear(&p->answer);
			free(p);
			written++;
		}
		if (written)
			log_info("ask: %zu answers that had waited for the database are recorded", written);
		pthread_mutex_lock(&mu);
		if (stopping)
			break; /* one last try at shutdown; what is left becomes interrupted */
	}
	size_t left = count;
	pthread_mutex_unlock(&mu);
	if (left)
		log_error("ask: %zu answers could not be recorded before the stop: their questions will show as interrupted",
			  left);
	db_thread_close();
	return NULL;
}

int ask_pending_add(int64_t conv_id, int64_t user_id, int64_t question_id, const struct message *m, bool has_answer)
{
	size_t size = m->content ? strlen(m->content) : 0;
	struct pending *p = calloc(1, sizeof *p);
	if (!p)
		return -1;
	*p = (struct pending){.conv_id = conv_id, .user_id = user_id, .question_id = question_id, .has_answer = has_answer};
	p->answer = *m;
	p->answer.content = dup(m->content);
	p->answer.provider = dup(m->provider);
	p->answer.model = dup(m->model);
	p->answer.model_reported = dup(m->model_reported);
	p->answer.finish_reason = dup(m->finish_reason);
	p->answer.error = dup(m->error);
	p->answer.rendered = dup(m->rendered);
	p->answer.request_json = dup(m->request_json);
	p->answer.tool_calls = dup(m->tool_calls);
	p->answer.file_name = p->answer.file_sha256 = p->answer.file_type = NULL;
	pthread_mutex_lock(&mu);
	bool room = !stopping && count < MAX_PENDING && bytes + size <= MAX_BYTES && (!m->content || p->answer.content);
	if (room && !running)
		running = pthread_create(&thread, NULL, retry, NULL) == 0;
	if (room && running) {
		if (tail)
			tail->next = p;
		else
			head = p;
		tail = p;
		count++;
		bytes += size;
		pthread_cond_signal(&wake_up);
	}
	bool kept = room && running;
	size_t waiting = count;
	pthread_mutex_unlock(&mu);
	if (!kept) {
		message_clear(&p->answer);
		free(p);
		return -1;
	}
	log_warn("ask: the database did not take the answer to message %lld; it waits in memory (%zu waiting)",
		 (long long)question_id, waiting);
	return 0;
}

size_t ask_pending_count(void)
{
	pthread_mutex_lock(&mu);
	size_t n = count;
	pthread_mutex_unlock(&mu);
	return n;
}

void ask_pending_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	bool join = running;
	pthread_cond_signal(&wake_up);
	pthread_mutex_unlock(&mu);
	if (join)
		pthread_join(thread, NULL);
	running = false;
}
