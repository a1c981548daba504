/* ask_form.c - the question form: the Django app's field names,
 * defaults and ranges, each invalid field shown beside itself with the reason and
 * the user's input kept; the attached file checked for type, UTF-8 and length. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../llm/llm.h"
#include "ask.h"

const char ask_predefined_prompt[] = "Create a non-populated metadata schema for a tensile test using the uploaded raw "
				     "data, following JSON Schema standards.";

static const char *const allowed_ext[][2] = {
	{".txt", "text/plain"}, {".csv", "text/csv"}, {".json", "application/json"},
	{".md", "text/markdown"}, {".doc", "text/plain"}, /* a .doc that passes the checks is text */
};
#define NEXT (sizeof allowed_ext / sizeof allowed_ext[0])

const char *ask_file_type(const char *filename)
{
	const char *dot = strrchr(filename, '.');
	for (size_t i = 0; dot && i < NEXT; i++)
		if (strcasecmp(dot, allowed_ext[i][0]) == 0)
			return allowed_ext[i][1];
	return "application/octet-stream";
}

void ask_form_init(struct ask_form *f)
{
	memset(f, 0, sizeof *f);
	f->model = llm_model_count() ? llm_model_at(0) : NULL;
	f->max_tokens = 600;
	f->temperature = 0.7;
	f->top_k = 40;
	f->top_p = 0.9;
}

const char *ask_model_configured(const char *name)
{
	for (size_t i = 0; name && i < llm_model_count(); i++)
		if (strcmp(llm_model_at(i), name) == 0)
			return llm_model_at(i);
	return NULL;
}

void ask_form_free(struct ask_form *f)
{
	free(f->question);
	buf_free(&f->e_question);
	buf_free(&f->e_model);
	buf_free(&f->e_max_tokens);
	buf_free(&f->e_temperature);
	buf_free(&f->e_top_k);
	buf_free(&f->e_top_p);
	buf_free(&f->e_file);
}

static bool number_chars(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !strchr(".eE+-", *s))
			return false;
	return true;
}

/* Reads a number field within [min, max] as Django's forms do: required, trimmed,
 * a whole number when `whole`; the reason for a refusal goes to err. */
static bool read_number(const char *raw, double min, double max, bool whole, double *out, buf *err)
{
	char t[64];
	snprintf(t, sizeof t, "%s", raw ? raw : "");
	str_trim(t);
	double v = NAN;
	int64_t i;
	char *end = NULL;
	if (!*t || strlen(raw) >= sizeof t)
		; /* empty, or too long to be a number the form accepts */
	else if (whole && parse_int64(t, INT64_MIN, INT64_MAX, &i))
		v = (double)i;
	else if (!whole && number_chars(t) && (v = strtod(t, &end), *end))
		v = NAN;
	if (!*t) {
		buf_puts(err, "This field is required.");
	} else if (!isfinite(v)) {
		buf_puts(err, whole ? "Enter a whole number." : "Enter a number.");
	} else if (v < min) {
		buf_printf(err, "Ensure this value is greater than or equal to %g.", min);
	} else if (v > max) {
		buf_printf(err, "Ensure this value is less than or equal to %g.", max);
	} else {
		*out = v;
		return true;
	}
	return false;
}

static bool read_int(const char *raw, int64_t min, int64_t max, int64_t *out, buf *err)
{
	double v;
	bool ok = read_number(raw, (double)min, (double)max, true, &v, err);
	if (ok)
		*out = (int64_t)v;
	return ok;
}

/* True when data is UTF-8 text; a file that was cut may end inside a character. */
static bool text_file(const char *data, size_t len, bool cut)
{
	if (memchr(data, '\0', len))
		return false;
	for (size_t k = 0; k <= (cut ? 3 : 0) && k <= len; k++)
		if (utf8_valid(data, len - k))
			return true;
	return false;
}

static bool read_file(const http_file *file, buf *err)
{
	const char *dot = strrchr(file->filename, '.');
	bool ok_ext = strcmp(ask_file_type(file->filename), "application/octet-stream") != 0;
	size_t len = file->data.len;
	const char *data = file->data.data ? file->data.data : "";
	if (!ok_ext) {
		buf_printf(err, "This type of file is not accepted (%s). Upload a .txt, .csv, .json, .md or .doc file.",
			   dot ? dot : "no extension");
	} else if (file->size > cfg.max_upload_bytes) {
		buf_printf(err, "The file is %zu bytes; the limit is %zu bytes.", file->size, cfg.max_upload_bytes);
	} else if (!text_file(data, len, file->cut)) {
		buf_puts(err, "The file is not UTF-8 text (a binary .doc, for instance). Save it as plain text "
			      "(.txt, .csv, .json or .md) and upload that.");
	} else if (file->cut) {
		/* Only the first bytes were kept: more than any accepted file can have. */
		buf_printf(err, "The file's text is longer than the limit of %zu characters (the file is %zu bytes).",
			   cfg.max_context_chars, file->size);
	} else if (utf8_chars(data, len) > cfg.max_context_chars) {
		buf_printf(err, "The file's text is %zu characters long; the limit is %zu characters.",
			   utf8_chars(data, len), cfg.max_context_chars);
	} else {
		return true;
	}
	return false;
}

