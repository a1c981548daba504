/* test_session.c - sessions, CSRF tokens and login throttling (src/auth/session.c,
 * csrf.c, throttle.c) against a real in-memory SQLite database
 * (PostgreSQL when LLMMETA_TEST_PG_URL is set).
 *
 * Requests are built by hand (no connection, so http_header() is NULL and the CSRF
 * token travels in the csrf_token form field). Covers: auth_login's cookie, loading
 * a session from it, wrong/malformed/expired cookies, inactive users, logout,
 * ending other sessions, session fixation; CSRF tokens for anonymous and logged-in
 * requests and every way a token can be wrong; per-account (case-insensitive) and
 * per-address throttling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/auth/auth.h"
#include "../../src/core/config.h"
#include "../../src/core/util.h"
#include "../../src/db/migrate.h"
#include "../../src/model/user.h"
#include "unit_db.h"

static db *d;
static int64_t alice_id, bob_id;

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	for (size_t i = 0; i < sizeof cfg.secret; i++)
		cfg.secret[i] = (unsigned char)(i * 7 + 1);
	http_set_https(false);
	char err[256];
	d = db_open(unit_db_url("sqlite://:memory:"), err, sizeof err);
	if (!d || db_migrate(d) < 1)
		return -1;
	if (user_create(d, "alice", "alice@example.org", "", false, &alice_id) != USER_CREATED ||
	    user_create(d, "bob", "bob@example.org", "", true, &bob_id) != USER_CREATED)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_close(d);
	return 0;
}

/* A request carrying the given session and CSRF cookies and csrf_token form field
 * (NULL: absent), after auth_load_session. */
static http_req *req_load(const char *session, const char *csrf_cookie, const char *form_token)
{
	http_req *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->method = HTTP_POST;
	if (session)
		kv_add(&r->cookies, SESSION_COOKIE, strlen(SESSION_COOKIE), session, strlen(session));
	if (csrf_cookie)
		kv_add(&r->cookies, CSRF_COOKIE, strlen(CSRF_COOKIE), csrf_cookie, strlen(csrf_cookie));
	if (form_token)
		kv_add(&r->form, "csrf_token", 10, form_token, strlen(form_token));
	assert_int_equal(auth_load_session(d, r), 0);
	return r;
}

static void req_free(http_req *r)
{
	kv_free(&r->cookies);
	kv_free(&r->form);
	kv_free(&r->headers);
	if (r->app_free)
		r->app_free(r->app);
	free(r);
}

/* The value of the last Set-Cookie for `name` (copied), and that whole header. */
static char *set_cookie_value(http_req *r, const char *name, const char **header)
{
	char *found = NULL;
	size_t n = strlen(name);
	for (size_t i = 0; i < r->headers.n; i++) {
		const char *v = r->headers.v[i].val;
		if (strcmp(r->headers.v[i].key, "Set-Cookie") || strncmp(v, name, n) || v[n] != '=')
			continue;
		free(found);
		found = strndup(v + n + 1, strcspn(v + n + 1, ";"));
		*header = v;
	}
	return found;
}

/* Logs user in on a fresh request and returns the session token (caller frees). */
static char *login_token(int64_t id, const char *name)
{
	http_req *r = req_load(NULL, NULL, NULL);
	assert_int_equal(auth_login(d, r, id, name, false), 0);
	char *tok = xstrdup(visitor(r)->session);
	req_free(r);
	return tok;
}

/* Who a request with session cookie tok turns out to be (0 = anonymous). */
static int64_t load_as(const char *tok)
{
	http_req *r = req_load(tok, NULL, NULL);
	int64_t id = visitor(r)->user_id;
	const struct visitor *v = visitor(r);
	bool consistent = id ? v->session && strcmp(v->session, tok) == 0 : !v->session && !v->name;
	req_free(r);
	assert_true(consistent);
	return id;
}

