/* health.c - the queries of the health check (see health.h). */
#include "health.h"

#include "../core/util.h"

int health_read(db *d, struct health *h)
{
	int64_t one = 0;
	*h = (struct health){0};
	if (db_query_int(d, "SELECT 1", DB_NOARGS, &one) != 1 ||
	    db_query_int(d, "SELECT count(*) FROM conversations", DB_NOARGS, &h->conversations) != 1)
		return -1;
	int found = db_query_int(d, "SELECT max(created_at) FROM messages", DB_NOARGS, &h->latest_message);
	h->has_latest = found == 1;
	return found < 0 ? -1 : 0;
}

int health_write(db *d)
{
	int64_t id = 0;
	if (db_begin(d) < 0)
		return -1;
	if (db_query_int(d, "INSERT INTO keepalive (at) VALUES (?) RETURNING id", DB_ARGS(db_v_int(now_ms())), &id) != 1 ||
	    db_exec(d, "DELETE FROM keepalive WHERE id = ?", DB_ARGS(db_v_int(id))) != 1 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return 0;
}
