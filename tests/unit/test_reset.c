/* test_reset.c - password reset tokens (src/auth/reset.c, src/model/password_reset.c)
 * and the reset throttle (src/auth/throttle.c) against an in-memory SQLite database
 * (PostgreSQL when LLMMETA_TEST_PG_URL is set).
 *
 * Covers: no token for an unknown or inactive address; a token of 43 base64url
 * characters stored only as its SHA-256, valid one hour; checking (malformed,
 * unknown, live, expired, user made inactive); spending (the password set, every
 * session ended, the user's other tokens spent, a second use refused); expired rows
 * purged; the throttle per address (any case) and per client at its last accepted
 * and first refused request, the hour's rows surviving a login's purge; the one
 * set of new-password rules; on PostgreSQL (LLMMETA_TEST_PG_URL, as scripts/test.sh
 * runs it), the same, and two connections consuming one token at once: one wins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/auth/auth.h"
#include "../../src/auth/password.h"
#include "../../src/core/util.h"
#include "../../src/db/migrate.h"
#include "../../src/model/password_reset.h"
#include "../../src/model/session.h"
#include "../../src/model/user.h"
#include "unit_db.h"

static db *d;
static int64_t alice_id, carol_id;

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	char err[256];
	d = db_open(unit_db_url("sqlite://:memory:"), err, sizeof err);
	if (!d || db_migrate(d) < 1)
		return -1;
	if (user_create(d, "alice", "Alice@Example.org", "", false, &alice_id) != USER_CREATED ||
	    user_create(d, "carol", "carol@example.org", "", false, &carol_id) != USER_CREATED)
		return -1;
	return db_exec(d, "UPDATE users SET is_active = 0 WHERE id = ?", DB_ARGS(db_v_int(carol_id))) == 1 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	db_close(d);
	return 0;
}

static int64_t count(const char *sql, int64_t arg)
{
	int64_t n = -1;
	assert_int_equal(db_query_int(d, sql, DB_ARGS(db_v_int(arg)), &n), 1);
	return n;
}

static void test_start(void **state)
{
	(void)state;
	struct reset_mail m;
	assert_int_equal(auth_reset_start(d, "nobody@example.org", &m), 0);
	assert_int_equal(auth_reset_start(d, "carol@example.org", &m), 0); /* inactive: no mail */
	assert_int_equal(auth_reset_start(d, "alice", &m), 0); /* a username is not an e-mail */
	assert_int_equal(count("SELECT count(*) FROM password_resets WHERE id > ?", 0), 0);

	int64_t before = now_ms();
	assert_int_equal(auth_reset_start(d, "ALICE@example.ORG", &m), 1);
	assert_int_equal(m.user_id, alice_id);
	assert_string_equal(m.username, "alice");
	assert_string_equal(m.email, "Alice@Example.org");
	assert_int_equal(strlen(m.token), 43);
	assert_true(auth_token_shape(m.token));
	char hash[65];
	auth_token_hash(hash, m.token);
	char *stored = db_query_text(d, "SELECT token_hash FROM password_resets WHERE user_id = ?", DB_ARGS(db_v_int(alice_id)));
	assert_non_null(stored);
	assert_string_equal(stored, hash); /* the hash, never the token */
	free(stored);
	int64_t created = -1, expires = -1;
	assert_int_equal(db_query_int(d, "SELECT created_at FROM password_resets WHERE user_id = ?", DB_ARGS(db_v_int(alice_id)), &created), 1);
	assert_int_equal(db_query_int(d, "SELECT expires_at FROM password_resets WHERE user_id = ?", DB_ARGS(db_v_int(alice_id)), &expires), 1);
	assert_true(created >= before && created <= now_ms());
	assert_int_equal(expires - created, RESET_TTL_MS);

	struct reset_mail m2;
	assert_int_equal(auth_reset_start(d, "alice@example.org", &m2), 1);
	assert_string_not_equal(m.token, m2.token);
	auth_reset_mail_free(&m);
	auth_reset_mail_free(&m2);
	db_exec(d, "DELETE FROM password_resets", DB_ARGS());
}

