/* instance.c - leases of running servers and their orphaned questions (see
 * instance.h). */
#include "instance.h"

#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
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
	return db_exec(d, "DELETE FROM instances WHERE id = ?", DB_ARGS(db_v_int(id))) < 0 ? -1 : 0;
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
	    db_exec(d, "DELETE FROM instances WHERE id = ?", DB_ARGS(db_v_int(id))) < 0 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	*marked += n;
	return 0;
}

int instance_sweep(db *d, int64_t self, const char *host, int64_t stale_before, bool (*alive)(int64_t pid),
		   int64_t *marked)
{
	*marked = 0;
	db_rows *r = db_query(d, "SELECT id, host, pid, seen_at FROM instances WHERE id <> ?", DB_ARGS(db_v_int(self)));
	if (!r)
		return -1;
	int64_t *dead = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(r)) == 1) {
		bool gone = db_int(r, 3) < stale_before || (strcmp(db_text(r, 1), host) == 0 && !alive(db_int(r, 2)));
		if (!gone)
			continue;
		int64_t *grown = room_for_one(dead, n, &cap, sizeof *grown);
		if (!grown) {
			rc = -1;
			break;
		}
		dead = grown;
		dead[n++] = db_int(r, 0);
	}
	db_done(r);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = bury(d, dead[i], now_ms(), marked);
	free(dead);
	return rc < 0 ? -1 : 0;
}