bool ask_question_fits(const char *q, buf *err)
{
	size_t n = utf8_chars(q, strlen(q));
	if (n <= cfg.max_context_chars)
		return true;
	buf_printf(err, "The question is %zu characters long; the limit is %zu characters.", n, cfg.max_context_chars);
	return false;
}

/* The posted field name<suffix>. */
static const char *field(http_req *r, const char *name, const char *suffix)
{
	char key[32];
	snprintf(key, sizeof key, "%s%s", name, suffix);
	return http_form(r, key);
}

bool ask_params_read(http_req *r, struct ask_form *f, const char *suffix)
{
	bool ok = true;
	const char *model = field(r, "model", suffix);
	if (model && *model) {
		f->model = model;
		if (!llm_provider_for(model)) {
			buf_printf(&f->e_model, "Select a valid choice. %s is not one of the available choices.", model);
			ok = false;
		}
	} else if (!f->model) {
		buf_puts(&f->e_model, "No model is configured: ask the administrator to set LLM_MODELS or LLMMETA_PROVIDERS.");
		ok = false;
	}
	f->raw_max_tokens = field(r, "max_tokens", suffix);
	f->raw_temperature = field(r, "temperature", suffix);
	f->raw_top_k = field(r, "top_k", suffix);
	f->raw_top_p = field(r, "top_p", suffix);
	ok &= !f->raw_max_tokens || read_int(f->raw_max_tokens, 1, 3000, &f->max_tokens, &f->e_max_tokens);
	ok &= !f->raw_temperature || read_number(f->raw_temperature, 0, 1, false, &f->temperature, &f->e_temperature);
	ok &= !f->raw_top_k || read_int(f->raw_top_k, 0, 100, &f->top_k, &f->e_top_k);
	ok &= !f->raw_top_p || read_number(f->raw_top_p, 0, 1, false, &f->top_p, &f->e_top_p);
	return ok;
}

bool ask_file_read(http_req *r, struct ask_form *f)
{
	f->file = http_file_get(r, "file_upload");
	return !f->file || read_file(f->file, &f->e_file);
}

bool ask_question_read(http_req *r, char **question, buf *err)
{
	const char *q = http_form(r, "question");
	*question = xstrdup(q ? q : "");
	if (!*question)
		return false;
	if (str_blank(*question)) {
		buf_puts(err, "This field is required.");
		return false;
	}
	return ask_question_fits(*question, err);
}

bool ask_form_read(http_req *r, struct ask_form *f)
{
	bool ok = ask_question_read(r, &f->question, &f->e_question);
	ok &= ask_params_read(r, f, "");
	ok &= ask_file_read(r, f);
	return ok;
}

static void number(buf *b, const char *name, const char *label, const char *raw, const char *value, const char *min,
		   const char *max, const char *step, const buf *e)
{
	html_printf(b, "<div class=\"field%s\"><label for=\"f-%s\">%s</label>\n", e->len ? " invalid" : "", name, label);
	html_printf(b, "<input id=\"f-%s\" name=\"%s\" type=\"number\" min=\"%s\" max=\"%s\" step=\"%s\" value=\"%s\"%s>\n",
		    name, name, min, max, step, raw ? raw : value, e->len ? " aria-invalid=\"true\"" : "");
	form_field_errors(b, name, e->data);
	html_raw(b, "</div>\n");
}

static void prompt_links(buf *b, const struct prompt *prompts, size_t n)
{
	html_raw(b, "<div class=\"prompts\"><span>Prompts:</span> "
		    "<a href=\"?prompt=predefined\" data-prompt=\"predefined\">Use the predefined prompt</a>");
	for (size_t i = 0; i < n; i++)
		html_printf(b, " <a href=\"?prompt=%lld\" title=\"%s\">%s</a>", (long long)prompts[i].id, prompts[i].title,
			    prompts[i].title);
	html_raw(b, "</div>\n");
}

