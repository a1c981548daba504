/* answer_html.h - an answer's Markdown rendered once, when it is stored, and kept
 * with the renderer's version (MARKDOWN_VERSION), so that showing a conversation does
 * no Markdown work; an answer kept with another version is rendered again when shown,
 * and the new HTML stored back. */
#ifndef LLMMETA_ANSWER_HTML_H
#define LLMMETA_ANSWER_HTML_H

#include "../core/buf.h"
#include "../model/conversation.h"

/* Renders m's content into m->rendered (the message's own, as all its strings) and
 * m->rendered_version, before the message is stored; out of memory leaves it
 * unrendered, for the page to render when shown. */
void answer_html_fill(struct message *m);

/* Appends the HTML of m's content: its stored rendering when current, else a fresh
 * one, which is then stored (m->id > 0) so that the next view finds it current. */
void answer_html(buf *b, const struct message *m);

#endif
