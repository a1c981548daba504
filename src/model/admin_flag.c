/* admin_flag.c - the administrator flag by username (see admin_flag.h). */
#include "admin_flag.h"

int user_set_admin_by_name(db *d, const char *username, bool admin)
{
	int64_t was = 0;
	if (db_begin(d) < 0)
		return -1;
	/* Read and changed in one transaction: the answer says what this run did. */
	int found = db_query_int(d, "SELECT is_admin FROM users WHERE lower(username) = lower(?)",
				 DB_ARGS(db_v_text(username)), &was);
	int rc = found < 0 ? -1 : found == 0 ? -2 : (was != 0) == admin ? 0 : 1;
	if (rc == 1 && db_exec(d, "UPDATE users SET is_admin = ? WHERE lower(username) = lower(?)",
			       DB_ARGS(db_v_int(admin), db_v_text(username))) != 1)
		rc = -1;
	if (rc == -1 || db_commit(d) < 0) {
		db_rollback(d);
		return -1;
	}
	return rc;
}
