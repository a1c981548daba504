/* leaderboard.c - /arena/leaderboard/: per model, the votes of the user's voted
 * comparisons (an administrator's ?user=NAME, or ?user=* for everyone's), wins,
 * ties, losses, win rate and a Bradley-Terry rating with its 95 % bootstrap
 * interval (model/rating.c, docs/compare.md); and /arena/votes.csv and .jsonl,
 * the votes themselves, written as the message exports are (model/export.h: the
 * same formula neutralising in CSV). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../../model/export.h"
#include "../../model/rating.h"
#include "../context.h"
#include "../page.h"
#include "compare.h"

/* Whose votes: the visitor's, or for an administrator ?user=NAME or ?user=* (0:
 * everyone). 1, or 0 when an answer (404, 500) was sent. */
static int whose(http_req *r, db *d, int64_t *user_id, const char **user)
{
	*user_id = visitor(r)->user_id;
	*user = http_query(r, "user");
	if (!*user || !**user || str_eq_ci(*user, visitor(r)->name)) {
		*user = NULL;
		return 1;
	}
	int rc = !visitor(r)->admin ? 0 : strcmp(*user, "*") == 0 ? 1 : export_user_id(d, *user, user_id);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? NULL : "There is no such user.");
		return 0;
	}
	if (strcmp(*user, "*") == 0)
		*user_id = 0;
	return 1;
}

/* The votes the request asks for: 1 read (*user as whose), 0 when an answer was sent. */
static int read_votes(http_req *r, int64_t *user_id, const char **user, struct comparison **cs, size_t *n)
{
	db *d = web_db(r);
	if (!d || !whose(r, d, user_id, user))
		return 0;
	if (compare_votes(d, *user_id, cs, n) < 0) {
		http_error(r, 500, "The votes could not be read.");
		return 0;
	}
	return 1;
}

/* The comparisons as votes over model indices: names[] (pointing into cs) gets
 * each model once. */
static int to_votes(const struct comparison *cs, size_t n, struct rating_vote *v, const char **names, size_t *nnames)
{
	*nnames = 0;
	for (size_t k = 0; k < n; k++) {
		v[k] = (struct rating_vote){.winner = -1, .ncols = (int)cs[k].ncols};
		for (size_t c = 0; c < cs[k].ncols; c++) {
			const char *m = cs[k].cols[c].model;
			size_t i = 0;
			while (i < *nnames && strcmp(names[i], m) != 0)
				i++;
			if (i == *nnames)
				names[(*nnames)++] = m;
			v[k].model[c] = (int)i;
			if (strcmp(cs[k].winner, cs[k].cols[c].label) == 0)
				v[k].winner = (int)c;
		}
	}
	return 0;
}

struct ranked {
	const char *name;
	struct rating_row row;
};

static int by_rating(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->row.rating != y->row.rating)
		return x->row.rating < y->row.rating ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void table(buf *b, const struct ranked *rk, size_t m)
{
	html_raw(b, "<div class=\"table-scroll\"><table class=\"admin-table leaderboard\">\n<thead><tr><th>#</th>"
		    "<th>Model</th><th>Votes</th><th>Wins</th><th>Ties</th><th>Losses</th><th>Win rate</th>"
		    "<th>Rating</th><th>95 % interval</th></tr></thead>\n<tbody>\n");
	bool few = false;
	for (size_t i = 0; i < m; i++) {
		const struct rating_row *w = &rk[i].row;
		char rate[16], rating[32], lo[32], hi[32];
		snprintf(rate, sizeof rate, "%.1f %%", w->votes ? 100.0 * w->wins / w->votes : 0.0);
		snprintf(rating, sizeof rating, "%.2f", w->rating);
		snprintf(lo, sizeof lo, "%.2f", w->lo);
		snprintf(hi, sizeof hi, "%.2f", w->hi);
		few |= w->votes < 10;
		html_printf(b,
			    "<tr data-model=\"%s\"><td class=\"n\">%d</td><td>%s%s</td><td class=\"n votes\">%d</td>"
			    "<td class=\"n wins\">%d</td><td class=\"n ties\">%d</td><td class=\"n losses\">%d</td>"
			    "<td class=\"n\">%s</td><td class=\"n rating\">%s</td><td class=\"n interval\">"
			    "<span class=\"lo\">%s</span> – <span class=\"hi\">%s</span></td></tr>\n",
			    rk[i].name, (int)i + 1, rk[i].name, w->votes < 10 ? " *" : "", w->votes, w->wins, w->ties,
			    w->losses, rate, rating, lo, hi);
	}
	html_raw(b, "</tbody></table></div>\n");
	if (few)
		html_raw(b, "<p class=\"muted\">* fewer than 10 votes: its rating and interval say little yet.</p>\n");
}

