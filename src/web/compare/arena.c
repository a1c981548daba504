/* arena.c - /arena/: one question to two models drawn at random from those the
 * user ticked (or from all), blind, with the default parameters of the ask form. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "../../auth/auth.h"
#include "../../html/html.h"
#include "../../http/assets.h"
#include "../../llm/llm.h"
#include "../context.h"
#include "../page.h"
#include "compare.h"

static void show(http_req *r, const struct compare_form *f, int status)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Arena", "compare");
	html_raw(&b, "<h1>Arena</h1>\n<p class=\"lead\">Two models drawn at random answer your question side by side; "
		     "their names are shown once you vote. <a href=\"/arena/leaderboard/\">Leaderboard</a></p>\n");
	compare_form_open(&b, r, "/arena/", f);
	html_raw(&b, "<fieldset><legend>Draw from (none ticked: all)</legend>\n");
	for (size_t i = 0; i < llm_model_count(); i++)
		html_printf(&b, "<label class=\"check\"><input type=\"checkbox\" name=\"models\" value=\"%s\"> %s</label>\n",
			    llm_model_at(i), llm_model_at(i));
	html_raw(&b, "</fieldset>\n<div class=\"actions\"><button type=\"submit\">Ask two models</button></div>\n</form>\n");
	html_printf(&b, "<section id=\"compare-live\" class=\"compare-live\" hidden></section>\n"
			"<script src=\"%s\" defer></script>\n",
		    asset_url("/static/compare.js"));
	page_end(&b);
	page_send(r, status, &b);
}

/* The models to draw from: those ticked that are configured, or every one. */
static size_t pool(http_req *r, const char *out[], size_t max)
{
	const char *ticked[64];
	size_t nt = http_form_all(r, "models", ticked, sizeof ticked / sizeof ticked[0]), n = 0;
	for (size_t i = 0; i < nt && n < max; i++) {
		const char *m = ask_model_configured(ticked[i]);
		bool seen = false;
		for (size_t k = 0; m && k < n; k++)
			seen |= out[k] == m;
		if (m && !seen)
			out[n++] = m;
	}
	for (size_t i = 0; !nt && i < llm_model_count() && n < max; i++)
		out[n++] = llm_model_at(i);
	return n;
}

void page_arena(http_req *r)
{
	struct compare_form f;
	compare_form_init(&f);
	if (r->method != HTTP_POST) {
		show(r, &f, 200);
		compare_form_free(&f);
		return;
	}
	bool ok = compare_question_read(r, &f);
	const char *models[256];
	size_t n = pool(r, models, sizeof models / sizeof models[0]);
	if (n < 2) {
		buf_puts(&f.e_columns, "The arena needs at least two models to draw from.");
		ok = false;
	}
	if (!ok) {
		show(r, &f, 400);
		compare_form_free(&f);
		return;
	}
	uint32_t a = randombytes_uniform((uint32_t)n), b = randombytes_uniform((uint32_t)n - 1);
	if (b >= a)
		b++;
	f.col[0].model = models[a];
	f.col[1].model = models[b];
	f.field[0] = 1;
	f.field[1] = 2;
	f.n = 2;
	f.blind = f.arena = true;
	compare_start(r, &f);
	compare_form_free(&f);
}
