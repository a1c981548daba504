/* compare_page.c - /compare/ (the form; its POST asks the columns) and
 * /compare/<uuid>/ (a comparison shown again): the question, the columns side by
 * side (stacked on a phone, each headed with its label and model), each with its
 * answer or error and a link to go on with it as a conversation, and the metadata
 * table with the best value of each row marked. A blind comparison shows no model
 * name, parameter or link to its columns' conversations before its vote. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../../http/assets.h"
#include "../answer_html.h"
#include "../context.h"
#include "../page.h"
#include "compare.h"

/* "?again=<uuid>": the form filled in with that comparison's question and columns. */
static void prefill(http_req *r, db *d, struct compare_form *f)
{
	const char *again = http_query(r, "again");
	struct comparison c;
	if (!again || compare_get(d, again, visitor(r)->user_id, &c) != 1)
		return;
	f->question = xstrdup(c.question);
	f->blind = c.blind;
	/* In the order they were entered, not as labelled. */
	for (int pos = 1; pos <= COMPARE_MAX_COLUMNS; pos++)
		for (size_t i = 0; i < c.ncols; i++) {
			const struct compare_column *k = &c.cols[i];
			if (k->position != pos || !ask_model_configured(k->model))
				continue;
			struct ask_form *a = &f->col[f->n];
			a->model = ask_model_configured(k->model);
			if (k->max_tokens >= 0)
				a->max_tokens = k->max_tokens;
			if (isfinite(k->temperature))
				a->temperature = k->temperature;
			if (k->top_k >= 0)
				a->top_k = k->top_k;
			if (isfinite(k->top_p))
				a->top_p = k->top_p;
			f->field[f->n] = (int)f->n + 1;
			f->n++;
		}
	compare_free(&c);
}

static void show_form(http_req *r, struct compare_form *f, int status)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Compare models", "compare");
	html_raw(&b, "<h1>Compare models</h1>\n<p class=\"lead\">One question to 2 to 6 models or settings at once, "
		     "side by side. <a href=\"/arena/\">Arena</a> (two models drawn at random, blind) · "
		     "<a href=\"/arena/leaderboard/\">Leaderboard</a></p>\n");
	compare_form_render(&b, r, f);
	html_printf(&b, "<section id=\"compare-live\" class=\"compare-live\" hidden></section>\n"
			"<script src=\"%s\" defer></script>\n",
		    asset_url("/static/compare.js"));
	page_end(&b);
	page_send(r, status, &b);
}

void page_compare(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	struct compare_form f;
	compare_form_init(&f);
	if (r->method != HTTP_POST) {
		prefill(r, d, &f);
		show_form(r, &f, 200);
	} else if (!compare_form_read(r, &f)) {
		show_form(r, &f, 400);
	} else {
		compare_start(r, &f);
	}
	compare_form_free(&f);
}

/* ---- a comparison shown again ---- */

/* A column's question and answer (the first exchange of its conversation). */
struct shown {
	struct message *rows;
	size_t nrows;
	const struct message *q, *a;
};

static int read_column(db *d, const struct compare_column *k, struct shown *s)
{
	memset(s, 0, sizeof *s);
	if (k->conv_id <= 0)
		return 0;
	if (msg_list(d, k->conv_id, &s->rows, &s->nrows) < 0)
		return -1;
	for (size_t i = 0; i < s->nrows && !s->a; i++) {
		if (!s->q && strcmp(s->rows[i].role, "user") == 0)
			s->q = &s->rows[i];
		else if (s->q && strcmp(s->rows[i].role, "assistant") == 0)
			s->a = &s->rows[i];
	}
	return 0;
}

static int64_t words_of(const char *s)
{
	int64_t n = 0;
	for (bool in = false; s && *s; s++) {
		bool w = !isspace((unsigned char)*s);
		n += w && !in;
		in = w;
	}
	return n;
}

enum better { LOWER, HIGHER };

/* One numeric row of the metadata table: v[i] < 0 unknown; the best marked. */
static void number_row(buf *b, const char *name, const double *v, size_t n, enum better better, int decimals)
{
	double best = NAN, worst = NAN;
	for (size_t i = 0; i < n; i++)
		if (v[i] >= 0) {
			if (isnan(best) || (better == LOWER ? v[i] < best : v[i] > best))
				best = v[i];
			if (isnan(worst) || (better == LOWER ? v[i] > worst : v[i] < worst))
				worst = v[i];
		}
	/* Marked where it stands out: not when every known value is the same. */
	bool mark = !isnan(best) && best != worst;
	html_printf(b, "<tr><th scope=\"row\">%s</th>", name);
	for (size_t i = 0; i < n; i++) {
		char t[32];
		if (v[i] < 0) {
			html_raw(b, "<td>-</td>");
			continue;
		}
		snprintf(t, sizeof t, "%.*f", decimals, v[i]);
		if (mark && v[i] == best)
			html_printf(b, "<td class=\"best\"><strong>%s</strong> <span class=\"badge\">best</span></td>", t);
		else
			html_printf(b, "<td>%s</td>", t);
	}
	html_raw(b, "</tr>\n");
}