static void test_check_and_finish(void **state)
{
	(void)state;
	struct reset_mail a, b;
	assert_int_equal(auth_reset_start(d, "alice@example.org", &a), 1);
	assert_int_equal(auth_reset_start(d, "alice@example.org", &b), 1);
	int64_t uid = 0;
	assert_int_equal(auth_reset_check(d, "short", &uid), 0);
	assert_int_equal(auth_reset_check(d, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &uid), 0);
	char bad[44];
	memcpy(bad, a.token, 44);
	bad[10] = '!';
	assert_int_equal(auth_reset_check(d, bad, &uid), 0);
	assert_int_equal(auth_reset_check(d, a.token, &uid), 1);
	assert_int_equal(uid, alice_id);

	/* Two sessions of alice, one of carol's id (to see that only alice's end). */
	int64_t now = now_ms();
	assert_int_equal(session_create(d, "s1", alice_id, now, now + 100000, NULL), 0);
	assert_int_equal(session_create(d, "s2", alice_id, now, now + 100000, NULL), 0);
	assert_int_equal(session_create(d, "s3", carol_id, now, now + 100000, NULL), 0);

	char hash[128];
	assert_int_equal(password_hash("New-pass#word1", hash), 0);
	uid = 0;
	assert_int_equal(auth_reset_finish(d, b.token, hash, &uid, NULL), 1);
	assert_int_equal(uid, alice_id);
	struct user u = {0};
	assert_int_equal(user_by_id(d, alice_id, &u), 1);
	assert_true(password_verify("New-pass#word1", u.password_hash));
	user_clear(&u);
	assert_int_equal(count("SELECT count(*) FROM sessions WHERE user_id = ?", alice_id), 0);
	assert_int_equal(count("SELECT count(*) FROM sessions WHERE user_id = ?", carol_id), 1);
	assert_int_equal(count("SELECT count(*) FROM password_resets WHERE user_id = ? AND used_at IS NULL", alice_id), 0);

	/* Once: neither the used token nor the other one works again. */
	assert_int_equal(auth_reset_finish(d, b.token, hash, &uid, NULL), 0);
	assert_int_equal(auth_reset_check(d, b.token, &uid), 0);
	assert_int_equal(auth_reset_check(d, a.token, &uid), 0);
	assert_int_equal(auth_reset_finish(d, a.token, hash, &uid, NULL), 0);
	assert_int_equal(auth_reset_finish(d, "short", hash, &uid, NULL), 0);
	auth_reset_mail_free(&a);
	auth_reset_mail_free(&b);
	db_exec(d, "DELETE FROM password_resets", DB_ARGS());
	db_exec(d, "DELETE FROM sessions", DB_ARGS());
}

