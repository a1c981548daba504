/* call_place.c - the calls in flight per user and instance (see call_place.h). */
#include "call_place.h"

/* The class of the per-user advisory lock (the migrations' lock is another key). */
#define PLACE_LOCK_CLASS "4242002"

/* The user's places on live instances (the first parameter the user, the second
 * the oldest renewal of a live lease), as a subquery. */
#define LIVE_PLACES                                                                                              \
	"(SELECT coalesce(sum(p.n), 0) FROM call_places p JOIN instances i ON i.id = p.instance_id"             \
	" WHERE p.user_id = ? AND i.seen_at >= ?"
#define LIVE_PLACES_END ")"

int call_place_take(db *d, int64_t self, int64_t user, int64_t n, int64_t max, int64_t live_since)
{
	if (db_begin(d) < 0)
		return -1;
	/* Taken before the count, whose statement then sees every place committed by
	 * whoever held the lock before (read committed: a snapshot per statement). A
	 * user id past 2^31 shares its lock with another user: only their takes wait. */
	int64_t taken = -1;
	if (db_exec(d, "SELECT pg_advisory_xact_lock(" PLACE_LOCK_CLASS ", CAST(CAST(? AS BIGINT) % 2147483647 AS INTEGER))",
		    DB_ARGS(db_v_int(user))) < 0 ||
	    (taken = db_exec(d,
			     "INSERT INTO call_places (instance_id, user_id, n)"
			     " SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS INTEGER)"
			     " WHERE " LIVE_PLACES " AND p.instance_id <> ?" LIVE_PLACES_END " + ? <= ?"
			     " ON CONFLICT (user_id, instance_id) DO UPDATE SET n = excluded.n",
			     DB_ARGS(db_v_int(self), db_v_int(user), db_v_int(n), db_v_int(user), db_v_int(live_since),
				     db_v_int(self), db_v_int(n), db_v_int(max)))) < 0 ||
	    db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return taken > 0;
}

int call_place_set(db *d, int64_t self, int64_t user, int64_t n)
{
	/* The table holds only users with calls: a row at zero goes. */
	if (n <= 0)
		return db_exec(d, "DELETE FROM call_places WHERE instance_id = ? AND user_id = ?",
			       DB_ARGS(db_v_int(self), db_v_int(user))) < 0
			       ? -1
			       : 0;
	return db_exec(d,
		       "INSERT INTO call_places (instance_id, user_id, n) VALUES (?, ?, ?)"
		       " ON CONFLICT (user_id, instance_id) DO UPDATE SET n = excluded.n",
		       DB_ARGS(db_v_int(self), db_v_int(user), db_v_int(n))) < 0
		       ? -1
		       : 0;
}

int call_place_count(db *d, int64_t user, int64_t except, int64_t live_since, int64_t *n)
{
	return db_query_int(d, "SELECT " LIVE_PLACES " AND p.instance_id <> ?" LIVE_PLACES_END,
			    DB_ARGS(db_v_int(user), db_v_int(live_since), db_v_int(except)), n) < 0
		       ? -1
		       : 0;
}

int call_place_drop(db *d, int64_t self)
{
	return db_exec(d, "DELETE FROM call_places WHERE instance_id = ?", DB_ARGS(db_v_int(self))) < 0 ? -1 : 0;
}

int call_place_reset(db *d, int64_t self, const int64_t *users, const unsigned *counts, size_t n)
{
	if (db_begin(d) < 0)
		return -1;
	int rc = call_place_drop(d, self);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (counts[i])
			rc = db_exec(d, "INSERT INTO call_places (instance_id, user_id, n) VALUES (?, ?, ?)",
				     DB_ARGS(db_v_int(self), db_v_int(users[i]), db_v_int(counts[i]))) < 0 ? -1 : 0;
	if (rc < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}
