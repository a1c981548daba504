/* answer_html.c - answers rendered once, when stored (see answer_html.h). */
#include "answer_html.h"

#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/util.h"
#include "../html/html.h"
#include "../html/markdown.h"

void answer_html_fill(struct message *m)
{
	buf b = BUF_INIT;
	const char *s = m->content ? m->content : "";
	markdown_html(&b, s, strlen(s));
	char *html = buf_detach(&b, NULL);
	if (!html)
		return; /* unrendered: the page renders it when shown */
	free(m->rendered);
	m->rendered = html;
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