static void test_expiry_and_inactive(void **state)
{
	(void)state;
	int64_t now = now_ms(), uid = 0;
	/* The model at the edge: live until expires_at, not at it. */
	assert_int_equal(reset_create(d, alice_id, "h-edge", now, now + 1000), 0);
	assert_int_equal(reset_find(d, "h-edge", now + 999, &uid), 1);
	assert_int_equal(reset_find(d, "h-edge", now + 1000, &uid), 0);
	assert_int_equal(reset_use(d, "h-edge", now + 1000, "x", &uid, NULL), 0);
	assert_int_equal(reset_use(d, "h-edge", now + 999, "x", &uid, NULL), 1);
	assert_int_equal(reset_use(d, "h-edge", now + 999, "x", &uid, NULL), 0); /* used */

	/* Through auth: a token whose time has passed. */
	struct reset_mail m;
	assert_int_equal(auth_reset_start(d, "alice@example.org", &m), 1);
	assert_int_equal(auth_reset_check(d, m.token, &uid), 1);
	db_exec(d, "UPDATE password_resets SET expires_at = ? WHERE user_id = ?", DB_ARGS(db_v_int(now_ms() - 1), db_v_int(alice_id)));
	assert_int_equal(auth_reset_check(d, m.token, &uid), 0);
	assert_int_equal(auth_reset_finish(d, m.token, "x", &uid, NULL), 0);
	auth_reset_mail_free(&m);

	/* A user made inactive after the mail went out. */
	assert_int_equal(auth_reset_start(d, "alice@example.org", &m), 1);
	db_exec(d, "UPDATE users SET is_active = 0 WHERE id = ?", DB_ARGS(db_v_int(alice_id)));
	assert_int_equal(auth_reset_check(d, m.token, &uid), 0);
	assert_int_equal(auth_reset_finish(d, m.token, "x", &uid, NULL), 0);
	db_exec(d, "UPDATE users SET is_active = 1 WHERE id = ?", DB_ARGS(db_v_int(alice_id)));
	assert_int_equal(auth_reset_check(d, m.token, &uid), 1);
	auth_reset_mail_free(&m);

	/* Expired rows go when the next token is made. */
	assert_int_equal(reset_create(d, alice_id, "h-old", now - 7200000, now - 3600000), 0);
	assert_true(count("SELECT count(*) FROM password_resets WHERE expires_at < ?", now_ms()) > 0);
	assert_int_equal(auth_reset_start(d, "alice@example.org", &m), 1);
	assert_int_equal(count("SELECT count(*) FROM password_resets WHERE expires_at < ?", now_ms() - 1), 0);
	auth_reset_mail_free(&m);
	db_exec(d, "DELETE FROM password_resets", DB_ARGS());
}

static void test_throttle(void **state)
{
	(void)state;
	for (int i = 0; i < RESET_MAX_EMAIL; i++)
		assert_int_equal(auth_reset_allow(d, i % 2 ? "Bob@Example.org" : "bob@example.org", "10.0.0.1"), 1);
	assert_int_equal(auth_reset_allow(d, "BOB@example.org", "10.0.0.2"), 0);
	assert_int_equal(auth_reset_allow(d, "bob@example.org", "10.0.0.2"), 0); /* refusals are not counted... */
	assert_int_equal(auth_reset_allow(d, "dave@example.org", "10.0.0.2"), 1); /* ...against the client */

	/* Per client: 10 accepted (the 3 above and 7 more), the 11th refused. */
	for (int i = 0; i < RESET_MAX_ADDR - RESET_MAX_EMAIL; i++) {
		char email[64];
		snprintf(email, sizeof email, "u%d@example.org", i);
		assert_int_equal(auth_reset_allow(d, email, "10.0.0.1"), 1);
	}
	assert_int_equal(auth_reset_allow(d, "fresh@example.org", "10.0.0.1"), 0);
	assert_int_equal(auth_reset_allow(d, "fresh@example.org", "10.0.0.3"), 1);

	/* Rows of 50 minutes ago still count after a login attempt purged old rows: the
	 * purge keeps the longest window. */
	const char *scopes[] = {"reset:erin@example.org"};
	int64_t ids[1], attempt = 0, now = now_ms();
	for (int i = 0; i < RESET_MAX_EMAIL; i++)
		assert_int_equal(failures_add(d, scopes, 1, now - 50 * 60 * 1000, 0, ids), 0);
	assert_int_equal(auth_attempt_begin(d, "someone", "10.0.0.9", &attempt), 0);
	assert_int_equal(auth_reset_allow(d, "erin@example.org", "10.0.0.4"), 0);
	/* ...and rows older than the hour do not. */
	db_exec(d, "UPDATE login_failures SET at = ? WHERE scope = 'reset:erin@example.org'", DB_ARGS(db_v_int(now - RESET_WINDOW_MS - 1)));
	assert_int_equal(auth_reset_allow(d, "erin@example.org", "10.0.0.4"), 1);
}

