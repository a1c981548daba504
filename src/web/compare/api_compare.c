/* api_compare.c - POST /v1/compare (Bearer key): {"messages": [one user message],
 * "columns": [{"model": ..., "max_tokens": ..., "temperature": ..., "top_k": ...,
 * "top_p": ...}, ...], "blind": false} asks the columns at once as /compare/ does
 * and records exactly what it records (a comparison, a conversation per column),
 * with the same limits: 2 to 6 columns, the form's ranges, MAX_CONTEXT_CHARS, and
 * an in-flight place per column. Answers {"comparison_id", "columns": [a
 * chat.completion, or an error, per column in the order given]}. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../api/api.h"
#include "../context.h"
#include "compare.h"

/* An optional number member within [min, max] (whole when asked): true when
 * absent (the form's default stays) or valid, else a 400 was sent. */
static bool number(http_req *r, json_t *col, const char *key, double min, double max, bool whole, double *out)
{
	json_t *v = json_object_get(col, key);
	if (!v || json_is_null(v))
		return true;
	double x = json_number_value(v);
	if (!json_is_number(v) || (whole && !json_is_integer(v)) || !(x >= min && x <= max)) {
		char msg[160];
		snprintf(msg, sizeof msg, "'%s' must be a%s number from %g to %g.", key, whole ? " whole" : "", min, max);
		api_bad(r, key, msg);
		return false;
	}
	*out = x;
	return true;
}

static bool read_column(http_req *r, json_t *col, size_t k, struct ask_form *f)
{
	char param[48];
	snprintf(param, sizeof param, "columns[%zu].model", k);
	const char *model = json_string_value(json_object_get(col, "model"));
	if (!json_is_object(col) || !model || !ask_model_configured(model)) {
		char msg[200];
		snprintf(msg, sizeof msg, "Column %zu: 'model' must name a chat model (GET /v1/models lists them).", k + 1);
		api_bad(r, param, msg);
		return false;
	}
	f->model = ask_model_configured(model);
	double mt = (double)f->max_tokens, tk = (double)f->top_k;
	if (!number(r, col, "max_tokens", 1, 3000, true, &mt) || !number(r, col, "temperature", 0, 1, false, &f->temperature) ||
	    !number(r, col, "top_k", 0, 100, true, &tk) || !number(r, col, "top_p", 0, 1, false, &f->top_p))
		return false;
	f->max_tokens = (int64_t)mt;
	f->top_k = (int64_t)tk;
	return true;
}

static bool read_request(http_req *r, json_t *req, struct compare_form *f)
{
	json_t *msgs = json_object_get(req, "messages"), *cols = json_object_get(req, "columns");
	json_t *m = json_array_size(msgs) == 1 ? json_array_get(msgs, 0) : NULL;
	const char *role = json_string_value(json_object_get(m, "role"));
	const char *q = json_string_value(json_object_get(m, "content"));
	if (!role || strcmp(role, "user") != 0 || !q || str_blank(q)) {
		api_bad(r, "messages", "A comparison asks one question: 'messages' must hold one user message with text.");
		return false;
	}
	buf why = BUF_INIT;
	bool fits = ask_question_fits(q, &why);
	if (!fits)
		api_bad(r, "messages", why.data ? why.data : "The question is too long.");
	buf_free(&why);
	if (!fits)
		return false;
	if (!json_is_array(cols) || json_array_size(cols) < 2 || json_array_size(cols) > COMPARE_MAX_COLUMNS) {
		api_bad(r, "columns", "'columns' must be an array of 2 to 6 columns.");
		return false;
	}
	f->question = xstrdup(q);
	if (!f->question) {
		http_error(r, 500, "Out of memory.");
		return false;
	}
	for (size_t k = 0; k < json_array_size(cols); k++) {
		if (!read_column(r, json_array_get(cols, k), k, &f->col[k]))
			return false;
		f->field[k] = (int)k + 1;
		f->n++;
	}
	json_t *blind = json_object_get(req, "blind");
	f->blind = json_is_true(blind);
	return true;
}

void page_api_compare(http_req *r)
{
	if (!web_db(r))
		return;
	json_t *req = api_body_object(r);
	if (!req)
		return;
	struct compare_form f;
	compare_form_init(&f);
	if (read_request(r, req, &f)) {
		f.api = true;
		f.api_key_id = visitor(r)->key_id > 0 ? visitor(r)->key_id : -1;
		/* The place taken with the headers is the first column's. */
		f.held = api_slot_hand_over(r) ? 1 : 0;
		compare_start(r, &f);
	}
	compare_form_free(&f);
	json_decref(req);
}
