/* rating.c - Bradley-Terry ratings and their bootstrap interval (see rating.h and
 * docs/compare.md). */
#include "rating.h"

#include <math.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

uint32_t rating_random(uint32_t *state)
{
	uint32_t t = *state += 0x6D2B79F5u;
	t = (t ^ (t >> 15)) * (t | 1u);
	t ^= t + (t ^ (t >> 7)) * (t | 61u);
	return t ^ (t >> 14);
}

/* The pairs a vote decides: the winner beats every other column; a tie (or all
 * bad) is half a win each way for every pair; two columns of which neither won
 * decide nothing, nor do two columns of the same model. wins[i*m+j]: i over j. */
static void add_vote(const struct rating_vote *v, size_t m, double *wins)
{
	for (int a = 0; a < v->ncols; a++)
		for (int b = a + 1; b < v->ncols; b++) {
			size_t i = (size_t)v->model[a], j = (size_t)v->model[b];
			if (i == j)
				continue;
			if (v->winner < 0) {
				wins[i * m + j] += 0.5;
				wins[j * m + i] += 0.5;
			} else if (v->winner == a) {
				wins[i * m + j] += 1;
			} else if (v->winner == b) {
				wins[j * m + i] += 1;
			}
		}
}

#define MAX_ITER 10000
#define TOLERANCE 1e-10

int rating_fit(const struct rating_vote *v, const size_t *pick, size_t npick, size_t m, double *r)
{
	double *wins = calloc(m ? m * m : 1, sizeof *wins), *p = malloc((m ? m : 1) * sizeof *p),
	       *next = malloc((m ? m : 1) * sizeof *next);
	if (!wins || !p || !next) {
		free(wins);
		free(p);
		free(next);
		return -1;
	}
	for (size_t k = 0; k < npick; k++)
		add_vote(&v[pick[k]], m, wins);
	for (size_t i = 0; i < m; i++)
		p[i] = 1;
	/* Hunter's MM iteration, with one virtual tie of each model against a reference
	 * of strength 1: no rating is infinite, and the scale is anchored. */
	for (int it = 0; it < MAX_ITER; it++) {
		double change = 0;
		for (size_t i = 0; i < m; i++) {
			double w = 0.5, den = 1 / (p[i] + 1);
			for (size_t j = 0; j < m; j++) {
				double n = wins[i * m + j] + wins[j * m + i];
				w += wins[i * m + j];
				if (n > 0)
					den += n / (p[i] + p[j]);
			}
			next[i] = w / den;
			double c = fabs(log(next[i]) - log(p[i]));
			if (c > change)
				change = c;
		}
		memcpy(p, next, m * sizeof *p);
		if (change < TOLERANCE)
			break;
	}
	for (size_t i = 0; i < m; i++)
		r[i] = 1000 + 400 * log10(p[i]);
	free(wins);
	free(p);
	free(next);
	return 0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int rating_compute(const struct rating_vote *v, size_t nv, size_t m, struct rating_row *rows)
{
	memset(rows, 0, m * sizeof *rows);
	for (size_t k = 0; k < nv; k++) {
		int seen[RATING_MAX_COLUMNS], nseen = 0;
		int won = v[k].winner >= 0 ? v[k].model[v[k].winner] : -1;
		for (int c = 0; c < v[k].ncols; c++) {
			int i = v[k].model[c];
			bool dup = false;
			for (int s = 0; s < nseen; s++)
				dup |= seen[s] == i;
			if (dup)
				continue; /* one vote per comparison, whatever its number of columns of the model */
			seen[nseen++] = i;
			rows[i].votes++;
			if (won < 0)
				rows[i].ties++;
			else if (won == i)
				rows[i].wins++;
			else
				rows[i].losses++;
		}
	}
	size_t *pick = malloc((nv ? nv : 1) * sizeof *pick);
	double *r = malloc((m ? m : 1) * sizeof *r), *samples = malloc((m ? m : 1) * RATING_BOOTSTRAP * sizeof *samples);
	int rc = pick && r && samples ? 0 : -1;
	for (size_t k = 0; rc == 0 && k < nv; k++)
		pick[k] = k;
	if (rc == 0)
		rc = rating_fit(v, pick, nv, m, r);
	for (size_t i = 0; rc == 0 && i < m; i++)
		rows[i].rating = r[i];
	/* The bootstrap: RATING_BOOTSTRAP resamples of the votes, with replacement, drawn
	 * from a fixed seed; the interval is the 2.5th and 97.5th percentiles. */
	uint32_t state = RATING_SEED;
	for (int b = 0; rc == 0 && b < RATING_BOOTSTRAP; b++) {
		for (size_t k = 0; k < nv; k++)
			pick[k] = (size_t)(((uint64_t)rating_random(&state) * nv) >> 32);
		rc = rating_fit(v, pick, nv, m, r);
		for (size_t i = 0; rc == 0 && i < m; i++)
			samples[i * RATING_BOOTSTRAP + (size_t)b] = r[i];
	}
	size_t lo = (size_t)(RATING_BOOTSTRAP * 0.025), hi = RATING_BOOTSTRAP - 1 - lo;
	for (size_t i = 0; rc == 0 && i < m; i++) {
		double *s = &samples[i * RATING_BOOTSTRAP];
		qsort(s, RATING_BOOTSTRAP, sizeof *s, by_value);
		rows[i].lo = s[lo];
		rows[i].hi = s[hi];
	}
	free(pick);
	free(r);
	free(samples);
	return rc;
}
