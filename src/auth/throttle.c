/* throttle.c - login and password-reset throttling in the database, so that every
 * instance sees the same counts. A failure is a row (scope, time) in
 * model/session.c's table; scopes are "acct:<login>" and "addr:<ip>" for logins,
 * "reset:<e-mail>" and "resetaddr:<ip>" for reset requests. A login attempt is
 * written as a failure before its password is checked and erased when the password
 * was right, so a failed write fails closed; a reset request is simply counted.
 * Apart from these, a login rate for the whole instance, kept in memory. */
#include <pthread.h>
#include <stdio.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "../model/session.h"
#include "auth.h"

/* Rows older than the longest window count for nothing: whoever writes purges them. */
#define PURGE_MS (RESET_WINDOW_MS > THROTTLE_WINDOW_MS ? RESET_WINDOW_MS : THROTTLE_WINDOW_MS)

const char *auth_account_key(char *out, size_t outlen, int64_t user_id, const char *login)
{
	if (user_id > 0) {
		snprintf(out, outlen, "id:%lld", (long long)user_id);
		return out;
	}
	return login;
}

/* "kind:value", lower-cased; NULL when out of memory (b is freed by the caller). */
static const char *scope_of(buf *b, const char *kind, const char *value)
{
	buf_printf(b, "%s:%s", kind, value);
	return b->oom ? NULL : str_lower(b->data);
}

int auth_throttled(db *d, const char *account, const char *addr)
{
	buf acct = BUF_INIT, ip = BUF_INIT;
	const char *a = scope_of(&acct, "acct", account), *i = scope_of(&ip, "addr", addr);
	int64_t since = now_ms() - THROTTLE_WINDOW_MS, na = 0, ni = 0;
	int rc = -1;
	if (a && i && failures_count(d, a, since, &na) == 0 && failures_count(d, i, since, &ni) == 0)
		rc = na >= THROTTLE_MAX_ACCOUNT || ni >= THROTTLE_MAX_ADDR;
	buf_free(&acct);
	buf_free(&ip);
	return rc;
}

int auth_attempt_begin(db *d, const char *account, const char *addr, int64_t *attempt)
{
	buf acct = BUF_INIT, ip = BUF_INIT;
	const char *scopes[2] = {scope_of(&acct, "acct", account), scope_of(&ip, "addr", addr)};
	int64_t now = now_ms(), ids[2] = {0, 0};
	int rc = -1;
	if (scopes[0] && scopes[1])
		rc = failures_add(d, scopes, 2, now, now - PURGE_MS, ids);
	*attempt = ids[1]; /* the address's row: the account's are all cleared on success */
	buf_free(&acct);
	buf_free(&ip);
	return rc;
}

int auth_attempt_succeeded(db *d, const char *account, int64_t attempt)
{
	buf acct = BUF_INIT;
	const char *a = scope_of(&acct, "acct", account);
	int rc = a ? failures_clear(d, a, attempt) : -1;
	buf_free(&acct);
	return rc;
}

int auth_reset_allow(db *d, const char *email, const char *addr)
{
	buf mail = BUF_INIT, ip = BUF_INIT;
	const char *scopes[2] = {scope_of(&mail, "reset", email), scope_of(&ip, "resetaddr", addr)};
	int64_t now = now_ms(), since = now - RESET_WINDOW_MS, nm = 0, ni = 0, ids[2];
	int rc = -1;
	if (scopes[0] && scopes[1] && failures_count(d, scopes[0], since, &nm) == 0 &&
	    failures_count(d, scopes[1], since, &ni) == 0) {
		/* A refused request is not counted, so refusals do not prolong the wait. */
		if (nm >= RESET_MAX_EMAIL || ni >= RESET_MAX_ADDR)
			rc = 0;
		else
			rc = failures_add(d, scopes, 2, now, now - PURGE_MS, ids) == 0 ? 1 : -1;
	}
	buf_free(&mail);
	buf_free(&ip);
	return rc;
}

/* The attempts let through in each of the last 60 seconds: second[i] is the
 * second (mono_ms / 1000, plus one so that 0 means never) that count[i] is for. */
static pthread_mutex_t rate_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t rate_second[60];
static unsigned rate_count[60];

bool auth_login_rate_take(unsigned per_minute)
{
	int64_t now = mono_ms() / 1000 + 1;
	pthread_mutex_lock(&rate_mu);
	unsigned long long total = 0;
	for (size_t i = 0; i < 60; i++)
		if (rate_second[i] && now - rate_second[i] < 60)
			total += rate_count[i];
	bool ok = total < per_minute;
	if (ok) {
		size_t k = (size_t)(now % 60);
		if (rate_second[k] != now) {
			rate_second[k] = now;
			rate_count[k] = 0;
		}
		rate_count[k]++;
	}
	pthread_mutex_unlock(&rate_mu);
	return ok;
}
