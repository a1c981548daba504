/* throttle.c - login throttling in the database, so that every instance sees the
 * same failures. A failure is a row (scope, time); scopes are "acct:<login>" and
 * "addr:<ip>". */
#include <stdio.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "auth.h"

const char *auth_account_key(char *out, size_t outlen, int64_t user_id, const char *login)
{
	if (user_id > 0) {
		snprintf(out, outlen, "id:%lld", (long long)user_id);
		return out;
	}
	return login;
}

static void scope_of(buf *b, const char *kind, const char *value)
{
	buf_printf(b, "%s:%s", kind, value);
	str_lower(b->data);
}

static int count_since(db *d, const char *scope, int64_t since, int64_t *n)
{
	return db_query_int(d, "SELECT count(*) FROM login_failures WHERE scope = ? AND at > ?",
			    DB_ARGS(db_v_text(scope), db_v_int(since)), n);
}

int auth_throttled(db *d, const char *account, const char *addr)
{
	buf acct = BUF_INIT, ip = BUF_INIT;
	scope_of(&acct, "acct", account);
	scope_of(&ip, "addr", addr);
	int64_t since = now_ms() - THROTTLE_WINDOW_MS, na = 0, ni = 0;
	int rc = acct.oom || ip.oom ? -1 : 0;
	if (rc == 0 && (count_since(d, acct.data, since, &na) < 0 || count_since(d, ip.data, since, &ni) < 0))
		rc = -1;
	if (rc == 0)
		rc = na >= THROTTLE_MAX_ACCOUNT || ni >= THROTTLE_MAX_ADDR;
	buf_free(&acct);
	buf_free(&ip);
	return rc;
}

void auth_login_failed(db *d, const char *account, const char *addr)
{
	buf acct = BUF_INIT, ip = BUF_INIT;
	scope_of(&acct, "acct", account);
	scope_of(&ip, "addr", addr);
	int64_t now = now_ms();
	if (!acct.oom && !ip.oom) {
		db_exec(d, "INSERT INTO login_failures (scope, at) VALUES (?, ?), (?, ?)",
			DB_ARGS(db_v_text(acct.data), db_v_int(now), db_v_text(ip.data), db_v_int(now)));
		db_exec(d, "DELETE FROM login_failures WHERE at < ?", DB_ARGS(db_v_int(now - THROTTLE_WINDOW_MS)));
	}
	buf_free(&acct);
	buf_free(&ip);
}

void auth_login_succeeded(db *d, const char *account)
{
	buf acct = BUF_INIT;
	scope_of(&acct, "acct", account);
	if (!acct.oom)
		db_exec(d, "DELETE FROM login_failures WHERE scope = ?", DB_ARGS(db_v_text(acct.data)));
	buf_free(&acct);
}
