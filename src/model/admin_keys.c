/* admin_keys.c - where the admin panel meets the API (docs/admin.md, docs/api.md): an
 * administrator revoking any user's API key, logged in the revocation's transaction,
 * and the API columns of one message (its request body, tool calls and key) for
 * /admin/messages/<id>/ (see admin.h). The list of a user's keys is apikey_list's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "admin.h"
#include "admin_rows.h"
#include "apikey.h"
#include "field.h"

enum admin_result admin_key_revoke(db *d, const struct admin_actor *a, int64_t user_id, int64_t key_id)
{
	if (db_begin(d) < 0)
		return ADMIN_ERROR;
	enum admin_result res = ADMIN_ERROR;
	/* The key as it was, and only if it is this user's: another user's key id is
	 * no key of this page (404), never revoked by a crafted form. */
	db_rows *r = db_query(d,
			      "SELECT k.name, k.prefix, k.revoked_at, u.username FROM api_keys k JOIN users u ON u.id = k.user_id"
			      " WHERE k.id = ? AND k.user_id = ?",
			      DB_ARGS(db_v_int(key_id), db_v_int(user_id)));
	if (!r)
		goto out;
	int found = db_step(r);
	char *label = NULL;
	bool revoked = false;
	if (found == 1) {
		buf l = BUF_INIT;
		/* "notebook (llmk-AbCdEfG…) of alice": the log outlives the key and the user. */
		buf_printf(&l, "%s (%s…) of %s", db_text(r, 0), db_text(r, 1), db_text(r, 3));
		label = buf_detach(&l, NULL);
		revoked = !db_null(r, 2);
	}
	db_done(r);
	if (found < 0 || (found == 1 && !label)) {
		free(label);
		goto out;
	}
	if (found == 0) {
		res = ADMIN_NOT_FOUND;
	} else if (revoked) {
		res = ADMIN_UNCHANGED; /* the first revocation's time and log entry stand */
	} else {
		int64_t at = -1;
		char when[32];
		if (apikey_revoke(d, user_id, key_id) == 1 &&
		    db_query_int(d, "SELECT revoked_at FROM api_keys WHERE id = ?", DB_ARGS(db_v_int(key_id)), &at) == 1) {
			fmt_iso8601(when, at);
			if (admin_log_add(d, a, "key_revoke", "api_key", key_id, label, "revoked_at", NULL, when) == 0)
				res = ADMIN_DONE;
		}
	}
	free(label);
out:
	return admin_finish(d, res);
}

int admin_message_api(db *d, int64_t id, struct admin_msg_api *x)
{
	memset(x, 0, sizeof *x);
	x->key_id = -1;
	db_rows *r = db_query(d,
			      "SELECT m.request_json, m.tool_calls, m.api_key_id, k.name, k.prefix, k.revoked_at FROM messages m"
			      " LEFT JOIN api_keys k ON k.id = m.api_key_id WHERE m.id = ?",
			      DB_ARGS(db_v_int(id)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		bool oom = false;
		if (!db_null(r, 0) && !(x->request_json = xstrdup(db_text(r, 0))))
			oom = true;
		if (!db_null(r, 1) && !(x->tool_calls = xstrdup(db_text(r, 1))))
			oom = true;
		if (!db_null(r, 2))
			x->key_id = db_int(r, 2);
		if (!db_null(r, 3) && !(x->key_name = xstrdup(db_text(r, 3))))
			oom = true;
		if (!db_null(r, 4))
			copy_field(x->key_prefix, sizeof x->key_prefix, db_text(r, 4));
		x->key_revoked = !db_null(r, 5);
		if (oom)
			rc = -1;
	}
	db_done(r);
	if (rc != 1)
		admin_msg_api_free(x);
	return rc;
}

void admin_msg_api_free(struct admin_msg_api *x)
{
	free(x->request_json);
	free(x->tool_calls);
	free(x->key_name);
	memset(x, 0, sizeof *x);
	x->key_id = -1;
}
