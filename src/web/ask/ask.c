/* ask.c - /ask/: a plain GET starts a new conversation; POST asks its first question
 * (or saves the question as a prompt). ?prompt=predefined or ?prompt=<id> fills the
 * question with the metadata-schema prompt or one of the user's saved prompts.
 * Also /prompts/<id>/delete/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../../http/assets.h"
#include "ask.h"
#include "../context.h"
#include "../page.h"

static void show(http_req *r, db *d, struct ask_form *f, int status, const char *notice)
{
	struct prompt *prompts = NULL;
	size_t np = 0;
	if (prompt_list(d, visitor(r)->user_id, &prompts, &np) < 0) {
		/* Not the form without the user's saved prompts, as if they had none. */
		http_error(r, 500, "The saved prompts could not be read.");
		return;
	}
	buf b = BUF_INIT;
	page_begin(&b, r, "Ask", "ask");
	html_raw(&b, "<h1>Ask a question</h1>\n");
	if (notice)
		html_printf(&b, "<p class=\"notice\" role=\"status\">%s</p>\n", notice);
	/* answer.js gives the streamed answer's code blocks their Copy/Download/viewer tools. */
	html_printf(&b, "<section class=\"thread\" id=\"thread\"></section>\n<script src=\"%s\" defer></script>\n",
		    asset_url("/static/answer.js"));
	ask_form_render(&b, r, f, "/ask/", prompts, np);
	/* After the thread and the form: the question is what the page is for. */
	if (np) {
		html_raw(&b, "<details class=\"saved\"><summary>Your saved prompts</summary><ul>\n");
		for (size_t i = 0; i < np; i++)
			html_printf(&b,
				    "<li><a href=\"/ask/?prompt=%lld\" title=\"%s\">%s</a> <form class=\"inline\" method=\"post\" "
				    "action=\"/prompts/%lld/delete/\"><input type=\"hidden\" name=\"csrf_token\" value=\"%s\">"
				    "<button type=\"submit\" class=\"link danger\">Delete</button></form></li>\n",
				    (long long)prompts[i].id, prompts[i].title, prompts[i].title, (long long)prompts[i].id,
				    auth_csrf_token(r));
		html_raw(&b, "</ul></details>\n");
	}
	page_end(&b);
	page_send(r, status, &b);
	prompt_list_free(prompts, np);
}

static void prefill(http_req *r, db *d, struct ask_form *f)
{
	const char *p = http_query(r, "prompt");
	int64_t id;
	if (!p)
		return;
	if (strcmp(p, "predefined") == 0)
		f->question = xstrdup(ask_predefined_prompt);
	else if (parse_int64(p, 1, INT64_MAX, &id))
		f->question = prompt_text(d, visitor(r)->user_id, id);
}

int ask_save_prompt(http_req *r, db *d, struct ask_form *f)
{
	const char *q = http_form(r, "question");
	const char *model = http_form(r, "model");
	f->question = xstrdup(q ? q : "");
	/* Keep the rest of the form as the user left it: they may ask next. */
	if (ask_model_configured(model))
		f->model = ask_model_configured(model);
	f->raw_max_tokens = http_form(r, "max_tokens");
	f->raw_temperature = http_form(r, "temperature");
	f->raw_top_k = http_form(r, "top_k");
	f->raw_top_p = http_form(r, "top_p");
	if (str_blank(f->question))
		buf_puts(&f->e_question, "Write the question to save first.");
	if (f->e_question.len || !ask_question_fits(f->question, &f->e_question))
		return 400;
	char title[64];
	utf8_title(title, sizeof title, f->question);
	if (prompt_save(d, visitor(r)->user_id, title, f->question) < 0) {
		http_error(r, 500, "The prompt could not be saved.");
		return 0;
	}
	return 200;
}

/* The line a new account is greeted with on its first /ask/. */
static const char ask_welcome_notice[] = "Welcome! Ask your first question below: pick a model, write the question, "
					 "and attach a data file if you have one.";

/* The notice shown once a question was saved as a prompt. */
const char ask_saved_notice[] = "The question was saved as a prompt.";

void page_ask(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	struct ask_form f;
	ask_form_init(&f);
	const char *intent = http_form(r, "intent");
	if (r->method != HTTP_POST) {
		prefill(r, d, &f);
		/* Set by sign-up's redirect; anyone may add it, and it only greets. */
		show(r, d, &f, 200, http_query(r, "welcome") ? ask_welcome_notice : NULL);
	} else if (intent && strcmp(intent, "save_prompt") == 0) {
		int status = ask_save_prompt(r, d, &f);
		if (status)
			show(r, d, &f, status, status == 200 ? ask_saved_notice : NULL);
	} else if (!ask_form_read(r, &f)) {
		show(r, d, &f, 400, NULL);
	} else {
		ask_job_start(r, &f, 0, NULL);
	}
	ask_form_free(&f);
}

void page_prompt_delete(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	int64_t id;
	int rc = parse_int64(r->params[0], 1, INT64_MAX, &id) ? prompt_delete(d, visitor(r)->user_id, id) : 0;
	if (rc < 0)
		http_error(r, 500, NULL);
	else if (rc == 0)
		http_error(r, 404, NULL);
	else
		http_redirect(r, 303, "/ask/");
}
