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

/* The log-likelihood of ratings theta (log p) over the games: wins[i*m+j] of i over
 * j, and one virtual tie of each model with a reference of strength 1 (log p 0). */
static double loglik(const double *wins, const double *theta, size_t m)
{
	double l = 0;
	for (size_t i = 0; i < m; i++) {
		l += 0.5 * theta[i] - log1p(exp(theta[i]));
		for (size_t j = 0; j < m; j++)
			if (wins[i * m + j] > 0)
				l += wins[i * m + j] * (theta[i] - log(exp(theta[i]) + exp(theta[j])));
	}
	return l;
}

/* Solves a x = b (a m by m, negative definite here) in place by Gaussian elimination
 * with partial pivoting: the solution in b. false when a is singular. */
static bool solve(double *a, double *b, size_t m)
{
	for (size_t c = 0; c < m; c++) {
		size_t piv = c;
		for (size_t r = c + 1; r < m; r++)
			if (fabs(a[r * m + c]) > fabs(a[piv * m + c]))
				piv = r;
		if (fabs(a[piv * m + c]) < 1e-300)
			return false;
		for (size_t k = 0; piv != c && k < m; k++) {
			double t = a[c * m + k];
			a[c * m + k] = a[piv * m + k];
			a[piv * m + k] = t;
		}
		double t = b[c];
		b[c] = b[piv];
		b[piv] = t;
		for (size_t r = c + 1; r < m; r++) {
			double f = a[r * m + c] / a[c * m + c];
			for (size_t k = c; k < m; k++)
				a[r * m + k] -= f * a[c * m + k];
			b[r] -= f * b[c];
		}
	}
	for (size_t c = m; c-- > 0;) {
		for (size_t k = c + 1; k < m; k++)
			b[c] -= a[c * m + k] * b[k];
		b[c] /= a[c * m + c];
	}
	return true;
}

#define MAX_ITER 100
#define TOLERANCE 1e-12

/* The maximum of loglik by Newton's method with step halving: the likelihood is
 * strictly concave (the virtual ties make it so even for a model that never won or
 * never lost), so this finds its one maximum in a few steps, where the classic MM
 * iteration needs thousands on a few thousand votes. */
static int maximise(const double *wins, double *theta, size_t m)
{
	double *h = malloc((m ? m * m : 1) * sizeof *h), *g = malloc((m ? m : 1) * sizeof *g),
	       *next = malloc((m ? m : 1) * sizeof *next);
	int rc = h && g && next ? 0 : -1;
	for (size_t i = 0; i < m; i++)
		theta[i] = 0;
	for (int it = 0; rc == 0 && it < MAX_ITER; it++) {
		memset(h, 0, m * m * sizeof *h);
		for (size_t i = 0; i < m; i++) {
			double s0 = 1 / (1 + exp(-theta[i]));
			g[i] = 0.5 - s0;
			h[i * m + i] = -s0 * (1 - s0);
			for (size_t j = 0; j < m; j++) {
				double n = wins[i * m + j] + wins[j * m + i];
				if (i == j || n <= 0)
					continue;
				double s = 1 / (1 + exp(theta[j] - theta[i]));
				g[i] += wins[i * m + j] - n * s;
				h[i * m + i] -= n * s * (1 - s);
				h[i * m + j] += n * s * (1 - s);
			}
		}
		double gmax = 0;
		for (size_t i = 0; i < m; i++)
			gmax = fabs(g[i]) > gmax ? fabs(g[i]) : gmax;
		if (gmax < TOLERANCE || !solve(h, g, m))
			break;
		/* theta - H^-1 grad, halved until the likelihood does not fall. */
		double l0 = loglik(wins, theta, m), step = 1;
		for (int k = 0; k < 60; k++, step /= 2) {
			for (size_t i = 0; i < m; i++)
				next[i] = theta[i] - step * g[i];
			if (loglik(wins, next, m) >= l0)
				break;
		}
		memcpy(theta, next, m * sizeof *theta);
		double moved = 0;
		for (size_t i = 0; i < m; i++)
			moved = fabs(step * g[i]) > moved ? fabs(step * g[i]) : moved;
		if (moved < TOLERANCE)
			break; /* as close as the arithmetic gets */
	}
	free(h);
	free(g);
	free(next);
	return rc;
}

int rating_fit(const struct rating_vote *v, const size_t *pick, size_t npick, size_t m, double *r)
{
	double *wins = calloc(m ? m * m : 1, sizeof *wins), *theta = malloc((m ? m : 1) * sizeof *theta);
	int rc = wins && theta ? 0 : -1;
	for (size_t k = 0; rc == 0 && k < npick; k++)
		add_vote(&v[pick[k]], m, wins);
	if (rc == 0)
		rc = maximise(wins, theta, m);
	for (size_t i = 0; rc == 0 && i < m; i++)
		r[i] = 1000 + 400 * theta[i] / log(10);
	free(wins);
	free(theta);
	return rc;
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
