/* limit.c - how many calls (form questions and API calls) one user may have waiting
 * for an answer at once (MAX_ASKS_PER_USER), and the bytes of API bodies one user
 * may be sending at once, so that one account cannot hold every connection, the
 * receiving budget and the provider budget. Counted per instance, in a table as
 * small as the number of users with something in flight. */
#include <pthread.h>
#include <stdlib.h>

#include "../../core/config.h"
#include "limit.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
struct inflight {
	int64_t user;
	unsigned n;   /* calls in flight */
	size_t bytes; /* of API bodies being received */
};
static struct inflight *inflight;
static size_t ninflight;

/* Locks the table and finds the user's entry, added when add (NULL: none, or out
 * of memory). */
static struct inflight *lock(int64_t user, bool add)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ninflight; i++)
		if (inflight[i].user == user)
			return &inflight[i];
	void *grown = add ? realloc(inflight, (ninflight + 1) * sizeof *inflight) : NULL;
	if (!grown)
		return NULL;
	inflight = grown;
	inflight[ninflight] = (struct inflight){.user = user};
	return &inflight[ninflight++];
}

/* Drops e when it holds nothing (the table stays as small as the active users),
 * and unlocks. */
static void unlock(struct inflight *e)
{
	if (e && !e->n && !e->bytes)
		*e = inflight[--ninflight];
	pthread_mutex_unlock(&mu);
}

bool call_limit_take(int64_t user)
{
	struct inflight *e = lock(user, true);
	bool ok = e && e->n < cfg.max_asks_per_user;
	if (ok)
		e->n++;
	unlock(e);
	return ok;
}

void call_limit_give(int64_t user)
{
	struct inflight *e = lock(user, false);
	if (e && e->n)
		e->n--;
	unlock(e);
}

bool call_limit_full(int64_t user)
{
	struct inflight *e = lock(user, false);
	bool full = e && e->n >= cfg.max_asks_per_user;
	unlock(e);
	return full;
}

bool call_limit_bytes_take(int64_t user, size_t n, size_t share)
{
	struct inflight *e = lock(user, true);
	bool ok = e && n <= share && e->bytes <= share - n;
	if (ok)
		e->bytes += n;
	unlock(e);
	return ok;
}

void call_limit_bytes_give(int64_t user, size_t n)
{
	struct inflight *e = lock(user, false);
	if (e)
		e->bytes -= n < e->bytes ? n : e->bytes;
	unlock(e);
}