/* The shortest text that reads back as v: a reopened conversation shows 0.123456789
 * as it was typed, not as %g's 0.123457, and 0.35 still as 0.35. */
static void real_text(char *out, size_t size, double v)
{
	for (int digits = 6; digits <= 17; digits++) {
		snprintf(out, size, "%.*g", digits, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

void ask_params_render(buf *b, const struct ask_form *f, const char *suffix, bool optional)
{
	char mt[32], temp[32], tk[32], tp[32], name[4][32], model[32];
	snprintf(mt, sizeof mt, "%lld", (long long)f->max_tokens);
	real_text(temp, sizeof temp, f->temperature);
	snprintf(tk, sizeof tk, "%lld", (long long)f->top_k);
	real_text(tp, sizeof tp, f->top_p);
	static const char *const base[4] = {"max_tokens", "temperature", "top_k", "top_p"};
	for (int i = 0; i < 4; i++)
		snprintf(name[i], sizeof name[i], "%s%s", base[i], suffix);
	snprintf(model, sizeof model, "model%s", suffix);
	html_raw(b, "<div class=\"params\">\n");
	html_printf(b, "<div class=\"field%s\"><label for=\"f-%s\">Model</label>\n<select id=\"f-%s\" name=\"%s\">\n",
		    f->e_model.len ? " invalid" : "", model, model, model);
	if (optional)
		html_printf(b, "<option value=\"\"%s>(none)</option>\n", f->model ? "" : " selected");
	for (size_t i = 0; i < llm_model_count(); i++) {
		const char *m = llm_model_at(i);
		html_printf(b, "<option%s>%s</option>\n", f->model && strcmp(m, f->model) == 0 ? " selected" : "", m);
	}
	html_raw(b, "</select>\n");
	form_field_errors(b, model, f->e_model.data);
	html_raw(b, "</div>\n");
	number(b, name[0], "Max tokens", f->raw_max_tokens, mt, "1", "3000", "1", &f->e_max_tokens);
	number(b, name[1], "Temperature", f->raw_temperature, temp, "0", "1", "any", &f->e_temperature);
	number(b, name[2], "Top k", f->raw_top_k, tk, "0", "100", "1", &f->e_top_k);
	number(b, name[3], "Top p", f->raw_top_p, tp, "0", "1", "any", &f->e_top_p);
	html_raw(b, "</div>\n");
}

void ask_form_render(buf *b, http_req *r, const struct ask_form *f, const char *action, const struct prompt *prompts,
		     size_t nprompts)
{
	html_printf(b,
		    "<form class=\"ask\" method=\"post\" action=\"%s\" enctype=\"multipart/form-data\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n",
		    action, auth_csrf_token(r));
	if (!llm_model_count())
		html_raw(b, "<p class=\"error\" role=\"alert\">No model is configured yet: the administrator sets "
			    "LLM_API_URL and LLM_MODELS, or LLMMETA_PROVIDERS (see the README).</p>\n");
	prompt_links(b, prompts, nprompts);
	/* On /ask/ the question is what the page is for; a conversation opens at its thread. */
	ask_question_render(b, f->question, &f->e_question, strcmp(action, "/ask/") == 0);
	ask_params_render(b, f, "", false);
	ask_file_render(b, &f->e_file);
	html_raw(b, "<div class=\"actions\"><button type=\"submit\">Ask</button>\n"
		    "<button type=\"submit\" class=\"secondary\" name=\"intent\" value=\"save_prompt\" formnovalidate>"
		    "Save question as prompt</button></div>\n</form>\n");
}

void ask_question_render(buf *b, const char *question, const buf *err, bool autofocus)
{
	html_printf(b,
		    "<div class=\"field%s\"><label for=\"f-question\">Question</label>\n"
		    "<textarea id=\"f-question\" name=\"question\" rows=\"6\" required%s>%s</textarea>\n",
		    err->len ? " invalid" : "", autofocus ? " autofocus" : "", question ? question : "");
	form_field_errors(b, "question", err->data);
	html_raw(b, "</div>\n");
}

void ask_file_render(buf *b, const buf *e_file)
{
	html_printf(b,
		    "<div class=\"field%s\"><label for=\"f-file\">File (optional: .txt .csv .json .md .doc)</label>\n"
		    "<input id=\"f-file\" name=\"file_upload\" type=\"file\" accept=\".txt,.csv,.json,.md,.doc\">\n",
		    e_file->len ? " invalid" : "");
	form_field_errors(b, "file", e_file->data);
	html_raw(b, "</div>\n");
}