static void params_text(buf *t, const struct compare_column *k)
{
	buf_printf(t, "max_tokens %s", "");
	if (k->max_tokens >= 0)
		buf_printf(t, "%lld", (long long)k->max_tokens);
	else
		buf_puts(t, "not sent");
	if (isfinite(k->temperature))
		buf_printf(t, ", temperature %g", k->temperature);
	else
		buf_puts(t, ", temperature not sent");
	if (k->top_k >= 0)
		buf_printf(t, ", top_k %lld", (long long)k->top_k);
	else
		buf_puts(t, ", top_k not sent");
	if (isfinite(k->top_p))
		buf_printf(t, ", top_p %g", k->top_p);
	else
		buf_puts(t, ", top_p not sent");
}

static void metadata_table(buf *b, const struct comparison *c, const struct shown *s, bool hidden)
{
	size_t n = c->ncols;
	html_raw(b, "<h2>Metadata</h2>\n<div class=\"table-scroll\"><table class=\"compare-meta\">\n<thead><tr><th></th>");
	for (size_t i = 0; i < n; i++)
		html_printf(b, "<th scope=\"col\">%s</th>", c->cols[i].label);
	html_raw(b, "</tr></thead>\n<tbody>\n");
	if (!hidden) {
		html_raw(b, "<tr><th scope=\"row\">Model (as reported)</th>");
		for (size_t i = 0; i < n; i++) {
			const char *rep = s[i].a && s[i].a->model_reported ? s[i].a->model_reported : NULL;
			html_printf(b, "<td>%s", c->cols[i].model);
			if (rep && strcmp(rep, c->cols[i].model) != 0)
				html_printf(b, " (%s)", rep);
			html_raw(b, "</td>");
		}
		html_raw(b, "</tr>\n<tr><th scope=\"row\">Parameters as sent</th>");
		for (size_t i = 0; i < n; i++) {
			buf t = BUF_INIT;
			params_text(&t, &c->cols[i]);
			html_printf(b, "<td>%s</td>", t.data ? t.data : "");
			buf_free(&t);
		}
		html_raw(b, "</tr>\n");
	}
	double v[COMPARE_MAX_COLUMNS] = {0};
#define ROW(name, expr, better, decimals)                                            \
	do {                                                                    \
		for (size_t i = 0; i < n; i++) {                                \
			const struct message *a = s[i].a;                       \
			v[i] = a ? (double)(expr) : -1;                         \
		}                                                               \
		number_row(b, name, v, n, better, decimals);                         \
	} while (0)
	ROW("Prompt tokens", a->prompt_tokens, LOWER, 0);
	ROW("Completion tokens", a->completion_tokens, LOWER, 0);
	ROW("Time to first token (ms)", a->ttft_ms, LOWER, 0);
	ROW("Elapsed (ms)", a->elapsed_ms, LOWER, 0);
	ROW("Tokens per second",
	    a->completion_tokens >= 0 && a->elapsed_ms > 0 ? a->completion_tokens * 1000.0 / a->elapsed_ms : -1, HIGHER,
	    1);
	ROW("Length (words)", words_of(a->content), LOWER, 0);
#undef ROW
	html_raw(b, "<tr><th scope=\"row\">Finish reason</th>");
	for (size_t i = 0; i < n; i++)
		html_printf(b, "<td>%s</td>", s[i].a && s[i].a->finish_reason ? s[i].a->finish_reason : "-");
	html_raw(b, "</tr>\n</tbody></table></div>\n");
}

static void vote_form(buf *b, http_req *r, const struct comparison *c)
{
	html_printf(b,
		    "<form method=\"post\" action=\"/compare/%s/vote/\" class=\"vote\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n<p>Which answer is better?</p>\n",
		    c->uuid, auth_csrf_token(r));
	for (size_t i = 0; i < c->ncols; i++)
		html_printf(b, "<button type=\"submit\" name=\"winner\" value=\"%s\">%s is better</button>\n", c->cols[i].label,
			    c->cols[i].label);
	html_raw(b, "<button type=\"submit\" name=\"winner\" value=\"tie\" class=\"secondary\">Tie</button>\n"
		    "<button type=\"submit\" name=\"winner\" value=\"all_bad\" class=\"secondary\">All are bad</button>\n"
		    "</form>\n");
}

