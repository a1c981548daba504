/* apikey.c - the api_keys table (see apikey.h). */
#include "apikey.h"

#include <stdlib.h>

#include "../core/util.h"
#include "field.h"

int apikey_insert(db *d, int64_t user_id, const char *name, const char *prefix, const char *key_hash,
		  int64_t expires_at, int64_t *id)
{
	return db_query_int(d,
			    "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at, expires_at)"
			    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    DB_ARGS(db_v_int(user_id), db_v_text(name), db_v_text(prefix), db_v_text(key_hash),
				    db_v_int(now_ms()), none_or_int(expires_at)),
			    id) == 1 ? 0 : -1;
}

static int apikey_row(db_rows *r, void *elem, void *ctx)
{
	(void)ctx;
	struct apikey *k = elem;
	k->id = db_int(r, 0);
	k->name = xstrdup(db_text(r, 1));
	copy_field(k->prefix, sizeof k->prefix, db_text(r, 2));
	k->created_at = db_int(r, 3);
	k->expires_at = int_or_none(r, 4);
	k->last_used_at = int_or_none(r, 5);
	k->revoked_at = int_or_none(r, 6);
	k->calls = db_int(r, 7);
	return k->name ? 0 : -1;
}

static void apikey_rows_free(void *a, size_t n) { apikey_list_free(a, n); }

int apikey_list(db *d, int64_t user_id, struct apikey **out, size_t *n)
{
	db_rows *r = db_query(d,
			      "SELECT id, name, prefix, created_at, expires_at, last_used_at, revoked_at, calls"
			      " FROM api_keys WHERE user_id = ? ORDER BY id DESC",
			      DB_ARGS(db_v_int(user_id)));
	void *a;
	int rc = rows_read(r, sizeof **out, apikey_row, NULL, apikey_rows_free, &a, n);
	*out = a;
	return rc;
}

void apikey_list_free(struct apikey *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i].name);
	free(k);
}

int apikey_revoke(db *d, int64_t user_id, int64_t id)
{
	/* COALESCE keeps the first revocation's time when revoked twice. */
	int64_t n = db_exec(d, "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?",
			    DB_ARGS(db_v_int(now_ms()), db_v_int(id), db_v_int(user_id)));
	return n < 0 ? -1 : n > 0;
}

int apikey_owner(db *d, const char *key_hash, int64_t now, int64_t *key_id, int64_t *user_id, char **username,
		 bool *admin)
{
	db_rows *r = db_query(d,
			      "SELECT k.id, k.user_id, u.username, u.is_admin FROM api_keys k JOIN users u ON u.id = k.user_id"
			      " WHERE k.key_hash = ? AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)"
			      " AND u.is_active = 1",
			      DB_ARGS(db_v_text(key_hash), db_v_int(now)));
	if (!r)
		return -1;
	int rc = db_step(r);
	if (rc == 1) {
		*key_id = db_int(r, 0);
		*user_id = db_int(r, 1);
		*username = xstrdup(db_text(r, 2));
		*admin = db_int(r, 3) != 0;
		if (!*username)
			rc = -1;
	}
	db_done(r);
	return rc;
}
