/* limit.c - how many calls (form questions and API calls) one user may have waiting for an answer at once
 * (MAX_ASKS_PER_USER), so that one account cannot hold every connection and the
 * provider budget. Counted per instance, in a table as small as the number of users
 * with a question in flight. */
#include <pthread.h>
#include <stdlib.h>

#include "../../core/config.h"
#include "limit.h"

static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER;
struct inflight {
	int64_t user;
	unsigned n;
	size_t bytes; /* of API bodies being received (call_limit_bytes_take) */
};
static struct inflight *inflight;
static size_t ninflight;

/* The user's entry, or NULL. Under the lock. */
static struct inflight *find(int64_t user)
{
	for (size_t i = 0; i < ninflight; i++)
		if (inflight[i].user == user)
			return &inflight[i];
	return NULL;
}

/* The user's entry, added when missing; NULL when out of memory. Under the lock. */
static struct inflight *entry(int64_t user)
{
	struct inflight *e = find(user);
	if (e)
		return e;
	void *grown = realloc(inflight, (ninflight + 1) * sizeof *inflight);
	if (!grown)
		return NULL;
	inflight = grown;
	inflight[ninflight] = (struct inflight){.user = user};
	return &inflight[ninflight++];
}

/* Drops e when it holds nothing, to keep the table as small as the active users. */
static void maybe_drop(struct inflight *e)
{
	if (e && !e->n && !e->bytes)
		*e = inflight[--ninflight];
}

bool call_limit_take(int64_t user)
{
	pthread_mutex_lock(&inflight_mu);
	struct inflight *e = entry(user);
	bool ok = e && e->n < cfg.max_asks_per_user;
	if (ok)
		e->n++;
	maybe_drop(e);
	pthread_mutex_unlock(&inflight_mu);
	return ok;
}

void call_limit_give(int64_t user)
{
	pthread_mutex_lock(&inflight_mu);
	struct inflight *e = find(user);
	if (e && e->n)
		e->n--;
	maybe_drop(e);
	pthread_mutex_unlock(&inflight_mu);
}

bool call_limit_full(int64_t user)
{
	pthread_mutex_lock(&inflight_mu);
	struct inflight *e = find(user);
	bool full = e && e->n >= cfg.max_asks_per_user;
	pthread_mutex_unlock(&inflight_mu);
	return full;
}

bool call_limit_bytes_take(int64_t user, size_t n, size_t share)
{
	pthread_mutex_lock(&inflight_mu);
	struct inflight *e = entry(user);
	bool ok = e && n <= share && e->bytes <= share - n;
	if (ok)
		e->bytes += n;
	maybe_drop(e);
	pthread_mutex_unlock(&inflight_mu);
	return ok;
}

void call_limit_bytes_give(int64_t user, size_t n)
{
	pthread_mutex_lock(&inflight_mu);
	struct inflight *e = find(user);
	if (e)
		e->bytes -= n < e->bytes ? n : e->bytes;
	maybe_drop(e);
	pthread_mutex_unlock(&inflight_mu);
}