static void test_login_sets_cookie(void **state)
{
	(void)state;
	http_req *r = req_load(NULL, NULL, NULL);
	assert_int_equal(auth_login(d, r, alice_id, "alice", false), 0);
	assert_non_null(visitor(r)->session);
	assert_int_equal(strlen(visitor(r)->session), 43);
	assert_int_equal(visitor(r)->user_id, alice_id);
	assert_string_equal(visitor(r)->name, "alice");
	const char *h = NULL;
	char *v = set_cookie_value(r, SESSION_COOKIE, &h);
	assert_non_null(v);
	assert_string_equal(v, visitor(r)->session);
	char want[256];
	snprintf(want, sizeof want, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%ld", v,
		 (long)SESSION_DAYS * 86400);
	assert_string_equal(h, want);
	free(v);
	req_free(r);
	/* With an https PUBLIC_URL the cookie is Secure. */
	http_set_https(true);
	r = req_load(NULL, NULL, NULL);
	int rc = auth_login(d, r, alice_id, "alice", false);
	v = set_cookie_value(r, SESSION_COOKIE, &h);
	bool secure = h && strstr(h, "; Max-Age=1209600; Secure") != NULL;
	free(v);
	req_free(r);
	http_set_https(false);
	assert_int_equal(rc, 0);
	assert_true(secure);
}

static void test_load_session(void **state)
{
	(void)state;
	char *tok = login_token(bob_id, "bob");
	http_req *r = req_load(tok, NULL, NULL);
	assert_int_equal(visitor(r)->user_id, bob_id);
	assert_string_equal(visitor(r)->name, "bob");
	assert_true(visitor(r)->admin); /* from the database, not from auth_login's argument */
	assert_string_equal(visitor(r)->session, tok);
	req_free(r);
	free(tok);
}