static void winner_text(buf *b, const struct comparison *c)
{
	if (strcmp(c->winner, "tie") == 0)
		html_raw(b, "<p class=\"notice\" role=\"status\">Your vote: a tie.</p>\n");
	else if (strcmp(c->winner, "all_bad") == 0)
		html_raw(b, "<p class=\"notice\" role=\"status\">Your vote: all are bad.</p>\n");
	else
		html_printf(b, "<p class=\"notice\" role=\"status\">Your vote: %s is better.</p>\n", c->winner);
}

static void show_comparison(http_req *r, const struct comparison *c, const struct shown *s)
{
	bool hidden = c->blind && !c->winner;
	buf b = BUF_INIT;
	page_begin(&b, r, "Comparison", "compare");
	html_raw(&b, "<h1>Comparison</h1>\n");
	const struct message *q = s[0].q;
	html_printf(&b, "<div class=\"question\">%s</div>\n", c->question);
	if (q && q->upload_id > 0)
		html_printf(&b, "<p class=\"file\">File: <a href=\"/uploads/%lld/\">%s</a> (%lld bytes)</p>\n",
			    (long long)q->upload_id, q->file_name ? q->file_name : "file", (long long)q->file_size);
	if (c->winner)
		winner_text(&b, c);
	html_printf(&b, "<div class=\"compare-grid cols-%d\">\n", (int)c->ncols);
	for (size_t i = 0; i < c->ncols; i++) {
		const struct compare_column *k = &c->cols[i];
		html_printf(&b, "<section class=\"compare-col\" data-column=\"%d\"><h2><span class=\"label\">%s</span>",
			    (int)i, k->label);
		if (!hidden)
			html_printf(&b, " <span class=\"model\">%s</span>", k->model);
		html_raw(&b, "</h2>\n");
		const struct message *a = s[i].a;
		if (a) {
			html_raw(&b, "<div class=\"answer\">");
			answer_html(&b, a);
			html_raw(&b, "</div>\n");
		}
		const char *err = a && strcmp(a->status, "ok") != 0 ? a->error
				  : !a && s[i].q && strcmp(s[i].q->status, "ok") != 0 ? s[i].q->error
										      : NULL;
		if (err || (a && strcmp(a->status, "ok") != 0))
			html_printf(&b, "<p class=\"error\" role=\"alert\">%s</p>\n", err ? err : "The answer is incomplete.");
		else if (!a && !s[i].q)
			html_raw(&b, "<p class=\"muted\">This column's conversation was deleted.</p>\n");
		else if (!a)
			html_raw(&b, "<p class=\"muted\">No answer yet.</p>\n");
		if (!hidden && k->conv_uuid[0])
			html_printf(&b, "<p><a href=\"/conversation/%s/\">Continue this conversation</a></p>\n", k->conv_uuid);
		html_raw(&b, "</section>\n");
	}
	html_raw(&b, "</div>\n");
	if (hidden)
		vote_form(&b, r, c);
	metadata_table(&b, c, s, hidden);
	if (!hidden)
		html_printf(&b, "<p><a class=\"button\" href=\"/compare/?again=%s\">Ask again</a> (the same question and columns, "
				"to edit first)</p>\n",
			    c->uuid);
	page_end(&b);
	page_send(r, 200, &b);
}

int compare_load(http_req *r, db *d, struct comparison *c)
{
	int rc = compare_get(d, r->params[0], visitor(r)->user_id, c);
	if (rc <= 0)
		http_error(r, rc < 0 ? 500 : 404, NULL);
	return rc > 0;
}

void page_compare_view(http_req *r)
{
	db *d = web_db(r);
	struct comparison c;
	if (!d || !compare_load(r, d, &c))
		return;
	struct shown s[COMPARE_MAX_COLUMNS] = {0};
	int rc = 0;
	for (size_t i = 0; i < c.ncols && rc == 0; i++)
		rc = read_column(d, &c.cols[i], &s[i]);
	if (rc < 0)
		http_error(r, 500, "The comparison could not be read.");
	else
		show_comparison(r, &c, s);
	for (size_t i = 0; i < c.ncols; i++)
		msg_list_free(s[i].rows, s[i].nrows);
	compare_free(&c);
}