void page_leaderboard(http_req *r)
{
	int64_t user_id;
	const char *user;
	struct comparison *cs;
	size_t n;
	if (!read_votes(r, &user_id, &user, &cs, &n))
		return;
	struct rating_vote *v = calloc(n ? n : 1, sizeof *v);
	const char **names = calloc(n * COMPARE_MAX_COLUMNS + 1, sizeof *names);
	struct rating_row *rows = NULL;
	struct ranked *rk = NULL;
	size_t m = 0;
	int rc = v && names ? to_votes(cs, n, v, names, &m) : -1;
	if (rc == 0) {
		rows = calloc(m ? m : 1, sizeof *rows);
		rk = calloc(m ? m : 1, sizeof *rk);
		rc = rows && rk ? rating_compute(v, n, m, rows) : -1;
	}
	if (rc < 0) {
		http_error(r, 500, "Out of memory.");
	} else {
		for (size_t i = 0; i < m; i++)
			rk[i] = (struct ranked){.name = names[i], .row = rows[i]};
		qsort(rk, m, sizeof *rk, by_rating);
		buf b = BUF_INIT;
		page_begin(&b, r, "Leaderboard", "compare");
		html_raw(&b, "<h1>Leaderboard</h1>\n");
		html_printf(&b, "<p class=\"lead\">%s: %d voted comparisons. Ratings are Bradley-Terry on an Elo-like scale "
				"(1000 is a model that ties the reference); the interval is a 95 %% bootstrap over the votes "
				"(docs/compare.md). <a href=\"/arena/\">Arena</a> · <a href=\"/compare/\">Compare</a></p>\n",
			    !user ? "Your votes" : user_id ? user : "Every user's votes", (int)n);
		if (visitor(r)->admin)
			html_printf(&b, "<form method=\"get\" action=\"/arena/leaderboard/\" class=\"admin-search\"><label>User "
					"(* for everyone) <input name=\"user\" value=\"%s\"></label> <button type=\"submit\">Show"
					"</button></form>\n",
				    user ? user : "");
		if (m)
			table(&b, rk, m);
		else
			html_raw(&b, "<p>No votes yet: vote on a blind comparison or in the arena.</p>\n");
		html_printf(&b, "<p>Download the votes: <a href=\"/arena/votes.csv%s%s\">CSV</a> · "
				"<a href=\"/arena/votes.jsonl%s%s\">JSONL</a></p>\n",
			    user ? "?user=" : "", user ? user : "", user ? "?user=" : "", user ? user : "");
		page_end(&b);
		page_send(r, 200, &b);
	}
	free(v);
	free(names);
	free(rows);
	free(rk);
	compare_list_free(cs, n);
}

/* ---- the votes' downloads ---- */

#define VOTE_FIXED 7
#define VOTE_PER_COLUMN 6
#define VOTE_NCOLUMNS (VOTE_FIXED + VOTE_PER_COLUMN * COMPARE_MAX_COLUMNS)

static char vote_names[VOTE_NCOLUMNS][24];

