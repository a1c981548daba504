/* ask.h - what the asking pages share: the form (ask_form.c), the job that waits
 * on the model (ask_job.h and the files it lists) and the rendering of a message
 * (conversation.c). */
#ifndef LLMMETA_ASK_H
#define LLMMETA_ASK_H

#include <stdbool.h>
#include <stdint.h>

#include "../../core/buf.h"
#include "../../http/http.h"
#include "../../llm/llm.h"
#include "../../model/conversation.h"

/* The metadata-schema prompt the Django app offered. */
extern const char ask_predefined_prompt[];

struct ask_form {
	char *question;
	const char *model;
	int64_t max_tokens, top_k;
	double temperature, top_p;
	/* What the user typed, to show again beside an error. */
	const char *raw_max_tokens, *raw_temperature, *raw_top_k, *raw_top_p;
	const http_file *file;
	buf e_question, e_model, e_max_tokens, e_temperature, e_top_k, e_top_p, e_file;
};

void ask_form_init(struct ask_form *f);
/* The configured model called name - a copy that lives as long as the
 * configuration - or NULL when no provider serves it (any more). */
const char *ask_model_configured(const char *name);
/* Reads and checks the posted form; false when any field is invalid (the reasons
 * are in the e_ buffers). */
bool ask_form_read(http_req *r, struct ask_form *f);
/* Reads and checks the model and its parameters posted as model<suffix>,
 * max_tokens<suffix>, ... (suffix "" for the ask form, "_2" for a comparison's
 * second column); an absent field keeps f's value. false when one is invalid. */
bool ask_params_read(http_req *r, struct ask_form *f, const char *suffix);
/* Reads and checks the attached file (file_upload), when there is one. */
bool ask_file_read(http_req *r, struct ask_form *f);
/* Reads the posted question into *question (a copy, NULL out of memory): false
 * when it is blank or too long (the reason in err) or memory ran out. */
bool ask_question_read(http_req *r, char **question, buf *err);
/* True when question q is within MAX_CONTEXT_CHARS; else the reason goes to err. */
bool ask_question_fits(const char *q, buf *err);
/* The form, posting to action; prompts are the user's saved ones. */
void ask_form_render(buf *b, http_req *r, const struct ask_form *f, const char *action, const struct prompt *prompts,
		     size_t nprompts);
/* The model and parameter fields of f, named with suffix as ask_params_read reads
 * them; optional: the model may be left empty. */
void ask_params_render(buf *b, const struct ask_form *f, const char *suffix, bool optional);
/* The question field, with its errors. */
void ask_question_render(buf *b, const char *question, const buf *err, bool autofocus);
/* The file field, with its errors. */
void ask_file_render(buf *b, const buf *e_file);
void ask_form_free(struct ask_form *f);
/* "Save question as prompt", on /ask/ and on a conversation page alike: reads the
 * posted form into f (the question, and the model and numbers as typed, to show
 * again) and saves the question as one of the user's prompts; nothing goes to a
 * model. Returns the status to show the form with: 200 saved, 400 refused (the
 * reason in f->e_question); or 0 when an error page was already sent. */
int ask_save_prompt(http_req *r, db *d, struct ask_form *f);
extern const char ask_saved_notice[];
/* The content type of an accepted file, from its extension (never the client's word). */
const char *ask_file_type(const char *filename);

/* Records the question and starts the model on the whole conversation; answers by
 * streaming (Accept: application/x-ndjson) or, when the answer is complete, with a
 * redirect to the conversation. conv_id/uuid: the conversation (already checked to
 * be the user's), or 0/NULL to start a new one with this question. */
void ask_job_start(http_req *r, struct ask_form *f, int64_t conv_id, const char *uuid);

/* One message as the conversation page shows it. */
void conv_render_message(buf *b, const struct message *m);

/* GET and POST /ask/, and POST /prompts/<id>/delete/ (a saved prompt), in ask.c:
 * the pages the route table dispatches to. */
void page_ask(http_req *r);
void page_prompt_delete(http_req *r);

#endif
