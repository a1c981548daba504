/* ask_context.c - the conversation as the model sees it: the messages read from
 * the database in order, each attached file's text appended to its question between
 * markers that say it is context. Only complete exchanges are sent: a question that
 * failed, was cancelled or interrupted, or is still waiting for its answer is left
 * out with whatever followed it, so questions and answers alternate as both APIs
 * expect (docs/decisions.md). A file that cannot be read fails the question (fail
 * closed): the model is never told of a file it does not get. */
#include <stdlib.h>
#include <string.h>

#include "../../core/buf.h"
#include "ask_job.h"

static bool is(const struct message *m, const char *role) { return strcmp(m->role, role) == 0 && strcmp(m->status, "ok") == 0; }

/* Whether rows[i] goes to the model: complete exchanges only - a question directly
 * followed by its answer, both ok - and the question being asked, so that the roles
 * alternate around a question that failed, was interrupted or is still in flight in
 * another tab. */
static bool sent(const struct message *rows, size_t n, size_t i, int64_t question_id)
{
	const struct message *m = &rows[i];
	if (m->id == question_id)
		return true;
	if (m->id > question_id)
		return false; /* asked after this one, elsewhere */
	if (is(m, "user"))
		return i + 1 < n && rows[i + 1].id <= question_id && is(&rows[i + 1], "assistant");
	return is(m, "assistant") && i > 0 && is(&rows[i - 1], "user");
}

int ask_context_build(db *d, int64_t conv_id, int64_t user_id, int64_t question_id, struct ask_context *c, buf *why)
{
	*c = (struct ask_context){0};
	if (msg_list(d, conv_id, &c->rows, &c->nrows) < 0) {
		buf_puts(why, "The conversation could not be read.");
		return -1;
	}
	c->msgs = calloc(c->nrows ? c->nrows : 1, sizeof *c->msgs);
	if (!c->msgs) {
		buf_puts(why, "Out of memory.");
		return -1;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		struct message *m = &c->rows[i];
		if (!sent(c->rows, c->nrows, i, question_id))
			continue;
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
			free(m->content);
			if (!(m->content = buf_detach(&b, NULL))) {
				buf_puts(why, "Out of memory.");
				return -1;
			}
		}
		c->msgs[c->n++] = (struct llm_msg){.role = m->role, .content = m->content};
	}
	return 0;
}

void ask_context_free(struct ask_context *c)
{
	free(c->msgs);
	msg_list_free(c->rows, c->nrows);
	*c = (struct ask_context){0};
}
