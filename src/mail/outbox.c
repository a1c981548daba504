/* outbox.c - the background sender (see mail.h): a queue of formatted messages and
 * one thread that hands them to the SMTP server in order. A message that the
 * server refuses, or that cannot reach it, is logged and dropped: for a password
 * reset the user asks again. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/log.h"
#include "../core/mailmsg.h"
#include "../core/util.h"
#include "mail.h"

struct item {
	struct item *next;
	char *from, *to, *msg; /* envelope sender and recipient; the message */
	size_t len;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct item *head, *tail;
static size_t count;
static bool running, stopping;
static int64_t stop_by; /* mono_ms after which what is queued is dropped */
static pthread_t thread;

static void item_free(struct item *it)
{
	free(it->from);
	free(it->to);
	free(it->msg);
	free(it);
}

static void deliver(struct item *it)
{
	char err[512];
	struct mail_server s = {.url = cfg.smtp_url, .ca_file = cfg.smtp_ca_file};
	if (mail_smtp_send(&s, it->from, it->to, it->msg, it->len, err, sizeof err) == 0)
		log_info("mail: sent to %s", it->to);
	else
		log_error("mail: not sent to %s: %s", it->to, err);
}

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!head && !stopping)
			pthread_cond_wait(&wake, &mu);
		if (!head || (stopping && mono_ms() > stop_by))
			break;
		struct item *it = head;
		head = it->next;
		if (!head)
			tail = NULL;
		count--;
		pthread_mutex_unlock(&mu);
		deliver(it);
		item_free(it);
		pthread_mutex_lock(&mu);
	}
	size_t dropped = count;
	while (head) {
		struct item *it = head;
		head = it->next;
		item_free(it);
	}
	tail = NULL;
	count = 0;
	pthread_mutex_unlock(&mu);
	if (dropped)
		log_error("mail: %zu messages not sent before the stop", dropped);
	return NULL;
}

/* The message for the queue, or NULL (the reason logged). */
static struct item *make(const char *to, const char *subject, const char *body)
{
	struct item *it = calloc(1, sizeof *it);
	buf name = BUF_INIT, from = BUF_INIT, msg = BUF_INIT;
	struct mailmsg m = {.from = cfg.smtp_from, .to = to, .subject = subject, .body = body, .date_ms = now_ms()};
	if (!it || mailmsg_mailbox(cfg.smtp_from, &name, &from) < 0 || mailmsg_format(&msg, &m) < 0) {
		log_error("mail: no message to %s: an unusable address or text, or out of memory", to);
		buf_free(&from);
		free(it);
		it = NULL;
	} else {
		it->from = buf_detach(&from, NULL);
		it->to = xstrdup(to);
		it->msg = buf_detach(&msg, &it->len);
		if (!it->from || !it->to || !it->msg) {
			log_error("mail: out of memory");
			item_free(it);
			it = NULL;
		}
	}
	buf_free(&name);
	buf_free(&msg);
	return it;
}

int mail_send(const char *to, const char *subject, const char *body)
{
	if (!cfg.smtp_url)
		return -1;
	struct item *it = make(to, subject, body);
	if (!it)
		return -1;
	pthread_mutex_lock(&mu);
	bool room = !stopping && count < MAIL_QUEUE_MAX;
	if (room && !running)
		running = pthread_create(&thread, NULL, run, NULL) == 0;
	if (room && running) {
		if (tail)
			tail->next = it;
		else
			head = it;
		tail = it;
		count++;
		pthread_cond_signal(&wake);
	}
	bool kept = room && running;
	pthread_mutex_unlock(&mu);
	if (!kept) {
		log_error("mail: not queued for %s: the outbox is full or stopping", to);
		item_free(it);
		return -1;
	}
	return 0;
}

void mail_stop(void)
{
	pthread_mutex_lock(&mu);
	bool join = running && !stopping;
	stopping = true;
	stop_by = mono_ms() + MAIL_STOP_MS;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&mu);
	if (join)
		pthread_join(thread, NULL);
}
