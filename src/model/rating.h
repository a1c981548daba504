/* rating.h - the leaderboard's figures from a list of votes (no SQL): each model's
 * votes, wins, ties and losses, and its Bradley-Terry rating with a 95 % bootstrap
 * interval from a fixed seed, so that the same votes always give the same page.
 * docs/compare.md says how they are computed, step by step, so that anyone can
 * check them. */
#ifndef LLMMETA_RATING_H
#define LLMMETA_RATING_H

#include <stddef.h>
#include <stdint.h>

#define RATING_BOOTSTRAP 200
#define RATING_SEED 42u
#define RATING_MAX_COLUMNS 6

/* One vote: the models (indices) of its columns, and the winning column's index
 * in it, or -1 for a tie or "all are bad". */
struct rating_vote {
	int model[RATING_MAX_COLUMNS];
	int ncols;
	int winner;
};

struct rating_row {
	int votes, wins, ties, losses;
	double rating, lo, hi;
};

/* The figures of nmodels models over nv votes, into rows[nmodels]: 0, or -1 out of
 * memory. */
int rating_compute(const struct rating_vote *v, size_t nv, size_t nmodels, struct rating_row *rows);
/* The Bradley-Terry ratings (the likelihood's maximum, with the virtual ties) of
 * the votes v[pick[0..npick)] alone (a bootstrap
 * sample is a pick with repeats), into r[nmodels]: 0, or -1 out of memory. */
int rating_fit(const struct rating_vote *v, const size_t *pick, size_t npick, size_t nmodels, double *r);
/* The seeded generator the bootstrap draws with (mulberry32). */
uint32_t rating_random(uint32_t *state);

#endif
