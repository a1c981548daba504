/* ask_limit.c - how many questions one user may have waiting for an answer at once
 * (MAX_ASKS_PER_USER), so that one account cannot hold every connection and the
 * provider budget. Counted per instance, in a table as small as the number of users
 * with a question in flight. */
#include <pthread.h>
#include <stdlib.h>

#include "../core/config.h"
#include "ask.h"

static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER;
struct inflight {
	int64_t user;
	unsigned n;
};
static struct inflight *inflight;
static size_t ninflight;

bool ask_limit_take(int64_t user)
{
	pthread_mutex_lock(&inflight_mu);
	size_t i = 0;
	while (i < ninflight && inflight[i].user != user)
		i++;
	bool ok = true;
	if (i == ninflight) {
		void *grown = realloc(inflight, (ninflight + 1) * sizeof *inflight);
		if (grown) {
			inflight = grown;
			inflight[ninflight++] = (struct inflight){user, 0};
		} else {
			ok = false;
		}
	}
	ok = ok && inflight[i].n < cfg.max_asks_per_user;
	if (ok)
		inflight[i].n++;
	pthread_mutex_unlock(&inflight_mu);
	return ok;
}

void ask_limit_give(int64_t user)
{
	pthread_mutex_lock(&inflight_mu);
	for (size_t i = 0; i < ninflight; i++) {
		if (inflight[i].user == user && --inflight[i].n == 0) {
			inflight[i] = inflight[--ninflight]; /* keep the table as small as the active users */
			break;
		}
	}
	pthread_mutex_unlock(&inflight_mu);
}

bool ask_limit_full(int64_t user)
{
	pthread_mutex_lock(&inflight_mu);
	bool full = false;
	for (size_t i = 0; i < ninflight; i++)
		if (inflight[i].user == user)
			full = inflight[i].n >= cfg.max_asks_per_user;
	pthread_mutex_unlock(&inflight_mu);
	return full;
}
