/* answer_html.c - answers rendered once, when stored (see answer_html.h). */
#include "answer_html.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/util.h"
#include "../html/html.h"
#include "../html/markdown.h"

/* One buffer per thread for answer_html_fill: the message being recorded borrows it,
 * as it borrows its other fields from the job, so nobody has to free it. The key's
 * destructor frees it when the thread ends. */
static pthread_key_t fill_key;
static pthread_once_t fill_once = PTHREAD_ONCE_INIT;

static void fill_buf_free(void *p)
{
	buf_free(p);
	free(p);
}

static void fill_key_make(void)
{
	pthread_key_create(&fill_key, fill_buf_free);
}

void answer_html_fill(struct message *m)
{
	pthread_once(&fill_once, fill_key_make);
	buf *b = pthread_getspecific(fill_key);
	if (!b) {
		b = calloc(1, sizeof *b);
		if (!b || pthread_setspecific(fill_key, b) != 0) {
			free(b);
			return; /* unrendered: the page renders it when shown */
		}
	}
	if (b->cap > (1u << 20) || b->oom)
		buf_free(b); /* a huge answer's buffer is not kept for the thread's life */
	buf_reset(b);
	const char *s = m->content ? m->content : "";
	markdown_html(b, s, strlen(s));
	if (b->oom || !b->data)
		return;
	m->rendered = b->data;
	m->rendered_version = MARKDOWN_VERSION;
}

void answer_html(buf *b, const struct message *m)
{
	if (m->rendered && m->rendered_version == MARKDOWN_VERSION) {
		html_raw(b, m->rendered); /* this renderer's own output, kept */
		return;
	}
	size_t mark = b->len;
	const char *s = m->content ? m->content : "";
	markdown_html(b, s, strlen(s));
	if (m->id <= 0 || b->oom)
		return;
	/* Stored back, so that an answer from before the current renderer is rendered
	 * once more, not on every view. A failure only costs the next view a render. */
	char *html = xstrndup(b->data ? b->data + mark : "", b->len - mark);
	db *d = db_thread();
	if (html && d && msg_set_rendered(d, m->id, html, MARKDOWN_VERSION) < 0)
		log_error("the rendering of message %lld could not be stored: %s", (long long)m->id, db_errmsg(d));
	free(html);
}
