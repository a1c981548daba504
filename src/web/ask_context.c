/* ask_context.c - the conversation as the model sees it: the messages read from
 * the database in order, each attached file's text appended to its question between
 * markers that say it is context. Failed and cancelled exchanges are left out, so
 * questions and answers alternate as both APIs expect. A file that cannot be read
 * fails the question (fail closed): the model is never told of a file it does not get. */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "ask.h"

int ask_context_build(db *d, int64_t conv_id, int64_t user_id, struct ask_context *c, buf *why)
{
	*c = (struct ask_context){0};
	if (msg_list(d, conv_id, &c->rows, &c->nrows) < 0) {
		buf_puts(why, "The conversation could not be read.");
		return -1;
	}
	c->msgs = calloc(c->nrows ? c->nrows : 1, sizeof *c->msgs);
	c->owned = calloc(c->nrows ? c->nrows : 1, sizeof *c->owned);
	if (!c->msgs || !c->owned) {
		buf_puts(why, "Out of memory.");
		return -1;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		struct message *m = &c->rows[i];
		if (strcmp(m->status, "ok") != 0)
			continue;
		const char *content = m->content;
		if (m->upload_id > 0) {
			char *text = upload_text(d, m->upload_id, user_id);
			if (!text) {
				/* Never tell the model a file follows and then send nothing. */
				buf_printf(why, "The attached file \"%s\" could not be read, so the question was not sent.",
					   m->file_name ? m->file_name : "file");
				return -1;
			}
			buf b = BUF_INIT;
			buf_printf(&b, "%s\n\n--- Context: the attached file \"%s\" (%lld bytes) follows ---\n%s\n"
				       "--- End of the attached file ---",
				   m->content, m->file_name ? m->file_name : "file", (long long)m->file_size, text);
			free(text);
			content = c->owned[i] = buf_detach(&b, NULL);
			if (!content) {
				buf_puts(why, "Out of memory.");
				return -1;
			}
		}
		c->msgs[c->n++] = (struct llm_msg){.role = m->role, .content = content};
	}
	return 0;
}

void ask_context_free(struct ask_context *c)
{
	for (size_t i = 0; c->owned && i < c->nrows; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->msgs);
	msg_list_free(c->rows, c->nrows);
	*c = (struct ask_context){0};
}
