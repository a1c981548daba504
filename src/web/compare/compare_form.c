/* compare_form.c - the comparison's form: one question and file for 2 to 6
 * columns, each a model with its own parameters (fields model_1..model_6,
 * max_tokens_1.., temperature_1.., top_k_1.., top_p_1..), checked as the ask form
 * checks its own (ask/ask_form.c); a column without a model is left out, and every
 * error names its column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "compare.h"

void compare_form_init(struct compare_form *f)
{
	memset(f, 0, sizeof *f);
	f->api_key_id = -1;
	for (size_t i = 0; i < COMPARE_MAX_COLUMNS; i++)
		ask_form_init(&f->col[i]);
}

void compare_form_free(struct compare_form *f)
{
	for (size_t i = 0; i < COMPARE_MAX_COLUMNS; i++)
		ask_form_free(&f->col[i]);
	free(f->question);
	buf_free(&f->e_question);
	buf_free(&f->e_columns);
	buf_free(&f->e_file);
}

bool compare_question_read(http_req *r, struct compare_form *f)
{
	struct ask_form tmp;
	ask_form_init(&tmp);
	bool ok = ask_question_read(r, &f->question, &f->e_question);
	if (!ask_file_read(r, &tmp)) {
		buf_append(&f->e_file, tmp.e_file.data, tmp.e_file.len);
		ok = false;
	}
	f->file = tmp.file;
	ask_form_free(&tmp);
	return ok;
}

/* A field the form has for column k (1..) under name. */
static const char *column_field(http_req *r, const char *name, int k)
{
	char key[32];
	snprintf(key, sizeof key, "%s_%d", name, k);
	return http_form(r, key);
}

bool compare_form_read(http_req *r, struct compare_form *f)
{
	bool ok = compare_question_read(r, f);
	const char *blind = http_form(r, "blind");
	f->blind = blind && *blind && strcmp(blind, "0") != 0;
	for (int k = 1; k <= COMPARE_MAX_COLUMNS; k++) {
		const char *model = column_field(r, "model", k);
		if (!model || !*model)
			continue; /* an empty column */
		char suffix[16];
		snprintf(suffix, sizeof suffix, "_%d", k);
		struct ask_form *c = &f->col[f->n];
		f->field[f->n++] = k;
		ok &= ask_params_read(r, c, suffix);
	}
	const char *seventh = column_field(r, "model", COMPARE_MAX_COLUMNS + 1);
	if (seventh && *seventh) {
		buf_printf(&f->e_columns, "A comparison has at most %d columns.", COMPARE_MAX_COLUMNS);
		ok = false;
	} else if (f->n < 2) {
		buf_puts(&f->e_columns, "Choose a model for at least two columns.");
		ok = false;
	}
	return ok;
}

/* The first error of column c, named by its number, or nothing. */
static void column_error(buf *b, const struct ask_form *c, int k)
{
	const buf *e[] = {&c->e_model, &c->e_max_tokens, &c->e_temperature, &c->e_top_k, &c->e_top_p};
	static const char *const what[] = {"model", "max tokens", "temperature", "top k", "top p"};
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
		if (e[i]->len) {
			html_printf(b, "<p class=\"error\" role=\"alert\">Column %d, %s: %s</p>\n", k, what[i], e[i]->data);
			return;
		}
}

void compare_form_open(buf *b, http_req *r, const char *action, const struct compare_form *f)
{
	html_printf(b,
		    "<form class=\"compare-form\" method=\"post\" action=\"%s\" enctype=\"multipart/form-data\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n",
		    action, auth_csrf_token(r));
	ask_question_render(b, f->question, &f->e_question, true);
	ask_file_render(b, &f->e_file);
	if (f->e_columns.len)
		html_printf(b, "<p class=\"error\" role=\"alert\">%s</p>\n", f->e_columns.data);
}

void compare_form_render(buf *b, http_req *r, const struct compare_form *f)
{
	compare_form_open(b, r, "/compare/", f);
	html_raw(b, "<div class=\"compare-columns\">\n");
	/* The columns as entered stay where they were; the others are offered empty
	 * (the first two with a model, so that the form asks something as it is). */
	size_t used = 0;
	for (int k = 1; k <= COMPARE_MAX_COLUMNS; k++) {
		char suffix[16];
		snprintf(suffix, sizeof suffix, "_%d", k);
		struct ask_form blank;
		const struct ask_form *c = NULL;
		if (used < f->n && f->field[used] == k) {
			c = &f->col[used++];
		} else {
			ask_form_init(&blank);
			if (f->n || k > 2)
				blank.model = NULL;
			else if (k == 2 && llm_model_count() > 1)
				blank.model = llm_model_at(1);
			c = &blank;
		}
		html_printf(b, "<fieldset class=\"column\"><legend>Column %d</legend>\n", k);
		column_error(b, c, k);
		ask_params_render(b, c, suffix, true);
		html_raw(b, "</fieldset>\n");
		if (c == &blank)
			ask_form_free(&blank);
	}
	html_printf(b,
		    "</div>\n<div class=\"field check\"><label><input type=\"checkbox\" name=\"blind\" value=\"1\"%s> "
		    "Blind: hide the models until I vote</label></div>\n"
		    "<div class=\"actions\"><button type=\"submit\">Compare</button></div>\n</form>\n",
		    f->blind ? " checked" : "");
}