static const char *vote_column_names[VOTE_NCOLUMNS];
static pthread_once_t vote_names_once = PTHREAD_ONCE_INIT;

static void name_votes(void)
{
	static const char *const fixed[VOTE_FIXED] = {"comparison_id", "created_at", "voted_at", "username",
						      "question",      "winner",     "winner_model"};
	static const char *const per[VOTE_PER_COLUMN] = {"model", "provider", "max_tokens", "temperature", "top_k", "top_p"};
	for (int i = 0; i < VOTE_NCOLUMNS; i++) {
		if (i < VOTE_FIXED)
			snprintf(vote_names[i], sizeof vote_names[i], "%s", fixed[i]);
		else
			snprintf(vote_names[i], sizeof vote_names[i], "%s_%c", per[(i - VOTE_FIXED) % VOTE_PER_COLUMN],
				 'A' + (i - VOTE_FIXED) / VOTE_PER_COLUMN);
		vote_column_names[i] = vote_names[i];
	}
}

static const char *const *names_of_votes(void)
{
	pthread_once(&vote_names_once, name_votes);
	return vote_column_names;
}

static void vote_row(buf *b, enum export_format fmt, const struct comparison *c, bool with_user)
{
	struct export_field f[VOTE_NCOLUMNS];
	char created[32], voted[32];
	fmt_iso8601(created, c->created_at);
	fmt_iso8601(voted, c->voted_at);
	const char *winner_model = NULL;
	for (size_t k = 0; k < c->ncols; k++)
		if (strcmp(c->cols[k].label, c->winner) == 0)
			winner_model = c->cols[k].model;
	f[0] = EXPORT_TEXT(c->uuid);
	f[1] = EXPORT_TEXT(created);
	f[2] = EXPORT_TEXT(voted);
	f[3] = EXPORT_TEXT(with_user ? c->username : NULL);
	f[4] = EXPORT_TEXT(c->question);
	f[5] = EXPORT_TEXT(c->winner);
	f[6] = EXPORT_TEXT(winner_model);
	for (size_t k = 0; k < COMPARE_MAX_COLUMNS; k++) {
		const struct compare_column *col = k < c->ncols ? &c->cols[k] : NULL;
		struct export_field *g = &f[VOTE_FIXED + k * VOTE_PER_COLUMN];
		g[0] = EXPORT_TEXT(col ? col->model : NULL);
		g[1] = EXPORT_TEXT(col ? col->provider : NULL);
		g[2] = EXPORT_INT(col ? col->max_tokens : -1);
		g[3] = EXPORT_REAL(col ? col->temperature : NAN);
		g[4] = EXPORT_INT(col ? col->top_k : -1);
		g[5] = EXPORT_REAL(col ? col->top_p : NAN);
	}
	export_fields_write(b, fmt, names_of_votes(), f, VOTE_NCOLUMNS);
}

void page_votes_export(http_req *r)
{
	int64_t user_id;
	const char *user;
	struct comparison *cs;
	size_t n;
	if (!read_votes(r, &user_id, &user, &cs, &n))
		return;
	bool csv = str_starts(r->path + strlen("/arena/votes"), ".csv");
	enum export_format fmt = csv ? EXPORT_CSV : EXPORT_JSONL;
	buf b = BUF_INIT;
	export_names_header(&b, fmt, names_of_votes(), VOTE_NCOLUMNS);
	for (size_t k = 0; k < n; k++)
		vote_row(&b, fmt, &cs[k], visitor(r)->admin);
	compare_list_free(cs, n);
	if (b.oom) {
		buf_free(&b);
		http_error(r, 500, "Out of memory.");
		return;
	}
	http_add_header(r, "Content-Disposition", csv ? "attachment; filename=\"votes.csv\"" : "attachment; filename=\"votes.jsonl\"");
	http_send(r, 200, csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8", &b);
}
