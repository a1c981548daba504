/* limit.c - how many calls (form questions and API calls) one user may have waiting
 * for an answer at once (MAX_ASKS_PER_USER), and the bytes of API bodies one user
 * may be sending at once, so that one account cannot hold every connection, the
 * receiving budget and the provider budget.
 *
 * The bytes are this instance's memory, so they are counted here, in a table as
 * small as the number of users with something in flight. The calls are the user's
 * wherever they run: with one instance (SQLite) the same table counts them; when
 * instances share a PostgreSQL database, each place is also taken there
 * (model/call_place.h), where every instance sees it. A table rather than
 * connection-scoped advisory locks: a call outlives the worker thread (and so the
 * connection) that started it, a reset connection would drop its locks unnoticed,
 * and a million places a user (the setting's bound) would not fit the server's lock
 * table. A killed instance's places are released by its lease: at the next renewal
 * of a surviving instance on the same host (10 s), else when its lease runs out
 * (60 s; web/instance.c).
 *
 * This table stays the truth for this instance's own calls: a take writes the
 * instance's new count for the user, checked against the other instances' rows,
 * in one transaction on the worker's connection. A give counts here at once and is
 * written by a thread of its own, since the last reference to a call may go on the
 * engine's thread, which must not wait on the database; the other instances see it
 * a moment later. A give that cannot be written leaves the database counting too
 * many: the instance's rows are then rewritten from this table before the next take
 * or give. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../../core/config.h"
#include "../../core/log.h"
#include "../../core/workq.h"
#include "../../model/call_place.h"
#include "../instance.h"
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

static bool local_take(int64_t user)
{
	struct inflight *e = lock(user, true);
	bool ok = e && e->n < cfg.max_asks_per_user;
	if (ok)
		e->n++;
	unlock(e);
	return ok;
}

static void local_give(int64_t user)
{
	struct inflight *e = lock(user, false);
	if (e && e->n)
		e->n--;
	unlock(e);
}

static bool local_full(int64_t user)
{
	struct inflight *e = lock(user, false);
	bool full = e && e->n >= cfg.max_asks_per_user;
	unlock(e);
	return full;
}

/* ---- across instances ---- */

/* Takes and the writes of a give hold it shared, a rewrite of all the rows alone. */
static pthread_rwlock_t rows_lock = PTHREAD_RWLOCK_INITIALIZER;
/* One user's row is written under its stripe, with the count read under it: the
 * last write is of the latest count, whichever thread writes. */
#define STRIPES 64
static pthread_mutex_t stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static void stripes_init(void)
{
	for (size_t i = 0; i < STRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
}
static pthread_mutex_t *stripe(int64_t user)
{
	pthread_once(&stripes_once, stripes_init);
	return &stripes[(uint64_t)user % STRIPES];
}
/* The database counts more than this table (a give was not written). */
static atomic_bool stale;
static struct workq gives = WORKQ_INIT_EXIT(4096, "call places", db_thread_close);

/* Rewrites this instance's rows from the table. */
static void rewrite(void)
{
	pthread_rwlock_wrlock(&rows_lock);
	atomic_store(&stale, false);
	pthread_mutex_lock(&mu);
	size_t n = ninflight;
	int64_t *users = malloc((n ? n : 1) * sizeof *users);
	unsigned *counts = malloc((n ? n : 1) * sizeof *counts);
	for (size_t i = 0; users && counts && i < n; i++) {
		users[i] = inflight[i].user;
		counts[i] = inflight[i].n;
	}
	pthread_mutex_unlock(&mu);
	db *d = users && counts ? db_thread() : NULL;
	if (!d || call_place_reset(d, instance_self(), users, counts, n) < 0) {
		atomic_store(&stale, true);
		log_error("calls in flight: this instance's places could not be written to the database: %s",
			  d ? db_errmsg(d) : "out of memory, or no connection");
	}
	free(users);
	free(counts);
	pthread_rwlock_unlock(&rows_lock);
}

/* The user's calls on this instance. */
static unsigned local_count(int64_t user)
{
	struct inflight *e = lock(user, false);
	unsigned n = e ? e->n : 0;
	unlock(e);
	return n;
}

static bool shared_take(int64_t user)
{
	if (atomic_load(&stale))
		rewrite();
	pthread_rwlock_rdlock(&rows_lock);
	pthread_mutex_t *s = stripe(user);
	pthread_mutex_lock(s);
	bool ok = local_take(user); /* this instance's own count is its memory's */
	if (ok) {
		db *d = db_thread();
		int rc = d ? call_place_take(d, instance_self(), user, local_count(user), cfg.max_asks_per_user,
					     instance_live_since())
			   : -1;
		if (rc < 0)
			log_error("calls in flight: a place could not be taken in the database (refused): %s",
				  d ? db_errmsg(d) : db_thread_error());
		if (rc != 1) {
			local_give(user);
			ok = false;
		}
	}
	pthread_mutex_unlock(s);
	pthread_rwlock_unlock(&rows_lock);
	return ok;
}

static void give_run(void *arg)
{
	int64_t user = *(const int64_t *)arg;
	if (atomic_load(&stale)) {
		rewrite(); /* which holds this give too */
		return;
	}
	pthread_rwlock_rdlock(&rows_lock);
	pthread_mutex_t *s = stripe(user);
	pthread_mutex_lock(s);
	db *d = db_thread();
	if (!d || call_place_set(d, instance_self(), user, local_count(user)) < 0)
		atomic_store(&stale, true);
	pthread_mutex_unlock(s);
	pthread_rwlock_unlock(&rows_lock);
}

/* Given back here at once (this instance's next take sees it); in the database by
 * the queue's thread, a moment later for the other instances. */
static void shared_give(int64_t user)
{
	local_give(user);
	int64_t *g = malloc(sizeof *g);
	if (g)
		*g = user;
	if (!g || workq_push(&gives, give_run, free, g) < 0) {
		free(g);
		atomic_store(&stale, true);
	}
}

static bool shared_full(int64_t user)
{
	if (local_full(user))
		return true;
	db *d = db_thread();
	int64_t others = 0;
	/* This instance's own places from its memory (its row may still wait for a
	 * give); unknown is not full: the take, which decides, follows. */
	return d && call_place_count(d, user, instance_self(), instance_live_since(), &others) == 0 &&
	       others + local_count(user) >= cfg.max_asks_per_user;
}

bool call_limit_take(int64_t user) { return instance_shared() ? shared_take(user) : local_take(user); }

void call_limit_give(int64_t user)
{
	if (instance_shared())
		shared_give(user);
	else
		local_give(user);
}

bool call_limit_full(int64_t user) { return instance_shared() ? shared_full(user) : local_full(user); }

void call_limit_stop(void) { workq_stop(&gives, 2000); }

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