static void test_wrong_or_malformed_cookie(void **state)
{
	(void)state;
	char *tok = login_token(alice_id, "alice");
	char flipped[64], dotted[64], longer[64];
	snprintf(flipped, sizeof flipped, "%s", tok);
	flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
	snprintf(dotted, sizeof dotted, "%s", tok);
	dotted[10] = '.';
	snprintf(longer, sizeof longer, "%sA", tok);
	const char *bad[] = {flipped, dotted, longer, "", "abc", "' OR 1=1 --"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(load_as(bad[i]), 0);
	http_req *r = req_load(NULL, NULL, NULL); /* no cookie at all */
	assert_int_equal(visitor(r)->user_id, 0);
	req_free(r);
	assert_int_equal(load_as(tok), alice_id); /* the real one still works */
	free(tok);
}

static void test_logout(void **state)
{
	(void)state;
	char *tok = login_token(alice_id, "alice");
	http_req *r = req_load(tok, NULL, NULL);
	assert_int_equal(visitor(r)->user_id, alice_id);
	assert_int_equal(auth_logout(d, r), 0);
	assert_null(visitor(r)->session);
	assert_int_equal(visitor(r)->user_id, 0);
	assert_null(visitor(r)->name);
	const char *h = NULL;
	char *v = set_cookie_value(r, SESSION_COOKIE, &h);
	assert_string_equal(v, "");
	assert_non_null(strstr(h, "Max-Age=0"));
	free(v);
	req_free(r);
	assert_int_equal(load_as(tok), 0);
	free(tok);
}

static void test_end_other_sessions(void **state)
{
	(void)state;
	char *a1 = login_token(alice_id, "alice"), *a2 = login_token(alice_id, "alice");
	char *a3 = login_token(alice_id, "alice"), *b1 = login_token(bob_id, "bob");
	assert_int_equal(auth_end_sessions(d, alice_id, a2), 0);
	assert_int_equal(load_as(a1), 0);
	assert_int_equal(load_as(a2), alice_id);
	assert_int_equal(load_as(a3), 0);
	assert_int_equal(load_as(b1), bob_id); /* another user's session is untouched */
	assert_int_equal(auth_end_sessions(d, alice_id, NULL), 0);
	assert_int_equal(load_as(a2), 0);
	assert_int_equal(load_as(b1), bob_id);
	free(a1), free(a2), free(a3), free(b1);
}

static void test_login_replaces_old_session(void **state)
{
	(void)state;
	char *old = login_token(alice_id, "alice");
	http_req *r = req_load(old, NULL, NULL);
	assert_int_equal(auth_login(d, r, alice_id, "alice", false), 0);
	assert_string_not_equal(visitor(r)->session, old);
	assert_int_equal(load_as(old), 0);
	assert_int_equal(load_as(visitor(r)->session), alice_id);
	req_free(r);
	free(old);
}

static void test_inactive_or_expired(void **state)
{
	(void)state;
	char *tok = login_token(bob_id, "bob");
	assert_int_equal(load_as(tok), bob_id);
	assert_int_equal(db_exec(d, "UPDATE users SET is_active = 0 WHERE id = ?", DB_ARGS(db_v_int(bob_id))), 1);
	int64_t inactive = load_as(tok);
	db_exec(d, "UPDATE users SET is_active = 1 WHERE id = ?", DB_ARGS(db_v_int(bob_id)));
	assert_int_equal(inactive, 0);
	assert_int_equal(load_as(tok), bob_id);
	char hash[65];
	sha256_hex(hash, tok, strlen(tok));
	assert_int_equal(db_exec(d, "UPDATE sessions SET expires_at = ? WHERE token_hash = ?",
				 DB_ARGS(db_v_int(now_ms() - 1), db_v_text(hash))), 1);
	assert_int_equal(load_as(tok), 0);
	free(tok);
}

/* Before auth/ fills anything in, a request has no visitor of its own: visitor()
 * reads an empty anonymous one (no user, no session, no CSRF binding, so a form is
 * refused) and nothing is hung on the request. The first fill hangs one there with
 * its free function, which req_free calls (the sanitizer run proves it frees all). */
static void test_visitor_empty_until_filled(void **state)
{
	(void)state;
	http_req *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->method = HTTP_POST;
	kv_add(&r->form, "csrf_token", 10, "x", 1);
	const struct visitor *v = visitor(r);
	assert_non_null(v);
	assert_int_equal(v->user_id, 0);
	assert_null(v->name);
	assert_null(v->session);
	assert_null(v->csrf_cookie);
	assert_false(v->session_loaded);
	assert_false(auth_csrf_ok(r));
	assert_int_equal(auth_logout(d, r), 0); /* nothing to end */
	assert_int_equal(visitor(r)->user_id, 0);
	assert_non_null(r->app); /* auth_logout filled it in (cleared) */
	r->app_free(r->app);
	r->app = NULL;
	r->app_free = NULL;
	assert_null(visitor(r)->csrf_cookie);
	assert_null(r->app);
	const char *t = auth_csrf_token(r);
	assert_int_equal(strlen(t), 43);
	assert_ptr_equal(visitor(r), r->app);
	assert_non_null(r->app_free);
	assert_non_null(visitor(r)->csrf_cookie);
	assert_ptr_not_equal(visitor(r), v); /* the empty one is untouched */
	assert_null(v->csrf_cookie);
	req_free(r);
}

/* An anonymous request's CSRF cookie and token (both copied). */
static void anon_csrf(char **cookie, char **token)
{
	http_req *r = req_load(NULL, NULL, NULL);
	const char *t = auth_csrf_token(r);
	assert_int_equal(strlen(t), 43);
	assert_non_null(visitor(r)->csrf_cookie);
	assert_string_equal(auth_csrf_token(r), t); /* stable within the request */
	const char *h = NULL;
	*cookie = set_cookie_value(r, CSRF_COOKIE, &h);
	assert_non_null(*cookie);
	assert_string_equal(*cookie, visitor(r)->csrf_cookie);
	assert_non_null(strstr(h, "; Path=/; HttpOnly; SameSite=Lax; Max-Age="));
	assert_int_equal(r->headers.n, 1); /* one cookie, not one per call */
	*token = xstrdup(t);
	req_free(r);
}

/* Does a request with CSRF cookie `cookie` (NULL: none) and form token pass? */
static bool csrf_passes(const char *cookie, const char *token)
{
	http_req *r = req_load(NULL, cookie, token);
	bool ok = auth_csrf_ok(r);
	req_free(r);
	return ok;
}

static void test_csrf_anonymous(void **state)
{
	(void)state;
	char *c1, *t1, *c2, *t2;
	anon_csrf(&c1, &t1);
	anon_csrf(&c2, &t2);
	assert_string_not_equal(c1, c2);
	assert_true(csrf_passes(c1, t1));
	assert_true(csrf_passes(c2, t2));
	assert_false(csrf_passes(c1, "wrong"));
	assert_false(csrf_passes(c1, ""));
	assert_false(csrf_passes(c1, NULL));
	assert_false(csrf_passes(c1, t2)); /* another browser's token */
	assert_false(csrf_passes(NULL, t1));
	char changed[64];
	snprintf(changed, sizeof changed, "%s", t1);
	changed[20] = changed[20] == 'x' ? 'y' : 'x';
	assert_false(csrf_passes(c1, changed));
	snprintf(changed, sizeof changed, "%sA", t1);
	assert_false(csrf_passes(c1, changed));
	/* A request that already has the cookie gets the same token and no new cookie. */
	http_req *r = req_load(NULL, c1, NULL);
	assert_string_equal(visitor(r)->csrf_cookie, c1);
	assert_string_equal(auth_csrf_token(r), t1);
	assert_int_equal(r->headers.n, 0);
	req_free(r);
	/* The token is keyed by the server secret. */
	cfg.secret[0] ^= 1;
	bool other_secret = csrf_passes(c1, t1);
	cfg.secret[0] ^= 1;
	assert_false(other_secret);
	free(c1), free(t1), free(c2), free(t2);
}

static void test_csrf_binding_changes_at_login(void **state)
{
	(void)state;
	char *cookie, *anon_token;
	anon_csrf(&cookie, &anon_token);
	http_req *r = req_load(NULL, cookie, anon_token);
	assert_string_equal(auth_csrf_token(r), anon_token); /* computed and cached */
	assert_true(auth_csrf_ok(r));
	assert_int_equal(auth_login(d, r, alice_id, "alice", false), 0);
	assert_false(auth_csrf_ok(r)); /* the pre-login token is worthless now */
	char *session_token = xstrdup(auth_csrf_token(r));
	char *sess = xstrdup(visitor(r)->session);
	assert_string_not_equal(session_token, anon_token);
	req_free(r);
	/* The next request: session cookie (plus the old CSRF cookie) and the new token. */
	r = req_load(sess, cookie, session_token);
	assert_true(auth_csrf_ok(r));
	req_free(r);
	r = req_load(sess, cookie, anon_token);
	assert_false(auth_csrf_ok(r));
	req_free(r);
	free(cookie), free(anon_token), free(session_token), free(sess);
}

/* One attempt that failed: counted before its password is checked. */
static void failed_attempt(const char *login, const char *addr)
{
	int64_t attempt = 0;
	assert_int_equal(auth_attempt_begin(d, login, addr, &attempt), 0);
	assert_true(attempt > 0);
}

static void test_throttle_per_account(void **state)
{
	(void)state;
	const char *spell[] = {"Alice", "alice", "ALICE"};
	assert_int_equal(auth_throttled(d, "alice", "10.0.0.1"), 0);
	for (int i = 0; i < THROTTLE_MAX_ACCOUNT - 1; i++)
		failed_attempt(spell[i % 3], i % 2 ? "10.0.0.1" : "10.0.0.2");
	assert_int_equal(auth_throttled(d, "alice", "10.0.0.3"), 0);
	failed_attempt("aLiCe", "10.0.0.4");
	assert_int_equal(auth_throttled(d, "alice", "10.0.0.3"), 1);
	assert_int_equal(auth_throttled(d, "ALICE", "10.0.0.9"), 1);
	assert_int_equal(auth_throttled(d, "bob", "10.0.0.1"), 0); /* another account */
	auth_attempt_succeeded(d, "Alice", 0);
	assert_int_equal(auth_throttled(d, "alice", "10.0.0.1"), 0);
}

static void test_throttle_per_address(void **state)
{
	(void)state;
	char login[32];
	for (int i = 0; i < THROTTLE_MAX_ADDR - 1; i++) {
		snprintf(login, sizeof login, "user%d", i);
		failed_attempt(login, "2001:DB8::7");
	}
	assert_int_equal(auth_throttled(d, "fresh", "2001:db8::7"), 0);
	failed_attempt("last", "2001:db8::7");
	assert_int_equal(auth_throttled(d, "fresh", "2001:db8::7"), 1);
	assert_int_equal(auth_throttled(d, "fresh", "2001:db8::8"), 0); /* another address */
	assert_int_equal(auth_throttled(d, "user1", "192.0.2.1"), 0);  /* one failure only */
}

/* A right password erases its attempt: logins that succeed never throttle an address. */
static void test_throttle_success_not_counted(void **state)
{
	(void)state;
	for (int i = 0; i < THROTTLE_MAX_ADDR + 5; i++) {
		int64_t attempt = 0;
		assert_int_equal(auth_throttled(d, "dave", "198.51.100.1"), 0);
		assert_int_equal(auth_attempt_begin(d, "dave", "198.51.100.1", &attempt), 0);
		assert_int_equal(auth_attempt_succeeded(d, "dave", attempt), 0);
	}
	assert_int_equal(auth_throttled(d, "dave", "198.51.100.1"), 0);
}

/* Fail closed: when the attempt cannot be written, the caller hears it. */
static void test_throttle_write_failure(void **state)
{
	(void)state;
	int64_t attempt = 0;
	assert_int_equal(db_exec_script(d, unit_db_is_pg()
						   ? "CREATE FUNCTION no_failures() RETURNS trigger LANGUAGE plpgsql AS"
						     " $$ BEGIN RAISE EXCEPTION 'injected'; END $$;"
						     " CREATE TRIGGER no_failures BEFORE INSERT ON login_failures"
						     " FOR EACH ROW EXECUTE FUNCTION no_failures()"
						   : "CREATE TRIGGER no_failures BEFORE INSERT ON login_failures"
						     " BEGIN SELECT RAISE(ABORT, 'injected'); END"),
			 0);
	assert_int_equal(auth_attempt_begin(d, "erin", "203.0.113.5", &attempt), -1);
	int64_t n = -1;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM login_failures WHERE scope LIKE '%erin%'"
					 " OR scope LIKE '%203.0.113.5%'", DB_NOARGS, &n), 1);
	assert_int_equal(n, 0); /* all or nothing */
	assert_int_equal(db_exec_script(d, unit_db_is_pg() ? "DROP TRIGGER no_failures ON login_failures;"
							     " DROP FUNCTION no_failures()"
							   : "DROP TRIGGER no_failures"),
			 0);
	assert_int_equal(auth_attempt_begin(d, "erin", "203.0.113.5", &attempt), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_sets_cookie),
		cmocka_unit_test(test_load_session),
		cmocka_unit_test(test_wrong_or_malformed_cookie),
		cmocka_unit_test(test_logout),
		cmocka_unit_test(test_end_other_sessions),
		cmocka_unit_test(test_login_replaces_old_session),
		cmocka_unit_test(test_inactive_or_expired),
		cmocka_unit_test(test_visitor_empty_until_filled),
		cmocka_unit_test(test_csrf_anonymous),
		cmocka_unit_test(test_csrf_binding_changes_at_login),
		cmocka_unit_test(test_throttle_per_account),
		cmocka_unit_test(test_throttle_per_address),
		cmocka_unit_test(test_throttle_success_not_counted),
		cmocka_unit_test(test_throttle_write_failure),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
