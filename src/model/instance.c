/* instance.c - leases of running servers and their orphaned questions (see
 * instance.h). */
#include "instance.h"

#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "call_place.h"
#include "field.h"

int instance_register(db *d, const char *host, int64_t pid, int64_t now, int64_t *id)
{
	return db_query_int(d, "INSERT INTO instances (host, pid, started_at, seen_at) VALUES (?, ?, ?, ?) RETURNING id",
			    DB_ARGS(db_v_text(host), db_v_int(pid), db_v_int(now), db_v_int(now)), id) == 1 ? 0 : -1;
}

int instance_renew(db *d, int64_t id, int64_t now)
{
	return db_exec(d, "UPDATE instances SET seen_at = ? WHERE id = ?", DB_ARGS(db_v_int(now), db_v_int(id))) < 0 ? -1
														 : 0;
}

int instance_end(db *d, int64_t id)
{
	return call_place_drop(d, id) < 0 || db_exec(d, "DELETE FROM instances WHERE id = ?", DB_ARGS(db_v_int(id))) < 0
		       ? -1
		       : 0;
}

/* Marks one dead instance's questions and removes its lease, in one transaction. */
static int bury(db *d, int64_t id, int64_t now, int64_t *marked)
{
	if (db_begin(d) < 0)
		return -1;
	int64_t n;
	if (db_exec(d,
		    /* the messages change: the revision moves (conversation.h) */
		    "UPDATE conversations SET updated_at = ?, revision = revision + 1 WHERE id IN"
		    " (SELECT conversation_id FROM messages WHERE instance_id = ?)",
		    DB_ARGS(db_v_int(now), db_v_int(id))) < 0 ||
	    (n = db_exec(d, "UPDATE messages SET status = 'interrupted', error = ?, instance_id = NULL WHERE instance_id = ?",
			 DB_ARGS(db_v_text(INTERRUPTED_REASON), db_v_int(id)))) < 0 ||
	    call_place_drop(d, id) < 0 || db_exec(d, "DELETE FROM instances WHERE id = ?", DB_ARGS(db_v_int(id))) < 0 ||
	    db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	*marked += n;
	return 0;
}

/* Which instances are dead: not seen since stale_before, or on this host with
 * their process gone. */
struct stale {
	int64_t before;
	const char *host;
	bool (*alive)(int64_t pid);
};

static int dead_row(db_rows *r, void *elem, void *ctx)
{
	const struct stale *st = ctx;
	bool gone = db_int(r, 3) < st->before || (strcmp(db_text(r, 1), st->host) == 0 && !st->alive(db_int(r, 2)));
	if (!gone)
		return 1;
	*(int64_t *)elem = db_int(r, 0);
	return 0;
}

int instance_sweep(db *d, int64_t self, const char *host, int64_t stale_before, bool (*alive)(int64_t pid),
		   int64_t *marked)
{
	*marked = 0;
	struct stale st = {stale_before, host, alive};
	void *a;
	size_t n;
	int rc = rows_read(db_query(d, "SELECT id, host, pid, seen_at FROM instances WHERE id <> ?", DB_ARGS(db_v_int(self))),
			   sizeof(int64_t), dead_row, &st, NULL, &a, &n);
	int64_t *dead = a;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = bury(d, dead[i], now_ms(), marked);
	free(dead);
	return rc < 0 ? -1 : 0;
}