static void test_password_rules(void **state)
{
	(void)state;
	buf e1 = BUF_INIT, e2 = BUF_INIT;
	assert_true(auth_new_password_ok("Good-pass#word1", "Good-pass#word1", "alice", "a@x.org", &e1, &e2));
	assert_int_equal(e1.len + e2.len, 0);
	assert_true(auth_new_password_ok("Good-pass#word1", NULL, "alice", "a@x.org", &e1, &e2));
	assert_false(auth_new_password_ok("", "", "alice", "a@x.org", &e1, &e2));
	assert_non_null(strstr(e1.data, "required"));
	buf_reset(&e1);
	assert_false(auth_new_password_ok("12345678", "12345678", "alice", "a@x.org", &e1, &e2));
	assert_non_null(strstr(e1.data, "numeric"));
	buf_reset(&e1);
	assert_false(auth_new_password_ok("Good-pass#word1", "Good-pass#word2", "alice", "a@x.org", &e1, &e2));
	assert_int_equal(e1.len, 0);
	assert_non_null(strstr(e2.data, "same password"));
	buf_free(&e1);
	buf_free(&e2);
}

/* One consumption, run on its own connection in a thread: it may block. */
struct consumer {
	db *d;
	const char *token_hash;
	int64_t now, user_id;
	int rc;
	atomic_bool done;
};

static void *consume(void *p)
{
	struct consumer *c = p;
	c->rc = reset_consume(c->d, c->token_hash, c->now, &c->user_id);
	atomic_store(&c->done, true);
	return NULL;
}

/* Whether c finishes within ms milliseconds. */
static bool finishes_within(struct consumer *c, int ms)
{
	for (int i = 0; i < ms / 10 && !atomic_load(&c->done); i++)
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	return atomic_load(&c->done);
}

/* Two uses of one token overlapping at the database step, on PostgreSQL, whose
 * default isolation (read committed) does not serialise them as SQLite's BEGIN
 * IMMEDIATE does: transaction A consumes the token; B tries while A is open and must
 * wait for A's row lock, then, A committed, find the token used and consume nothing.
 * If A rolls back instead, B gets it: what B waited for was the row, not the table. */
static void test_pg_consumed_once_across_connections(void **state)
{
	(void)state;
	const char *url = getenv("LLMMETA_TEST_PG_URL");
	if (!url || !*url) {
		print_message("LLMMETA_TEST_PG_URL is not set: the interleaving needs PostgreSQL, runs in its stage\n");
		skip();
		return;
	}
	char err[256];
	db *a = db_open(url, err, sizeof err), *b = db_open(url, err, sizeof err);
	assert_non_null(a);
	assert_non_null(b);
	int64_t now = now_ms();
	for (int commit = 1; commit >= 0; commit--) {
		const char *hash = commit ? "h-race-commit" : "h-race-rollback";
		assert_int_equal(reset_create(d, alice_id, hash, now, now + 60000), 0);
		assert_int_equal(db_begin(a), 0);
		assert_int_equal(db_begin(b), 0);
		int64_t uid = 0;
		assert_int_equal(reset_consume(a, hash, now, &uid), 1);
		assert_int_equal(uid, alice_id);

		struct consumer c = {.d = b, .token_hash = hash, .now = now, .rc = -2};
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, consume, &c), 0);
		bool early = finishes_within(&c, 500);
		if (commit)
			assert_int_equal(db_commit(a), 0);
		else
			assert_int_equal(db_rollback(a), 0);
		pthread_join(t, NULL);
		assert_false(early); /* B waited for A */
		assert_int_equal(c.rc, commit ? 0 : 1);
		assert_int_equal(db_commit(b), 0);
		assert_int_equal(count("SELECT count(*) FROM password_resets WHERE used_at IS NOT NULL AND user_id = ?",
				       alice_id),
				 1);
		db_exec(d, "DELETE FROM password_resets", DB_ARGS());
	}
	db_close(a);
	db_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_check_and_finish),
		cmocka_unit_test(test_expiry_and_inactive),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_pg_consumed_once_across_connections),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
