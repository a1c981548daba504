/* ask_context.c - the conversation as the model sees it: the messages read from
 * the database in order, each attached file's text appended to its question between
 * markers that say it is context. Failed and cancelled exchanges are left out, so
 * questions and answers alternate as both APIs expect. */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "ask.h"

int ask_context_build(db *d, int64_t conv_id, int64_t user_id, struct ask_context *c)
{
	*c = (struct ask_context){0};
	if (msg_list(d, conv_id, &c->rows, &c->nrows) < 0)
		return -1;
	c->msgs = calloc(c->nrows ? c->nrows : 1, sizeof *c->msgs);
	c->owned = calloc(c->nrows ? c->nrows : 1, sizeof *c->owned);
	if (!c->msgs || !c->owned)
		return -1;
	for (size_t i = 0; i < c->nrows; i++) {
		struct message *m = &c->rows[i];
		if (strcmp(m->status, "ok") != 0)
			continue;
		const char *content = m->content;
		if (m->upload_id > 0) {
			char *text = upload_text(d, m->upload_id, user_id);
			buf b = BUF_INIT;
			buf_printf(&b, "%s\n\n--- Context: the attached file \"%s\" (%lld bytes) follows ---\n%s\n"
				       "--- End of the attached file ---",
				   m->content, m->file_name ? m->file_name : "file", (long long)m->file_size, text ? text : "");
			free(text);
			content = c->owned[i] = buf_detach(&b, NULL);
			if (!content)
				return -1;
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
