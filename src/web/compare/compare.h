/* compare.h - comparing models side by side (docs/compare.md): the pages the route
 * table dispatches to, and what the folder's files share -
 *   compare_form.c   the form: 2 to 6 columns, each checked as the ask form checks
 *                    its model and parameters, the errors naming the column
 *   compare_job.c    the columns asked at once, each an ask job (ask/ask_job.h)
 *                    recorded as its own conversation; the page waits for all of
 *                    them (no JavaScript) or streams them (NDJSON, assets/compare.js)
 *   compare_page.c   /compare/ and /compare/<uuid>/: the form, the columns, the
 *                    metadata table with each row's best value marked
 *   vote.c           the blind vote
 *   arena.c          /arena/: two models drawn at random, blind
 *   leaderboard.c    /arena/leaderboard/ and the votes' downloads
 *   api_compare.c    POST /v1/compare: the same comparison asked with an API key */
#ifndef LLMMETA_WEB_COMPARE_H
#define LLMMETA_WEB_COMPARE_H

#include <stdbool.h>

#include "../../core/buf.h"
#include "../../http/http.h"
#include "../../model/compare.h"
#include "../ask/ask.h"

struct compare_form {
	char *question;
	bool blind, arena;
	bool api;                                  /* POST /v1/compare: answered in JSON */
	size_t held;                               /* in-flight places the request holds already */
	int64_t api_key_id;                        /* the key that asked, for the record (-1: none) */
	size_t n;                                  /* columns filled in, first in col[] */
	struct ask_form col[COMPARE_MAX_COLUMNS];  /* as entered; col[i].question unused */
	int field[COMPARE_MAX_COLUMNS];            /* the form's column number (1..6) of col[i] */
	const http_file *file;
	buf e_question, e_columns, e_file;
};

/* compare_form.c */
void compare_form_init(struct compare_form *f);
void compare_form_free(struct compare_form *f);
/* Reads and checks the posted form: false when anything is wrong (the reasons in
 * the e_ buffers, each column's beside it). */
bool compare_form_read(http_req *r, struct compare_form *f);
/* The start of a comparison's form posting to action (the arena's too): the
 * question, the file, and the error about the columns. */
void compare_form_open(buf *b, http_req *r, const char *action, const struct compare_form *f);
/* The user's comparison named by the route's uuid: 1 and *c (compare_free it), or
 * 0 when a 404 or 500 was sent (compare_page.c). */
int compare_load(http_req *r, db *d, struct comparison *c);
/* The form (posting to /compare/), with f's values. */
void compare_form_render(buf *b, http_req *r, const struct compare_form *f);
/* The question and file checks shared with the arena's form. */
bool compare_question_read(http_req *r, struct compare_form *f);

/* compare_job.c: records the comparison and asks every column at once; answers by
 * streaming (Accept: application/x-ndjson) or, when every column is recorded, with a
 * redirect to /compare/<uuid>/. */
void compare_start(http_req *r, struct compare_form *f);

/* The pages. */
void page_compare(http_req *r);
void page_compare_view(http_req *r);
void page_compare_vote(http_req *r);
void page_arena(http_req *r);
void page_leaderboard(http_req *r);
void page_votes_export(http_req *r);
void page_api_compare(http_req *r);

#endif
